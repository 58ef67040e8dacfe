import type { EdgeKind, GraphSnapshot } from '@driftwatch/contracts';
import { EDGE_KINDS, type SnapshotEdge } from './dynamic-graph';

/** Degree and strength of one node: edges in and out, and the sums of their weights. */
export interface NodeDegree {
  node: string;
  inDegree: number;
  outDegree: number;
  inWeight: number;
  outWeight: number;
}

/** Per node of a snapshot, in node order: in/out degree (edges) and in/out strength (Σ weights). */
export function nodeDegrees(snapshot: GraphSnapshot, kinds?: readonly EdgeKind[]): NodeDegree[] {
  const keep = kinds ? new Set(kinds) : undefined;
  const rows = snapshot.nodes.map((node) => ({ node, inDegree: 0, outDegree: 0, inWeight: 0, outWeight: 0 }));
  for (const e of snapshot.edges) {
    if (keep && !keep.has(e.kind)) continue;
    rows[e.src].outDegree++;
    rows[e.src].outWeight += e.weight;
    rows[e.dst].inDegree++;
    rows[e.dst].inWeight += e.weight;
  }
  return rows;
}

/** The k heaviest edges (ties: kind order, then source, then target index). */
export function topEdges<E extends SnapshotEdge>(edges: readonly E[], k: number): E[] {
  return [...edges]
    .sort(
      (a, b) =>
        b.weight - a.weight ||
        EDGE_KINDS.indexOf(a.kind) - EDGE_KINDS.indexOf(b.kind) ||
        a.src - b.src ||
        a.dst - b.dst,
    )
    .slice(0, Math.max(0, k));
}

/** Minimum, median (mean of the middle two for even n), mean and maximum; NaN for no values. */
export interface Spread {
  min: number;
  median: number;
  mean: number;
  max: number;
}

export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) return { min: NaN, median: NaN, mean: NaN, max: NaN };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return {
    min: s[0],
    median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2,
    mean: s.reduce((x, y) => x + y, 0) / s.length,
    max: s[s.length - 1],
  };
}

/** Edges per kind of a snapshot, kinds in EDGE_KINDS order, absent kinds left out. */
export function edgesPerKind(snapshot: GraphSnapshot): Partial<Record<EdgeKind, number>> {
  const counts: Partial<Record<EdgeKind, number>> = {};
  for (const kind of EDGE_KINDS) {
    const c = snapshot.edges.filter((e) => e.kind === kind).length;
    if (c > 0) counts[kind] = c;
  }
  return counts;
}
