import type { FitProgress, FitReport, ManifestContext } from './detector';
import { FeatureMismatchError, ParameterError } from './errors';
import type { GraphSnapshot } from './graph';
import type { AnomalyRange, Sequence } from './sequence';

/**
 * N entities (machines, containers, pods, services) observed together over T steps with F metrics
 * each: the input of spatiotemporal detectors (docs/spatiotemporal.md §1) and the output of the simulator.
 * Entity i's value of feature f at step t is `values[(t·N + i)·F + f]`; NaN marks a missing value.
 */
export interface NodeSeries {
  /** e.g. 'nezha/2022-08-22/onlineboutique', 'sim/seed-1' */
  id: string;
  /** the entity order every graph and label aligns to, length N */
  entities: string[];
  /** metric names, length F (the same for every entity) */
  features: string[];
  /** steps, T */
  length: number;
  /** T·N·F values, step-major */
  values: Float32Array;
  /** ms since epoch per step, when known */
  timestamps?: BigInt64Array;
  /** T·N ground truth: `labels[t·N + i] = 1` where entity i is anomalous at step t */
  labels?: Uint8Array;
  /** fault type per anomalous (t, i), parallel to `labels` (index into `eventTypes`; −1 where normal) */
  eventOf?: Int16Array;
  eventTypes?: string[];
  /**
   * Observed dependency graphs sorted by `t` (a step index): snapshot k holds from its `t` until the next
   * snapshot's. Their `nodes` equal `entities`. Absent: no observed graph.
   */
  graphs?: GraphSnapshot[];
}

/** Index of entity i's value of feature f at step t (see NodeSeries). */
export function nodeValueIndex(
  series: Pick<NodeSeries, 'entities' | 'features'>,
  t: number,
  i: number,
  f: number,
): number {
  return (t * series.entities.length + i) * series.features.length + f;
}

/** The observed graph in force at step t: the last snapshot with `snapshot.t ≤ t`, if any. */
export function graphAt(series: Pick<NodeSeries, 'graphs'>, t: number): GraphSnapshot | undefined {
  const graphs = series.graphs;
  if (!graphs || graphs.length === 0 || graphs[0].t > t) return undefined;
  let lo = 0;
  let hi = graphs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (graphs[mid].t <= t) lo = mid;
    else hi = mid - 1;
  }
  return graphs[lo];
}

/** Throws a ParameterError naming `where` when the arrays of a NodeSeries disagree with its shape. */
export function validateNodeSeries(series: NodeSeries, where = series.id): void {
  const N = series.entities.length;
  const F = series.features.length;
  const T = series.length;
  const fail = (what: string) => {
    throw new ParameterError(`${where}: ${what}`);
  };
  if (!Number.isInteger(T) || T < 0) fail(`length ${T} is not a non-negative integer`);
  if (N === 0) fail('has no entities');
  if (F === 0) fail('has no features');
  if (new Set(series.entities).size !== N) fail('names an entity twice');
  if (series.values.length !== T * N * F)
    fail(`has ${series.values.length} values; expected T·N·F = ${T}·${N}·${F} = ${T * N * F}`);
  if (series.timestamps && series.timestamps.length !== T)
    fail(`has ${series.timestamps.length} timestamps; expected ${T}`);
  if (series.labels && series.labels.length !== T * N)
    fail(`has ${series.labels.length} labels; expected T·N = ${T * N}`);
  if (series.eventOf && series.eventOf.length !== T * N)
    fail(`has ${series.eventOf.length} event codes; expected T·N = ${T * N}`);
  series.graphs?.forEach((g, k) => {
    if (k > 0 && g.t < series.graphs![k - 1].t)
      fail(
        `graph ${k} starts at step ${g.t}, before graph ${k - 1} (${series.graphs![k - 1].t}); graphs must ` +
          `be sorted by t`,
      );
    if (g.nodes.length !== N || g.nodes.some((name, i) => name !== series.entities[i]))
      fail(`graph ${k} (t = ${g.t}) is not aligned to the entity order`);
    for (const e of g.edges) {
      if (!(e.src >= 0 && e.src < N && e.dst >= 0 && e.dst < N))
        fail(`graph ${k} (t = ${g.t}) has an edge ${e.src} → ${e.dst} outside 0..${N - 1}`);
    }
  });
}

