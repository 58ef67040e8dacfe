/**
 * The observed part of st-dda's dependency matrix (docs/spatiotemporal.md §1.4): norm(A_obs(t) + I) from the
 * series' graph snapshots, dense N × N, row-major, for the graph modes none / static / dynamic.
 */
import { ParameterError, graphAt, type GraphSnapshot, type NodeSeries } from '@driftwatch/contracts';
import type { StDdaGraphMode, StDdaConfig } from './config';

export type ObservedEdgeSettings = Pick<StDdaConfig, 'observedEdges' | 'observedWeights'>;

/**
 * A_obs of one snapshot: a[i·N + j] = Σ over edges i → j of 1 (binary: at most 1) or of the edge weights,
 * also at a[j·N + i] when symmetric. Self-edges are ignored: norm(A + I) adds the self-loop.
 */
export function snapshotAdjacency(
  snapshot: GraphSnapshot,
  N: number,
  settings: ObservedEdgeSettings,
  where = `graph at step ${snapshot.t}`,
): Float64Array {
  const a = new Float64Array(N * N);
  const binary = settings.observedWeights === 'binary';
  for (const e of snapshot.edges) {
    if (e.src === e.dst) continue;
    const w = binary ? 1 : e.weight;
    if (!(Number.isFinite(w) && w >= 0))
      throw new ParameterError(
        `st-dda: ${where} has an edge ${e.src} → ${e.dst} of weight ${e.weight}; observedWeights 'weight' ` +
          `needs finite weights ≥ 0`,
      );
    const cells = settings.observedEdges === 'symmetric' ? [e.src * N + e.dst, e.dst * N + e.src] : [e.src * N + e.dst];
    for (const c of cells) a[c] = binary ? 1 : a[c] + w;
  }
  return a;
}

/** norm(A + I): row i of A + I divided by its sum 1 + Σ_j A_ij (row normalisation, §1.4) */
export function rowNormalisedWithSelfLoops(a: Float64Array, N: number): Float32Array {
  const out = new Float32Array(N * N);
  for (let i = 0; i < N; i++) {
    let sum = 1;
    for (let j = 0; j < N; j++) if (j !== i) sum += a[i * N + j];
    for (let j = 0; j < N; j++) out[i * N + j] = (j === i ? 1 : a[i * N + j]) / sum;
  }
  return out;
}

/** The snapshot that holds at window end t: the first one throughout (static), the one in force at t (dynamic). */
export function snapshotFor(
  series: Pick<NodeSeries, 'graphs'>,
  mode: Exclude<StDdaGraphMode, 'none'>,
  t: number,
): GraphSnapshot | undefined {
  return mode === 'static' ? series.graphs?.[0] : graphAt(series, t);
}

/**
 * norm(A_obs(t) + I) per window end t, one matrix per snapshot (cached); the identity where no snapshot
 * holds yet (dynamic mode before the first one). Throws a ParameterError when the mode needs graphs and
 * the series has none.
 */
export function observedDependencies(
  series: NodeSeries,
  mode: Exclude<StDdaGraphMode, 'none'>,
  settings: ObservedEdgeSettings,
): (t: number) => Float32Array {
  const N = series.entities.length;
  return perSnapshot(
    series,
    mode,
    () => rowNormalisedWithSelfLoops(new Float64Array(N * N), N),
    (snapshot, where) => rowNormalisedWithSelfLoops(snapshotAdjacency(snapshot, N, settings, where), N),
  );
}

/**
 * What `build` makes of the snapshot that holds at window end t, made once per snapshot; `empty()` (made once)
 * where none holds yet. Throws a ParameterError when the series has no graphs.
 */
function perSnapshot<T>(
  series: NodeSeries,
  mode: Exclude<StDdaGraphMode, 'none'>,
  empty: () => T,
  build: (snapshot: GraphSnapshot, where: string) => T,
): (t: number) => T {
  if (!series.graphs || series.graphs.length === 0) {
    throw new ParameterError(
      `st-dda: graph '${mode}' needs observed graphs, and series ${series.id} has none (use graph 'none')`,
    );
  }
  const cache = new Map<GraphSnapshot, T>();
  let none: T | undefined;
  return (t) => {
    const snapshot = snapshotFor(series, mode, t);
    if (!snapshot) return (none ??= empty());
    let made = cache.get(snapshot);
    if (made === undefined) {
      made = build(snapshot, `${series.id}: graph at step ${snapshot.t}`);
      cache.set(snapshot, made);
    }
    return made;
  };
}

