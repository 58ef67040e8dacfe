/** Which records of each entity a model trains on: `--train-range FROM..TO` or `--train-fraction F`. */
import { DriftwatchError, type Sequence } from '@driftwatch/contracts';
import { sliceSequence } from '@driftwatch/ingest';

export type TrainRange =
  | { kind: 'all' }
  | { kind: 'fraction'; fraction: number }
  /** inclusive bounds: ms since the epoch ('time') or 0-based record indexes ('record') */
  | { kind: 'range'; unit: 'time' | 'record'; from: number; to: number };

function parseBound(text: string): { unit: 'time' | 'record'; value: number } {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { unit: 'record', value: Number(t) };
  const withZone = /Z|[+-]\d{2}:?\d{2}$/.test(t) || /^\d{4}-\d{2}-\d{2}$/.test(t) ? t : `${t.replace(' ', 'T')}Z`;
  const ms = Date.parse(withZone);
  if (!/^\d{4}-\d{2}-\d{2}/.test(t) || Number.isNaN(ms))
    throw new DriftwatchError(
      `--train-range bound ${JSON.stringify(text)}: expected an ISO 8601 time (2026-01-31T10:00:00Z) or a record index`,
    );
  return { unit: 'time', value: ms };
}

/** `--train-range FROM..TO` (inclusive) or `--train-fraction F` (0 < F ≤ 1); neither = everything. */
export function parseTrainRange(range: string | undefined, fraction: string | undefined): TrainRange {
  if (range !== undefined && fraction !== undefined)
    throw new DriftwatchError('give either --train-range or --train-fraction, not both');
  if (fraction !== undefined) {
    const f = Number(fraction);
    if (!(f > 0 && f <= 1)) throw new DriftwatchError(`--train-fraction must be in (0, 1], got ${fraction}`);
    return { kind: 'fraction', fraction: f };
  }
  if (range === undefined) return { kind: 'all' };
  const parts = range.split('..');
  if (parts.length !== 2)
    throw new DriftwatchError(`--train-range must be FROM..TO (times or record indexes), got ${range}`);
  const from = parseBound(parts[0]);
  const to = parseBound(parts[1]);
  if (from.unit !== to.unit) throw new DriftwatchError(`--train-range ${range}: both bounds times or both indexes`);
  if (to.value < from.value) throw new DriftwatchError(`--train-range ${range}: the end is before the start`);
  return { kind: 'range', unit: from.unit, from: from.value, to: to.value };
}

/** The first index i with times[i] ≥ t (times increasing). */
function lowerBound(times: BigInt64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Number(times[mid]) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Records [first, end) of a sequence inside the range (possibly empty). */
export function trainingSpan(seq: Sequence, range: TrainRange): [number, number] {
  if (range.kind === 'all') return [0, seq.length];
  if (range.kind === 'fraction') return [0, Math.floor(range.fraction * seq.length)];
  if (range.unit === 'record') return [Math.min(range.from, seq.length), Math.min(range.to + 1, seq.length)];
  if (!seq.timestamps)
    throw new DriftwatchError(
      `--train-range with times, but entity ${seq.entity} has no time column: give record indexes, or ` +
        '--map timestamp=<column> (and --map timestampUnit=iso for ISO 8601 text)',
    );
  const first = lowerBound(seq.timestamps, range.from);
  return [first, Math.max(first, lowerBound(seq.timestamps, range.to + 1))];
}

/** Each entity restricted to the range (views); entities with no record in it are left out. */
export function restrictToTrainRange(sequences: readonly Sequence[], range: TrainRange): Sequence[] {
  const out: Sequence[] = [];
  for (const seq of sequences) {
    const [from, to] = trainingSpan(seq, range);
    if (to > from) out.push({ ...sliceSequence(seq, from, to), id: seq.id });
  }
  if (out.length === 0) throw new DriftwatchError('no record of any entity lies in the training range');
  return out;
}
