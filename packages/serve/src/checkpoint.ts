/**
 * Per-entity state on disk, so a restart resumes where it stopped: the ring of standardised rows, the counter
 * predecessors, the smoothing and the alarm states. Written atomically (temporary file, then rename) after every
 * round; NaN is stored as null.
 */
import { readFile } from 'node:fs/promises';
import { DriftwatchError, InputError } from '@driftwatch/contracts';
import { writeFileAtomic } from '@driftwatch/ingest';
import type { EntityState } from './online-scorer';

export interface CheckpointIdentity {
  /** the model's detector and creation time: state of another model is meaningless */
  model: string;
  intervalMs: number;
  shard: string;
}

export interface Checkpoint extends CheckpointIdentity {
  format: 1;
  /** the evaluation time of the last round that succeeded (ms) */
  lastTick: number;
  entities: EntityState[];
}

const toJson = (values: ArrayLike<number>): (number | null)[] =>
  Array.from(values, (x) => (Number.isNaN(x) ? null : x));
const fromJson = (values: (number | null)[]): number[] => values.map((x) => (x === null ? NaN : x));

function entityToJson(s: EntityState): unknown {
  return {
    ...s,
    previous: s.previous ? { time: s.previous.time, inputs: toJson(s.previous.inputs) } : undefined,
    rows: toJson(s.rows),
    times: Array.from(s.times),
  };
}

function entityFromJson(raw: Record<string, unknown>): EntityState {
  const previous = raw.previous as { time: number; inputs: (number | null)[] } | undefined;
  return {
    ...(raw as unknown as EntityState),
    previous: previous ? { time: previous.time, inputs: Float64Array.from(fromJson(previous.inputs)) } : undefined,
    rows: Float32Array.from(fromJson(raw.rows as (number | null)[])),
    times: Float64Array.from(raw.times as number[]),
  };
}

export async function writeCheckpoint(path: string, checkpoint: Omit<Checkpoint, 'format'>): Promise<void> {
  const json = { format: 1, ...checkpoint, entities: checkpoint.entities.map(entityToJson) };
  await writeFileAtomic(path, JSON.stringify(json));
}

/** The checkpoint at `path`, undefined when there is none; one of another model, interval or shard is an error. */
export async function readCheckpoint(path: string, expected: CheckpointIdentity): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new InputError({ file: path }, 'a serve checkpoint (JSON)', (e as Error).message);
  }
  if (raw.format !== 1 || !Array.isArray(raw.entities) || typeof raw.lastTick !== 'number')
    throw new InputError({ file: path }, 'a serve checkpoint of format 1', String(raw.format));
  for (const key of ['model', 'intervalMs', 'shard'] as const)
    if (raw[key] !== expected[key])
      throw new DriftwatchError(
        `${path} holds the state of ${key} ${String(raw[key])}, not ${String(expected[key])}: ` +
          'give another --state file, or remove this one to start afresh',
      );
  return {
    format: 1,
    ...expected,
    lastTick: raw.lastTick,
    entities: (raw.entities as Record<string, unknown>[]).map(entityFromJson),
  };
}
