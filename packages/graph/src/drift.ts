import type { EdgeKind, GraphSnapshot } from '@driftwatch/contracts';
import { alignSnapshot } from './dynamic-graph';

export interface DriftOptions {
  /** edge kinds compared (default: all) */
  kinds?: readonly EdgeKind[];
}

/** How much the graph changed from one snapshot to the next (docs/spatiotemporal.md §1, "dependency drift"). */
export interface SnapshotDrift {
  /** t of the earlier and the later snapshot */
  from: number;
  to: number;
  edgesBefore: number;
  edgesAfter: number;
  /** edges only in the later snapshot, only in the earlier one, in both */
  added: number;
  removed: number;
  kept: number;
  /** 1 − |E₁ ∩ E₂| / |E₁ ∪ E₂|; 0 when both are empty */
  jaccardDistance: number;
  /** Σ over E₁ ∪ E₂ of |w₂(e) − w₁(e)| (a missing edge weighs 0) */
  weightChange: number;
  /** weightChange / (Σw₁ + Σw₂), in [0, 1]; 0 when both sums are 0 */
  weightChangeNormalised: number;
  /** Σ_i |d⁻₂(i) − d⁻₁(i)|, in-degrees counted in edges */
  inDegreeChange: number;
  /** Σ_i |d⁺₂(i) − d⁺₁(i)|, out-degrees counted in edges */
  outDegreeChange: number;
}

/**
 * Drift from snapshot `a` to snapshot `b`. Edges are identified by (kind, source name, target name),
 * so the snapshots are compared by entity name: both are aligned to the union of their node lists
 * (`a`'s order, then `b`'s new names). Degrees count edges of the compared kinds; undirected kinds,
 * stored in both directions, count at both ends, and Jaccard and the normalised weight change are the
 * same as over unordered pairs (both directions double numerator and denominator alike).
 */
export function snapshotDrift(a: GraphSnapshot, b: GraphSnapshot, options: DriftOptions = {}): SnapshotDrift {
  const order = [...a.nodes];
  const seen = new Set(order);
  for (const name of b.nodes) {
    if (seen.has(name)) continue;
    order.push(name);
    seen.add(name);
  }
  const kinds = options.kinds ? new Set(options.kinds) : undefined;
  const weights = (s: GraphSnapshot) => {
    const w = new Map<string, number>();
    for (const e of alignSnapshot(s, order).edges) {
      if (kinds && !kinds.has(e.kind)) continue;
      const key = `${e.kind}:${e.src}:${e.dst}`;
      w.set(key, (w.get(key) ?? 0) + e.weight);
    }
    return w;
  };
  const w1 = weights(a);
  const w2 = weights(b);
  const n = order.length;
  const inDegree = [new Float64Array(n), new Float64Array(n)];
  const outDegree = [new Float64Array(n), new Float64Array(n)];
  [w1, w2].forEach((w, s) => {
    for (const key of w.keys()) {
      const [, src, dst] = key.split(':');
      outDegree[s][Number(src)]++;
      inDegree[s][Number(dst)]++;
    }
  });
  let kept = 0;
  let change = 0;
  for (const [key, x] of w1) {
    const y = w2.get(key);
    if (y !== undefined) kept++;
    change += Math.abs((y ?? 0) - x);
  }
  for (const [key, y] of w2) if (!w1.has(key)) change += y;
  const union = w1.size + w2.size - kept;
  const total = sum(w1.values()) + sum(w2.values());
  let inChange = 0;
  let outChange = 0;
  for (let i = 0; i < n; i++) {
    inChange += Math.abs(inDegree[1][i] - inDegree[0][i]);
    outChange += Math.abs(outDegree[1][i] - outDegree[0][i]);
  }
  return {
    from: a.t,
    to: b.t,
    edgesBefore: w1.size,
    edgesAfter: w2.size,
    added: w2.size - kept,
    removed: w1.size - kept,
    kept,
    jaccardDistance: union === 0 ? 0 : 1 - kept / union,
    weightChange: change,
    weightChangeNormalised: total === 0 ? 0 : change / total,
    inDegreeChange: inChange,
    outDegreeChange: outChange,
  };
}

/** Drift between each pair of consecutive snapshots: K snapshots give K − 1 entries. */
export function driftSeries(snapshots: readonly GraphSnapshot[], options: DriftOptions = {}): SnapshotDrift[] {
  const out: SnapshotDrift[] = [];
  for (let k = 1; k < snapshots.length; k++) out.push(snapshotDrift(snapshots[k - 1], snapshots[k], options));
  return out;
}

function sum(values: Iterable<number>): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
