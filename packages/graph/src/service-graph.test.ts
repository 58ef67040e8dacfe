import { ParameterError } from '@driftwatch/contracts';
import { adjacencyMatrix, entityOrder, toSnapshot } from './adjacency';
import { parseEdgeListCsv } from './csv';
import { buildServiceGraph, edgeKey } from './service-graph';

const CSV = `Source,Target,Weight
web,api,2
api,db,1
web,api,3
api,10.0.0.1,1
db,10.0.0.1,1
web,10.0.0.2,1
cache,10.0.0.1,1
db,api,4
`;

describe('buildServiceGraph on a hand-written edge list', () => {
  const graph = buildServiceGraph(parseEdgeListCsv(CSV));

  it('classifies nodes and edges and sums duplicate rows', () => {
    expect(graph.order).toBe(6);
    expect(graph.size).toBe(7);
    expect(entityOrder(graph)).toEqual(['10.0.0.1', '10.0.0.2', 'api', 'cache', 'db', 'web']);
    expect(entityOrder(graph, 'service')).toEqual(['api', 'cache', 'db', 'web']);
    expect(entityOrder(graph, 'host')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(graph.getEdgeAttributes(edgeKey('web', 'api'))).toEqual({ kind: 'call', weight: 5 });
    expect(graph.getEdgeAttributes(edgeKey('cache', '10.0.0.1'))).toEqual({ kind: 'placement', weight: 1 });
    expect(graph.type).toBe('directed');
  });

  it('adjacency of call edges, weighted, aligned to an order with a missing entity', () => {
    const order = ['web', 'ghost', 'api', 'db'];
    const a = adjacencyMatrix(graph, order, { kinds: ['call'] });
    // rows/columns: web, ghost, api, db
    expect(Array.from(a)).toEqual([0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 4, 0]);
    expect(Array.from(adjacencyMatrix(graph, order, { kinds: ['call'], weighted: false }))).toEqual([
      0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0,
    ]);
    expect(Array.from(adjacencyMatrix(graph, order, { kinds: ['call'], symmetric: true }))).toEqual([
      0, 0, 5, 0, 0, 0, 0, 0, 5, 0, 0, 5, 0, 0, 5, 0,
    ]);
  });

  it('placement edges appear when hosts are in the order; by default all kinds count', () => {
    const a = adjacencyMatrix(graph, ['api', '10.0.0.1', 'web']);
    expect(Array.from(a)).toEqual([0, 1, 0, 0, 0, 0, 5, 0, 0]);
    expect(
      Array.from(
        adjacencyMatrix(graph, ['api', '10.0.0.1'], { kinds: ['placement'], symmetric: true, weighted: false }),
      ),
    ).toEqual([0, 1, 1, 0]);
  });

  it('snapshot: call edges plus contention between services sharing a host', () => {
    const order = ['api', 'cache', 'db', 'web'];
    const snap = toSnapshot(graph, order, 42);
    expect(snap.t).toBe(42);
    expect(snap.nodes).toEqual(order);
    expect(snap.edges).toEqual([
      { src: 0, dst: 2, kind: 'call', weight: 1 },
      { src: 2, dst: 0, kind: 'call', weight: 4 },
      { src: 3, dst: 0, kind: 'call', weight: 5 },
      // 10.0.0.1 hosts api, db and cache; 10.0.0.2 only web
      { src: 0, dst: 1, kind: 'contention', weight: 1 },
      { src: 0, dst: 2, kind: 'contention', weight: 1 },
      { src: 1, dst: 0, kind: 'contention', weight: 1 },
      { src: 1, dst: 2, kind: 'contention', weight: 1 },
      { src: 2, dst: 0, kind: 'contention', weight: 1 },
      { src: 2, dst: 1, kind: 'contention', weight: 1 },
    ]);
    // entities outside the order drop out with their edges
    expect(toSnapshot(graph, ['web', 'api'], 0).edges).toEqual([{ src: 0, dst: 1, kind: 'call', weight: 5 }]);
  });

  it('rejects duplicate order entries and malformed rows', () => {
    expect(() => adjacencyMatrix(graph, ['api', 'api'])).toThrow(ParameterError);
    expect(() => toSnapshot(graph, ['db', 'db'], 0)).toThrow(ParameterError);
    expect(() => buildServiceGraph([{ source: 'a', target: 'b', weight: NaN }])).toThrow(ParameterError);
    expect(() => buildServiceGraph([{ source: '', target: 'b', weight: 1 }])).toThrow(ParameterError);
    expect(() => buildServiceGraph([{ source: '1.2.3.4', target: 'b', weight: 1 }])).toThrow(/host/);
  });
});
