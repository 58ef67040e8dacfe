import { ParameterError, type GraphSnapshot, type NodeSeries } from '@driftwatch/contracts';
import {
  observedDependencies,
  observedNeighbourRows,
  rowNormalisedWithSelfLoops,
  snapshotAdjacency,
  stackObservedRows,
  type ObservedRows,
} from './observed-graph';

const nodes = ['a', 'b', 'c', 'd'];
const N = nodes.length;

/** call edges a → b (twice: two kinds), b → c (weight 3), c → c (a self-edge), d → a (weight 0.5) */
const snapshot: GraphSnapshot = {
  t: 0,
  nodes,
  edges: [
    { src: 0, dst: 1, kind: 'call', weight: 2 },
    { src: 0, dst: 1, kind: 'contention', weight: 1 },
    { src: 1, dst: 2, kind: 'call', weight: 3 },
    { src: 2, dst: 2, kind: 'call', weight: 7 },
    { src: 3, dst: 0, kind: 'call', weight: 0.5 },
  ],
};

const rows = (m: ArrayLike<number>) => Array.from({ length: N }, (_, i) => Array.from(m).slice(i * N, (i + 1) * N));

describe('observed dependencies: norm(A_obs + I) (docs/spatiotemporal.md §1.4)', () => {
  it(
    'builds A_obs from edges: binary or summed weights, symmetric or directed, self-edges ignored ' + '(hand-worked)',
    () => {
      expect(rows(snapshotAdjacency(snapshot, N, { observedEdges: 'directed', observedWeights: 'binary' }))).toEqual([
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 0],
        [1, 0, 0, 0],
      ]);
      expect(rows(snapshotAdjacency(snapshot, N, { observedEdges: 'symmetric', observedWeights: 'binary' }))).toEqual([
        [0, 1, 0, 1],
        [1, 0, 1, 0],
        [0, 1, 0, 0],
        [1, 0, 0, 0],
      ]);
      expect(rows(snapshotAdjacency(snapshot, N, { observedEdges: 'symmetric', observedWeights: 'weight' }))).toEqual([
        [0, 3, 0, 0.5],
        [3, 0, 3, 0],
        [0, 3, 0, 0],
        [0.5, 0, 0, 0],
      ]);
    },
  );

  it('row-normalises A + I: row i divided by 1 + Σ_j A_ij (hand-worked)', () => {
    const a = snapshotAdjacency(snapshot, N, { observedEdges: 'symmetric', observedWeights: 'weight' });
    const expected = [
      [1 / 4.5, 3 / 4.5, 0, 0.5 / 4.5],
      [3 / 7, 1 / 7, 3 / 7, 0],
      [0, 3 / 4, 1 / 4, 0],
      [0.5 / 1.5, 0, 0, 1 / 1.5],
    ];
    rows(rowNormalisedWithSelfLoops(a, N)).forEach((row, i) =>
      row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 6)),
    );
  });

  it(
    'static holds the first snapshot throughout; dynamic follows graphAt(t), the identity before the first ' +
      'snapshot',
    () => {
      const later: GraphSnapshot = { t: 10, nodes, edges: [{ src: 2, dst: 3, kind: 'call', weight: 1 }] };
      const first: GraphSnapshot = { ...snapshot, t: 4 };
      const series = {
        id: 'two-snapshots',
        entities: nodes,
        features: ['x'],
        length: 20,
        values: new Float32Array(20 * N),
        graphs: [first, later],
      } satisfies NodeSeries;
      const settings = { observedEdges: 'directed', observedWeights: 'binary' } as const;
      const staticAt = observedDependencies(series, 'static', settings);
      const dynamicAt = observedDependencies(series, 'dynamic', settings);
      const firstMatrix = rows(rowNormalisedWithSelfLoops(snapshotAdjacency(first, N, settings), N));
      // hand-worked: a → b gives row a = [½, ½, 0, 0]; c → d gives row c = [0, 0, ½, ½]
      expect(firstMatrix[0]).toEqual([0.5, 0.5, 0, 0]);
      const identity = [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ];
      for (const t of [0, 3, 4, 9, 10, 19]) expect(rows(staticAt(t))).toEqual(firstMatrix);
      for (const t of [0, 3]) expect(rows(dynamicAt(t))).toEqual(identity);
      for (const t of [4, 9]) expect(rows(dynamicAt(t))).toEqual(firstMatrix);
      for (const t of [10, 19])
        expect(rows(dynamicAt(t))).toEqual([
          [1, 0, 0, 0],
          [0, 1, 0, 0],
          [0, 0, 0.5, 0.5],
          [0, 0, 0, 1],
        ]);
    },
  );

  it('refuses a graph mode without graphs and negative or non-finite weights', () => {
    const bare = {
      id: 'bare',
      entities: nodes,
      features: ['x'],
      length: 2,
      values: new Float32Array(2 * N),
    } satisfies NodeSeries;
    const settings = { observedEdges: 'symmetric', observedWeights: 'weight' } as const;
    expect(() => observedDependencies(bare, 'static', settings)).toThrow(
      /graph 'static' needs observed graphs, and series bare has none/,
    );
    const negative: GraphSnapshot = { t: 0, nodes, edges: [{ src: 0, dst: 1, kind: 'call', weight: -1 }] };
    expect(() => snapshotAdjacency(negative, N, settings)).toThrow(ParameterError);
    expect(() =>
      snapshotAdjacency({ ...negative, edges: [{ src: 0, dst: 1, kind: 'call', weight: NaN }] }, N, settings),
    ).toThrow(/weight NaN/);
    // binary edges never look at the weight
    expect(snapshotAdjacency(negative, N, { ...settings, observedWeights: 'binary' })[1]).toBe(1);
  });

  /** the N × N matrix of rows of neighbours: Σ of the weights per (i, column) */
  const densify = (r: ObservedRows, n = N) => {
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let e = 0; e < r.width; e++) m[i * n + r.columns[i * r.width + e]] += r.weights[i * r.width + e];
    return m;
  };

  it('gives the same norm(A_obs + I) as rows of neighbours, self-loop first, for every edge setting', () => {
    const later: GraphSnapshot = { t: 10, nodes, edges: [{ src: 2, dst: 3, kind: 'call', weight: 1 }] };
    const series = {
      id: 'rows',
      entities: nodes,
      features: ['x'],
      length: 20,
      values: new Float32Array(20 * N),
      graphs: [{ ...snapshot, t: 4 }, later],
    } satisfies NodeSeries;
    for (const observedEdges of ['symmetric', 'directed'] as const) {
      for (const observedWeights of ['binary', 'weight'] as const) {
        const settings = { observedEdges, observedWeights };
        const denseAt = observedDependencies(series, 'dynamic', settings);
        const rowsAt = observedNeighbourRows(series, 'dynamic', settings);
        for (const t of [0, 4, 10]) {
          const r = rowsAt(t);
          Array.from(densify(r)).forEach((v, k) => expect(v).toBeCloseTo(denseAt(t)[k], 6));
          for (let i = 0; i < N; i++) expect(r.columns[i * r.width]).toBe(i);
        }
      }
    }
    // hand-worked, symmetric weights: row b = self 1/7, a 3/7, c 3/7; the widest row (b, and a: self, b, d) has 3
    const r = observedNeighbourRows(series, 'static', { observedEdges: 'symmetric', observedWeights: 'weight' })(0);
    expect(r.width).toBe(3);
    expect(Array.from(r.columns.subarray(3, 6))).toEqual([1, 0, 2]);
    Array.from(r.weights.subarray(3, 6)).forEach((v, e) => expect(v).toBeCloseTo([1 / 7, 3 / 7, 3 / 7][e], 6));
    // row c has self and b only: padded with its own column at weight 0
    expect(Array.from(r.columns.subarray(6, 9))).toEqual([2, 1, 2]);
    expect(r.weights[8]).toBe(0);
  });

  it('stacks window ends of different widths into one layout, padding with the row’s own column at weight 0', () => {
    const narrow: ObservedRows = { width: 1, columns: Int32Array.from([0, 1]), weights: Float32Array.from([1, 1]) };
    const wide: ObservedRows = {
      width: 2,
      columns: Int32Array.from([0, 1, 1, 0]),
      weights: Float32Array.from([0.5, 0.5, 0.25, 0.75]),
    };
    const stacked = stackObservedRows([narrow, wide], 2);
    expect(stacked.width).toBe(2);
    expect(Array.from(stacked.columns)).toEqual([0, 0, 1, 1, 0, 1, 1, 0]);
    expect(Array.from(stacked.weights)).toEqual([1, 0, 1, 0, 0.5, 0.5, 0.25, 0.75]);
  });
});