/**
 * norm(A_obs + I) of one snapshot as rows of neighbours, for the top-k path (no N × N matrix): row i holds its
 * self-loop and its observed columns, `width` entries per row, padded with column i at weight 0.
 */
export interface ObservedRows {
  width: number;
  /** N·width column indices, row-major */
  columns: Int32Array;
  /** N·width weights, each row summing to 1 */
  weights: Float32Array;
}

/** A_obs of one snapshot as one map column → value per row: the cells of `snapshotAdjacency` that are non-zero */
function snapshotRowMaps(
  snapshot: GraphSnapshot,
  N: number,
  settings: ObservedEdgeSettings,
  where: string,
): Map<number, number>[] {
  const rows = Array.from({ length: N }, () => new Map<number, number>());
  const binary = settings.observedWeights === 'binary';
  for (const e of snapshot.edges) {
    if (e.src === e.dst) continue;
    const w = binary ? 1 : e.weight;
    if (!(Number.isFinite(w) && w >= 0))
      throw new ParameterError(
        `st-dda: ${where} has an edge ${e.src} → ${e.dst} of weight ${e.weight}; observedWeights 'weight' ` +
          `needs finite weights ≥ 0`,
      );
    const cells: [number, number][] =
      settings.observedEdges === 'symmetric'
        ? [
            [e.src, e.dst],
            [e.dst, e.src],
          ]
        : [[e.src, e.dst]];
    for (const [i, j] of cells) rows[i].set(j, binary ? 1 : (rows[i].get(j) ?? 0) + w);
  }
  return rows;
}

/** norm(A + I) row by row: (A + I)_ij / (1 + Σ_j A_ij), self-loop first, rows padded to the widest */
export function observedRowsOf(rows: readonly Map<number, number>[]): ObservedRows {
  const N = rows.length;
  const width = 1 + Math.max(0, ...rows.map((r) => r.size));
  const columns = new Int32Array(N * width);
  const weights = new Float32Array(N * width);
  rows.forEach((row, i) => {
    let sum = 1;
    for (const v of row.values()) sum += v;
    columns.fill(i, i * width, (i + 1) * width);
    weights[i * width] = 1 / sum;
    let n = 1;
    for (const [j, v] of row) {
      columns[i * width + n] = j;
      weights[i * width + n] = v / sum;
      n++;
    }
  });
  return { width, columns, weights };
}

/**
 * norm(A_obs(t) + I) per window end t as rows of neighbours (`observedDependencies` without the N × N matrix), one
 * per snapshot (cached); the self-loops alone where no snapshot holds yet.
 */
export function observedNeighbourRows(
  series: NodeSeries,
  mode: Exclude<StDdaGraphMode, 'none'>,
  settings: ObservedEdgeSettings,
): (t: number) => ObservedRows {
  const N = series.entities.length;
  return perSnapshot(
    series,
    mode,
    () => observedRowsOf(Array.from({ length: N }, () => new Map())),
    (snapshot, where) => observedRowsOf(snapshotRowMaps(snapshot, N, settings, where)),
  );
}

/**
 * The rows of B window ends in one [B, N, m] layout, m the widest of them (narrower rows padded with their own
 * column at weight 0): `columns` int32 and `weights`, ready for tensors.
 */
export function stackObservedRows(
  rows: readonly ObservedRows[],
  N: number,
): { width: number; columns: Int32Array; weights: Float32Array } {
  const width = Math.max(...rows.map((r) => r.width));
  const columns = new Int32Array(rows.length * N * width);
  const weights = new Float32Array(rows.length * N * width);
  rows.forEach((r, b) => {
    for (let i = 0; i < N; i++) {
      const at = (b * N + i) * width;
      columns.fill(i, at, at + width);
      columns.set(r.columns.subarray(i * r.width, (i + 1) * r.width), at);
      weights.set(r.weights.subarray(i * r.width, (i + 1) * r.width), at);
    }
  });
  return { width, columns, weights };
}
