import { ParameterError } from '@driftwatch/contracts';

/** A run of records [start, end) (end excluded) carrying one event type (the label code, 1 for binary input). */
export interface EventRange {
  start: number;
  end: number;
  type: number;
}

/** Scores as the metrics accept them. */
export type ScoreArray = Float64Array | readonly number[];

/** Labels per record: 0 normal, k > 0 the code of an event type. */
export type LabelArray = Uint8Array | readonly number[];

/** Throws unless every entry is an integer ≥ 0. */
export function assertLabelCodes(labels: ArrayLike<number>, what = 'labels'): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0)
      throw new ParameterError(`${what}: record ${i} is ${y}, expected an integer ≥ 0`);
  }
}

/** Throws unless scores and labels have the same length and no score is NaN. */
export function assertScoresAndLabels(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) {
    throw new ParameterError(`${scores.length} scores but ${labels.length} labels`);
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new ParameterError(`score of record ${i} is NaN`);
  }
  assertLabelCodes(labels);
}

/**
 * Maximal runs of nonzero records, event types merged; a range's type is the code of its first record (Tatbul et al.
 * 2018 §2: anomaly ranges).
 */
export function rangesOf(values: ArrayLike<number>): EventRange[] {
  assertLabelCodes(values, 'rangesOf');
  const ranges: EventRange[] = [];
  let i = 0;
  while (i < values.length) {
    if (values[i] === 0) {
      i++;
      continue;
    }
    const start = i;
    while (i < values.length && values[i] !== 0) i++;
    ranges.push({ start, end: i, type: values[start] });
  }
  return ranges;
}

/** Maximal runs of one nonzero code: a change of code starts a new range (Exathlon `extract_multiclass_ranges_ids`). */
export function eventRangesOf(labels: ArrayLike<number>): EventRange[] {
  assertLabelCodes(labels, 'eventRangesOf');
  const ranges: EventRange[] = [];
  let i = 0;
  while (i < labels.length) {
    const type = labels[i];
    if (type === 0) {
      i++;
      continue;
    }
    const start = i;
    while (i < labels.length && labels[i] === type) i++;
    ranges.push({ start, end: i, type });
  }
  return ranges;
}

/** Binary predictions ŷ_i = [s_i ≥ τ], as peak F1 thresholds (docs/divad.md §2 item 3). */
export function predictAtThreshold(scores: ArrayLike<number>, threshold: number): Uint8Array {
  if (Number.isNaN(threshold)) throw new ParameterError('threshold is NaN');
  const predicted = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) predicted[i] = scores[i] >= threshold ? 1 : 0;
  return predicted;
}

/** Sorted distinct event types (codes > 0) present in `labels`. */
export function eventTypesOf(labels: ArrayLike<number>): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0) seen.add(labels[i]);
  return [...seen].sort((a, b) => a - b);
}
