import { ParameterError } from '@driftwatch/contracts';
import { DirectedGraph } from 'graphology';
import type { EdgeRow } from './csv';
import { looksLikeIPv4 } from './hosts';

export type NodeKind = 'service' | 'host';
/** 'call': service → service (caller → callee); 'placement': service → the host it runs on */
export type ServiceEdgeKind = 'call' | 'placement';

export interface NodeAttributes {
  kind: NodeKind;
}

export interface EdgeAttributes {
  kind: ServiceEdgeKind;
  weight: number;
}

/** A service dependency graph: one node per service or host, at most one edge per ordered pair. */
export type ServiceGraph = DirectedGraph<NodeAttributes, EdgeAttributes>;

/** Key of the edge source → target; stable, so callers can address edges by their endpoints. */
export function edgeKey(source: string, target: string): string {
  return `${source}->${target}`;
}

/** The kind of a node name: IPv4 addresses are hosts, everything else a service. */
export function nodeKind(name: string): NodeKind {
  return looksLikeIPv4(name) ? 'host' : 'service';
}

/**
 * Builds the directed service graph of an edge list: edges to a host are placements, all others
 * calls. Rows repeating a (source, target) pair merge into one edge whose weight is their sum.
 */
export function buildServiceGraph(edges: readonly EdgeRow[]): ServiceGraph {
  const graph: ServiceGraph = new DirectedGraph<NodeAttributes, EdgeAttributes>();
  edges.forEach((row, i) => {
    const { source, target, weight } = row;
    if (typeof source !== 'string' || source === '' || typeof target !== 'string' || target === '') {
      throw new ParameterError(`buildServiceGraph: edge ${i} needs non-empty source and target names`);
    }
    if (!Number.isFinite(weight) || weight < 0)
      throw new ParameterError(
        `buildServiceGraph: edge ${i} (${source} → ${target}) has weight ${weight}; expected a non-negative number`,
      );
    if (nodeKind(source) === 'host')
      throw new ParameterError(`buildServiceGraph: edge ${i} starts at the host ${source}; hosts can only be targets`);
    graph.mergeNode(source, { kind: 'service' });
    const kind = nodeKind(target);
    graph.mergeNode(target, { kind });
    const key = edgeKey(source, target);
    if (graph.hasEdge(key)) graph.updateEdgeAttribute(key, 'weight', (w) => (w ?? 0) + weight);
    else graph.addEdgeWithKey(key, source, target, { kind: kind === 'host' ? 'placement' : 'call', weight });
  });
  return graph;
}
