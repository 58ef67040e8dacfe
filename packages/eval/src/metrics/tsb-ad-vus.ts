import { ParameterError } from '@driftwatch/contracts';
import { rankByScoreDescending } from './rank';
import { assertScoredLabels } from './roc';
import { assertBufferLength, assertThresholdGrid, bufferWeight, gridPrefixes, VUS_THRESHOLD_COUNT } from './vus';

// VUS as the TSB-AD benchmark computes it (Liu & Paparrizos, "The Elephant in the Room: Towards A Reliable Time-Series
// Anomaly Detection Benchmark", NeurIPS 2024 Datasets and Benchmarks; repository TheDatumOrg/TSB-AD, get_metrics →
// generate_curve → RangeAUC_volume_opt). It shares the continuous label and the threshold grid of `vus` (Paparrizos et
// al., PVLDB 2022) but differs from it in three ways, reproduced here on purpose so that figures can be compared with
// TSB-AD's leaderboards:
//  1. the recall denominator counts only the predicted buffer records: P_w(τ) = |L| + ½ Σ_buffer L̃_w·ŷ_τ
//     (ours: |L| + ½ Σ_buffer L̃_w, every buffer record); it enters TPR and FPR = FP/(n − P_w), so VUS-ROC differs
//     too, while precision is TP/#ŷ in both;
//  2. the PR area is a step sum Σ_k (TPR_k − TPR_{k−1})·Precision_k, not trapezoids;
//  3. the existence reward counts extended ranges [s − ⌊w/2⌋, e + ⌊w/2⌋] merged only where they overlap, so two
//     buffers that merely touch stay two ranges (ours merges every run of L̃_w > 0).
// The buffer lengths are w = 0 … slidingWindow, where TSB-AD takes slidingWindow = findLengthRank(first channel).

export interface TsbAdVusOptions {
  /** the largest buffer length w (TSB-AD's slidingWindow): areas are averaged over w = 0 … slidingWindow */
  slidingWindow: number;
  /** grid thresholds picked evenly from the descending scores; TSB-AD's default 250 */
  thresholds?: number;
}

export interface TsbAdVus {
  vusRoc: number;
  vusPr: number;
  /** range-AUC-ROC for w = 0 … slidingWindow */
  rocAucByWindow: Float64Array;
  /** range-AUC-PR (step sum) for w = 0 … slidingWindow */
  prAucByWindow: Float64Array;
}

/** Maximal runs of anomalous records, as [start, end] inclusive. */
function anomalyRanges(labels: ArrayLike<number>): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let t = 0; t < labels.length; t++) {
    if (!(labels[t] > 0)) continue;
    starts.push(t);
    while (t + 1 < labels.length && labels[t + 1] > 0) t++;
    ends.push(t);
  }
  return { starts, ends };
}

/** Extended ranges [start, end] inclusive; anomaly ranges firstRange[r] … lastRange[r] lie in the r-th. */
interface ExtendedRanges {
  starts: number[];
  ends: number[];
  firstRange: number[];
  lastRange: number[];
}

/**
 * Extended ranges [s_i − h, e_i + h] with h = ⌊w/2⌋, clipped to the series; consecutive ones merge when
 * e_i + h ≥ s_{i+1} − h (they overlap), and stay apart when they only touch.
 */
function extendedRanges(ranges: { starts: number[]; ends: number[] }, window: number, n: number): ExtendedRanges {
  const half = Math.floor(window / 2);
  const last = ranges.starts.length - 1;
  const extended: ExtendedRanges = {
    starts: [Math.max(ranges.starts[0] - half, 0)],
    ends: [],
    firstRange: [0],
    lastRange: [],
  };
  for (let i = 0; i < last; i++) {
    if (ranges.ends[i] + half < ranges.starts[i + 1] - half) {
      extended.ends.push(ranges.ends[i] + half);
      extended.lastRange.push(i);
      extended.starts.push(ranges.starts[i + 1] - half);
      extended.firstRange.push(i + 1);
    }
  }
  extended.ends.push(Math.min(ranges.ends[last] + half, n - 1));
  extended.lastRange.push(last);
  return extended;
}

/**
 * Adds √(1 − d/w) to the records 1 ≤ d ≤ ⌊w/2⌋ before and after anomaly ranges first … last (VUS §4 continuous
 * label before the cap at 1); the records stay within their extended range.
 */
function addBufferWeights(
  ranges: { starts: number[]; ends: number[] },
  first: number,
  last: number,
  window: number,
  weights: Float64Array,
): void {
  for (let i = first; i <= last; i++) {
    for (let d = 1; d <= Math.floor(window / 2); d++) {
      const weight = bufferWeight(d, window);
      if (ranges.starts[i] - d >= 0) weights[ranges.starts[i] - d] += weight;
      if (ranges.ends[i] + d < weights.length) weights[ranges.ends[i] + d] += weight;
    }
  }
}

