import { ParameterError } from '@driftwatch/contracts';
import { trapezoidArea } from './auc-pr';
import { rankByScoreDescending, type ScoreRanking } from './rank';
import { assertScoredLabels } from './roc';

// Range-AUC and VUS of Paparrizos, Boniol, Palpanas, Tsay, Elmore, Franklin, "Volume Under the Surface: A New
// Accuracy Evaluation Measure for Time-Series Anomaly Detection", PVLDB 15(11), 2022 (§4 range-AUC, §5 VUS),
// cited below as "VUS §n".

/** Thresholds of the reference implementation: 250 scores picked evenly from the descending sort. */
export const VUS_THRESHOLD_COUNT = 250;

/**
 * `n`: that many thresholds picked evenly from the descending scores (reference grid); `'all'`: every distinct score.
 */
export type ThresholdGrid = number | 'all';

export interface RangeAucOptions {
  /** ℓ ≥ 0, an integer: ⌊ℓ/2⌋ buffer records on each side of every anomaly range */
  bufferLength: number;
  /** default `VUS_THRESHOLD_COUNT` */
  thresholds?: ThresholdGrid;
  /** multiply the range recall by the fraction of ranges hit (VUS §4); default true */
  existenceReward?: boolean;
}

export interface VusOptions extends Omit<RangeAucOptions, 'bufferLength'> {
  /** L ≥ 0, an integer: VUS averages range-AUC over ℓ = 0, 1, …, L */
  maxBuffer: number;
}

export interface RangeAuc {
  rocAuc: number;
  prAuc: number;
}

export interface Vus {
  vusRoc: number;
  vusPr: number;
  /** range-AUC-ROC for ℓ = 0..L */
  rocAucByBuffer: Float64Array;
  /** range-AUC-PR for ℓ = 0..L */
  prAucByBuffer: Float64Array;
}

/** Range-based operating points, one per grid threshold, highest threshold first (end points not included). */
export interface RangeCurve {
  thresholds: Float64Array;
  tpr: Float64Array;
  fpr: Float64Array;
  precision: Float64Array;
}

export function assertBufferLength(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new ParameterError(`${name} must be an integer ≥ 0, got ${value}`);
}

export function assertThresholdGrid(grid: ThresholdGrid): void {
  if (grid !== 'all' && (!Number.isInteger(grid) || grid < 1)) {
    throw new ParameterError(`thresholds must be 'all' or an integer ≥ 1, got ${String(grid)}`);
  }
}

/**
 * Weight of a normal record d ≥ 1 records away from an anomaly range: √(1 − d/ℓ) for d ≤ ⌊ℓ/2⌋, else 0 (VUS §4,
 * continuous label).
 */
export function bufferWeight(distance: number, bufferLength: number): number {
  return distance >= 1 && distance <= Math.floor(bufferLength / 2) ? Math.sqrt(1 - distance / bufferLength) : 0;
}

/**
 * Continuous label L̃_ℓ (VUS §4): 1 on anomalous records; elsewhere min(1, Σ over anomaly ranges of
 * bufferWeight(distance to the range)), so buffers of neighbouring ranges add up and are capped at 1.
 */
export function continuousLabel(labels: ArrayLike<number>, bufferLength: number): Float64Array {
  assertBufferLength(bufferLength, 'bufferLength');
  const n = labels.length;
  const weights = new Float64Array(n);
  const half = Math.floor(bufferLength / 2);
  let t = 0;
  while (t < n) {
    if (!(labels[t] > 0)) {
      t++;
      continue;
    }
    const start = t;
    while (t < n && labels[t] > 0) t++;
    // the range is [start, t)
    for (let d = 1; d <= half; d++) {
      if (start - d >= 0) weights[start - d] += bufferWeight(d, bufferLength);
      if (t - 1 + d < n) weights[t - 1 + d] += bufferWeight(d, bufferLength);
    }
  }
  for (let i = 0; i < n; i++) weights[i] = labels[i] > 0 ? 1 : Math.min(1, weights[i]);
  return weights;
}

