/**
 * Data for the detectors' learning tests (test code only; not exported from the package entry).
 * Normal windows follow one latent factor per record, x_j = a_j·t + 0.1·ε; the last `anomalies` windows use
 * other loadings, so only a model that learned the normal correlation structure can rank them first.
 */
import { mulberry32, normalSampler, packedWindowSet, type WindowSet } from '@driftwatch/contracts';

export interface OneFactorOptions {
  /** windows at the end of the set that break the pattern (default 0) */
  anomalies?: number;
  windowLength?: number;
  /** the normal windows' loadings a_j, one per feature (default [1, −1, 0.5, 2]) */
  loadings?: readonly number[];
  /** uses the first `featureCount` loadings (default: all) */
  featureCount?: number;
  /** the anomalous windows' loadings (default ±2 alternating, starting with −2) */
  broken?: readonly number[];
}

/** n windows of one domain; x_j = a_j·t + 0.1·ε per record with t, ε ~ N(0, 1) drawn in that order. */
export function oneFactorWindows(n: number, seed: number, opts: OneFactorOptions = {}): WindowSet {
  const W = opts.windowLength ?? 3;
  const allLoadings = opts.loadings ?? [1, -1, 0.5, 2];
  const F = opts.featureCount ?? allLoadings.length;
  if (F > allLoadings.length)
    throw new Error(`oneFactorWindows: ${F} features but only ${allLoadings.length} loadings`);
  const loadings = allLoadings.slice(0, F);
  const broken = opts.broken ?? loadings.map((_, j) => (j % 2 ? 2 : -2));
  const anomalies = opts.anomalies ?? 0;
  const normal = normalSampler(mulberry32(seed));
  const values = new Float32Array(n * W * F);
  for (let i = 0; i < n; i++) {
    const a = i >= n - anomalies ? broken : loadings;
    for (let r = 0; r < W; r++) {
      const t = normal();
      for (let j = 0; j < F; j++) values[(i * W + r) * F + j] = a[j] * t + 0.1 * normal();
    }
  }
  return packedWindowSet(values, W, F, new Uint8Array(n), ['one']);
}

/**
 * AUC-ROC of anomalies (the scores after the first `normalCount`) against normals: P(s_a > s_n) + ½P(s_a = s_n), over
 * all pairs.
 */
export function pairwiseAuc(scores: Float32Array, normalCount: number): number {
  const anomalies = scores.subarray(normalCount);
  const normals = scores.subarray(0, normalCount);
  let wins = 0;
  for (const a of anomalies) for (const n of normals) wins += a > n ? 1 : a === n ? 0.5 : 0;
  return wins / (anomalies.length * normals.length);
}