/** Running sums in place: c_k ← Σ_{j ≤ k} c_j. */
function accumulate(counts: Float64Array): Float64Array {
  for (let k = 1; k < counts.length; k++) counts[k] += counts[k - 1];
  return counts;
}

/** Range-AUC-ROC: trapezoids over (0, 0), the grid points in threshold order, (1, 1); signed widths as in TSB-AD. */
function rocArea(tpr: Float64Array, fpr: Float64Array): number {
  let area = 0;
  let x = 0;
  let y = 0;
  for (let k = 0; k <= tpr.length; k++) {
    const nextX = k < tpr.length ? fpr[k] : 1;
    const nextY = k < tpr.length ? tpr[k] : 1;
    area += ((nextX - x) * (y + nextY)) / 2;
    x = nextX;
    y = nextY;
  }
  return area;
}

/** Range-AUC-PR as a step sum from TPR 0: Σ_k (TPR_k − TPR_{k−1})·Precision_k. */
function prStepArea(tpr: Float64Array, precision: Float64Array): number {
  let area = 0;
  for (let k = 0; k < tpr.length; k++) area += (tpr[k] - (k > 0 ? tpr[k - 1] : 0)) * precision[k];
  return area;
}

/**
 * TSB-AD's VUS-ROC and VUS-PR: the range-AUCs of buffer lengths w = 0 … slidingWindow, averaged. At grid threshold τ_k
 * with ŷ = [s ≥ τ_k]: TP = Σ L̃_w·ŷ, P_w = |L| + ½ Σ_buffer L̃_w·ŷ, TPR = min(1, TP/P_w)·(extended ranges hit/ranges),
 * FPR = (#ŷ − TP)/(n − P_w), Precision = TP/#ŷ.
 */
export function tsbAdVus(scores: ArrayLike<number>, labels: ArrayLike<number>, options: TsbAdVusOptions): TsbAdVus {
  assertBufferLength(options.slidingWindow, 'slidingWindow');
  const grid = options.thresholds ?? VUS_THRESHOLD_COUNT;
  assertThresholdGrid(grid);
  const { positives } = assertScoredLabels(scores, labels, 'tsbAdVus');
  const n = labels.length;
  const ranking = rankByScoreDescending(scores);
  const { predictedCount } = gridPrefixes(ranking, grid);
  const size = predictedCount.length;
  // firstThresholdAt[p]: the first grid threshold whose prediction includes the record ranked p-th
  const firstThresholdAt = new Uint32Array(n);
  for (let p = 0, k = 0; p < n; p++) {
    while (k < size && predictedCount[k] <= p) k++;
    firstThresholdAt[p] = k;
  }
  const thresholdOf = new Uint32Array(n);
  for (let p = 0; p < n; p++) thresholdOf[ranking.order[p]] = firstThresholdAt[p];
  // predicted anomalous records at each threshold (one extra slot for records no threshold predicts)
  const anomalousPredicted = new Float64Array(size + 1);
  for (let t = 0; t < n; t++) if (labels[t] > 0) anomalousPredicted[thresholdOf[t]]++;
  accumulate(anomalousPredicted);
  const ranges = anomalyRanges(labels);

  const windows = options.slidingWindow + 1;
  const result: TsbAdVus = {
    vusRoc: 0,
    vusPr: 0,
    rocAucByWindow: new Float64Array(windows),
    prAucByWindow: new Float64Array(windows),
  };
  const tpr = new Float64Array(size);
  const fpr = new Float64Array(size);
  const precision = new Float64Array(size);
  // L̃_w before the cap, on the records of the extended range being visited; zeroed again after the visit
  const weights = new Float64Array(n);
  for (let window = 0; window < windows; window++) {
    const extended = extendedRanges(ranges, window, n);
    // Σ_buffer L̃_w·ŷ and extended ranges hit, bucketed by the first threshold that predicts them
    const bufferPredicted = new Float64Array(size + 1);
    const rangesHit = new Float64Array(size + 1);
    for (let r = 0; r < extended.starts.length; r++) {
      addBufferWeights(ranges, extended.firstRange[r], extended.lastRange[r], window, weights);
      let first = size;
      for (let t = extended.starts[r]; t <= extended.ends[r]; t++) {
        first = Math.min(first, thresholdOf[t]);
        if (!(labels[t] > 0)) bufferPredicted[thresholdOf[t]] += Math.min(1, weights[t]);
        weights[t] = 0;
      }
      rangesHit[first]++;
    }
    accumulate(bufferPredicted);
    accumulate(rangesHit);
    for (let k = 0; k < size; k++) {
      const truePositive = anomalousPredicted[k] + bufferPredicted[k];
      const bufferedPositives = positives + bufferPredicted[k] / 2;
      const existence = rangesHit[k] / extended.starts.length;
      tpr[k] = Math.min(1, truePositive / bufferedPositives) * existence;
      fpr[k] = (predictedCount[k] - truePositive) / (n - bufferedPositives);
      precision[k] = truePositive / predictedCount[k];
    }
    result.rocAucByWindow[window] = rocArea(tpr, fpr);
    result.prAucByWindow[window] = prStepArea(tpr, precision);
    result.vusRoc += result.rocAucByWindow[window];
    result.vusPr += result.prAucByWindow[window];
  }
  result.vusRoc /= windows;
  result.vusPr /= windows;
  return result;
}

