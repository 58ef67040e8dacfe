import { ParameterError, type Sequence } from '@driftwatch/contracts';

export type ResampleAggregate = 'mean' | 'max' | 'min' | 'first' | 'last';
export type ResampleFill = 'previous' | 'previous-then-next' | 'none';

export interface ResampleOptions {
  /** the fixed step, ms */
  stepMs: number;
  /** how records falling in one step are combined (NaN values are left out); default 'mean' */
  aggregate?: ResampleAggregate;
  /**
   * how empty steps are filled: carry the last value forward ('previous'), then also backward; default
   * 'previous-then-next'
   */
  fill?: ResampleFill;
  /** grid origin, ms (default: the first time rounded down to a multiple of the step) */
  originMs?: bigint;
}

/**
 * A sequence on a regular time grid t_k = origin + k·step covering its records: record i falls in step
 * ⌊(t_i − origin) / step⌋; each step holds the aggregate of its records per feature, empty steps are
 * filled as asked. Labels take the largest code in the step (an anomaly anywhere in it marks it).
 * Ranges are mapped to the steps that hold their first and last records.
 */
export function resampleSequence(seq: Sequence, options: ResampleOptions): Sequence {
  const step = options.stepMs;
  if (!(Number.isFinite(step) && step > 0 && Number.isInteger(step)))
    throw new ParameterError(`stepMs must be a positive integer, got ${step}`);
  if (!seq.timestamps) throw new ParameterError(`sequence ${seq.id} has no timestamps to resample by`);
  const aggregate = options.aggregate ?? 'mean';
  const fill = options.fill ?? 'previous-then-next';
  const width = seq.features.length;
  if (seq.length === 0)
    return {
      ...seq,
      values: new Float32Array(0),
      timestamps: new BigInt64Array(0),
      labels: seq.labels ? new Uint8Array(0) : undefined,
    };
  const bigStep = BigInt(step);
  const first = seq.timestamps[0];
  const origin = options.originMs ?? floorTo(first, bigStep);
  const slotOf = (t: bigint): number => Number(floorDiv(t - origin, bigStep));
  let last = 0;
  for (let i = 0; i < seq.length; i++) {
    const slot = slotOf(seq.timestamps[i]);
    if (slot < 0) throw new ParameterError(`sequence ${seq.id}: record ${i} lies before the grid origin`);
    if (i > 0 && seq.timestamps[i] < seq.timestamps[i - 1])
      throw new ParameterError(`sequence ${seq.id}: times must not decrease (record ${i})`);
    last = slot;
  }
  const length = last + 1;
  const sums = new Float64Array(length * width);
  const counts = new Uint32Array(length * width);
  const values = new Float32Array(length * width).fill(NaN);
  const labels = seq.labels ? new Uint8Array(length) : undefined;
  const slotOfRecord = new Int32Array(seq.length);
  for (let i = 0; i < seq.length; i++) {
    const slot = slotOf(seq.timestamps[i]);
    slotOfRecord[i] = slot;
    if (labels && seq.labels![i] > labels[slot]) labels[slot] = seq.labels![i];
    for (let f = 0; f < width; f++) {
      const v = seq.values[i * width + f];
      if (Number.isNaN(v)) continue;
      const k = slot * width + f;
      const n = counts[k]++;
      switch (aggregate) {
        case 'mean':
          sums[k] += v;
          break;
        case 'max':
          if (n === 0 || v > values[k]) values[k] = v;
          break;
        case 'min':
          if (n === 0 || v < values[k]) values[k] = v;
          break;
        case 'first':
          if (n === 0) values[k] = v;
          break;
        case 'last':
          values[k] = v;
          break;
      }
    }
  }
  if (aggregate === 'mean') for (let k = 0; k < sums.length; k++) if (counts[k] > 0) values[k] = sums[k] / counts[k];
  if (fill !== 'none') fillGaps(values, length, width, fill === 'previous-then-next');
  const timestamps = new BigInt64Array(length);
  for (let k = 0; k < length; k++) timestamps[k] = origin + BigInt(k) * bigStep;
  const ranges = seq.ranges?.map((r) => ({ ...r, start: slotOfRecord[r.start], end: slotOfRecord[r.end - 1] + 1 }));
  return { ...seq, values, length, timestamps, ...(labels ? { labels } : {}), ...(ranges ? { ranges } : {}) };
}

/** Forward fill NaN per feature (x_t ← x_{t−1}); then, if asked, back fill the leading NaN. */
export function fillGaps(values: Float32Array, length: number, width: number, backward: boolean): void {
  for (let f = 0; f < width; f++) {
    let previous = NaN;
    let firstValid = -1;
    for (let t = 0; t < length; t++) {
      const k = t * width + f;
      if (Number.isNaN(values[k])) values[k] = previous;
      else {
        previous = values[k];
        if (firstValid === -1) firstValid = t;
      }
    }
    if (backward && firstValid > 0)
      for (let t = 0; t < firstValid; t++) values[t * width + f] = values[firstValid * width + f];
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function floorTo(t: bigint, step: bigint): bigint {
  return floorDiv(t, step) * step;
}
