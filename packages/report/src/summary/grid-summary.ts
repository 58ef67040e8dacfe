import { quantile } from '@driftwatch/eval';
import type { SourcedResult } from '../input';

/** min, type-7 quartiles, max and IQR = Q3 − Q1 of a set of figures (the box of a box plot). */
export interface FiveNumbers {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  iqr: number;
}

export function fiveNumbers(values: readonly number[]): FiveNumbers {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { n: 0, min: NaN, q1: NaN, median: NaN, q3: NaN, max: NaN, iqr: NaN };
  const q1 = quantile(finite, 0.25);
  const q3 = quantile(finite, 0.75);
  return {
    n: finite.length,
    min: Math.min(...finite),
    q1,
    median: quantile(finite, 0.5),
    q3,
    max: Math.max(...finite),
    iqr: q3 - q1,
  };
}

/** Groups in first-seen order, keyed by `key`. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The grid points of one (method, data set, test sequence): one results line each (smoothing × parameters). */
export interface SequenceSummary {
  method: string;
  dataset: string;
  testSequence: string;
  /** peak F1 over the grid */
  peakF1: FiveNumbers;
  /** the grid point with the highest peak F1 (the first one on ties): an oracle choice */
  best: SourcedResult;
  /** per label-free selector, F1 at its deployed threshold over the grid points that have it */
  deployedF1: Record<string, FiveNumbers>;
}

/** One method on one data set, over its test sequences. */
export interface MethodSummary {
  method: string;
  dataset: string;
  sequences: number;
  /** of each sequence's best peak F1 */
  bestPeakF1: FiveNumbers;
  /** mean of each sequence's best peak F1 (the paper's headline aggregation) */
  bestMean: number;
  /** of every grid point of every sequence */
  allPeakF1: FiveNumbers;
  /** mean over sequences of the median deployed F1 per selector */
  deployedF1: Record<string, number>;
}

export const sequenceKey = (r: { method: string; dataset: string; testSequence: string }): string =>
  `${r.method}\u0000${r.dataset}\u0000${r.testSequence}`;

/** The grid point with the highest peak F1, the first on ties (what a report draws for a sequence). */
export function bestGridPoint<R extends { peakF1: number }>(rows: readonly R[]): R {
  return rows.reduce((a, b) => (b.peakF1 > a.peakF1 ? b : a));
}

export function summariseSequences(results: readonly SourcedResult[]): SequenceSummary[] {
  return [...groupBy(results, sequenceKey).values()].map((rows) => {
    const best = bestGridPoint(rows);
    const bySelector = new Map<string, number[]>();
    for (const r of rows) {
      for (const d of r.deployed ?? []) {
        if (d.error !== undefined || typeof d.f1 !== 'number') continue;
        bySelector.set(d.selector, [...(bySelector.get(d.selector) ?? []), d.f1]);
      }
    }
    return {
      method: best.method,
      dataset: best.dataset,
      testSequence: best.testSequence,
      peakF1: fiveNumbers(rows.map((r) => r.peakF1)),
      best,
      deployedF1: Object.fromEntries([...bySelector].map(([s, f1s]) => [s, fiveNumbers(f1s)])),
    };
  });
}

export function summariseMethods(
  results: readonly SourcedResult[],
  sequences: readonly SequenceSummary[],
): MethodSummary[] {
  const seqGroups = groupBy(sequences, (s) => `${s.method}\u0000${s.dataset}`);
  const resultGroups = groupBy(results, (r) => `${r.method}\u0000${r.dataset}`);
  return [...seqGroups].map(([key, seqs]) => {
    const selectors = [...new Set(seqs.flatMap((s) => Object.keys(s.deployedF1)))];
    const deployedF1: Record<string, number> = {};
    for (const selector of selectors) {
      const medians = seqs.map((s) => s.deployedF1[selector]?.median).filter((v): v is number => Number.isFinite(v));
      deployedF1[selector] = medians.length === seqs.length ? medians.reduce((a, b) => a + b, 0) / medians.length : NaN;
    }
    return {
      method: seqs[0].method,
      dataset: seqs[0].dataset,
      sequences: seqs.length,
      bestPeakF1: fiveNumbers(seqs.map((s) => s.peakF1.max)),
      bestMean: meanOf(seqs.map((s) => s.peakF1.max)),
      allPeakF1: fiveNumbers((resultGroups.get(key) ?? []).map((r) => r.peakF1)),
      deployedF1,
    };
  });
}

/** Mean of a list (NaN when empty). */
export function meanOf(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