/** TSB-AD's VUS-PR (see `tsbAdVus`). */
export function tsbAdVusPr(scores: ArrayLike<number>, labels: ArrayLike<number>, options: TsbAdVusOptions): number {
  return tsbAdVus(scores, labels, options).vusPr;
}

/** TSB-AD's VUS-ROC (see `tsbAdVus`). */
export function tsbAdVusRoc(scores: ArrayLike<number>, labels: ArrayLike<number>, options: TsbAdVusOptions): number {
  return tsbAdVus(scores, labels, options).vusRoc;
}

/** TSB-AD's fallback sliding window when the autocorrelation shows no usable period. */
export const TSB_AD_DEFAULT_WINDOW = 125;
/** Records of the series that find_length_rank looks at, and the lags of its autocorrelation. */
const PERIOD_RECORDS = 20000;
const PERIOD_LAGS = 400;
/** Lags 0 … 2 are dropped before looking for maxima; a maximum is accepted at lags 6 … 303. */
const SKIPPED_LAGS = 3;
const MIN_PERIOD = 6;
const MAX_PERIOD = 303;

/**
 * Sample autocorrelation r_k = Σ_{t<m−k} (x_t − x̄)(x_{t+k} − x̄) / Σ_t (x_t − x̄)², k = 0 … min(maxLag, m − 1), as
 * statsmodels' acf with its defaults (not adjusted, demeaned). Direct sums: 20000 records × 401 lags is cheap.
 */
function autocorrelation(series: ArrayLike<number>, maxLag: number): Float64Array {
  const m = series.length;
  let mean = 0;
  for (let t = 0; t < m; t++) mean += series[t];
  mean /= m;
  const x = Float64Array.from({ length: m }, (_, t) => series[t] - mean);
  const lags = Math.min(maxLag, m - 1) + 1;
  const r = new Float64Array(Math.max(lags, 0));
  for (let k = 0; k < lags; k++) {
    let sum = 0;
    for (let t = 0; t + k < m; t++) sum += x[t] * x[t + k];
    r[k] = sum;
  }
  const variance = r[0];
  for (let k = 0; k < lags; k++) r[k] /= variance;
  return r;
}

/**
 * TSB-AD's sliding window (find_length_rank): the lag of the rank-th highest strict local maximum of the
 * autocorrelation over lags 3 … 400 of the first 20000 records; 125 when there is none or it lies outside 6 … 303.
 * rank 1: the highest maximum; rank 2: the highest one at a longer lag than the highest; rank 0: 1 (no window).
 * Equal maxima (exact ties, which measured series hardly produce) rank the longer lag first, as reversing a stable
 * ascending argsort does.
 */
export function findLengthRank(series: ArrayLike<number>, rank = 1): number {
  if (rank !== 0 && rank !== 1 && rank !== 2)
    throw new ParameterError(`findLengthRank: rank must be 0, 1 or 2, got ${rank}`);
  if (series.length === 0)
    throw new ParameterError('findLengthRank: the series is empty; expected at least one record');
  for (let t = 0; t < series.length; t++) {
    if (!Number.isFinite(series[t]))
      throw new ParameterError(`findLengthRank: record ${t} is ${series[t]}; expected finite numbers`);
  }
  if (rank === 0) return 1;
  const head = Float64Array.from({ length: Math.min(series.length, PERIOD_RECORDS) }, (_, t) => series[t]);
  const r = autocorrelation(head, PERIOD_LAGS).subarray(SKIPPED_LAGS);
  // a constant series has no autocorrelation (0/0 in TSB-AD), hence no maximum
  if (!r.every(Number.isFinite)) return TSB_AD_DEFAULT_WINDOW;
  const maxima: number[] = [];
  for (let i = 1; i + 1 < r.length; i++) if (r[i] > r[i - 1] && r[i] > r[i + 1]) maxima.push(i);
  if (maxima.length === 0) return TSB_AD_DEFAULT_WINDOW;
  // indices into maxima, highest first; equal heights put the longer lag first
  const byHeight = maxima.map((_, j) => j).sort((a, b) => r[maxima[b]] - r[maxima[a]] || b - a);
  let chosen = byHeight[0];
  if (rank === 2) chosen = byHeight.slice(1).find((j) => j > byHeight[0]) ?? chosen;
  const lag = maxima[chosen] + SKIPPED_LAGS;
  return lag < MIN_PERIOD || lag > MAX_PERIOD ? TSB_AD_DEFAULT_WINDOW : lag;
}