/** Throws a FeatureMismatchError when a series to score does not have the features a detector was trained on. */
export function assertSameFeatures(detector: string, trained: readonly string[], series: NodeSeries): void {
  if (series.features.length !== trained.length) {
    throw new FeatureMismatchError(
      trained.length,
      series.features.length,
      `features per entity (${detector}, scoring ${series.id})`,
    );
  }
  const differing = series.features.findIndex((f, i) => f !== trained[i]);
  if (differing >= 0) {
    throw new ParameterError(
      `${detector}: feature ${differing} of ${series.id} is '${series.features[differing]}'; the model was ` +
        `trained with '${trained[differing]}' there`,
    );
  }
}

export interface NodeFitOptions {
  /** a later period for early stopping and threshold choice */
  validation?: NodeSeries;
  seed: number;
  epochs?: number;
  signal?: AbortSignal;
  onProgress?: (p: FitProgress) => void;
}

/**
 * One interface for detectors that score every entity at every step, jointly (st-dda) or one entity
 * at a time (the supervised baselines of docs/spatiotemporal.md §2).
 */
export interface NodeDetector<Config = Record<string, unknown>> {
  /** 'st-dda', 'mlp', 'gbdt', 'cnn1d', 'transformer' */
  readonly id: string;
  /** steps per window W; the score at step t uses steps t−W+1 … t */
  readonly windowLength: number;
  /** true for classifiers: `fit` then needs `train.labels` */
  readonly supervised: boolean;
  /** features per entity; known after fit or load */
  readonly featureCount: number | undefined;
  readonly config: Readonly<Config>;
  fit(train: NodeSeries, opts: NodeFitOptions): Promise<FitReport>;
  /** T·N scores, `scores[t·N + i]` for entity i at step t, higher = more anomalous; NaN for t < W − 1 */
  scoreNodes(series: NodeSeries): Promise<Float32Array>;
  /** writes manifest.json + weights atomically */
  save(dir: string, context?: ManifestContext): Promise<void>;
  dispose(): void;
}

/**
 * One Sequence per entity of a NodeSeries (id `<series id>/<entity>`, domain = the entity), for the
 * per-entity window detectors: values are copied out of the step-major layout into each entity's
 * row-major T·F block. Labels become event codes (`eventOf + 1`, or 1 without `eventOf`) with one
 * AnomalyRange per run of equal codes, named by `eventTypes` (or 'anomaly').
 */
export function nodeSeriesToSequences(series: NodeSeries): Sequence[] {
  validateNodeSeries(series);
  const N = series.entities.length;
  const F = series.features.length;
  const T = series.length;
  return series.entities.map((entity, i) => {
    const values = new Float32Array(T * F);
    for (let t = 0; t < T; t++) values.set(series.values.subarray((t * N + i) * F, (t * N + i + 1) * F), t * F);
    const sequence: Sequence = {
      id: `${series.id}/${entity}`,
      entity,
      domain: entity,
      features: series.features.slice(),
      values,
      length: T,
    };
    if (series.timestamps) sequence.timestamps = series.timestamps.slice();
    if (series.labels) {
      const codes = new Uint8Array(T);
      for (let t = 0; t < T; t++) {
        if (series.labels[t * N + i] === 0) continue;
        const event = series.eventOf ? series.eventOf[t * N + i] : -1;
        codes[t] = event >= 0 ? Math.min(event + 1, 255) : 1;
      }
      sequence.labels = codes;
      sequence.ranges = labelRuns(codes, (code) => (series.eventOf && series.eventTypes?.[code - 1]) || 'anomaly');
    }
    return sequence;
  });
}

/** Maximal runs [start, end) of one non-zero code. */
function labelRuns(codes: Uint8Array, nameOf: (code: number) => string): AnomalyRange[] {
  const ranges: AnomalyRange[] = [];
  for (let t = 0; t < codes.length;) {
    if (codes[t] === 0) {
      t++;
      continue;
    }
    let end = t + 1;
    while (end < codes.length && codes[end] === codes[t]) end++;
    ranges.push({ start: t, end, eventType: nameOf(codes[t]) });
    t = end;
  }
  return ranges;
}
