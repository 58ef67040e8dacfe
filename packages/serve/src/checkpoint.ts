/**
 * Per-entity state on disk, so a restart resumes where it stopped: the ring of standardised rows, the counter
 * predecessors, the smoothing and the alarm states. Written atomically (temporary file, then rename) after every
 * round; the arrays as base64 of their bytes.
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

/** Typed arrays as base64 of their bytes: exact (NaN included) and far cheaper to write than JSON numbers. */
const toBase64 = (values: Float32Array | Float64Array): string =>
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
function fromBase64<T extends Float32Array | Float64Array>(text: string, Type: { new (b: ArrayBuffer): T }): T {
  const bytes = Buffer.from(text, 'base64');
  // copied into a buffer of its own: Buffer's pool offsets need not be aligned for the element size
  return new Type(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

function entityToJson(s: EntityState): unknown {
  return {
    ...s,
    previous: s.previous ? { time: s.previous.time, inputs: toBase64(s.previous.inputs) } : undefined,
    rows: toBase64(s.rows),
    times: toBase64(s.times),
    history: {
      at: toBase64(Float64Array.from(s.history.at)),
      smoothed: toBase64(Float64Array.from(s.history.smoothed)),
    },
  };
}

function entityFromJson(raw: Record<string, unknown>): EntityState {
  const previous = raw.previous as { time: number; inputs: string } | undefined;
  const history = raw.history as { at: string; smoothed: string };
  return {
    ...(raw as unknown as EntityState),
    previous: previous ? { time: previous.time, inputs: fromBase64(previous.inputs, Float64Array) } : undefined,
    rows: fromBase64(raw.rows as string, Float32Array),
    times: fromBase64(raw.times as string, Float64Array),
    history: {
      at: Array.from(fromBase64(history.at, Float64Array)),
      smoothed: Array.from(fromBase64(history.smoothed, Float64Array)),
    },
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
