import { ParameterError, type Detector, type WindowSet } from '@driftwatch/contracts';

/**
 * A window set whose feature `feature` is replaced by `fill` in every record: the window as it would look had
 * that metric stayed at its training mean (0 after standardisation).
 */
export function occludedWindows(windows: WindowSet, feature: number, fill = 0): WindowSet {
  const F = windows.featureCount;
  if (!(feature >= 0 && feature < F)) throw new ParameterError(`feature ${feature} outside 0..${F - 1}`);
  return {
    windowLength: windows.windowLength,
    featureCount: F,
    count: windows.count,
    domains: windows.domains,
    domainOf: (i) => windows.domainOf(i),
    window(i) {
      const copy = Float32Array.from(windows.window(i));
      for (let k = feature; k < copy.length; k += F) copy[k] = fill;
      return copy;
    },
  };
}

/**
 * Occlusion attribution, for detectors without an exact decomposition:
 * a_f(w) = max(0, s(w) − s(w with feature f at its training mean)), one scoring pass per feature (F + 1 in all).
 */
export async function occlusionAttributions(detector: Detector, windows: WindowSet): Promise<Float32Array> {
  const F = windows.featureCount;
  const base = await detector.scoreWindows(windows);
  const out = new Float32Array(windows.count * F);
  for (let f = 0; f < F; f++) {
    const occluded = await detector.scoreWindows(occludedWindows(windows, f));
    for (let i = 0; i < windows.count; i++) out[i * F + f] = Math.max(0, base[i] - occluded[i]);
  }
  return out;
}
