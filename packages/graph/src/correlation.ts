import { ParameterError, nodeValueIndex, validateNodeSeries, type NodeSeries } from '@driftwatch/contracts';
import { DynamicGraph } from './dynamic-graph';

export interface CorrelationOptions {
  /** steps per window (windows [k·W, (k+1)·W), the last one may be shorter) */
  windowSteps: number;
  /** the metric correlated: a feature index or name (default 0) */
  feature?: number | string;
  /** link when |r| ≥ threshold (default 0.8 without topK; with topK, default 0: the k strongest) */
  threshold?: number;
  /** keep, per entity, only its k partners of largest |r| (an edge when either end chose it) */
  topK?: number;
  /** fewest steps where both values are present for r to count (default 3) */
  minObservations?: number;
}

/**
 * Pearson correlation over the steps where both series have a value (pairwise complete):
 * r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² · Σ(y−ȳ)²), means over those steps; NaN when fewer than
 * `minObservations` such steps or when either series is constant on them.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, minObservations = 3): number {
  if (x.length !== y.length) throw new ParameterError(`pearson: series of lengths ${x.length} and ${y.length}`);
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let t = 0; t < x.length; t++) {
    if (Number.isNaN(x[t]) || Number.isNaN(y[t])) continue;
    n++;
    sx += x[t];
    sy += y[t];
  }
  if (n < Math.max(2, minObservations)) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let t = 0; t < x.length; t++) {
    if (Number.isNaN(x[t]) || Number.isNaN(y[t])) continue;
    const dx = x[t] - mx;
    const dy = y[t] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * Correlation graph per window of a NodeSeries (docs/spatiotemporal.md §1, the observed graph from metrics;
 * the paper's "link interactions"): in window k, entities i and j are linked by an undirected
 * 'correlation' edge (stored both ways) of weight |r_ij| when |r_ij| ≥ threshold, r the Pearson
 * correlation of their values of one feature over the window's steps; with `topK`, each entity keeps its
 * k partners of largest |r| (ties to the lower index) above the threshold, and a pair is linked when
 * either end kept it. The grid counts steps, so the snapshots' t are step indices and
 * `toNodeSeriesGraphs(series.entities)` gives `NodeSeries.graphs` directly.
 */
export function correlationGraph(series: NodeSeries, options: CorrelationOptions): DynamicGraph {
  validateNodeSeries(series, 'correlationGraph');
  const W = options.windowSteps;
  if (!(Number.isInteger(W) && W >= 2))
    throw new ParameterError(`correlationGraph: windowSteps must be an integer ≥ 2, got ${W}`);
  const f = typeof options.feature === 'string' ? series.features.indexOf(options.feature) : (options.feature ?? 0);
  if (!(Number.isInteger(f) && f >= 0 && f < series.features.length)) {
    throw new ParameterError(
      `correlationGraph: no feature ${JSON.stringify(options.feature)}; the series has ${series.features.join(', ')}`,
    );
  }
  const topK = options.topK;
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1))
    throw new ParameterError(`correlationGraph: topK must be a positive integer, got ${topK}`);
  const threshold = options.threshold ?? (topK === undefined ? 0.8 : 0);
  if (!(threshold >= 0 && threshold <= 1))
    throw new ParameterError(`correlationGraph: threshold must lie in [0, 1], got ${threshold}`);
  const minObservations = options.minObservations ?? 3;
  const N = series.entities.length;
  const graph = new DynamicGraph({ width: W, origin: 0, unit: 'step' });
  for (const name of series.entities) graph.entity(name);
  for (let k = 0; k * W < series.length; k++) {
    const from = k * W;
    const to = Math.min(series.length, from + W);
    const columns = series.entities.map((_, i) => {
      const column = new Float64Array(to - from);
      for (let t = from; t < to; t++) column[t - from] = series.values[nodeValueIndex(series, t, i, f)];
      return column;
    });
    const r = new Float64Array(N * N).fill(NaN);
    for (let i = 0; i < N; i++)
      for (let j = i + 1; j < N; j++) r[i * N + j] = r[j * N + i] = pearson(columns[i], columns[j], minObservations);
    graph.touchWindow(k);
    const linked = new Set<number>();
    for (let i = 0; i < N; i++) {
      const partners: number[] = [];
      for (let j = 0; j < N; j++) if (j !== i && Math.abs(r[i * N + j]) >= threshold) partners.push(j);
      if (topK !== undefined)
        partners.sort((a, b) => Math.abs(r[i * N + b]) - Math.abs(r[i * N + a]) || a - b).splice(topK);
      for (const j of partners) linked.add(Math.min(i, j) * N + Math.max(i, j));
    }
    for (const key of [...linked].sort((a, b) => a - b)) {
      const i = Math.floor(key / N);
      const j = key % N;
      const weight = Math.abs(r[key]);
      graph.addIndexedEdge(k, { src: i, dst: j, kind: 'correlation', weight });
      graph.addIndexedEdge(k, { src: j, dst: i, kind: 'correlation', weight });
    }
  }
  return graph;
}
