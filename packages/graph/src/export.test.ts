import type { GraphSnapshot } from '@driftwatch/contracts';
import { adjacencyMatrix, entityOrder } from './adjacency';
import { parseEdgeListCsv } from './csv';
import { denseAdjacency } from './export';
import { buildServiceGraph } from './service-graph';

describe('snapshot adjacency and the service graph', () => {
  it('matches adjacencyMatrix of the service graph on the same table', () => {
    const graph = buildServiceGraph(
      parseEdgeListCsv('Source,Target,Weight\nweb,api,2\napi,db,1\ndb,api,4\ncache,db,0.5\n'),
    );
    const order = entityOrder(graph, 'service');
    const snap: GraphSnapshot = {
      t: 0,
      nodes: order,
      edges: graph.mapEdges((_, a, s, d) => ({
        src: order.indexOf(s),
        dst: order.indexOf(d),
        kind: 'call' as const,
        weight: a.weight,
      })),
    };
    for (const symmetric of [false, true]) {
      for (const weighted of [false, true]) {
        expect(Array.from(denseAdjacency(snap, { symmetric, weighted }))).toEqual(
          Array.from(adjacencyMatrix(graph, order, { symmetric, weighted })),
        );
      }
    }
  });
});
