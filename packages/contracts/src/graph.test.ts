import fc from 'fast-check';
import { ParameterError } from './errors';
import {
  alignSnapshot,
  cooAdjacency,
  cooToDense,
  denseAdjacency,
  namedEdges,
  type EdgeKind,
  type GraphEdge,
  type GraphSnapshot,
  type SnapshotAdjacencyOptions as ExportOptions,
} from './graph';

const snapshot: GraphSnapshot = {
  t: 0,
  nodes: ['a', 'b', 'c'],
  edges: [
    { src: 0, dst: 1, kind: 'call', weight: 2 },
    { src: 1, dst: 0, kind: 'call', weight: 1 },
    { src: 1, dst: 2, kind: 'call', weight: 3 },
    { src: 2, dst: 2, kind: 'call', weight: 4 },
    { src: 0, dst: 1, kind: 'contention', weight: 0.5 },
    { src: 1, dst: 0, kind: 'contention', weight: 0.5 },
  ],
};

describe('dense and COO adjacency, hand-worked', () => {
  it('dense: kinds add up on a pair; kind filter; unweighted', () => {
    expect(Array.from(denseAdjacency(snapshot))).toEqual([0, 2.5, 0, 1.5, 0, 3, 0, 0, 4]);
    expect(Array.from(denseAdjacency(snapshot, { kinds: ['call'] }))).toEqual([0, 2, 0, 1, 0, 3, 0, 0, 4]);
    expect(Array.from(denseAdjacency(snapshot, { weighted: false }))).toEqual([0, 1, 0, 1, 0, 1, 0, 0, 1]);
  });

  it('symmetrises as A + Aᵀ with the diagonal once, then row-normalises', () => {
    const calls: ExportOptions = { kinds: ['call'], symmetric: true };
    // A = [0 2 0; 1 0 3; 0 0 4] → A + Aᵀ off the diagonal, diagonal kept: [0 3 0; 3 0 3; 0 3 4]
    expect(Array.from(denseAdjacency(snapshot, calls))).toEqual([0, 3, 0, 3, 0, 3, 0, 3, 4]);
    // rows divided by 3, 6, 7
    const normalised = Array.from(denseAdjacency(snapshot, { ...calls, rowNormalise: true }));
    expect(normalised.map((v) => Number(v.toFixed(6)))).toEqual([
      0,
      1,
      0,
      0.5,
      0,
      0.5,
      0,
      Number((3 / 7).toFixed(6)),
      Number((4 / 7).toFixed(6)),
    ]);
    expect(Array.from(denseAdjacency(snapshot, { kinds: ['call'], symmetric: true, weighted: false }))).toEqual([
      0, 1, 0, 1, 0, 1, 0, 1, 1,
    ]);
  });

  it('aligns to another order: rows and columns follow it, unknown names are zero', () => {
    expect(Array.from(denseAdjacency(snapshot, { kinds: ['call'], order: ['c', 'x', 'b'] }))).toEqual([
      4, 0, 0, 0, 0, 0, 3, 0, 0,
    ]);
  });

  it('COO lists the same entries sorted by row then column', () => {
    const coo = cooAdjacency(snapshot, { kinds: ['call'] });
    expect(coo.n).toBe(3);
    expect(Array.from(coo.rows)).toEqual([0, 1, 1, 2]);
    expect(Array.from(coo.cols)).toEqual([1, 0, 2, 2]);
    expect(Array.from(coo.values)).toEqual([2, 1, 3, 4]);
    expect(cooAdjacency({ t: 0, nodes: ['a'], edges: [] })).toEqual({
      n: 1,
      rows: new Int32Array(0),
      cols: new Int32Array(0),
      values: new Float32Array(0),
    });
  });
});

/** The adjacency by plain loops over an n×n Float64 grid, each option applied in turn. */
function bruteForce(s: GraphSnapshot, o: ExportOptions): Float32Array {
  const n = s.nodes.length;
  const a = new Float64Array(n * n);
  const has = new Uint8Array(n * n);
  for (const e of s.edges) {
    if (o.kinds && !o.kinds.includes(e.kind)) continue;
    a[e.src * n + e.dst] += e.weight;
    has[e.src * n + e.dst] = 1;
  }
  let m = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) m[i] = o.weighted === false ? has[i] : a[i];
  if (o.symmetric) {
    const s2 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (o.weighted === false) s2[i * n + j] = has[i * n + j] || has[j * n + i] ? 1 : 0;
        else s2[i * n + j] = i === j ? m[i * n + i] : m[i * n + j] + m[j * n + i];
      }
    }
    m = s2;
  }
  if (o.rowNormalise) {
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += m[i * n + j];
      for (let j = 0; j < n; j++) m[i * n + j] = sum === 0 ? 0 : m[i * n + j] / sum;
    }
  }
  return Float32Array.from(m);
}

