import { type Sequence } from '@driftwatch/contracts';
import { balancedSample } from './balanced-sample';
import { windowSequences } from './windows';

function seq(id: string, length: number): Sequence {
  return { id, entity: id, domain: id, features: ['a'], values: Float32Array.from({ length }, (_, i) => i), length };
}

// key A: three files of different sizes; key B: one small file (drawn with replacement); key C: one file
const lengths = [60, 25, 12, 9, 60];
const keys = ['A', 'A', 'A', 'B', 'C'];
const W = 3;
const ws = windowSequences(
  lengths.map((n, k) => seq(`f${k}`, n)),
  W,
);
const keyOf = (f: number) => keys[f];

/** Per file: ⌈(n_f / n_κ) · ⌊n / #keys⌋⌉, counted from the lengths alone. */
function expectedCounts(): number[] {
  const nf = lengths.map((n) => n - W + 1);
  const n = nf.reduce((a, b) => a + b, 0);
  const perKey = Math.floor(n / new Set(keys).size);
  return nf.map((c, f) => {
    const nk = nf.filter((_, g) => keys[g] === keys[f]).reduce((a, b) => a + b, 0);
    return Math.ceil((c / nk) * perKey);
  });
}

function countsByFile(sample: ReturnType<typeof balancedSample>): number[] {
  const counts = lengths.map(() => 0);
  for (let i = 0; i < sample.count; i++) counts[sample.sequenceOf(i)]++;
  return counts;
}

describe('balancedSample', () => {
  it('draws ⌈(n_f/n_κ)·n_per⌉ windows per file', () => {
    const sample = balancedSample(ws, keyOf, 0);
    const expected = expectedCounts();
    // worked by hand: n = 58+23+10+7+58 = 156, n_per = 52; A has 91 windows: ⌈58·52/91⌉ = 34, ⌈23·52/91⌉ = 14,
    // ⌈10·52/91⌉ = 6
    expect(expected).toEqual([34, 14, 6, 52, 52]);
    expect(countsByFile(sample)).toEqual(expected);
    expect(sample.count).toBe(expected.reduce((a, b) => a + b, 0));
    expect(sample.windowLength).toBe(W);
  });

  it('draws without replacement when the file has enough windows, with replacement otherwise', () => {
    const sample = balancedSample(ws, keyOf, 1);
    const ends = lengths.map(() => [] as number[]);
    for (let i = 0; i < sample.count; i++) {
      ends[sample.sequenceOf(i)].push(sample.endOf(i));
      expect(Array.from(sample.window(i))).toEqual([sample.endOf(i) - 2, sample.endOf(i) - 1, sample.endOf(i)]);
    }
    for (const f of [0, 1, 2, 4]) expect(new Set(ends[f]).size).toBe(ends[f].length);
    // file 3 has 7 windows and must give 52: every draw is one of its own
    expect(ends[3].length).toBe(52);
    expect(ends[3].every((e) => e >= W - 1 && e < 9)).toBe(true);
    expect(new Set(ends[3]).size).toBeLessThanOrEqual(7);
  });

  it('is deterministic under a seed and varies with it', () => {
    const list = (seed: number) => {
      const s = balancedSample(ws, keyOf, seed);
      return Array.from({ length: s.count }, (_, i) => `${s.sequenceOf(i)}:${s.endOf(i)}`);
    };
    expect(list(42)).toEqual(list(42));
    expect(list(42)).not.toEqual(list(43));
  });

  it('draws uniformly within a file', () => {
    const hits = new Array<number>(23).fill(0);
    const runs = 400;
    for (let seed = 0; seed < runs; seed++) {
      const s = balancedSample(ws, keyOf, seed);
      for (let i = 0; i < s.count; i++) if (s.sequenceOf(i) === 1) hits[s.endOf(i) - (W - 1)]++;
    }
    // file 1: 14 of 23 windows; binomial(400, 14/23) has sd ≈ 9.8, so ±49 is 5 sd
    for (const h of hits) expect(Math.abs(h - (runs * 14) / 23)).toBeLessThan(49);
  });

  it('keeps every window when there is only one key', () => {
    const s = balancedSample(ws, () => 'all', 0);
    expect(s.count).toBe(ws.count);
    expect(s.endOf(5)).toBe(ws.endOf(5));
  });
});
