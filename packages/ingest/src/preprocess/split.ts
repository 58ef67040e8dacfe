import { ParameterError, type AnomalyRange, type Sequence } from '@driftwatch/contracts';

/** Ranges restricted to [from, to) and shifted so that `from` becomes record 0. */
function clipRanges(ranges: AnomalyRange[], from: number, to: number): AnomalyRange[] {
  const out: AnomalyRange[] = [];
  for (const r of ranges) {
    const start = Math.max(r.start, from);
    const end = Math.min(r.end, to);
    if (start < end) out.push({ ...r, start: start - from, end: end - from });
  }
  return out;
}

/** Records [from, to) of a sequence as views (no copy); id gets the suffix `[from:to]`. */
export function sliceSequence(seq: Sequence, from: number, to: number): Sequence {
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= seq.length)) {
    throw new ParameterError(`slice [${from}, ${to}) is not inside the ${seq.length} records of ${seq.id}`);
  }
  const width = seq.features.length;
  const part: Sequence = {
    id: `${seq.id}[${from}:${to}]`,
    entity: seq.entity,
    domain: seq.domain,
    features: seq.features,
    values: seq.values.subarray(from * width, to * width),
    length: to - from,
  };
  if (seq.labels) part.labels = seq.labels.subarray(from, to);
  if (seq.timestamps) part.timestamps = seq.timestamps.subarray(from, to);
  if (seq.ranges) part.ranges = clipRanges(seq.ranges, from, to);
  return part;
}

/** Records [0, at) and [at, T) as views; ranges are clipped to each part and shifted. */
export function splitSequence(seq: Sequence, at: number): [Sequence, Sequence] {
  if (!(Number.isInteger(at) && at >= 0 && at <= seq.length)) {
    throw new ParameterError(`split point must be an integer in [0, ${seq.length}] for ${seq.id}, got ${at}`);
  }
  return [sliceSequence(seq, 0, at), sliceSequence(seq, at, seq.length)];
}

/**
 * Time split: tail = the last ⌊fraction·T⌋ records, head = the rest (docs/divad.md §5b: ASD validation is the
 * last 15% of each training server's sequence).
 */
export function tailSplit(seq: Sequence, fraction: number): { head: Sequence; tail: Sequence } {
  if (!(fraction >= 0 && fraction <= 1)) throw new ParameterError(`tail fraction must be in [0, 1], got ${fraction}`);
  const tailLength = Math.floor(fraction * seq.length);
  const [head, tail] = splitSequence(seq, seq.length - tailLength);
  return { head, tail };
}
