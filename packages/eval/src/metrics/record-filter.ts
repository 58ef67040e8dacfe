import { ParameterError } from '@driftwatch/contracts';

/** Scores and labels of one test sequence, one entry per record. */
export interface LabelledScores {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
}

/** The (score, label) pairs that survive filtering, pooled over sequences (docs/divad.md §2 item 1c). */
export interface KeptRecords {
  scores: Float64Array;
  labels: Int32Array;
}

export function assertDelayedWindow(delayedWindow: number): void {
  if (!(Number.isInteger(delayedWindow) && delayedWindow >= 0)) {
    throw new ParameterError(`delayedWindow must be an integer ≥ 0, got ${delayedWindow}`);
  }
}

/**
 * Which records of one sequence enter the evaluation (docs/divad.md §2 items 1a–1b): records with an ignored
 * label go; a normal record goes when one of the `delayedWindow` records before it, inside the same
 * sub-period, is anomalous. That is the "drop b..min(b+w, len)−1 after each run [a, b)" rule restated per
 * record: the record b+j (j < w) is within w of the run's last record b−1. Anomalous records always stay,
 * and an ignored record ends the sub-period, so it also ends any mask running into it.
 */
export function keptRecordMask(
  labels: ArrayLike<number>,
  delayedWindow: number,
  ignoredLabels: ReadonlySet<number>,
): Uint8Array {
  assertDelayedWindow(delayedWindow);
  const keep = new Uint8Array(labels.length);
  let lastAnomalous = -Infinity;
  for (let t = 0; t < labels.length; t++) {
    const y = labels[t];
    if (ignoredLabels.has(y)) {
      lastAnomalous = -Infinity;
    } else if (y > 0) {
      keep[t] = 1;
      lastAnomalous = t;
    } else if (t - lastAnomalous > delayedWindow) {
      keep[t] = 1;
    }
  }
  return keep;
}

function assertSequence(seq: LabelledScores, i: number): void {
  if (!seq || seq.scores == null || seq.labels == null)
    throw new ParameterError(`sequence ${i}: expected { scores, labels }`);
  if (seq.scores.length !== seq.labels.length) {
    throw new ParameterError(`sequence ${i}: ${seq.scores.length} scores but ${seq.labels.length} labels`);
  }
  for (let t = 0; t < seq.labels.length; t++) {
    const y = seq.labels[t];
    if (!(Number.isInteger(y) && y >= 0 && y <= 0x7fffffff)) {
      throw new ParameterError(
        `sequence ${i}, record ${t}: labels must be integers ≥ 0 (0 normal, k > 0 an event type), got ${y}`,
      );
    }
    if (Number.isNaN(seq.scores[t])) {
      throw new ParameterError(`sequence ${i}, record ${t}: score is NaN (recordScores maps NaN to 0)`);
    }
  }
}

/** Validates every sequence, filters each one and pools the kept records (docs/divad.md §2 item 1). */
export function poolKeptRecords(
  sequences: readonly LabelledScores[],
  delayedWindow: number,
  ignoredLabels: readonly number[] = [],
): KeptRecords {
  assertDelayedWindow(delayedWindow);
  if (!Array.isArray(sequences) || sequences.length === 0)
    throw new ParameterError('peak F1 needs at least one sequence');
  let total = 0;
  sequences.forEach((seq, i) => {
    assertSequence(seq, i);
    total += seq.labels.length;
  });
  if (total === 0) throw new ParameterError('peak F1 needs at least one record; every sequence is empty');
  const ignored = new Set(ignoredLabels);
  const scores = new Float64Array(total);
  const labels = new Int32Array(total);
  let n = 0;
  for (const seq of sequences) {
    const keep = keptRecordMask(seq.labels, delayedWindow, ignored);
    for (let t = 0; t < keep.length; t++) {
      if (keep[t] === 0) continue;
      scores[n] = seq.scores[t];
      labels[n] = seq.labels[t];
      n++;
    }
  }
  return { scores: scores.subarray(0, n), labels: labels.subarray(0, n) };
}
