import { ParameterError, mulberry32 } from '@driftwatch/contracts';
import { trapezoidArea } from './auc-pr';
import { type OperatingPoint, f1Score, peakF1 } from './peak-f1';
import { type EventRange, assertLabelCodes, assertScoresAndLabels, eventRangesOf } from './ranges';

export interface PointwiseMetrics {
  /** TP/(TP + FP), 1 when nothing is predicted */
  precision: number;
  /** TP/(TP + FN), all event types positive; 1 when there is no anomalous record */
  recall: number;
  f1: number;
}

export interface PaKCurve {
  /** K in percent, ascending */
  k: number[];
  /** F1 after PA%K at each K */
  f1: Float64Array;
  /** trapezoidal area under F1 over K/100 ∈ [0, 1] */
  area: number;
}

export interface RandomScoreBaseline {
  /** peak F1 of the random scores after point adjustment */
  pointAdjusted: OperatingPoint;
  /** peak F1 of the same scores without adjustment */
  pointwise: OperatingPoint;
}

/** K = 0, 1, …, 100 (Kim et al., AAAI 2022 §4). */
export const PA_K_GRID: readonly number[] = Array.from({ length: 101 }, (_, k) => k);

function assertPredictions(predictions: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (predictions.length !== labels.length)
    throw new ParameterError(`${predictions.length} predictions but ${labels.length} labels`);
  assertLabelCodes(predictions, 'predictions');
  assertLabelCodes(labels);
}

function assertPercent(k: number): void {
  if (!(k >= 0 && k <= 100)) throw new ParameterError(`PA%K: K = ${k}, expected a percentage in [0, 100]`);
}

/** Predicted records inside each event. */
function detectedCounts(predictions: ArrayLike<number>, events: readonly EventRange[]): number[] {
  return events.map(({ start, end }) => {
    let count = 0;
    for (let i = start; i < end; i++) if (predictions[i] !== 0) count++;
    return count;
  });
}

/**
 * An event is adjusted when ≥ 1 of its records is predicted and detected/length ≥ K/100 (Kim et al., AAAI 2022 §4,
 * PA%K).
 */
function isAdjusted(detected: number, length: number, minDetectedPercent: number): boolean {
  return detected > 0 && 100 * detected >= minDetectedPercent * length;
}

/** Point-wise P, R, F1 from counts (all event types positive). */
function metricsFromCounts(truePositives: number, predicted: number, positives: number): PointwiseMetrics {
  const precision = predicted === 0 ? 1 : truePositives / predicted;
  const recall = positives === 0 ? 1 : truePositives / positives;
  return { precision, recall, f1: f1Score(precision, recall) };
}

/** Counts TP, predicted and anomalous records (all event types positive). */
function pointwiseMetricsCounts(predictions: ArrayLike<number>, labels: ArrayLike<number>) {
  let truePositives = 0;
  let predicted = 0;
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    if (predictions[i] !== 0) predicted++;
    if (labels[i] > 0) positives++;
    if (predictions[i] !== 0 && labels[i] > 0) truePositives++;
  }
  return { truePositives, predicted, positives };
}

/** Point-wise precision, recall and F1 of binary predictions. */
export function pointwiseMetrics(predictions: ArrayLike<number>, labels: ArrayLike<number>): PointwiseMetrics {
  assertPredictions(predictions, labels);
  const { truePositives, predicted, positives } = pointwiseMetricsCounts(predictions, labels);
  return metricsFromCounts(truePositives, predicted, positives);
}

/**
 * Point adjustment (Xu et al., WWW 2018 §4.1): every record of an event (maximal run of one label code) becomes
 * predicted once one of its records is; with K > 0 only events with ≥ K % of records predicted (PA%K, Kim et al. 2022).
 */
export function pointAdjust(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  minDetectedPercent = 0,
): Uint8Array {
  assertPredictions(predictions, labels);
  assertPercent(minDetectedPercent);
  const adjusted = Uint8Array.from(predictions, (p) => (p !== 0 ? 1 : 0));
  const events = eventRangesOf(labels);
  const counts = detectedCounts(predictions, events);
  events.forEach(({ start, end }, e) => {
    if (isAdjusted(counts[e], end - start, minDetectedPercent)) adjusted.fill(1, start, end);
  });
  return adjusted;
}

