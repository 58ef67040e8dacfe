import fc from 'fast-check';
import type { EdgeKind, GraphEdge, GraphSnapshot } from '@driftwatch/contracts';
import { driftSeries, snapshotDrift } from './drift';

describe('snapshotDrift, hand-worked', () => {
  const s1: GraphSnapshot = {
    t: 0,
    nodes: ['a', 'b', 'c'],
    edges: [
      { src: 0, dst: 1, kind: 'call', weight: 2 },
      { src: 1, dst: 2, kind: 'call', weight: 1 },
    ],
  };
  // d is new; b → c went, c → d came, a → b got heavier; nodes listed in another order
  const s2: GraphSnapshot = {
    t: 60,
    nodes: ['d', 'c', 'b', 'a'],
    edges: [
      { src: 3, dst: 2, kind: 'call', weight: 3 },
      { src: 1, dst: 0, kind: 'call', weight: 4 },
    ],
  };

  it('gives Jaccard, weight and degree change', () => {
    const d = snapshotDrift(s1, s2);
    // 1 − 1/3
    expect(d.jaccardDistance).toBeCloseTo(2 / 3, 15);
    expect({ ...d, jaccardDistance: undefined }).toEqual({
      from: 0,
      to: 60,
      edgesBefore: 2,
      edgesAfter: 2,
      added: 1,
      removed: 1,
      kept: 1,
      jaccardDistance: undefined,
      // |3 − 2| + |0 − 1| + |4 − 0|
      weightChange: 6,
      // 6 / (3 + 7)
      weightChangeNormalised: 0.6,
      // in-degrees (a, b, c, d): (0, 1, 1, 0) → (0, 1, 0, 1); out-degrees (1, 1, 0, 0) → (1, 0, 1, 0)
      inDegreeChange: 2,
      outDegreeChange: 2,
    });
  });

  it('is zero between equal graphs, including two empty ones', () => {
    const d = snapshotDrift(s1, { ...s1, t: 1 });
    expect([d.jaccardDistance, d.weightChange, d.weightChangeNormalised, d.inDegreeChange, d.outDegreeChange]).toEqual([
      0, 0, 0, 0, 0,
    ]);
    const e = snapshotDrift({ t: 0, nodes: ['a'], edges: [] }, { t: 1, nodes: [], edges: [] });
    expect([e.jaccardDistance, e.weightChangeNormalised]).toEqual([0, 0]);
  });

  it('tells kinds apart and can compare one kind only', () => {
    const calls: GraphSnapshot = { t: 0, nodes: ['a', 'b'], edges: [{ src: 0, dst: 1, kind: 'call', weight: 1 }] };
    const both: GraphSnapshot = {
      t: 1,
      nodes: ['a', 'b'],
      edges: [
        { src: 0, dst: 1, kind: 'call', weight: 1 },
        { src: 0, dst: 1, kind: 'contention', weight: 1 },
      ],
    };
    expect(snapshotDrift(calls, both).jaccardDistance).toBe(0.5);
    expect(snapshotDrift(calls, both, { kinds: ['call'] }).jaccardDistance).toBe(0);
  });

  it('driftSeries compares consecutive snapshots', () => {
    const series = driftSeries([s1, s2, s1]);
    expect(series.map((d) => [d.from, d.to, d.added, d.removed])).toEqual([
      [0, 60, 1, 1],
      [60, 0, 1, 1],
    ]);
    expect(driftSeries([s1])).toEqual([]);
  });
});

/** Drift by dense matrices over a fixed name list: presence P and weight W per kind, then sums over cells. */
function bruteForce(a: GraphSnapshot, b: GraphSnapshot, names: string[]) {
  const n = names.length;
  const kinds: EdgeKind[] = ['call', 'contention', 'correlation'];
  const dense = (s: GraphSnapshot) => {
    const P = kinds.map(() => new Uint8Array(n * n));
    const W = kinds.map(() => new Float64Array(n * n));
    for (const e of s.edges) {
      const c = kinds.indexOf(e.kind);
      const cell = names.indexOf(s.nodes[e.src]) * n + names.indexOf(s.nodes[e.dst]);
      P[c][cell] = 1;
      W[c][cell] += e.weight;
    }
    return { P, W };
  };
  const x = dense(a);
  const y = dense(b);
  let inter = 0;
  let union = 0;
  let change = 0;
  let total = 0;
  let inChange = 0;
  let outChange = 0;
  for (let c = 0; c < kinds.length; c++) {
    for (let cell = 0; cell < n * n; cell++) {
      inter += x.P[c][cell] & y.P[c][cell];
      union += x.P[c][cell] | y.P[c][cell];
      change += Math.abs(y.W[c][cell] - x.W[c][cell]);
      total += x.W[c][cell] + y.W[c][cell];
    }
  }
  for (let i = 0; i < n; i++) {
    let inX = 0;
    let inY = 0;
    let outX = 0;
    let outY = 0;
    for (let c = 0; c < kinds.length; c++) {
      for (let j = 0; j < n; j++) {
        outX += x.P[c][i * n + j];
        outY += y.P[c][i * n + j];
        inX += x.P[c][j * n + i];
        inY += y.P[c][j * n + i];
      }
    }
    inChange += Math.abs(inY - inX);
    outChange += Math.abs(outY - outX);
  }
  return {
    jaccardDistance: union === 0 ? 0 : 1 - inter / union,
    weightChange: change,
    weightChangeNormalised: total === 0 ? 0 : change / total,
    inDegreeChange: inChange,
    outDegreeChange: outChange,
  };
}

const NAMES = ['a', 'b', 'c', 'd', 'e'];

/** A random snapshot over a random subset of NAMES in random order, each (kind, src, dst) at most once. */
const snapshotArb = fc
  .tuple(
    fc.shuffledSubarray(NAMES, { minLength: 1 }),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat(),
        fc.constantFrom<EdgeKind>('call', 'contention'),
        fc.double({ min: 0, max: 10, noNaN: true }),
      ),
      { maxLength: 15 },
    ),
  )
  .map(([nodes, raw]) => {
    const edges = new Map<string, GraphEdge>();
    for (const [s, d, kind, weight] of raw) {
      const e = { src: s % nodes.length, dst: d % nodes.length, kind, weight };
      edges.set(`${kind}:${e.src}:${e.dst}`, e);
    }
    return { t: 0, nodes, edges: [...edges.values()] } as GraphSnapshot;
  });

describe('snapshotDrift against dense brute force', () => {
  it('agrees on random snapshots with differing node lists', () => {
    fc.assert(
      fc.property(snapshotArb, snapshotArb, (a, b) => {
        const got = snapshotDrift(a, b);
        const want = bruteForce(a, b, NAMES);
        expect(got.jaccardDistance).toBeCloseTo(want.jaccardDistance, 12);
        expect(got.weightChange).toBeCloseTo(want.weightChange, 9);
        expect(got.weightChangeNormalised).toBeCloseTo(want.weightChangeNormalised, 12);
        expect(got.inDegreeChange).toBe(want.inDegreeChange);
        expect(got.outDegreeChange).toBe(want.outDegreeChange);
        expect(got.added + got.kept).toBe(got.edgesAfter);
        expect(got.removed + got.kept).toBe(got.edgesBefore);
      }),
      { numRuns: 300 },
    );
  });
});
