import { ParameterError } from '@driftwatch/contracts';
import { f1Score } from './peak-f1';
import { type EventRange, assertLabelCodes, eventRangesOf, rangesOf } from './ranges';

export interface EventWiseMetrics {
  /** R_e = detected real events / real events (1 when there is none) */
  eventRecall: number;
  /** P_t = TP/(TP + FP) over records (1 when nothing is predicted) */
  pointPrecision: number;
  /** predicted ranges that overlap a real event / predicted ranges (1 when nothing is predicted) */
  eventPrecision: number;
  /** composite F-score F(P_t, R_e) (Garg et al. 2021) */
  compositeF1: number;
  /** F(eventPrecision, R_e) */
  eventF1: number;
  events: number;
  detectedEvents: number;
}

export interface DetectionDelays {
  /** per real event, in label order: records from its start to its first predicted record, null when missed */
  delays: (number | null)[];
  /** mean over detected events, null when none is detected */
  meanDelay: number | null;
}

function assertSameLength(predictions: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (predictions.length !== labels.length)
    throw new ParameterError(`${predictions.length} predictions but ${labels.length} labels`);
  assertLabelCodes(predictions, 'predictions');
  assertLabelCodes(labels);
}

/** First predicted record inside [start, end), or −1 (event detection: Garg et al. 2021 §IV-A). */
function firstPredictedIn(predictions: ArrayLike<number>, range: EventRange): number {
  for (let i = range.start; i < range.end; i++) if (predictions[i] !== 0) return i;
  return -1;
}

/** Detection delay of each real event = first predicted index − event start (records), null if none inside it. */
export function detectionDelays(predictions: ArrayLike<number>, labels: ArrayLike<number>): DetectionDelays {
  assertSameLength(predictions, labels);
  const delays = eventRangesOf(labels).map((event) => {
    const first = firstPredictedIn(predictions, event);
    return first < 0 ? null : first - event.start;
  });
  const detected = delays.filter((d): d is number => d !== null);
  return { delays, meanDelay: detected.length === 0 ? null : detected.reduce((a, b) => a + b, 0) / detected.length };
}

/** Point-wise precision TP/(TP + FP) with all event types positive; 1 when nothing is predicted. */
function pointPrecisionOf(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  let predicted = 0;
  let truePositives = 0;
  for (let i = 0; i < labels.length; i++) {
    if (predictions[i] === 0) continue;
    predicted++;
    if (labels[i] > 0) truePositives++;
  }
  return predicted === 0 ? 1 : truePositives / predicted;
}

/** Share of predicted ranges containing at least one anomalous record; 1 when nothing is predicted. */
function eventPrecisionOf(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  const predictedRanges = rangesOf(predictions);
  if (predictedRanges.length === 0) return 1;
  const hits = predictedRanges.filter((range) => firstPredictedIn(labels, range) >= 0).length;
  return hits / predictedRanges.length;
}

/**
 * Event-wise metrics of binary predictions: an event (maximal run of one label code) is detected when any of its
 * records is predicted. Composite F-score F_c = F(P_t, R_e) (Garg et al. 2021 §IV-A); also F with event-level
 * precision.
 */
export function eventWiseMetrics(predictions: ArrayLike<number>, labels: ArrayLike<number>): EventWiseMetrics {
  assertSameLength(predictions, labels);
  const events = eventRangesOf(labels);
  const detectedEvents = events.filter((event) => firstPredictedIn(predictions, event) >= 0).length;
  const eventRecall = events.length === 0 ? 1 : detectedEvents / events.length;
  const pointPrecision = pointPrecisionOf(predictions, labels);
  const eventPrecision = eventPrecisionOf(predictions, labels);
  return {
    eventRecall,
    pointPrecision,
    eventPrecision,
    compositeF1: f1Score(pointPrecision, eventRecall),
    eventF1: f1Score(eventPrecision, eventRecall),
    events: events.length,
    detectedEvents,
  };
}
