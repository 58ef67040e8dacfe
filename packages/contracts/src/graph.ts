import { ParameterError } from './errors';

export type EdgeKind = 'call' | 'contention' | 'correlation';

export interface GraphEdge {
  src: number;
  dst: number;
  kind: EdgeKind;
  weight: number;
}

/** A graph at time t over a fixed node order (indices into `nodes`). */
export interface GraphSnapshot {
  t: number;
  nodes: string[];
  edges: GraphEdge[];
}

/** A snapshot edge; call edges built from spans also carry the latency of the calls (child span durations). */
export interface SnapshotEdge extends GraphEdge {
  /** mean call latency, µs */
  meanUs?: number;
  /** 95th-percentile call latency (nearest rank), µs */
  p95Us?: number;
}

/** An edge by entity names, with its latencies when it has them: how graphs are built and shown. */
export interface NamedEdge {
  source: string;
  target: string;
  kind: EdgeKind;
  weight: number;
  meanUs?: number;
  p95Us?: number;
}

/** Order of kinds inside a snapshot: calls, then contention, then correlation. */
export const EDGE_KINDS: readonly EdgeKind[] = ['call', 'contention', 'correlation'];

/** Snapshot edge order: kind (EDGE_KINDS), then source index, then target index. */
export function compareEdges(a: GraphEdge, b: GraphEdge): number {
  return EDGE_KINDS.indexOf(a.kind) - EDGE_KINDS.indexOf(b.kind) || a.src - b.src || a.dst - b.dst;
}

/** Edges of a snapshot (all of them, or the given ones) by node names, keeping latencies that are there. */
export function namedEdges(snapshot: GraphSnapshot, edges: readonly SnapshotEdge[] = snapshot.edges): NamedEdge[] {
  return edges.map((e) => ({
    source: snapshot.nodes[e.src],
    target: snapshot.nodes[e.dst],
    kind: e.kind,
    weight: e.weight,
    ...(e.meanUs !== undefined ? { meanUs: e.meanUs } : {}),
    ...(e.p95Us !== undefined ? { p95Us: e.p95Us } : {}),
  }));
}

/**
 * A snapshot over another entity order: edges between names of `order` are kept (re-indexed), names of
 * `order` the snapshot lacks are isolated nodes, edges touching other names are left out. A name repeated
 * in `order` is a ParameterError.
 */
export function alignSnapshot<S extends GraphSnapshot>(snapshot: S, order: readonly string[]): S {
  const index = new Map<string, number>();
  order.forEach((name, i) => {
    if (index.has(name)) throw new ParameterError(`alignSnapshot: '${name}' appears twice in the entity order`);
    index.set(name, i);
  });
  const to = snapshot.nodes.map((name) => index.get(name));
  const edges = snapshot.edges
    .filter((e) => to[e.src] !== undefined && to[e.dst] !== undefined)
    .map((e) => ({ ...e, src: to[e.src]!, dst: to[e.dst]! }))
    .sort(compareEdges);
  return { ...snapshot, nodes: [...order], edges };
}

export interface SnapshotAdjacencyOptions {
  /** entity order of the rows and columns (default: the snapshot's nodes) */
  order?: readonly string[];
  /** edge kinds included (default: all); several kinds on one pair add up */
  kinds?: readonly EdgeKind[];
  /** edge weights (default true) or 1 for every included pair */
  weighted?: boolean;
  /** A + Aᵀ, the diagonal counted once (unweighted: 1 where either direction exists); default false */
  symmetric?: boolean;
  /** divide each row by its sum (rows summing to 0 stay 0), after symmetrising; default false */
  rowNormalise?: boolean;
}

/**
 * Sparse n×n matrix in coordinate form: entry m has value values[m] at (rows[m], cols[m]); sorted by row, then column;
 * no zeros, no repeats.
 */
export interface CooMatrix {
  n: number;
  rows: Int32Array;
  cols: Int32Array;
  values: Float32Array;
}

/**
 * The adjacency entries of a snapshot as (i·n + j) → value, after kind selection, summing, weighting and
 * symmetrising (docs/spatiotemporal.md §1: A_obs(t), then norm(A_obs + I) by the detector).
 */
function adjacencyEntries(
  snapshot: GraphSnapshot,
  options: SnapshotAdjacencyOptions,
): { n: number; cells: Map<number, number> } {
  const aligned = options.order ? alignSnapshot(snapshot, options.order) : snapshot;
  const n = aligned.nodes.length;
  const kinds = options.kinds ? new Set(options.kinds) : undefined;
  const weighted = options.weighted ?? true;
  const cells = new Map<number, number>();
  for (const e of aligned.edges) {
    if (kinds && !kinds.has(e.kind)) continue;
    if (!(e.src >= 0 && e.src < n && e.dst >= 0 && e.dst < n))
      throw new ParameterError(
        `adjacency export: edge ${e.src} → ${e.dst} outside the ${n} nodes of snapshot t = ${snapshot.t}`,
      );
    const key = e.src * n + e.dst;
    cells.set(key, weighted ? (cells.get(key) ?? 0) + e.weight : 1);
  }
  let result = cells;
  if (options.symmetric) {
    result = new Map();
    for (const [key, v] of cells) {
      const i = Math.floor(key / n);
      const j = key % n;
      const add = (k: number) => result.set(k, weighted ? (result.get(k) ?? 0) + v : 1);
      add(key);
      if (i !== j) add(j * n + i);
    }
  }
  if (options.rowNormalise) {
    const rowSum = new Float64Array(n);
    for (const [key, v] of result) rowSum[Math.floor(key / n)] += v;
    for (const [key, v] of result)
      result.set(key, rowSum[Math.floor(key / n)] === 0 ? 0 : v / rowSum[Math.floor(key / n)]);
  }
  for (const [key, v] of result) if (v === 0) result.delete(key);
  return { n, cells: result };
}

/** Row-major n×n adjacency of a snapshot: A[i·n + j] = weight of order[i] → order[j] (see SnapshotAdjacencyOptions). */
export function denseAdjacency(snapshot: GraphSnapshot, options: SnapshotAdjacencyOptions = {}): Float32Array {
  const { n, cells } = adjacencyEntries(snapshot, options);
  const a = new Float32Array(n * n);
  for (const [key, v] of cells) a[key] = v;
  return a;
}

/** The same matrix as `denseAdjacency`, in coordinate (COO) form. */
export function cooAdjacency(snapshot: GraphSnapshot, options: SnapshotAdjacencyOptions = {}): CooMatrix {
  const { n, cells } = adjacencyEntries(snapshot, options);
  const keys = [...cells.keys()].sort((a, b) => a - b);
  const rows = new Int32Array(keys.length);
  const cols = new Int32Array(keys.length);
  const values = new Float32Array(keys.length);
  keys.forEach((key, m) => {
    rows[m] = Math.floor(key / n);
    cols[m] = key % n;
    values[m] = cells.get(key)!;
  });
  return { n, rows, cols, values };
}

/** A COO matrix as dense row-major values (for checks and small graphs). */
export function cooToDense(coo: CooMatrix): Float32Array {
  const a = new Float32Array(coo.n * coo.n);
  for (let m = 0; m < coo.values.length; m++) a[coo.rows[m] * coo.n + coo.cols[m]] += coo.values[m];
  return a;
}
