/**
 * The cluster's structure: node names and roles, which nodes may call which, placement on machines, the
 * initial call graph and its drift (docs/spatiotemporal.md §3: the simulator controls the drift rate exactly).
 *
 * Every node has a tier and calls only nodes of a strictly deeper tier, and tiers increase with the node
 * index, so index order is a topological order: the graph stays acyclic whatever the rewiring does.
 */
import type { GraphSnapshot } from '@driftwatch/contracts';
import { databaseCount, type SimulationConfig } from './config';
import { uniformInteger } from './random';

export type NodeRole = 'frontend' | 'service' | 'database' | 'entry' | 'node';

export interface ClusterLayout {
  entities: string[];
  roles: NodeRole[];
  /** edges go from a tier to a strictly deeper one; tiers never decrease with the index */
  tier: Int32Array;
  /** entry nodes: they receive the external workload and are nobody's callee */
  roots: number[];
  /** the nodes each node may call, ascending */
  candidates: number[][];
  /** machine of each node */
  placement: Int32Array;
}

/** A call edge; `share` is its raw weight among the caller's edges (the routing fraction is derived from it). */
export interface CallEdge {
  src: number;
  dst: number;
  share: number;
}

/** What rewiring did over a run: a binomial experiment per edge and window boundary. */
export interface RewiringStats {
  /** window boundaries at which edges were rewired */
  boundaries: number;
  /** edge × boundary trials */
  trials: number;
  /** trials that moved their edge */
  moves: number;
  /** trials that drew a move but found no free callee (the edge stayed) */
  blocked: number;
}

function padded(prefix: string, k: number, count: number): string {
  return `${prefix}-${String(k).padStart(String(Math.max(0, count - 1)).length, '0')}`;
}

/** Splits `total` into `parts` sizes that differ by at most one, larger first. */
export function evenSplit(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, k) => Math.floor(total / parts) + (k < total % parts ? 1 : 0));
}

/**
 * Layered: tier 0 frontends (the roots), tiers 1 … S services, tier S + 1 databases; frontends call the
 * first service tier, service tier k calls tier k + 1 and the databases. DAG: node i is its own tier, the
 * first `roots` nodes are the entries, and any node may call any later non-entry node.
 */
export function clusterLayout(config: SimulationConfig, placementUniform: () => number): ClusterLayout {
  const N = config.nodes;
  const R = config.roots;
  const entities: string[] = [];
  const roles: NodeRole[] = [];
  const tier = new Int32Array(N);
  const candidates: number[][] = [];
  if (config.topology === 'layered') {
    const D = databaseCount(N);
    const S = config.serviceTiers;
    const sizes = [R, ...evenSplit(N - R - D, S), D];
    const firstOf: number[] = [];
    let at = 0;
    sizes.forEach((size, k) => {
      firstOf.push(at);
      for (let j = 0; j < size; j++) {
        tier[at] = k;
        if (k === 0) {
          entities.push(padded('frontend', j, size));
          roles.push('frontend');
        } else if (k === S + 1) {
          entities.push(padded('db', j, size));
          roles.push('database');
        } else {
          entities.push(padded(`svc${k}`, j, size));
          roles.push('service');
        }
        at++;
      }
    });
    const tierNodes = (k: number) => Array.from({ length: sizes[k] }, (_, j) => firstOf[k] + j);
    for (let i = 0; i < N; i++) {
      const k = tier[i];
      if (k === 0) candidates.push(tierNodes(1));
      else if (k <= S - 1) candidates.push([...tierNodes(k + 1), ...tierNodes(S + 1)]);
      else if (k === S) candidates.push(tierNodes(S + 1));
      else candidates.push([]);
    }
  } else {
    for (let i = 0; i < N; i++) {
      tier[i] = i;
      entities.push(padded(i < R ? 'entry' : 'node', i < R ? i : i - R, i < R ? R : N - R));
      roles.push(i < R ? 'entry' : 'node');
      candidates.push(Array.from({ length: Math.max(0, N - Math.max(i + 1, R)) }, (_, j) => Math.max(i + 1, R) + j));
    }
  }
  return {
    entities,
    roles,
    tier,
    roots: Array.from({ length: R }, (_, i) => i),
    candidates,
    placement: placeOnMachines(N, config.machines, placementUniform),
  };
}

