/**
 * What the three tfjs classifiers of spatiotemporal.md §2 share (mlp, cnn1d, transformer): (entity, window)
 * samples of a labelled NodeSeries, per-feature standardisation kept as state, the weighted binary cross-entropy,
 * AdamW, the epoch loop with early stopping on the validation loss, batched scoring into the T·N layout, and model
 * directories. A subclass names its parameters and maps a batch of windows to one logit each.
 *
 * Scores are the logits (log-odds of "anomalous at the window's last step"), not σ(logit): the sigmoid is
 * monotone, so thresholds and rankings are the same, and float32 probabilities would tie at 1 for confident
 * samples (σ(z) rounds to 1 for z ≳ 17), which flattens precision–recall curves.
 */
import { join } from 'node:path';
import {
  InputError,
  NotFittedError,
  assertSameFeatures,
  type FitReport,
  type ManifestContext,
  type NodeDetector,
  type NodeFitOptions,
  type NodeSeries,
} from '@driftwatch/contracts';
import { ensureBackend, tf } from '../backend';
import { readManifest, readModelFile, writeModelDir } from '../model-dir';
import { assertWeightShapes, createNamedVariables, fitReportOf } from '../neural/fit-helpers';
import { initialValues, subSeed, type NamedParams, type ParamSpec } from '../neural/params';
import { AdamW, packWeights, trainLoop, unpackWeights, type WeightsIndex } from '../training';
import type { SupervisedNetworkConfig } from './config';
import { manifestFeatureNames, supervisedManifest } from './manifest';
import {
  checkSupervisedSeries,
  featureScaling,
  gatherSampleWindows,
  nodeScoresOf,
  resolvePositiveWeight,
  sampleCount,
  sampleLabels,
  sampleWeights,
  type FeatureScaling,
} from './samples';

const WEIGHTS_BIN = 'weights.bin';
const WEIGHTS_JSON = 'weights.json';
/** windows per forward pass when scoring and for the validation loss */
const SCORE_BATCH = 2048;
/** the standardisation state: per-feature centre and scale of the training period */
const CENTER = 'input/center';
const SCALE = 'input/scale';

let instances = 0;

/** Mean over the batch of w·ℓ with ℓ = softplus(z) − z·y, the cross-entropy of σ(z) against y written stably (Keras's sample-weighted mean). */
export function weightedLogLoss(logits: tf.Tensor1D, labels: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return tf.softplus(logits).sub(logits.mul(labels)).mul(weights).mean() as tf.Scalar;
}

interface Trained {
  features: string[];
  seed: number;
  metrics: { bestValLoss?: number; epochs?: number };
}

/** Labelled samples of one series with their weights, ready to batch. */
interface SampleSet {
  series: NodeSeries;
  count: number;
  labels: Float32Array;
  weights: Float32Array;
}

export abstract class SupervisedNetwork<Config extends SupervisedNetworkConfig> implements NodeDetector<Config> {
  abstract readonly id: string;
  readonly supervised = true;
  readonly config: Readonly<Config>;
  private variables?: Map<string, tf.Variable>;
  private trainableNames = new Set<string>();
  private trained?: Trained;
  private readonly prefix = `supervised-network-${++instances}`;

  protected constructor(config: Config) {
    this.config = Object.freeze({ ...config });
  }

  get windowLength(): number {
    return this.config.windowLength;
  }

  get featureCount(): number | undefined {
    return this.trained?.features.length;
  }

  /** the trainable parameters for windows of `featureCount` features, in creation order */
  protected abstract paramSpecs(featureCount: number): ParamSpec[];