const snapshotArb = fc
  .tuple(
    fc.integer({ min: 1, max: 7 }),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat(),
        fc.constantFrom<EdgeKind>('call', 'contention', 'correlation'),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
      ),
      { maxLength: 25 },
    ),
  )
  .map(([n, raw]) => {
    const edges = new Map<string, GraphEdge>();
    for (const [s, d, kind, weight] of raw)
      edges.set(`${kind}:${s % n}:${d % n}`, { src: s % n, dst: d % n, kind, weight });
    return { t: 0, nodes: Array.from({ length: n }, (_, i) => `n${i}`), edges: [...edges.values()] } as GraphSnapshot;
  });

const optionsArb = fc.record({
  kinds: fc.option(fc.subarray<EdgeKind>(['call', 'contention', 'correlation'], { minLength: 1 }), { nil: undefined }),
  weighted: fc.boolean(),
  symmetric: fc.boolean(),
  rowNormalise: fc.boolean(),
});

describe('adjacency export properties', () => {
  it(
    'dense equals the brute-force grid, and COO expands to the same dense matrix with no zeros and sorted ' +
      'coordinates',
    () => {
      fc.assert(
        fc.property(snapshotArb, optionsArb, (s, o) => {
          const dense = denseAdjacency(s, o);
          const want = bruteForce(s, o);
          for (let i = 0; i < want.length; i++) expect(dense[i]).toBeCloseTo(want[i], 5);
          const coo = cooAdjacency(s, o);
          expect(Array.from(cooToDense(coo))).toEqual(Array.from(dense));
          expect(Array.from(coo.values).every((v) => v !== 0)).toBe(true);
          for (let m = 1; m < coo.values.length; m++)
            expect(coo.rows[m - 1] * coo.n + coo.cols[m - 1]).toBeLessThan(coo.rows[m] * coo.n + coo.cols[m]);
        }),
        { numRuns: 300 },
      );
    },
  );
});

describe('snapshot helpers', () => {
  const s: GraphSnapshot = {
    t: 7,
    nodes: ['a', 'b', 'c'],
    edges: [
      { src: 0, dst: 1, kind: 'contention', weight: 0.5 },
      { src: 1, dst: 2, kind: 'call', weight: 1, meanUs: 5, p95Us: 9 } as GraphEdge,
      { src: 2, dst: 0, kind: 'call', weight: 3 },
    ],
  };

  it('names the edges, keeping latencies only where an edge has them', () => {
    expect(namedEdges(s)).toEqual([
      { source: 'a', target: 'b', kind: 'contention', weight: 0.5 },
      { source: 'b', target: 'c', kind: 'call', weight: 1, meanUs: 5, p95Us: 9 },
      { source: 'c', target: 'a', kind: 'call', weight: 3 },
    ]);
    expect(namedEdges(s, [s.edges[2]])).toEqual([{ source: 'c', target: 'a', kind: 'call', weight: 3 }]);
  });

  it(
    'aligns to another order: edges re-indexed and sorted (calls first), unknown names isolated, repeats ' + 'refused',
    () => {
      const aligned = alignSnapshot(s, ['c', 'b', 'x']);
      expect(aligned.nodes).toEqual(['c', 'b', 'x']);
      // only b → c survives (a is not in the order): b is 1, c is 0
      expect(aligned.edges).toEqual([{ src: 1, dst: 0, kind: 'call', weight: 1, meanUs: 5, p95Us: 9 }]);
      expect(aligned.t).toBe(7);
      expect(alignSnapshot(s, ['a', 'b', 'c']).edges.map((e) => e.kind)).toEqual(['call', 'call', 'contention']);
      expect(() => alignSnapshot(s, ['a', 'a'])).toThrow(ParameterError);
    },
  );
});
