import {
  ParameterError,
  graphAt,
  validateNodeSeries,
  type GraphSnapshot,
  type NodeSeries,
} from '@driftwatch/contracts';
import { buildServiceGraph, edgeKey } from './service-graph';
import { dependencyDynamicGraph } from './adjacency';
import { DynamicGraph, alignSnapshot, stepsFromTimestamps } from './dynamic-graph';
import { parseEdgeListCsv } from './csv';

describe('DynamicGraph', () => {
  function example(): DynamicGraph {
    const g = new DynamicGraph({ width: 10, origin: 100, unit: 'ms' });
    g.addEdge(0, { source: 'a', target: 'b', kind: 'call', weight: 2 });
    // c first appears in window 3: it is appended to the order and isolated before
    g.addEdge(3, { source: 'b', target: 'c', kind: 'call', weight: 1, meanUs: 5, p95Us: 9 });
    g.addEdge(3, { source: 'a', target: 'b', kind: 'contention', weight: 0.5 });
    g.addEdge(3, { source: 'b', target: 'a', kind: 'contention', weight: 0.5 });
    g.touchWindow(1);
    return g;
  }

  it('keeps the union entity order and one snapshot per observed window', () => {
    const g = example();
    expect(g.entities).toEqual(['a', 'b', 'c']);
    expect(g.windows()).toEqual([0, 1, 3]);
    expect(g.windowRange).toEqual({ first: 0, last: 3 });
    const snaps = g.snapshots();
    expect(snaps.map((s) => s.t)).toEqual([100, 110, 130]);
    for (const s of snaps) expect(s.nodes).toEqual(['a', 'b', 'c']);
    expect(snaps[0].edges).toEqual([{ src: 0, dst: 1, kind: 'call', weight: 2 }]);
    expect(snaps[1].edges).toEqual([]);
    // calls first, then contention; by source, then target
    expect(snaps[2].edges).toEqual([
      { src: 1, dst: 2, kind: 'call', weight: 1, meanUs: 5, p95Us: 9 },
      { src: 0, dst: 1, kind: 'contention', weight: 0.5 },
      { src: 1, dst: 0, kind: 'contention', weight: 0.5 },
    ]);
    expect(g.snapshots({ fill: true }).map((s) => [s.t, s.edges.length])).toEqual([
      [100, 1],
      [110, 0],
      [120, 0],
      [130, 3],
    ]);
  });

  it('aligns snapshots to another order: missing names isolated, extra names dropped with their edges', () => {
    const s = example().snapshot(3);
    const aligned = alignSnapshot(s, ['c', 'x', 'b']);
    expect(aligned.nodes).toEqual(['c', 'x', 'b']);
    // b → c becomes 2 → 0; both contention edges touch a and go
    expect(aligned.edges).toEqual([{ src: 2, dst: 0, kind: 'call', weight: 1, meanUs: 5, p95Us: 9 }]);
    expect(() => alignSnapshot(s, ['a', 'a'])).toThrow(ParameterError);
  });

  it('gives NodeSeries graphs that validate, with steps from the series timestamps', () => {
    const g = example();
    // steps every 5 ms from 100: window starts 100, 110, 130 are steps 0, 2, 6
    const timestamps = BigInt64Array.from({ length: 8 }, (_, i) => BigInt(100 + 5 * i));
    const series: NodeSeries = {
      id: 's',
      entities: ['b', 'a', 'c'],
      features: ['cpu'],
      length: 8,
      values: new Float32Array(24),
      timestamps,
    };
    series.graphs = g.toNodeSeriesGraphs(series.entities, stepsFromTimestamps(timestamps));
    expect(() => validateNodeSeries(series)).not.toThrow();
    expect(series.graphs.map((s) => s.t)).toEqual([0, 2, 6]);
    expect(series.graphs[0].edges).toEqual([{ src: 1, dst: 0, kind: 'call', weight: 2 }]);
    // step 5 falls in the gap after window 1 (110–120) and before window 3: the last observed graph holds
    expect(graphAt(series, 5)).toBe(series.graphs[1]);
    expect(() => g.toNodeSeriesGraphs(series.entities)).toThrow(/stepOf/);
  });

  it('stepsFromTimestamps finds the first step at or after a time', () => {
    const stepOf = stepsFromTimestamps([0, 10, 10, 20]);
    expect([-5, 0, 1, 10, 11, 20, 21].map(stepOf)).toEqual([0, 0, 1, 1, 3, 3, 4]);
    expect(() => stepsFromTimestamps([0, 5, 4])).toThrow(ParameterError);
  });

  it('reorders and round-trips through snapshots', () => {
    const g = example();
    const r = g.reordered(['c', 'b', 'a', 'z']);
    expect(r.entities).toEqual(['c', 'b', 'a', 'z']);
    expect(r.snapshot(0).edges).toEqual([{ src: 2, dst: 1, kind: 'call', weight: 2 }]);
    expect(() => g.reordered(['a', 'b'])).toThrow(/lacks c/);
    const back = DynamicGraph.fromSnapshots(g.snapshots(), g.grid);
    expect(back.snapshots()).toEqual(g.snapshots());
    expect(() => DynamicGraph.fromSnapshots([{ t: 105, nodes: [], edges: [] }], g.grid)).toThrow(/window start/);
  });

  it('fromSnapshots aligns snapshots with different node lists by name', () => {
    const snaps: GraphSnapshot[] = [
      { t: 0, nodes: ['x', 'y'], edges: [{ src: 0, dst: 1, kind: 'call', weight: 1 }] },
      { t: 2, nodes: ['z', 'x'], edges: [{ src: 0, dst: 1, kind: 'call', weight: 4 }] },
    ];
    const g = DynamicGraph.fromSnapshots(snaps, { width: 1, origin: 0, unit: 'step' });
    expect(g.entities).toEqual(['x', 'y', 'z']);
    expect(g.snapshots().map((s) => s.edges)).toEqual([
      [{ src: 0, dst: 1, kind: 'call', weight: 1 }],
      [{ src: 2, dst: 0, kind: 'call', weight: 4 }],
    ]);
  });

  it('rejects repeated edges, unknown kinds, bad weights and bad indices', () => {
    const g = example();
    expect(() => g.addEdge(0, { source: 'a', target: 'b', kind: 'call', weight: 1 })).toThrow(/already has/);
    expect(() => g.addEdge(0, { source: 'a', target: 'b', kind: 'bogus' as never, weight: 1 })).toThrow(/kind/);
    expect(() => g.addEdge(0, { source: 'a', target: 'c', kind: 'call', weight: -1 })).toThrow(/weight/);
    expect(() => g.addEdge(0.5, { source: 'a', target: 'c', kind: 'call', weight: 1 })).toThrow(/integer/);
    expect(() => g.addIndexedEdge(0, { src: 0, dst: 7, kind: 'call', weight: 1 })).toThrow(/outside/);
    expect(() => g.entity('')).toThrow(ParameterError);
  });
});

describe('dependencyDynamicGraph', () => {
  it('is one snapshot of the table: calls and contention over the sorted services', () => {
    const rows = parseEdgeListCsv('Source,Target\nweb,api\napi,db\napi,10.0.0.1\ndb,10.0.0.1\nweb,10.0.0.2\n');
    const service = buildServiceGraph(rows);
    expect(service.hasEdge(edgeKey('web', 'api'))).toBe(true);
    const g = dependencyDynamicGraph(service, { width: 60_000, origin: 0, unit: 'ms' });
    expect(g.entities).toEqual(['api', 'db', 'web']);
    expect(g.snapshots()).toEqual([
      {
        t: 0,
        nodes: ['api', 'db', 'web'],
        edges: [
          { src: 0, dst: 1, kind: 'call', weight: 1 },
          { src: 2, dst: 0, kind: 'call', weight: 1 },
          // api and db share 10.0.0.1
          { src: 0, dst: 1, kind: 'contention', weight: 1 },
          { src: 1, dst: 0, kind: 'contention', weight: 1 },
        ],
      },
    ]);
  });
});
