/**
 * Node × step metrics of one run (docs/spatiotemporal.md §3): accuracy, precision, recall and F1 on the test period at
 * the threshold that maximises F1 on the validation period, plus the threshold-free peak F1, AUC-PR and VUS.
 */
import { findLengthRank, peakF1, peakPointwiseF1, thresholdMetrics, tsbAdVusPr, vus } from '@driftwatch/eval';

/** Scores and 0/1 labels of the (step, entity) cells of one period that are evaluated. */
export interface PeriodCells {
  scores: Float64Array;
  labels: Uint8Array;
}

/**
 * The cells of steps [start, end), entity-major (entity 0's steps, then entity 1's, …) so that each entity's
 * cells stay a contiguous time series for the range-based VUS. A cell counts when t ≥ W − 1 and its score is
 * finite (the detectors give NaN before their first full window).
 */
export function periodCells(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  entities: number,
  range: readonly [number, number],
  windowLength: number,
): PeriodCells {
  const from = Math.max(range[0], windowLength - 1);
  const s: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < entities; i++) {
    for (let t = from; t < range[1]; t++) {
      const v = scores[t * entities + i];
      if (!Number.isFinite(v)) continue;
      s.push(v);
      y.push(labels[t * entities + i] > 0 ? 1 : 0);
    }
  }
  return { scores: Float64Array.from(s), labels: Uint8Array.from(y) };
}

export interface NodeStepMetrics {
  /** τ: the lowest score among the tied best F1 on validation; +∞ when validation has no anomalous cell */
  threshold: number;
  validationF1: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** best F1 over every test threshold (oracle) with its precision and recall */
  peakF1: number;
  peakPrecision: number;
  peakRecall: number;
  aucPr: number;
  /** VUS over buffers ℓ = 0 … W on the entity-major test cells (VUS §5) */
  vusPr: number;
  vusRoc: number;
  /** VUS-PR as the TSB-AD benchmark defines it, over buffers 0 … tsbAdWindow, on the same cells */
  tsbAdVusPr: number;
  tsbAdWindow: number;
  validationCells: number;
  validationPositives: number;
  testCells: number;
  testPositives: number;
  warnings: string[];
}

function countPositives(labels: Uint8Array): number {
  let n = 0;
  for (const y of labels) n += y;
  return n;
}

/**
 * TSB-AD's sliding window for a node series: findLengthRank of its first channel (entity 0, feature 0) over the steps
 * [start, end), as TSB-AD's benchmark takes the first column of a multivariate series.
 */
export function tsbAdWindowOf(values: ArrayLike<number>, channels: number, range: readonly [number, number]): number {
  return findLengthRank(
    Float64Array.from({ length: range[1] - range[0] }, (_, k) => values[(range[0] + k) * channels]),
  );
}

/**
 * Every metric of one run from its T·N scores: τ = argmax_τ F1 on the validation cells (ŷ = [s ≥ τ]); the
 * test cells at τ give accuracy (TP + TN)/n, precision TP/(TP + FP), recall TP/(TP + FN) and F1.
 */
export function nodeStepMetrics(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  entities: number,
  periods: { validation: readonly [number, number]; test: readonly [number, number] },
  windowLength: number,
  /** TSB-AD's sliding window (see tsbAdWindowOf); default windowLength, the buffers of `vus` */
  tsbAdWindow = windowLength,
): NodeStepMetrics {
  const warnings: string[] = [];
  const val = periodCells(scores, labels, entities, periods.validation, windowLength);
  const test = periodCells(scores, labels, entities, periods.test, windowLength);
  const validationPositives = countPositives(val.labels);
  const testPositives = countPositives(test.labels);
  if (validationPositives === 0)
    warnings.push('the validation period has no anomalous cell: τ = +∞, nothing is flagged');
  if (testPositives === 0) warnings.push('the test period has no anomalous cell');
  const chosen = peakPointwiseF1(val.scores, val.labels);
  const threshold = validationPositives === 0 ? Infinity : chosen.threshold;
  const atThreshold = thresholdMetrics(test.scores, test.labels, threshold);
  const peak = peakF1([{ scores: test.scores, labels: test.labels }], { delayedWindow: 0 });
  const volume =
    testPositives > 0 ? vus(test.scores, test.labels, { maxBuffer: windowLength }) : { vusPr: 0, vusRoc: NaN };
  const tsbAd = testPositives > 0 ? tsbAdVusPr(test.scores, test.labels, { slidingWindow: tsbAdWindow }) : 0;
  return {
    threshold,
    validationF1: chosen.peakF1,
    accuracy: atThreshold.accuracy,
    precision: atThreshold.precision,
    recall: atThreshold.recall,
    f1: atThreshold.f1,
    peakF1: peak.mixed.peakF1,
    peakPrecision: peak.mixed.precision,
    peakRecall: peak.mixed.recall,
    aucPr: peak.aucPr,
    vusPr: volume.vusPr,
    vusRoc: volume.vusRoc,
    tsbAdVusPr: tsbAd,
    tsbAdWindow,
    validationCells: val.scores.length,
    validationPositives,
    testCells: test.scores.length,
    testPositives,
    warnings,
  };
}
