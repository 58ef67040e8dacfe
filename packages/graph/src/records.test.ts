import { DynamicGraph } from './dynamic-graph';
import {
  SnapshotRecordError,
  checkSnapshotRecord,
  dynamicGraphFromRecords,
  formatSnapshotLines,
  type SnapshotRecord,
} from './records';
import { edgesPerKind, nodeDegrees, spreadOf, topEdges } from './summary';

function example(): DynamicGraph {
  const g = new DynamicGraph({ width: 60_000, origin: 0, unit: 'ms' });
  g.addEdge(2, { source: 'gw', target: 'orders', kind: 'call', weight: 3, meanUs: 120.5, p95Us: 300 });
  g.addEdge(2, { source: 'orders', target: 'db', kind: 'call', weight: 7 });
  g.touchWindow(3);
  g.addEdge(5, { source: 'gw', target: 'auth', kind: 'call', weight: 1 });
  return g;
}

describe('snapshot records (JSON Lines)', () => {
  it('writes one self-contained line per observed window and reads it back', () => {
    const g = example();
    const text = formatSnapshotLines(g);
    const lines = text.split('\n');
    expect(lines.length).toBe(4);
    expect(lines[3]).toBe('');
    expect(JSON.parse(lines[0])).toEqual({
      t: 120_000,
      window: 60_000,
      unit: 'ms',
      nodes: ['gw', 'orders', 'db', 'auth'],
      edges: [
        { src: 0, dst: 1, kind: 'call', weight: 3, meanUs: 120.5, p95Us: 300 },
        { src: 1, dst: 2, kind: 'call', weight: 7 },
      ],
    });
    const records = lines.slice(0, 3).map((l) => JSON.parse(l) as SnapshotRecord);
    for (const r of records) expect(checkSnapshotRecord(r)).toBeUndefined();
    const back = dynamicGraphFromRecords(records);
    expect(back.snapshots()).toEqual(g.snapshots());
    expect(back.grid).toEqual({ width: 60_000, origin: 120_000, unit: 'ms' });
    expect(back.windows()).toEqual([0, 1, 3]);
  });

  it('names the path of the first bad value', () => {
    const good = {
      t: 0,
      window: 10,
      unit: 'ms',
      nodes: ['a', 'b'],
      edges: [{ src: 0, dst: 1, kind: 'call', weight: 1 }],
    };
    const cases: [unknown, (string | number)[], RegExp][] = [
      [[], [], /object/],
      [{ ...good, t: '0' }, ['t'], /finite number/],
      [{ ...good, window: 0 }, ['window'], /positive/],
      [{ ...good, unit: 's' }, ['unit'], /"ms" or "step"/],
      [{ ...good, nodes: ['a', 'a'] }, ['nodes', 1], /each entity once/],
      [{ ...good, nodes: ['a', ''] }, ['nodes', 1], /non-empty/],
      [{ ...good, edges: [{ src: 0, dst: 2, kind: 'call', weight: 1 }] }, ['edges', 0, 'dst'], /0\.\.1/],
      [
        { ...good, edges: [{ src: 0, dst: 1, kind: 'calls', weight: 1 }] },
        ['edges', 0, 'kind'],
        /"call", "contention" or "correlation"/,
      ],
      [{ ...good, edges: [{ src: 0, dst: 1, kind: 'call', weight: -1 }] }, ['edges', 0, 'weight'], /≥ 0/],
      [{ ...good, edges: [{ src: 0, dst: 1, kind: 'call', weight: 1, p95Us: 'x' }] }, ['edges', 0, 'p95Us'], /latency/],
      [{ ...good, edges: [good.edges[0], good.edges[0]] }, ['edges', 1], /once/],
    ];
    for (const [value, path, expected] of cases) {
      const problem = checkSnapshotRecord(value);
      expect(problem?.path).toEqual(path);
      expect(problem?.expected).toMatch(expected);
    }
  });

  it('rejects records that do not fit together, naming the record', () => {
    const r = (t: number, extra: Partial<SnapshotRecord> = {}): SnapshotRecord => ({
      t,
      window: 10,
      unit: 'ms',
      nodes: ['a'],
      edges: [],
      ...extra,
    });
    const fail = (records: SnapshotRecord[]) => {
      try {
        dynamicGraphFromRecords(records);
      } catch (e) {
        if (e instanceof SnapshotRecordError) return [e.record, e.problem.path];
        throw e;
      }
      throw new Error('expected a SnapshotRecordError');
    };
    expect(fail([])).toEqual([0, []]);
    expect(fail([r(0), r(15)])).toEqual([1, ['t']]);
    expect(fail([r(0), r(20), r(10)])).toEqual([2, ['t']]);
    expect(fail([r(0), r(10, { window: 5 })])).toEqual([1, ['window']]);
    expect(fail([r(0), r(10, { unit: 'step' })])).toEqual([1, ['unit']]);
  });
});

describe('summaries', () => {
  const s = example().snapshot(2);

  it('degrees and strengths per node', () => {
    expect(nodeDegrees(s)).toEqual([
      { node: 'gw', inDegree: 0, outDegree: 1, inWeight: 0, outWeight: 3 },
      { node: 'orders', inDegree: 1, outDegree: 1, inWeight: 3, outWeight: 7 },
      { node: 'db', inDegree: 1, outDegree: 0, inWeight: 7, outWeight: 0 },
      { node: 'auth', inDegree: 0, outDegree: 0, inWeight: 0, outWeight: 0 },
    ]);
    expect(nodeDegrees(s, ['contention']).every((d) => d.inDegree + d.outDegree === 0)).toBe(true);
  });

  it('top edges by weight, spreads and kinds', () => {
    expect(topEdges(s.edges, 1).map((e) => e.weight)).toEqual([7]);
    expect(topEdges(s.edges, 5).map((e) => e.weight)).toEqual([7, 3]);
    expect(spreadOf([4, 1, 3, 2])).toEqual({ min: 1, median: 2.5, mean: 2.5, max: 4 });
    expect(spreadOf([5, 1, 3])).toEqual({ min: 1, median: 3, mean: 3, max: 5 });
    expect(spreadOf([]).median).toBeNaN();
    expect(edgesPerKind(s)).toEqual({ call: 2 });
  });
});