/** Nodes dealt onto machines in a random order, round robin: machine sizes differ by at most one. */
export function placeOnMachines(nodes: number, machines: number, uniform: () => number): Int32Array {
  const order = Array.from({ length: nodes }, (_, i) => i);
  for (let i = nodes - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const placement = new Int32Array(nodes);
  order.forEach((node, k) => (placement[node] = k % machines));
  return placement;
}

function compareEdges(a: CallEdge, b: CallEdge): number {
  return a.src - b.src || a.dst - b.dst;
}

/**
 * The initial call graph: every non-root node gets one caller from the tier just above it (layered) or
 * from any earlier node (DAG), so all load can reach it; then each node with candidates calls
 * 1 … 2·fanOut − 1 of them (uniform, so fanOut on average where enough candidates exist).
 */
export function initialCallGraph(layout: ClusterLayout, fanOut: number, uniform: () => number): CallEdge[] {
  const N = layout.entities.length;
  const callees = Array.from({ length: N }, () => new Set<number>());
  const isRoot = new Set(layout.roots);
  // tiers are contiguous index ranges: the first node of each
  const tierStart = new Map<number, number>();
  for (let i = N - 1; i >= 0; i--) tierStart.set(layout.tier[i], i);
  for (let j = 0; j < N; j++) {
    if (isRoot.has(j)) continue;
    // DAG: any earlier node; layered: a node of the tier just above (whose candidates include j's tier)
    const [from, to] =
      layout.roles[j] === 'node' ? [0, j] : [tierStart.get(layout.tier[j] - 1)!, tierStart.get(layout.tier[j])!];
    callees[from + Math.min(to - from - 1, Math.floor(uniform() * (to - from)))].add(j);
  }
  for (let i = 0; i < N; i++) {
    const cands = layout.candidates[i];
    if (cands.length === 0) continue;
    const target = Math.min(cands.length, uniformInteger(uniform, 1, 2 * fanOut - 1));
    while (callees[i].size < target) callees[i].add(cands[Math.floor(uniform() * cands.length)]);
  }
  const edges: CallEdge[] = [];
  for (let i = 0; i < N; i++)
    for (const j of [...callees[i]].sort((a, b) => a - b)) edges.push({ src: i, dst: j, share: 0.5 + uniform() });
  return edges;
}

/**
 * One window boundary of drift: each edge, in (src, dst) order, is moved with probability `rate` to a
 * callee its caller may call and neither calls now nor called at the start of this boundary (so every move
 * changes exactly one edge of the snapshot: one removed, one added). The edge keeps its share.
 */
export function rewireEdges(
  edges: readonly CallEdge[],
  layout: ClusterLayout,
  rate: number,
  uniform: () => number,
  stats: RewiringStats,
): CallEdge[] {
  const N = layout.entities.length;
  const before = Array.from({ length: N }, () => new Set<number>());
  for (const e of edges) before[e.src].add(e.dst);
  const now = before.map((s) => new Set(s));
  const out = edges.map((e) => ({ ...e }));
  stats.boundaries++;
  stats.trials += out.length;
  for (const e of out) {
    if (uniform() >= rate) continue;
    const free = layout.candidates[e.src].filter((v) => !now[e.src].has(v) && !before[e.src].has(v));
    if (free.length === 0) {
      stats.blocked++;
      continue;
    }
    const next = free[Math.floor(uniform() * free.length)];
    now[e.src].delete(e.dst);
    now[e.src].add(next);
    e.dst = next;
    stats.moves++;
  }
  return out.sort(compareEdges);
}

/** p_ij = forwardShare · share_ij / Σ_k share_ik: the fraction of i's requests it sends to j. */
export function routingFractions(edges: readonly CallEdge[], nodes: number, forwardShare: number): Float64Array {
  const total = new Float64Array(nodes);
  for (const e of edges) total[e.src] += e.share;
  return Float64Array.from(edges, (e) => (forwardShare * e.share) / total[e.src]);
}

/** The call graph as a snapshot starting at step t, weights = routing fractions. */
export function callSnapshot(
  t: number,
  entities: string[],
  edges: readonly CallEdge[],
  fractions: Float64Array,
): GraphSnapshot {
  return {
    t,
    nodes: entities,
    edges: edges.map((e, k) => ({ src: e.src, dst: e.dst, kind: 'call' as const, weight: fractions[k] })),
  };
}
