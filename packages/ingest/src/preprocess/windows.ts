import {
  FeatureMismatchError,
  ParameterError,
  subsetWindowSet,
  type Sequence,
  type WindowSet,
} from '@driftwatch/contracts';

/** A WindowSet that knows where each window comes from. */
export interface IndexedWindowSet extends WindowSet {
  /** index into the sequences the windows were made from */
  sequenceOf(i: number): number;
  /** record index (in its sequence) of the window's last record */
  endOf(i: number): number;
}

export interface WindowOptions {
  /** domain order (DIVAD's d index); default: the sorted unique domains of the sequences */
  domains?: string[];
  /** drop every window that contains a record with label > 0 (docs/divad.md §3.4) */
  normalOnly?: boolean;
}

/** Windows over sequences, stored as (sequence, start) pairs; window(i) is a view on the sequence values. */
export class SequenceWindows implements IndexedWindowSet {
  readonly featureCount: number;
  readonly count: number;
  private readonly domainIndex: Int32Array;

  constructor(
    readonly sequences: readonly Sequence[],
    readonly windowLength: number,
    readonly domains: string[],
    /** sequence index of each window */
    readonly sequenceIndex: Int32Array,
    /** first record of each window */
    readonly starts: Int32Array,
  ) {
    this.featureCount = sequences.length > 0 ? sequences[0].features.length : 0;
    this.count = starts.length;
    const position = new Map(domains.map((d, k) => [d, k]));
    this.domainIndex = Int32Array.from(sequences, (s) => {
      const k = position.get(s.domain);
      if (k === undefined)
        throw new ParameterError(
          `sequence ${s.id} has domain "${s.domain}", which is not among the domains ${domains.join(', ')}`,
        );
      return k;
    });
  }

  /** records [start, start+W) of its sequence: values.subarray(start·F, (start+W)·F) */
  window(i: number): Float32Array {
    const start = this.starts[i];
    const width = this.featureCount;
    return this.sequences[this.sequenceIndex[i]].values.subarray(start * width, (start + this.windowLength) * width);
  }

  domainOf(i: number): number {
    return this.domainIndex[this.sequenceIndex[i]];
  }

  sequenceOf(i: number): number {
    return this.sequenceIndex[i];
  }

  endOf(i: number): number {
    return this.starts[i] + this.windowLength - 1;
  }
}

/** Sorted unique domains of some sequences (the default domain order). */
export function domainsOf(sequences: readonly Sequence[]): string[] {
  return [...new Set(sequences.map((s) => s.domain))].sort();
}

/**
 * All windows of length W with step 1 (docs/divad.md §1): w_t = (x_{t−W+1} … x_t) for t = W−1 … T−1 of each
 * sequence, in sequence order. With `normalOnly`, a window is kept only if all its W labels are 0 (§3.4).
 */
export function windowSequences(
  sequences: readonly Sequence[],
  windowLength: number,
  opts: WindowOptions = {},
): SequenceWindows {
  if (!(Number.isInteger(windowLength) && windowLength >= 1))
    throw new ParameterError(`window length must be an integer ≥ 1, got ${windowLength}`);
  if (sequences.length === 0) throw new ParameterError('windowSequences: no sequences');
  const width = sequences[0].features.length;
  for (const s of sequences) {
    if (s.features.length !== width)
      throw new FeatureMismatchError(width, s.features.length, `features per record in ${s.id}`);
    if (s.values.length < s.length * width)
      throw new FeatureMismatchError(s.length * width, s.values.length, `values in ${s.id}`);
  }
  const domains = opts.domains ?? domainsOf(sequences);
  const upperBound = sequences.reduce((n, s) => n + Math.max(0, s.length - windowLength + 1), 0);
  let sequenceIndex = new Int32Array(upperBound);
  let starts = new Int32Array(upperBound);
  let count = 0;
  sequences.forEach((s, k) => {
    const labels = opts.normalOnly ? s.labels : undefined;
    // last record with a label > 0 seen so far; window [t−W+1, t] is normal iff it lies before the window
    let lastAnomalous = -1;
    for (let t = 0; t < s.length; t++) {
      if (labels && labels[t] > 0) lastAnomalous = t;
      const start = t - windowLength + 1;
      if (start >= 0 && lastAnomalous < start) {
        sequenceIndex[count] = k;
        starts[count] = start;
        count++;
      }
    }
  });
  if (count < upperBound) {
    sequenceIndex = sequenceIndex.slice(0, count);
    starts = starts.slice(0, count);
  }
  return new SequenceWindows(sequences, windowLength, domains, sequenceIndex, starts);
}

/** An IndexedWindowSet restricted to `indices` of another (no copy of values). */
export function subsetIndexedWindows(ws: IndexedWindowSet, indices: Int32Array): IndexedWindowSet {
  return {
    ...subsetWindowSet(ws, indices),
    sequenceOf: (i) => ws.sequenceOf(indices[i]),
    endOf: (i) => ws.endOf(indices[i]),
  };
}
