import type { RecordBatch } from 'apache-arrow';
import { InputError, ParameterError } from '@driftwatch/contracts';
import { sourceLinesOf } from './source-lines';

/** Where a record sits: its entity, time (ms) and file line. */
export interface TimedRecord {
  entity: string;
  ms: bigint;
  line: number | undefined;
}

/** The error for a record whose time goes back (`ms < previous.ms`) or repeats within its entity. */
export function timeOrderError(file: string, column: string, previous: TimedRecord, current: TimedRecord): InputError {
  const where = { file, line: current.line };
  if (current.ms === previous.ms) {
    return new InputError(
      where,
      `one record per time within entity "${current.entity}" in column "${column}" (line ${previous.line} ` +
        `has the same time)`,
      `${current.ms} ms again`,
    );
  }
  return new InputError(
    where,
    `times that increase within entity "${current.entity}" in column "${column}" (line ${previous.line} ` +
      `has ${previous.ms} ms)`,
    `${current.ms} ms`,
  );
}

export interface TimeOrderOptions {
  /** the Timestamp column */
  timestamp: string;
  /** the entity column (dictionary or utf8); without it all rows are one entity */
  entity?: string;
  file: string;
}

/**
 * Passes batches through unchanged while checking that times strictly increase within each entity: a
 * repeated or earlier time is an InputError naming both lines. For writers that must not pass on
 * disordered series (the detectors' windows assume time order).
 */
export async function* checkTimeOrder(
  batches: AsyncIterable<RecordBatch>,
  options: TimeOrderOptions,
): AsyncGenerator<RecordBatch> {
  const last = new Map<string, TimedRecord>();
  for await (const batch of batches) {
    const times = batch.getChild(options.timestamp);
    if (!times)
      throw new ParameterError(`${options.file}: no column "${options.timestamp}" to check the time order of`);
    const entities = options.entity === undefined ? undefined : batch.getChild(options.entity);
    if (options.entity !== undefined && !entities)
      throw new ParameterError(`${options.file}: no entity column "${options.entity}"`);
    const lines = sourceLinesOf(batch);
    for (let r = 0; r < batch.numRows; r++) {
      const value = times.get(r) as bigint | number | null;
      if (value === null) continue;
      const current: TimedRecord = {
        entity: entities ? String(entities.get(r)) : '',
        ms: BigInt(value),
        line: lines?.[r],
      };
      const previous = last.get(current.entity);
      if (previous && current.ms <= previous.ms)
        throw timeOrderError(options.file, options.timestamp, previous, current);
      last.set(current.entity, current);
    }
    yield batch;
  }
}
