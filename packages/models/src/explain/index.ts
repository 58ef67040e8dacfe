import { isFeatureAttributing, type Detector, type WindowSet } from '@driftwatch/contracts';
import { occlusionAttributions } from './occlusion';

export { occludedWindows, occlusionAttributions } from './occlusion';

export interface WindowExplanations {
  /** count × F, row-major: each feature's share in each window's score (≥ 0, higher = more responsible) */
  attributions: Float32Array;
  /** 'model': the detector's own decomposition; 'occlusion': score drop when a feature is held at its mean */
  method: 'model' | 'occlusion';
}

/** Per-feature attributions of the windows' scores: the detector's own when it has one, else occlusion. */
export async function explainWindows(detector: Detector, windows: WindowSet): Promise<WindowExplanations> {
  if (isFeatureAttributing(detector))
    return { attributions: await detector.featureAttributions(windows), method: 'model' };
  return { attributions: await occlusionAttributions(detector, windows), method: 'occlusion' };
}

/** The k features with the largest attribution in window i, largest first (ties: lower index first). */
export function topFeatures(attributions: Float32Array, featureCount: number, i: number, k: number): number[] {
  const row = attributions.subarray(i * featureCount, (i + 1) * featureCount);
  return [...row.keys()].sort((a, b) => row[b] - row[a] || a - b).slice(0, Math.min(k, featureCount));
}
