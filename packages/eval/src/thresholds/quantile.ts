import { ParameterError } from '@driftwatch/contracts';

/** Throws unless `scores` is non-empty and free of NaN. */
export function assertScores(scores: ArrayLike<number>, where: string): void {
  if (scores.length === 0) throw new ParameterError(`${where}: no scores`);
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new ParameterError(`${where}: score ${i} is NaN`);
  }
}

/** Ascending copy of the scores. */
export function sortedAscending(scores: ArrayLike<number>): Float64Array {
  return Float64Array.from(scores).sort();
}

/**
 * Quantile of an ascending array, linear interpolation: h = (n−1)·p, x_⌊h⌋ + (h−⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋) (Hyndman & Fan
 * 1996, type 7 = numpy default).
 */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new ParameterError(`quantile: level ${p} is not in [0, 1]`);
  if (sorted.length === 0) throw new ParameterError('quantile: no values');
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = h - lo;
  return frac === 0 ? sorted[lo] : sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

/** Quantile at level p ∈ [0, 1] of unsorted scores (type 7, as numpy.quantile). */
export function quantile(scores: ArrayLike<number>, p: number): number {
  assertScores(scores, 'quantile');
  return quantileOfSorted(sortedAscending(scores), p);
}

/** Threshold = the q-th percentile of the scores, q ∈ [0, 100] (numpy.percentile, linear interpolation). */
export function percentileThreshold(scores: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new ParameterError(`percentileThreshold: q = ${q} is not in [0, 100]`);
  return quantile(scores, q / 100);
}

/**
 * Threshold flagging about a share c of the scores: the 100·(1−c)-th percentile (contamination rate, as scikit-learn's
 * outlier detectors).
 */
export function contaminationThreshold(scores: ArrayLike<number>, share: number): number {
  if (!(share >= 0 && share <= 1))
    throw new ParameterError(`contaminationThreshold: share = ${share} is not in [0, 1]`);
  return quantile(scores, 1 - share);
}
