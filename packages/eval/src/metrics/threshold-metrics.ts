import { ParameterError } from '@driftwatch/contracts';
import { f1Score } from './peak-f1';
import { assertScoresAndLabels, eventTypesOf } from './ranges';

/** Layout of a node × time matrix stored row-major by time step: index t·nodes + n. */
export interface MatrixShape {
  timeSteps: number;
  nodes: number;
}

export interface ConfusionCounts {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

export interface ThresholdMetrics extends ConfusionCounts {
  /** (TP + TN)/records */
  accuracy: number;
  /** TP/(TP + FP), 1 when nothing is predicted */
  precision: number;
  /** TP/(TP + FN), all event types positive; 1 when no record is anomalous */
  recall: number;
  f1: number;
}

function assertThresholdInput(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
  shape?: MatrixShape,
): void {
  assertScoresAndLabels(scores, labels);
  if (Number.isNaN(threshold)) throw new ParameterError('threshold is NaN');
  if (scores.length === 0) throw new ParameterError('no records to evaluate');
  if (shape === undefined) return;
  const { timeSteps, nodes } = shape;
  if (!Number.isInteger(timeSteps) || !Number.isInteger(nodes) || timeSteps < 1 || nodes < 1) {
    throw new ParameterError(`matrix shape ${timeSteps} × ${nodes}: expected positive integers`);
  }
  if (timeSteps * nodes !== scores.length) {
    throw new ParameterError(
      `matrix shape ${timeSteps} × ${nodes} = ${timeSteps * nodes} cells, but ${scores.length} scores and labels`,
    );
  }
}

/** Confusion counts of ŷ = [s ≥ τ] against y > 0 (docs/divad.md §2 item 3). */
export function confusionCounts(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): ConfusionCounts {
  const counts: ConfusionCounts = { truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0 };
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] >= threshold;
    if (labels[i] > 0) {
      if (predicted) counts.truePositives++;
      else counts.falseNegatives++;
    } else if (predicted) counts.falsePositives++;
    else counts.trueNegatives++;
  }
  return counts;
}

/**
 * Accuracy, precision, recall and F1 of ŷ = [s ≥ τ] over records, or over node × time cells when `shape` is given
 * (scores and labels both T·N long, index t·N + n); every event type counts as positive (docs/divad.md §2 item 4).
 */
export function thresholdMetrics(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
  shape?: MatrixShape,
): ThresholdMetrics {
  assertThresholdInput(scores, labels, threshold, shape);
  const counts = confusionCounts(scores, labels, threshold);
  const { truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn } = counts;
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  return { ...counts, accuracy: (tp + tn) / scores.length, precision, recall, f1: f1Score(precision, recall) };
}

/** R_k = #{s ≥ τ, y = k}/#{y = k} for each event type k present, ascending k (docs/divad.md §2 item 4). */
export function recallByEventType(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
  shape?: MatrixShape,
): Map<number, number> {
  assertThresholdInput(scores, labels, threshold, shape);
  const types = eventTypesOf(labels);
  const hits = new Map<number, number>(types.map((k) => [k, 0]));
  const totals = new Map<number, number>(types.map((k) => [k, 0]));
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i];
    if (k === 0) continue;
    totals.set(k, (totals.get(k) ?? 0) + 1);
    if (scores[i] >= threshold) hits.set(k, (hits.get(k) ?? 0) + 1);
  }
  return new Map(types.map((k) => [k, (hits.get(k) ?? 0) / (totals.get(k) ?? 1)]));
}
