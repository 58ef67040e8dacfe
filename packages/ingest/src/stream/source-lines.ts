import type { RecordBatch } from 'apache-arrow';

/**
 * The 1-based file line of every row of a batch read from text, kept beside the batch (not as a column) so
 * the schema stays the data's own; checks made after reading (timestamp order, label ranges) use it to
 * point at the offending line.
 */
const linesOfBatch = new WeakMap<RecordBatch, Uint32Array>();

export function setSourceLines(batch: RecordBatch, lines: Uint32Array): void {
  linesOfBatch.set(batch, lines);
}

export function sourceLinesOf(batch: RecordBatch): Uint32Array | undefined {
  return linesOfBatch.get(batch);
}