/** Maximal runs [start, end) of records with L̃_ℓ > 0: the ranges of the existence reward (VUS §4). */
export function labelRanges(weights: ArrayLike<number>): { starts: Uint32Array; ends: Uint32Array } {
  const starts: number[] = [];
  const ends: number[] = [];
  let t = 0;
  while (t < weights.length) {
    if (!(weights[t] > 0)) {
      t++;
      continue;
    }
    starts.push(t);
    while (t < weights.length && weights[t] > 0) t++;
    ends.push(t);
  }
  return { starts: Uint32Array.from(starts), ends: Uint32Array.from(ends) };
}

/** Grid thresholds as prefixes of the descending ranking: predictedCount[k] = #{s ≥ τ_k}. */
export interface GridPrefixes {
  thresholds: Float64Array;
  predictedCount: Uint32Array;
}

/**
 * τ_k = s_(⌊k·(n−1)/(G−1)⌋) of the descending sort, k = 0..G−1, as numpy `linspace(0, n−1, G).astype(int)`
 * (reference implementation of VUS §4); or every distinct score for `'all'`.
 */
export function gridPrefixes(ranking: ScoreRanking, grid: ThresholdGrid): GridPrefixes {
  if (grid === 'all') return { thresholds: ranking.thresholds.slice(), predictedCount: ranking.groupEnds.slice() };
  const n = ranking.order.length;
  const groupOfPosition = new Uint32Array(n);
  for (let g = 0, p = 0; g < ranking.groupEnds.length; g++)
    for (; p < ranking.groupEnds[g]; p++) groupOfPosition[p] = g;
  const step = grid > 1 ? (n - 1) / (grid - 1) : 0;
  const prefixes: GridPrefixes = { thresholds: new Float64Array(grid), predictedCount: new Uint32Array(grid) };
  for (let k = 0; k < grid; k++) {
    const position = k === grid - 1 && grid > 1 ? n - 1 : Math.floor(k * step);
    const group = groupOfPosition[position];
    prefixes.thresholds[k] = ranking.thresholds[group];
    prefixes.predictedCount[k] = ranking.groupEnds[group];
  }
  return prefixes;
}

/**
 * At each grid threshold (VUS §4): TP_ℓ = Σ ŷ·L̃_ℓ, FP_ℓ = Σ ŷ·(1 − L̃_ℓ), P_ℓ = (|L| + Σ L̃_ℓ)/2, N_ℓ = n − P_ℓ;
 * TPR_ℓ = min(1, TP_ℓ/P_ℓ) · (ranges hit / ranges), FPR_ℓ = FP_ℓ/N_ℓ, Precision_ℓ = TP_ℓ/(TP_ℓ + FP_ℓ).
 */
function rangeCurveFromRanking(
  ranking: ScoreRanking,
  labels: ArrayLike<number>,
  positives: number,
  bufferLength: number,
  grid: GridPrefixes,
  existenceReward: boolean,
): RangeCurve {
  const n = labels.length;
  const weights = continuousLabel(labels, bufferLength);
  const cumulativeWeight = new Float64Array(n + 1);
  const positionOf = new Uint32Array(n);
  for (let p = 0; p < n; p++) {
    cumulativeWeight[p + 1] = cumulativeWeight[p] + weights[ranking.order[p]];
    positionOf[ranking.order[p]] = p;
  }
  // a range is hit from the first ranked position of any of its records on
  const ranges = labelRanges(weights);
  const rangesHitBefore = new Uint32Array(n + 1);
  for (let r = 0; r < ranges.starts.length; r++) {
    let first = n;
    for (let t = ranges.starts[r]; t < ranges.ends[r]; t++) first = Math.min(first, positionOf[t]);
    rangesHitBefore[first + 1]++;
  }
  for (let p = 1; p <= n; p++) rangesHitBefore[p] += rangesHitBefore[p - 1];
  const bufferedPositives = (positives + cumulativeWeight[n]) / 2;
  const bufferedNegatives = n - bufferedPositives;
  const size = grid.predictedCount.length;
  const curve: RangeCurve = {
    thresholds: grid.thresholds.slice(),
    tpr: new Float64Array(size),
    fpr: new Float64Array(size),
    precision: new Float64Array(size),
  };
  for (let k = 0; k < size; k++) {
    const predicted = grid.predictedCount[k];
    const truePositive = cumulativeWeight[predicted];
    const existence = existenceReward ? rangesHitBefore[predicted] / ranges.starts.length : 1;
    curve.tpr[k] = Math.min(1, truePositive / bufferedPositives) * existence;
    curve.fpr[k] = (predicted - truePositive) / bufferedNegatives;
    curve.precision[k] = truePositive / predicted;
  }
  return curve;
}

