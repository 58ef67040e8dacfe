import { ParameterError, type GraphEdge, type GraphSnapshot } from '@driftwatch/contracts';
import { DynamicGraph } from './dynamic-graph';
import type { NodeKind, ServiceEdgeKind, ServiceGraph } from './service-graph';
import type { WindowGrid } from './windows';

export interface AdjacencyOptions {
  /** edge kinds to include (default: all) */
  kinds?: ServiceEdgeKind[];
  /** edge weights (default true) or 1 for every present edge */
  weighted?: boolean;
  /** A + Aᵀ (for unweighted: 1 where either direction exists), the diagonal counted once (default false) */
  symmetric?: boolean;
}

/** Code-unit order, independent of the locale (localeCompare is not). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Node keys, sorted; only nodes of `kind` when given. */
export function entityOrder(graph: ServiceGraph, kind?: NodeKind): string[] {
  return graph.filterNodes((_, attrs) => kind === undefined || attrs.kind === kind).sort(byCodeUnits);
}

function indexOf(order: readonly string[], where: string): Map<string, number> {
  const index = new Map<string, number>();
  order.forEach((name, i) => {
    if (index.has(name)) throw new ParameterError(`${where}: '${name}' appears twice in the entity order`);
    index.set(name, i);
  });
  return index;
}

/**
 * Row-major n×n adjacency aligned to `order` (n = order.length): A[i·n + j] = weight of the edge
 * order[i] → order[j]. Names of `order` absent from the graph give zero rows and columns; graph
 * nodes absent from `order` are left out.
 */
export function adjacencyMatrix(
  graph: ServiceGraph,
  order: readonly string[],
  opts: AdjacencyOptions = {},
): Float32Array {
  const kinds = new Set<ServiceEdgeKind>(opts.kinds ?? ['call', 'placement']);
  const weighted = opts.weighted ?? true;
  const n = order.length;
  const index = indexOf(order, 'adjacencyMatrix');
  const a = new Float32Array(n * n);
  graph.forEachEdge((_, attrs, source, target) => {
    if (!kinds.has(attrs.kind)) return;
    const i = index.get(source);
    const j = index.get(target);
    if (i === undefined || j === undefined) return;
    a[i * n + j] = weighted ? attrs.weight : 1;
  });
  if (!opts.symmetric) return a;
  const s = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = i === j ? a[i * n + i] : a[i * n + j] + a[j * n + i];
      s[i * n + j] = weighted ? v : v > 0 ? 1 : 0;
    }
  }
  return s;
}

/**
 * The graph as a snapshot at time t over `order`: every call edge between two ordered nodes, and
 * 'contention' edges in both directions (weight 1) between services placed on a common host —
 * services sharing a machine compete for its CPU, memory and network. Edges are sorted by kind,
 * then source, then target index.
 */
export function toSnapshot(graph: ServiceGraph, order: readonly string[], t: number): GraphSnapshot {
  const index = indexOf(order, 'toSnapshot');
  const calls: GraphEdge[] = [];
  graph.forEachEdge((_, attrs, source, target) => {
    if (attrs.kind !== 'call') return;
    const src = index.get(source);
    const dst = index.get(target);
    if (src !== undefined && dst !== undefined) calls.push({ src, dst, kind: 'call', weight: attrs.weight });
  });
  const pairs = new Set<number>();
  const n = order.length;
  graph.forEachNode((host, attrs) => {
    if (attrs.kind !== 'host') return;
    const placed = graph
      .filterInNeighbors(host, (name) => graph.getNodeAttribute(name, 'kind') === 'service')
      .map((name) => index.get(name))
      .filter((i): i is number => i !== undefined);
    for (const i of placed) for (const j of placed) if (i !== j) pairs.add(i * n + j);
  });
  const contention: GraphEdge[] = [...pairs].map((p) => ({
    src: Math.floor(p / n),
    dst: p % n,
    kind: 'contention',
    weight: 1,
  }));
  const bySrcDst = (x: GraphEdge, y: GraphEdge) => x.src - y.src || x.dst - y.dst;
  return { t, nodes: [...order], edges: [...calls.sort(bySrcDst), ...contention.sort(bySrcDst)] };
}

/**
 * A dependency table as a dynamic graph of one window (window 0 of `grid`): the services in sorted order,
 * call edges and the contention edges of services sharing a host, as `toSnapshot` gives them. A table
 * has no time, so the graph is static: one snapshot, no drift.
 */
export function dependencyDynamicGraph(graph: ServiceGraph, grid: WindowGrid): DynamicGraph {
  return DynamicGraph.fromSnapshots([toSnapshot(graph, entityOrder(graph, 'service'), grid.origin)], grid);
}
