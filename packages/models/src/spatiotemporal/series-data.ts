/**
 * What st-dda reads from a NodeSeries: values standardised per entity and feature with statistics of
 * the training series (docs/spatiotemporal.md §1, "Input"), a mask of observed values, and the windows of
 * the training and scoring paths laid out for the network.
 */
import { ParameterError, type NodeSeries } from '@driftwatch/contracts';

export interface EntityFeatureMoments {
  /** N·F, index i·F + f */
  mean: Float32Array;
  std: Float32Array;
}

/**
 * Mean and population standard deviation of each (entity, feature) over the observed (non-NaN) steps;
 * a constant or never-observed series gets std 1 (and mean 0 when never observed), so it passes through.
 */
export function entityFeatureMoments(series: NodeSeries): EntityFeatureMoments {
  const N = series.entities.length;
  const F = series.features.length;
  const count = new Float64Array(N * F);
  const sum = new Float64Array(N * F);
  const sq = new Float64Array(N * F);
  const v = series.values;
  for (let t = 0; t < series.length; t++) {
    for (let k = 0; k < N * F; k++) {
      const x = v[t * N * F + k];
      if (Number.isNaN(x)) continue;
      count[k] += 1;
      sum[k] += x;
    }
  }
  const mean = new Float32Array(N * F);
  for (let k = 0; k < N * F; k++) mean[k] = count[k] > 0 ? sum[k] / count[k] : 0;
  for (let t = 0; t < series.length; t++) {
    for (let k = 0; k < N * F; k++) {
      const x = v[t * N * F + k];
      if (!Number.isNaN(x)) sq[k] += (x - mean[k]) ** 2;
    }
  }
  const std = new Float32Array(N * F);
  for (let k = 0; k < N * F; k++) {
    const s = count[k] > 0 ? Math.sqrt(sq[k] / count[k]) : 0;
    std[k] = s > 0 ? s : 1;
  }
  return { mean, std };
}

/** A series as the network sees it. */
export interface StandardisedSeries {
  N: number;
  F: number;
  T: number;
  /** T·N·F, (x − mean)/std, 0 where missing */
  values: Float32Array;
  /** T·N·F, 1 where observed, 0 where missing */
  observed: Float32Array;
}

/**
 * z = (x − mean_{i,f})/std_{i,f}; a missing value (NaN) becomes 0, the training mean, with observed = 0. ±Infinity is a
 * ParameterError.
 */
export function standardiseNodeSeries(series: NodeSeries, moments: EntityFeatureMoments): StandardisedSeries {
  const N = series.entities.length;
  const F = series.features.length;
  const T = series.length;
  const values = new Float32Array(T * N * F);
  const observed = new Float32Array(T * N * F);
  const { mean, std } = moments;
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < N * F; k++) {
      const x = series.values[t * N * F + k];
      if (Number.isNaN(x)) continue;
      if (!Number.isFinite(x)) {
        throw new ParameterError(
          `st-dda: ${series.id} has ${x} at step ${t}, entity '${series.entities[Math.floor(k / F)]}', ` +
            `feature '${series.features[k % F]}' (NaN marks a missing value; infinities are not allowed)`,
        );
      }
      values[t * N * F + k] = (x - mean[k]) / std[k];
      observed[t * N * F + k] = 1;
    }
  }
  return { N, F, T, values, observed };
}

/**
 * Training-path windows for the window ends `ends`, step-major: row (w·B + b)·N + i of `x` holds entity i
 * at step ends[b] − W + 1 + w. `target` and `mask` (B·N·F) hold step ends[b] + 1.
 */
export function gatherTrainingWindows(
  s: StandardisedSeries,
  W: number,
  ends: ArrayLike<number>,
  x: Float32Array,
  target: Float32Array,
  mask: Float32Array,
): void {
  const B = ends.length;
  const block = s.N * s.F;
  for (let b = 0; b < B; b++) {
    const e = ends[b];
    for (let w = 0; w < W; w++) {
      const step = e - W + 1 + w;
      x.set(s.values.subarray(step * block, (step + 1) * block), (w * B + b) * block);
    }
    target.set(s.values.subarray((e + 1) * block, (e + 2) * block), b * block);
    mask.set(s.observed.subarray((e + 1) * block, (e + 2) * block), b * block);
  }
}

/**
 * 1 at every step at which any entity is labelled (label > 0), else 0: T values. A fault spreads along calls beyond
 * the entity it was injected into, so the whole step counts as anomalous (the rule of ingest's `normalMask`).
 */
export function anomalousSteps(series: Pick<NodeSeries, 'length' | 'entities' | 'labels'>): Uint8Array {
  const N = series.entities.length;
  const out = new Uint8Array(series.length);
  if (!series.labels) return out;
  for (let t = 0; t < series.length; t++) {
    for (let i = 0; i < N; i++) {
      if (series.labels[t * N + i] > 0) {
        out[t] = 1;
        break;
      }
    }
  }
  return out;
}

/**
 * The training window ends e = W − 1 … T − 2 whose example holds no anomalous step: the window e − W + 1 … e and
 * its forecast target e + 1 all have anomalous[t] = 0 (counted with prefix sums: c[e + 2] − c[e − W + 1] = 0).
 */
export function normalWindowEnds(T: number, W: number, anomalous: ArrayLike<number>): Int32Array {
  if (anomalous.length !== T)
    throw new ParameterError(`normalWindowEnds: ${anomalous.length} step flags for ${T} steps`);
  // c[t] = anomalous steps before t
  const c = new Int32Array(T + 1);
  for (let t = 0; t < T; t++) c[t + 1] = c[t] + (anomalous[t] > 0 ? 1 : 0);
  const ends: number[] = [];
  for (let e = W - 1; e <= T - 2; e++) if (c[e + 2] - c[e - W + 1] === 0) ends.push(e);
  return Int32Array.from(ends);
}

/** The series with every value at the flagged steps missing (NaN): what the standardisation is fitted on. */
export function withStepsMissing(series: NodeSeries, flagged: ArrayLike<number>): NodeSeries {
  const block = series.entities.length * series.features.length;
  const values = series.values.slice();
  for (let t = 0; t < series.length; t++) if (flagged[t] > 0) values.fill(NaN, t * block, (t + 1) * block);
  return { ...series, values };
}

/** Runs of consecutive values of a sorted list of window ends, as [first, last] pairs. */
export function consecutiveRuns(ends: ArrayLike<number>): [number, number][] {
  const runs: [number, number][] = [];
  for (let k = 0; k < ends.length; k++) {
    const last = runs[runs.length - 1];
    if (last && ends[k] === last[1] + 1) last[1] = ends[k];
    else runs.push([ends[k], ends[k]]);
  }
  return runs;
}