  /** one logit per window of a batch of standardised windows [B, W·F] (step-major, as gathered) */
  protected abstract logits(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D;

  /** Current parameter and state values by name (copies), to check the network against a plain computation. */
  parameterValues(): Map<string, { shape: number[]; values: Float32Array }> {
    return new Map([...this.requireTrained()].map(([name, v]) => [name, { shape: [...v.shape], values: (v.dataSync() as Float32Array).slice() }]));
  }

  private requireTrained(): Map<string, tf.Variable> {
    if (!this.variables || !this.trained) throw new NotFittedError(this.id);
    return this.variables;
  }

  private stateSpecs(featureCount: number): ParamSpec[] {
    return [
      { name: CENTER, shape: [featureCount], init: 'zeros' },
      { name: SCALE, shape: [featureCount], init: 'ones' },
    ];
  }

  private createVariables(featureCount: number, values: Map<string, Float32Array | { values: Float32Array }>): void {
    this.disposeVariables();
    const specs = this.paramSpecs(featureCount);
    this.variables = createNamedVariables(specs, values, this.prefix, this.id);
    this.trainableNames = new Set(specs.map((s) => s.name));
    for (const [name, v] of createNamedVariables(this.stateSpecs(featureCount), values, this.prefix, this.id, false)) this.variables.set(name, v);
  }

  private disposeVariables(): void {
    for (const v of this.variables?.values() ?? []) v.dispose();
    this.variables = undefined;
  }

  private scaling(): FeatureScaling {
    const vars = this.requireTrained();
    return { center: Float64Array.from(vars.get(CENTER)!.dataSync()), scale: Float64Array.from(vars.get(SCALE)!.dataSync()) };
  }

  private sampleSet(series: NodeSeries, positiveWeight: number): SampleSet {
    const labels = sampleLabels(series, this.config.windowLength);
    return { series, count: labels.length, labels: Float32Array.from(labels), weights: sampleWeights(labels, positiveWeight) };
  }

  async fit(train: NodeSeries, opts: NodeFitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const c = this.config;
    const W = c.windowLength;
    checkSupervisedSeries(train, W, this.id, { labels: true });
    const validation = opts.validation;
    if (validation) {
      checkSupervisedSeries(validation, W, `${this.id} (validation)`, { labels: true });
      assertSameFeatures(this.id, train.features, validation);
    }
    const positiveWeight = resolvePositiveWeight(sampleLabels(train, W), c.positiveWeight, `${this.id}: ${train.id}`);
    await ensureBackend();
    const F = train.features.length;
    const scaling = featureScaling(train);
    const values = initialValues(this.paramSpecs(F), subSeed(opts.seed, 1));
    values.set(CENTER, Float32Array.from(scaling.center));
    values.set(SCALE, Float32Array.from(scaling.scale));
    this.createVariables(F, values);
    this.trained = { features: [...train.features], seed: opts.seed, metrics: {} };
    const all = this.variables!;
    const params = Object.fromEntries(all) as NamedParams;
    const trainables = [...all].filter(([name]) => this.trainableNames.has(name)).map(([, v]) => v);
    const trainSet = this.sampleSet(train, positiveWeight);
    const validationSet = validation ? this.sampleSet(validation, positiveWeight) : undefined;
    const size = W * F;
    const xBuf = new Float32Array(c.batchSize * size);
    const yBuf = new Float32Array(c.batchSize);
    const wBuf = new Float32Array(c.batchSize);
    const optimizer = new AdamW({ learningRate: c.learningRate, weightDecay: c.weightDecay, clipNorm: c.clipNorm ?? Infinity });
    const step = (indices: Int32Array): tf.Scalar => {
      gatherSampleWindows(train, W, indices, xBuf, scaling);
      for (let b = 0; b < indices.length; b++) {
        yBuf[b] = trainSet.labels[indices[b]];
        wBuf[b] = trainSet.weights[indices[b]];
      }
      const B = indices.length;
      return tf.tidy(() => {
        const x = tf.tensor2d(xBuf.subarray(0, B * size), [B, size]);
        const y = tf.tensor1d(yBuf.subarray(0, B));
        const w = tf.tensor1d(wBuf.subarray(0, B));
        const { value, grads } = tf.variableGrads(() => weightedLogLoss(this.logits(params, x), y, w), trainables);
        optimizer.applyNamedGradients(trainables, grads);
        return value;
      });
    };
    const validate = validationSet && validationSet.count > 0 ? () => this.meanLoss(params, validationSet, scaling) : undefined;
    try {
      const result = await trainLoop({
        trainCount: trainSet.count,
        batchSize: c.batchSize,
        epochs: opts.epochs ?? c.epochs,
        seed: subSeed(opts.seed, 2),
        step,
        validate,
        patience: validate ? c.patience : undefined,
        variables: trainables,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      this.trained.metrics = { bestValLoss: result.bestValLoss, epochs: result.epochs };
      return fitReportOf(result, t0);
    } catch (e) {
      this.disposeVariables();
      this.trained = undefined;
      throw e;
    } finally {
      optimizer.dispose();
    }
  }

  /** Σ_k w_k·ℓ_k / n over every sample of a set, in batches. */
  private meanLoss(params: NamedParams, set: SampleSet, scaling: FeatureScaling): number {
    const W = this.config.windowLength;
    const size = W * set.series.features.length;
    let total = 0;
    this.forEachBatch(set.count, size, (indices, x) => {
      const B = indices.length;
      const batchLoss = tf.tidy(() => weightedLogLoss(this.logits(params, x), tf.tensor1d(set.labels.subarray(indices[0], indices[0] + B)), tf.tensor1d(set.weights.subarray(indices[0], indices[0] + B))).mul(B));
      total += batchLoss.dataSync()[0];
      batchLoss.dispose();
    }, set.series, scaling);
    return total / set.count;
  }

  /** Calls f with consecutive sample indices and their standardised windows [B, W·F] (the tensor is disposed after f). */
  private forEachBatch(count: number, size: number, f: (indices: Int32Array, x: tf.Tensor2D) => void, series: NodeSeries, scaling: FeatureScaling): void {
    const batch = Math.max(1, Math.min(SCORE_BATCH, count));
    const buf = new Float32Array(batch * size);
    const idx = new Int32Array(batch);
    for (let start = 0; start < count; start += batch) {
      const B = Math.min(batch, count - start);
      for (let b = 0; b < B; b++) idx[b] = start + b;
      gatherSampleWindows(series, this.config.windowLength, idx.subarray(0, B), buf, scaling);
      const x = tf.tensor2d(buf.subarray(0, B * size), [B, size]);
      try {
        f(idx.subarray(0, B), x);
      } finally {
        x.dispose();
      }
    }
  }

  async scoreNodes(series: NodeSeries): Promise<Float32Array> {
    const vars = this.requireTrained();
    const W = this.config.windowLength;
    assertSameFeatures(this.id, this.trained!.features, series);
    checkSupervisedSeries(series, 1, this.id, { labels: false });
    await ensureBackend();
    const params = Object.fromEntries(vars) as NamedParams;
    const scaling = this.scaling();
    const n = sampleCount(series.length, series.entities.length, W);
    const scores = new Float32Array(n);
    this.forEachBatch(n, W * series.features.length, (indices, x) => {
      const z = tf.tidy(() => this.logits(params, x));
      scores.set(z.dataSync(), indices[0]);
      z.dispose();
    }, series, scaling);
    return nodeScoresOf(series, W, scores);
  }

  async save(dir: string, context: ManifestContext = {}): Promise<void> {
    const vars = this.requireTrained();
    const trained = this.trained!;
    const backend = await ensureBackend();
    const { bin, index } = packWeights([...vars].map(([name, tensor]) => ({ name, tensor })));
    const manifest = supervisedManifest(
      {
        detector: this.id,
        config: { ...this.config } as unknown as Record<string, unknown>,
        features: trained.features,
        windowLength: this.config.windowLength,
        seed: trained.seed,
        metrics: trained.metrics,
        backend: backend.name,
        versions: backend.versions,
      },
      context,
    );
    await writeModelDir(dir, manifest, { [WEIGHTS_BIN]: bin, [WEIGHTS_JSON]: JSON.stringify(index) + '\n' });
  }

  /** Restores a model directory written by `save` into a detector made from its config by `make`. */
  protected static async restore<D extends SupervisedNetwork<SupervisedNetworkConfig>>(dir: string, id: string, make: (config: Record<string, unknown>) => D): Promise<D> {
    const manifest = await readManifest(dir, id);
    const names = manifestFeatureNames(manifest, dir);
    const det = make(manifest.config);
    const F = names.length;
    let index: WeightsIndex;
    try {
      index = JSON.parse((await readModelFile(dir, WEIGHTS_JSON)).toString('utf8')) as WeightsIndex;
    } catch (e) {
      throw new InputError({ file: join(dir, WEIGHTS_JSON) }, 'valid JSON', (e as Error).message);
    }
    const values = unpackWeights(await readModelFile(dir, WEIGHTS_BIN), index, join(dir, WEIGHTS_BIN));
    assertWeightShapes([...det.paramSpecs(F), ...det.stateSpecs(F)], values, join(dir, WEIGHTS_JSON));
    await ensureBackend();
    det.createVariables(F, values);
    det.trained = { features: [...names], seed: manifest.seed, metrics: manifest.metrics ?? {} };
    return det;
  }

  dispose(): void {
    this.disposeVariables();
    this.trained = undefined;
  }
}