/**
 * Range-AUC-ROC: trapezoids over (0, 0), the grid points, (1, 1); range-AUC-PR: over (TPR 0, P 1) and the grid points
 * (VUS §4).
 */
function areasOfRangeCurve(curve: RangeCurve): RangeAuc {
  const size = curve.tpr.length;
  const rocX = new Float64Array(size + 2);
  const rocY = new Float64Array(size + 2);
  const prX = new Float64Array(size + 1);
  const prY = new Float64Array(size + 1);
  rocX.set(curve.fpr, 1);
  rocY.set(curve.tpr, 1);
  rocX[size + 1] = 1;
  rocY[size + 1] = 1;
  prX.set(curve.tpr, 1);
  prY.set(curve.precision, 1);
  prY[0] = 1;
  return { rocAuc: trapezoidArea(rocX, rocY), prAuc: trapezoidArea(prX, prY) };
}

interface PreparedInput {
  ranking: ScoreRanking;
  positives: number;
  grid: GridPrefixes;
  existenceReward: boolean;
}

function prepare(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: Omit<RangeAucOptions, 'bufferLength'>,
  caller: string,
): PreparedInput {
  const { positives } = assertScoredLabels(scores, labels, caller);
  const thresholds = options.thresholds ?? VUS_THRESHOLD_COUNT;
  assertThresholdGrid(thresholds);
  const ranking = rankByScoreDescending(scores);
  return {
    ranking,
    positives,
    grid: gridPrefixes(ranking, thresholds),
    existenceReward: options.existenceReward ?? true,
  };
}

/** Range-based TPR, FPR and precision of VUS §4 for one buffer length ℓ, at every grid threshold. */
export function rangeCurve(scores: ArrayLike<number>, labels: ArrayLike<number>, options: RangeAucOptions): RangeCurve {
  assertBufferLength(options.bufferLength, 'bufferLength');
  const input = prepare(scores, labels, options, 'rangeCurve');
  return rangeCurveFromRanking(
    input.ranking,
    labels,
    input.positives,
    options.bufferLength,
    input.grid,
    input.existenceReward,
  );
}

/** Range-AUC-ROC and range-AUC-PR for one buffer length ℓ (VUS §4). */
export function rangeAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, options: RangeAucOptions): RangeAuc {
  return areasOfRangeCurve(rangeCurve(scores, labels, options));
}

/** VUS-ROC = (1/(L+1)) Σ_{ℓ=0..L} range-AUC-ROC_ℓ, VUS-PR likewise (VUS §5). One ranking serves every ℓ. */
export function vus(scores: ArrayLike<number>, labels: ArrayLike<number>, options: VusOptions): Vus {
  assertBufferLength(options.maxBuffer, 'maxBuffer');
  const input = prepare(scores, labels, options, 'vus');
  const buffers = options.maxBuffer + 1;
  const result: Vus = {
    vusRoc: 0,
    vusPr: 0,
    rocAucByBuffer: new Float64Array(buffers),
    prAucByBuffer: new Float64Array(buffers),
  };
  for (let bufferLength = 0; bufferLength < buffers; bufferLength++) {
    const areas = areasOfRangeCurve(
      rangeCurveFromRanking(input.ranking, labels, input.positives, bufferLength, input.grid, input.existenceReward),
    );
    result.rocAucByBuffer[bufferLength] = areas.rocAuc;
    result.prAucByBuffer[bufferLength] = areas.prAuc;
    result.vusRoc += areas.rocAuc;
    result.vusPr += areas.prAuc;
  }
  result.vusRoc /= buffers;
  result.vusPr /= buffers;
  return result;
}
