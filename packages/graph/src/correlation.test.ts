import fc from 'fast-check';
import { ParameterError, validateNodeSeries, type NodeSeries } from '@driftwatch/contracts';
import { correlationGraph, pearson } from './correlation';

/** A one-feature NodeSeries from per-entity columns. */
function seriesOf(columns: number[][], names = columns.map((_, i) => `e${i}`)): NodeSeries {
  const T = columns[0].length;
  const N = columns.length;
  const values = new Float32Array(T * N);
  for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) values[t * N + i] = columns[i][t];
  return { id: 'test', entities: names, features: ['cpu'], length: T, values };
}

/** r by the one-pass textbook formula (nΣxy − ΣxΣy) / √((nΣx² − (Σx)²)(nΣy² − (Σy)²)): a different computation. */
function pearsonTextbook(x: number[], y: number[]): number {
  const pairs = x.map((v, i) => [v, y[i]]).filter(([a, b]) => !Number.isNaN(a) && !Number.isNaN(b));
  const n = pairs.length;
  const sx = pairs.reduce((s, [a]) => s + a, 0);
  const sy = pairs.reduce((s, [, b]) => s + b, 0);
  const sxy = pairs.reduce((s, [a, b]) => s + a * b, 0);
  const sxx = pairs.reduce((s, [a]) => s + a * a, 0);
  const syy = pairs.reduce((s, [, b]) => s + b * b, 0);
  return (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
}

describe('pearson', () => {
  it('hand-worked values: ±1, 0, constant and too few pairs', () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // deviations (−½, ½, −½, ½) and (−½, −½, ½, ½) are orthogonal
    expect(pearson([1, 2, 1, 2], [1, 1, 2, 2])).toBe(0);
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
    // pairwise complete: the NaN step is skipped on both sides, leaving (1,2),(3,6),(4,8)
    expect(pearson([1, NaN, 3, 4], [2, 100, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, NaN, 3], [2, 4, 6])).toBeNaN();
    expect(() => pearson([1], [1, 2])).toThrow(ParameterError);
  });

  it('equals the textbook one-pass formula on random data with gaps', () => {
    // values on a 0.001 grid: the one-pass formula cancels catastrophically on near-constant data (e.g. 0 and 1e-33),
    // where neither result means anything; metric data is not like that
    const grid = fc.integer({ min: -100_000, max: 100_000 }).map((k) => k / 1000);
    const value = fc.oneof({ weight: 9, arbitrary: grid }, { weight: 1, arbitrary: fc.constant(NaN) });
    fc.assert(
      fc.property(
        fc
          .integer({ min: 4, max: 40 })
          .chain((n) =>
            fc.tuple(fc.array(value, { minLength: n, maxLength: n }), fc.array(value, { minLength: n, maxLength: n })),
          ),
        ([x, y]) => {
          const r = pearson(x, y);
          const complete = x.filter((v, i) => !Number.isNaN(v) && !Number.isNaN(y[i])).length;
          const textbook = pearsonTextbook(x, y);
          if (complete < 3 || !Number.isFinite(textbook) || Number.isNaN(r)) return;
          expect(r).toBeCloseTo(textbook, 6);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('correlationGraph', () => {
  // window 0 (steps 0–3): e1 = 2·e0, e2 = 5 − e0 → every |r| = 1; window 1 (steps 4–7): r(e0, e1) = 0, e2 constant
  const series = seriesOf([
    [1, 2, 3, 4, 1, 2, 1, 2],
    [2, 4, 6, 8, 1, 1, 2, 2],
    [4, 3, 2, 1, 3, 3, 3, 3],
  ]);

  it('links pairs with |r| ≥ threshold, weight |r|, both directions, t in steps', () => {
    const g = correlationGraph(series, { windowSteps: 4 });
    const snaps = g.snapshots();
    expect(snaps.map((s) => s.t)).toEqual([0, 4]);
    expect(snaps[0].edges.map((e) => [e.src, e.dst, e.kind, Number(e.weight.toFixed(12))])).toEqual([
      [0, 1, 'correlation', 1],
      [0, 2, 'correlation', 1],
      [1, 0, 'correlation', 1],
      [1, 2, 'correlation', 1],
      [2, 0, 'correlation', 1],
      [2, 1, 'correlation', 1],
    ]);
    expect(snaps[1].edges).toEqual([]);
    // the graphs go straight into the series
    const withGraphs = { ...series, graphs: g.toNodeSeriesGraphs(series.entities) };
    expect(() => validateNodeSeries(withGraphs)).not.toThrow();
  });

  it('keeps each entity’s k strongest partners with topK', () => {
    // over 5 steps: e1 ≈ e0 (r ≈ 0.99), e2 less so, e3 anti-correlated but weaker
    const s = seriesOf([
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 6],
      [2, 1, 4, 3, 5],
      [5, 5, 2, 4, 1],
    ]);
    const r = (i: number, j: number) =>
      Math.abs(
        pearsonTextbook(
          s.entities.map((_, e) => Array.from({ length: 5 }, (__, t) => s.values[t * 4 + e]))[i],
          s.entities.map((_, e) => Array.from({ length: 5 }, (__, t) => s.values[t * 4 + e]))[j],
        ),
      );
    const g = correlationGraph(s, { windowSteps: 5, topK: 1 });
    const pairs = g
      .snapshot(0)
      .edges.filter((e) => e.src < e.dst)
      .map((e) => `${e.src}-${e.dst}`);
    // each entity's best partner by brute force, an edge when either end picks it
    const best = [0, 1, 2, 3].map(
      (i) => [0, 1, 2, 3].filter((j) => j !== i).sort((a, b) => r(i, b) - r(i, a) || a - b)[0],
    );
    const expected = [...new Set(best.map((j, i) => `${Math.min(i, j)}-${Math.max(i, j)}`))].sort();
    expect(pairs.sort()).toEqual(expected);
    for (const e of g.snapshot(0).edges) expect(e.weight).toBeCloseTo(r(e.src, e.dst), 6);
  });

  it('rejects bad options', () => {
    expect(() => correlationGraph(series, { windowSteps: 1 })).toThrow(ParameterError);
    expect(() => correlationGraph(series, { windowSteps: 4, feature: 'mem' })).toThrow(/feature/);
    expect(() => correlationGraph(series, { windowSteps: 4, threshold: 2 })).toThrow(/threshold/);
    expect(() => correlationGraph(series, { windowSteps: 4, topK: 0 })).toThrow(/topK/);
  });
});
