import { fiveNumbers, summariseMethods, summariseSequences } from './grid-summary';
import type { SourcedResult } from '../input';

function line(method: string, seq: string, smoothing: number, peakF1: number, deployedF1?: number): SourcedResult {
  return {
    method,
    dataset: 'asd',
    testSequence: seq,
    smoothing,
    peakF1,
    precision: 0,
    recall: 0,
    threshold: 0,
    aucPr: 0,
    trainSeconds: 0,
    scoreSeconds: 0,
    backend: 'js',
    seed: 0,
    params: {},
    source: 'r.jsonl',
    ...(deployedF1 === undefined
      ? {}
      : { deployed: [{ selector: 'p99', threshold: 1, precision: 1, recall: 1, f1: deployedF1 }] }),
  };
}

describe('fiveNumbers', () => {
  it('gives numpy type-7 quartiles (worked by hand: 1, 2, 3, 4 → 1.75, 2.5, 3.25)', () => {
    expect(fiveNumbers([4, 1, 3, 2])).toEqual({ n: 4, min: 1, q1: 1.75, median: 2.5, q3: 3.25, max: 4, iqr: 1.5 });
  });
  it('ignores non-finite values and is all-NaN when nothing is left', () => {
    expect(fiveNumbers([NaN, 2]).median).toBe(2);
    expect(fiveNumbers([]).n).toBe(0);
    expect(fiveNumbers([]).max).toBeNaN();
  });
});

describe('summaries over the grid', () => {
  const results = [
    line('a', 'asd/omi-1', 0, 0.2, 0.1),
    line('a', 'asd/omi-1', 0.9, 0.6, 0.3),
    line('a', 'asd/omi-1', 0.99, 0.4, 0.2),
    line('a', 'asd/omi-2', 0, 0.5, 0.4),
    line('a', 'asd/omi-2', 0.9, 0.5, 0.0),
    line('b', 'asd/omi-1', 0, 0.1),
  ];
  const sequences = summariseSequences(results);

  it('groups by (method, sequence) and picks the first of the best grid points', () => {
    expect(sequences.map((s) => [s.method, s.testSequence, s.peakF1.n])).toEqual([
      ['a', 'asd/omi-1', 3],
      ['a', 'asd/omi-2', 2],
      ['b', 'asd/omi-1', 1],
    ]);
    expect(sequences[0].best.smoothing).toBe(0.9);
    expect(sequences[1].best.smoothing).toBe(0); // tie at 0.5: the first line wins
    const f = sequences[0].peakF1;
    [f.max, f.median, f.q1, f.q3].forEach((v, i) => expect(v).toBeCloseTo([0.6, 0.4, 0.3, 0.5][i], 12));
    expect(sequences[0].deployedF1.p99.median).toBeCloseTo(0.2, 12);
    expect(sequences[2].deployedF1).toEqual({});
  });

  it('aggregates each method over its sequences', () => {
    const methods = summariseMethods(results, sequences);
    const a = methods.find((m) => m.method === 'a')!;
    expect(a.sequences).toBe(2);
    expect(a.bestMean).toBeCloseTo(0.55, 12); // (0.6 + 0.5)/2
    expect(a.allPeakF1.median).toBe(0.5); // of 0.2, 0.6, 0.4, 0.5, 0.5
    expect(a.deployedF1.p99).toBeCloseTo((0.2 + 0.2) / 2, 12); // medians 0.2 and (0.4 + 0)/2
    const b = methods.find((m) => m.method === 'b')!;
    expect(b.deployedF1).toEqual({});
  });
});
