/**
 * The supervised baselines' view of a NodeSeries (docs/spatiotemporal.md §2): one sample per (entity i, window end t)
 * with t ≥ W − 1, its input the entity's own W × F window (steps t − W + 1 … t, no graph) and its label the
 * entity's label at t. Samples are numbered step-major like the series, k = (t − W + 1)·N + i, so the scores of
 * all samples laid after (W − 1)·N NaNs are the T·N layout of `NodeDetector.scoreNodes`.
 *
 * Nothing here copies the series: windows are gathered into caller-owned buffers, batch by batch.
 */
import { ParameterError, validateNodeSeries, type NodeSeries } from '@driftwatch/contracts';

/** (T − W + 1)·N samples, none when the series is shorter than a window. */
export function sampleCount(steps: number, entities: number, windowLength: number): number {
  return steps >= windowLength ? (steps - windowLength + 1) * entities : 0;
}

/** The (step, entity) whose window ends sample k: t = W − 1 + ⌊k/N⌋, i = k mod N. */
export function sampleOrigin(k: number, entities: number, windowLength: number): { t: number; i: number } {
  return { t: windowLength - 1 + Math.floor(k / entities), i: k % entities };
}

/** Labels of every sample (1 where the entity is anomalous at the window's last step); a label > 0 counts as 1. */
export function sampleLabels(series: NodeSeries, windowLength: number): Uint8Array {
  const labels = series.labels;
  if (!labels)
    throw new ParameterError(
      `${series.id}: has no labels; a supervised detector trains and validates on labelled periods`,
    );
  const N = series.entities.length;
  const n = sampleCount(series.length, N, windowLength);
  const out = new Uint8Array(n);
  const offset = (windowLength - 1) * N;
  for (let k = 0; k < n; k++) out[k] = labels[offset + k] > 0 ? 1 : 0;
  return out;
}

/** Per-feature affine map applied while gathering: x ↦ (x − center)/scale, a missing value (NaN) ↦ 0. */
export interface FeatureScaling {
  center: Float64Array;
  scale: Float64Array;
}

/**
 * Writes the windows of samples `indices` into `out`, row b = sample indices[b] flattened step by step:
 * out[b·W·F + r·F + f] = x[t − W + 1 + r, i, f]. Raw values (NaN kept) without `scaling`; with it,
 * standardised values and 0 (the training mean) for missing ones.
 */
export function gatherSampleWindows(
  series: NodeSeries,
  windowLength: number,
  indices: ArrayLike<number>,
  out: Float32Array,
  scaling?: FeatureScaling,
): void {
  const N = series.entities.length;
  const F = series.features.length;
  const values = series.values;
  const size = windowLength * F;
  if (out.length < indices.length * size)
    throw new RangeError(
      `gatherSampleWindows: buffer of ${out.length} values for ${indices.length} windows of ${size}`,
    );
  for (let b = 0; b < indices.length; b++) {
    const k = indices[b];
    const i = k % N;
    // the window's first step is t − W + 1 = ⌊k/N⌋
    const first = Math.floor(k / N);
    for (let r = 0; r < windowLength; r++) {
      const src = ((first + r) * N + i) * F;
      const dst = b * size + r * F;
      if (!scaling) {
        for (let f = 0; f < F; f++) out[dst + f] = values[src + f];
        continue;
      }
      for (let f = 0; f < F; f++) {
        const v = values[src + f];
        out[dst + f] = Number.isNaN(v) ? 0 : (v - scaling.center[f]) / scaling.scale[f];
      }
    }
  }
}

/**
 * Mean and standard deviation per feature over every finite value of the series (all steps, all entities); a
 * feature that is constant or never observed gets scale 1 (scikit-learn's StandardScaler), one never observed
 * centre 0. Float64 sums in two passes.
 */
export function featureScaling(series: NodeSeries): FeatureScaling {
  const F = series.features.length;
  const values = series.values;
  const count = new Float64Array(F);
  const center = new Float64Array(F);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (Number.isNaN(v)) continue;
    center[k % F] += v;
    count[k % F] += 1;
  }
  for (let f = 0; f < F; f++) center[f] = count[f] > 0 ? center[f] / count[f] : 0;
  const scale = new Float64Array(F);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (!Number.isNaN(v)) scale[k % F] += (v - center[k % F]) ** 2;
  }
  for (let f = 0; f < F; f++) {
    const sd = count[f] > 0 ? Math.sqrt(scale[f] / count[f]) : 0;
    scale[f] = sd > 0 ? sd : 1;
  }
  return { center, scale };
}

/** How much a positive sample weighs relative to a negative one: a number ≥ 0, or 'balanced'. */
export type PositiveWeight = 'balanced' | number;

/**
 * 'balanced' = n₋/n₊ (XGBoost's advice for scale_pos_weight: Σ negatives / Σ positives), so both classes weigh the same
 * in total.
 */
export function resolvePositiveWeight(labels: Uint8Array, option: PositiveWeight, where: string): number {
  let positives = 0;
  for (const y of labels) positives += y;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new ParameterError(
      `${where}: the training labels have ${positives} anomalous and ${negatives} normal samples; a ` +
        `classifier needs both`,
    );
  }
  return option === 'balanced' ? negatives / positives : option;
}

/** w_k = positiveWeight for y_k = 1, 1 otherwise. */
export function sampleWeights(labels: Uint8Array, positiveWeight: number): Float32Array {
  return Float32Array.from(labels, (y) => (y ? positiveWeight : 1));
}

/**
 * Checks a series before fitting or scoring: consistent shape, values finite or NaN (missing), at least one
 * window, and labels where they are needed.
 */
export function checkSupervisedSeries(
  series: NodeSeries,
  windowLength: number,
  where: string,
  needs: { labels: boolean },
): void {
  validateNodeSeries(series, `${where}: ${series.id}`);
  const values = series.values;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v === Infinity || v === -Infinity) {
      const F = series.features.length;
      const N = series.entities.length;
      const t = Math.floor(k / (N * F));
      throw new ParameterError(
        `${where}: ${series.id} has ${v} at step ${t}, entity '${series.entities[Math.floor(k / F) % N]}', ` +
          `feature '${series.features[k % F]}'; values must be finite or NaN (missing)`,
      );
    }
  }
  if (series.length < windowLength)
    throw new ParameterError(
      `${where}: ${series.id} has ${series.length} steps, fewer than one window of ${windowLength}`,
    );
  if (needs.labels && !series.labels)
    throw new ParameterError(
      `${where}: ${series.id} has no labels; a supervised detector trains and validates on labelled periods`,
    );
}

/** T·N scores from one score per sample: NaN for t < W − 1, then the samples in order. */
export function nodeScoresOf(series: NodeSeries, windowLength: number, sampleScores: ArrayLike<number>): Float32Array {
  const N = series.entities.length;
  const out = new Float32Array(series.length * N).fill(NaN);
  const offset = Math.min(out.length, (windowLength - 1) * N);
  for (let k = 0; k < sampleScores.length; k++) out[offset + k] = sampleScores[k];
  return out;
}
