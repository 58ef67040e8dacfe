import { ParameterError } from '@driftwatch/contracts';
import { assertScores, quantileOfSorted, sortedAscending } from './quantile';

/** Scale factor making the MAD a consistent estimator of σ for normal data: 1/Φ⁻¹(3/4) (Rousseeuw & Croux 1993). */
export const MAD_NORMAL_CONSISTENCY = 1.4826;

/** A label-free selector: scores → threshold (ŷ = s ≥ threshold). */
export type ThresholdSelector = (scores: ArrayLike<number>) => number;

/** Arithmetic mean Σx/n. */
export function mean(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i];
  return sum / x.length;
}

/** Standard deviation sqrt(Σ(x−x̄)²/(n−ddof)); ddof 0 (population, numpy default) or 1 (sample). */
export function standardDeviation(x: ArrayLike<number>, ddof: 0 | 1 = 0): number {
  if (x.length - ddof <= 0) throw new ParameterError(`standardDeviation: ${x.length} values for ddof ${ddof}`);
  const m = mean(x);
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i] - m) ** 2;
  return Math.sqrt(ss / (x.length - ddof));
}

/** Median = 0.5-quantile. */
export function median(x: ArrayLike<number>): number {
  assertScores(x, 'median');
  return quantileOfSorted(sortedAscending(x), 0.5);
}

/** Median absolute deviation median_i |x_i − median(x)| (unscaled). */
export function medianAbsoluteDeviation(x: ArrayLike<number>): number {
  const m = median(x);
  return median(Array.from(x, (v) => Math.abs(v - m)));
}

function assertFactor(k: number, where: string): void {
  if (!Number.isFinite(k)) throw new ParameterError(`${where}: k = ${k} is not a finite number`);
}

/** STD selector: mean + k·std, population std (Exathlon threshold_selectors.py, docs/divad.md §2). */
export function stdThreshold(scores: ArrayLike<number>, k: number): number {
  assertScores(scores, 'stdThreshold');
  assertFactor(k, 'stdThreshold');
  return mean(scores) + k * standardDeviation(scores);
}

/** MAD selector: median + k·1.4826·MAD (Exathlon threshold_selectors.py, docs/divad.md §2). */
export function madThreshold(scores: ArrayLike<number>, k: number): number {
  assertScores(scores, 'madThreshold');
  assertFactor(k, 'madThreshold');
  return median(scores) + k * MAD_NORMAL_CONSISTENCY * medianAbsoluteDeviation(scores);
}

/** IQR selector: Q3 + k·(Q3 − Q1), type-7 quartiles (Exathlon threshold_selectors.py, docs/divad.md §2). */
export function iqrThreshold(scores: ArrayLike<number>, k: number): number {
  assertScores(scores, 'iqrThreshold');
  assertFactor(k, 'iqrThreshold');
  const sorted = sortedAscending(scores);
  const q1 = quantileOfSorted(sorted, 0.25);
  const q3 = quantileOfSorted(sorted, 0.75);
  return q3 + k * (q3 - q1);
}

export interface IteratedThresholdOptions {
  /** scores > removalFactor·threshold are removed before the next round (default 1) */
  removalFactor?: number;
  /** at most this many rounds (default 100); the loop stops earlier once a round removes nothing */
  maxIterations?: number;
}

export interface IteratedThresholdResult {
  threshold: number;
  iterations: number;
  /** scores left when the last threshold was computed */
  keptCount: number;
}

/**
 * Exathlon iteration: τ_i = select(S_i), S_{i+1} = {s ∈ S_i : s ≤ removal_factor·τ_i}, until S stops changing (Exathlon
 * threshold_selectors.py, docs/divad.md §2).
 */
export function iteratedThreshold(
  scores: ArrayLike<number>,
  select: ThresholdSelector,
  options: IteratedThresholdOptions = {},
): IteratedThresholdResult {
  const removalFactor = options.removalFactor ?? 1;
  const maxIterations = options.maxIterations ?? 100;
  if (!(removalFactor > 0) || !Number.isFinite(removalFactor))
    throw new ParameterError(`iteratedThreshold: removalFactor = ${removalFactor} must be > 0`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1)
    throw new ParameterError(`iteratedThreshold: maxIterations = ${maxIterations} must be an integer ≥ 1`);
  assertScores(scores, 'iteratedThreshold');
  let kept = Float64Array.from(scores);
  let threshold = select(kept);
  let iterations = 1;
  while (iterations < maxIterations) {
    const limit = removalFactor * threshold;
    const next = kept.filter((s) => s <= limit);
    if (next.length === kept.length || next.length === 0) break;
    kept = next;
    threshold = select(kept);
    iterations++;
  }
  return { threshold, iterations, keptCount: kept.length };
}