/**
 * Point-adjusted P, R, F1 = point-wise metrics of `pointAdjust(predictions, labels, K)` (Xu et al. 2018; Kim et al.
 * 2022).
 */
export function pointAdjustedMetrics(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  minDetectedPercent = 0,
): PointwiseMetrics {
  return pointwiseMetrics(pointAdjust(predictions, labels, minDetectedPercent), labels);
}

/** F1 of PA%K over K ∈ `ks` and its area over K/100 (Kim et al., AAAI 2022 §4); one pass over the records. */
export function paKCurve(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  ks: readonly number[] = PA_K_GRID,
): PaKCurve {
  assertPredictions(predictions, labels);
  ks.forEach((k, i) => {
    assertPercent(k);
    if (i > 0 && k <= ks[i - 1]) throw new ParameterError('PA%K: K values must be strictly ascending');
  });
  const base = pointwiseMetricsCounts(predictions, labels);
  const events = eventRangesOf(labels);
  const counts = detectedCounts(predictions, events);
  const f1 = Float64Array.from(ks, (k) => {
    let gained = 0;
    events.forEach(({ start, end }, e) => {
      if (isAdjusted(counts[e], end - start, k)) gained += end - start - counts[e];
    });
    return metricsFromCounts(base.truePositives + gained, base.predicted + gained, base.positives).f1;
  });
  return {
    k: [...ks],
    f1,
    area: trapezoidArea(
      ks.map((k) => k / 100),
      f1,
    ),
  };
}

/**
 * Best point-adjusted F1 over thresholds ŷ = [s ≥ τ]: an event flips as a whole once τ ≤ its highest score, so the
 * adjusted curve is the point-wise curve of scores where each anomalous record takes its event's maximum (Xu et al.
 * 2018). On ties the lowest threshold wins, as in `peakF1`, counting every original score as a threshold.
 */
export function peakPointAdjustedF1(scores: ArrayLike<number>, labels: ArrayLike<number>): OperatingPoint {
  assertScoresAndLabels(scores, labels);
  const adjustedScores = Float64Array.from(scores);
  for (const { start, end } of eventRangesOf(labels)) {
    let highest = -Infinity;
    for (let i = start; i < end; i++) highest = Math.max(highest, scores[i]);
    adjustedScores.fill(highest, start, end);
  }
  const peak = peakPointwiseF1(adjustedScores, labels);
  return { ...peak, threshold: lowestEquivalentThreshold(scores, adjustedScores, peak.threshold) };
}

/**
 * Lowest original score τ' giving the same adjusted predictions as τ: the smallest score in (next lower adjusted score,
 * τ].
 */
function lowestEquivalentThreshold(scores: ArrayLike<number>, adjustedScores: Float64Array, threshold: number): number {
  if (threshold === Infinity) return threshold;
  let nextLower = -Infinity;
  for (const s of adjustedScores) if (s < threshold && s > nextLower) nextLower = s;
  let lowest = threshold;
  for (let i = 0; i < scores.length; i++) if (scores[i] > nextLower && scores[i] < lowest) lowest = scores[i];
  return lowest;
}

/** Best point-wise F1 over thresholds, all event types positive (mixed recall of `peakF1`, docs/divad.md §2). */
export function peakPointwiseF1(scores: ArrayLike<number>, labels: ArrayLike<number>): OperatingPoint {
  assertScoresAndLabels(scores, labels);
  if (scores.length === 0) return { peakF1: 0, precision: 1, recall: 0, threshold: Infinity };
  const binary = Uint8Array.from(labels, (y) => (y > 0 ? 1 : 0));
  const {
    peakF1: best,
    precision,
    recall,
    threshold,
  } = peakF1([{ scores, labels: binary }], { delayedWindow: 0 }).mixed;
  return { peakF1: best, precision, recall, threshold };
}

/**
 * Peak F1 reached by uniform random scores (mulberry32(seed)) with and without point adjustment (Kim et al., AAAI 2022
 * §3).
 */
export function randomScoreBaseline(labels: ArrayLike<number>, seed: number): RandomScoreBaseline {
  if (!Number.isInteger(seed)) throw new ParameterError(`randomScoreBaseline: seed ${seed} is not an integer`);
  const uniform = mulberry32(seed);
  const scores = Float64Array.from({ length: labels.length }, () => uniform());
  return { pointAdjusted: peakPointAdjustedF1(scores, labels), pointwise: peakPointwiseF1(scores, labels) };
}
