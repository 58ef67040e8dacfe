/**
 * What every neural window scorer shares (the baselines of divad.md §4): seeded weights, AdamW, the epoch loop
 * with early stopping on the validation loss, batched scoring, and model directories. A subclass names its
 * parameters, its loss and its window score; PyOD's "one interface for every detector" in tfjs form.
 */
import { join } from 'node:path';
import {
  DriftwatchError,
  FeatureMismatchError,
  InputError,
  ParameterError,
  assertWindowShape,
  gatherWindows,
  mulberry32,
  normalSampler,
  type Detector,
  type FitOptions,
  type FitReport,
  type ManifestContext,
  type ModelManifest,
  type WindowSet,
} from '@driftwatch/contracts';
import { ensureBackend, tf } from '../backend';
import { AdamW, packWeights, unpackWeights, type WeightsIndex } from '../training';
import { assertWeightShapes, createNamedVariables, fitReportOf, runEpochs } from './fit-helpers';
import { readManifest, readModelFile, writeModelDir } from '../model-dir';
import { initialValues, subSeed, type NamedParams, type ParamSpec } from './params';

/** Training settings every neural baseline has (divad.md §3.3 protocol). */
export interface TrainingConfig {
  windowLength: number;
  learningRate: number;
  weightDecay: number;
  /** per-variable gradient norm clip; null for none */
  clipNorm: number | null;
  batchSize: number;
  epochs: number;
  patience: number;
}

/** Standard-normal noise drawn from a seeded JS stream, so that every backend sees the same numbers. */
export type NoiseSource = (shape: [number, number]) => tf.Tensor2D;

const WEIGHTS_BIN = 'weights.bin';
const WEIGHTS_JSON = 'weights.json';
/** windows per forward pass when scoring */
const SCORE_BATCH = 2048;
/** windows per forward pass of the validation loss */
const VALIDATION_BATCH = 1024;

let instances = 0;

function noiseFrom(normal: () => number): NoiseSource {
  return ([rows, cols]) => {
    const b = new Float32Array(rows * cols);
    for (let i = 0; i < b.length; i++) b[i] = normal();
    return tf.tensor2d(b, [rows, cols]);
  };
}

export abstract class WindowNetworkDetector<Config extends TrainingConfig> implements Detector<Config> {
  abstract readonly id: string;
  readonly config: Readonly<Config>;
  private variables?: Map<string, tf.Variable>;
  private trainedFeatures?: number;
  private trainedSeed = 0;
  private trainedDomains: string[] = [];
  private metrics: { bestValLoss?: number; epochs?: number } = {};
  private readonly prefix = `window-network-${++instances}`;

  protected constructor(config: Config) {
    this.config = Object.freeze({ ...config });
  }

  get windowLength(): number {
    return this.config.windowLength;
  }

  get featureCount(): number | undefined {
    return this.trainedFeatures;
  }

  /** every trainable parameter for windows of `featureCount` features, in creation order */
  protected abstract paramSpecs(featureCount: number): ParamSpec[];
  /** mean loss of a batch of flattened windows [B, W·D] */
  protected abstract loss(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Scalar;
  /** one score per window of a batch (higher = more anomalous) */
  protected abstract windowScores(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor1D;

  /** Current parameter values by name (a copy), to check the network against a plain computation. */
  parameterValues(): Map<string, { shape: number[]; values: Float32Array }> {
    const vars = this.requireTrained();
    return new Map([...vars].map(([name, v]) => [name, { shape: [...v.shape], values: (v.dataSync() as Float32Array).slice() }]));
  }

  private requireTrained(): Map<string, tf.Variable> {
    if (!this.variables) throw new DriftwatchError(`${this.id}: the detector is not trained; call fit or load first`);
    return this.variables;
  }

  private params(): NamedParams {
    return Object.fromEntries(this.requireTrained()) as NamedParams;
  }

  private createVariables(specs: readonly ParamSpec[], values: Map<string, Float32Array | { values: Float32Array }>): void {
    this.disposeVariables();
    this.variables = createNamedVariables(specs, values, this.prefix, this.id);
  }

  private disposeVariables(): void {
    for (const v of this.variables?.values() ?? []) v.dispose();
    this.variables = undefined;
  }

  async fit(train: WindowSet, opts: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const c = this.config;
    if (train.windowLength !== c.windowLength) throw new FeatureMismatchError(c.windowLength, train.windowLength, 'records per window');
    if (train.count < 1) throw new ParameterError(`${this.id}: no training windows`);
    const featureCount = train.featureCount;
    const validation = opts.validation && opts.validation.count > 0 ? opts.validation : undefined;
    if (validation) assertWindowShape(validation, c.windowLength, featureCount);
    await ensureBackend();
    const seed = opts.seed;
    const specs = this.paramSpecs(featureCount);
    this.createVariables(specs, initialValues(specs, subSeed(seed, 1)));
    this.trainedFeatures = featureCount;
    this.trainedSeed = seed;
    this.trainedDomains = [...train.domains];
    const params = this.params();
    const varList = [...this.requireTrained().values()];
    const optimizer = new AdamW({ learningRate: c.learningRate, weightDecay: c.weightDecay, clipNorm: c.clipNorm ?? Infinity });
    const size = c.windowLength * featureCount;
    const xBuf = new Float32Array(c.batchSize * size);
    const trainNoise = noiseFrom(normalSampler(mulberry32(subSeed(seed, 3))));
    const step = (indices: Int32Array): tf.Scalar => {
      gatherWindows(train, indices, xBuf);
      return tf.tidy(() => {
        const x = tf.tensor2d(xBuf.subarray(0, indices.length * size), [indices.length, size]);
        const { value, grads } = tf.variableGrads(() => this.loss(params, x, trainNoise), varList);
        optimizer.applyNamedGradients(varList, grads);
        return value;
      });
    };
    const validate = validation
      ? () => {
          // the same noise every epoch, so that epochs are compared on equal terms
          const noise = noiseFrom(normalSampler(mulberry32(subSeed(seed, 4))));
          return this.meanOverBatches(validation, VALIDATION_BATCH, (x, count) => this.loss(params, x, noise).mul(count) as tf.Scalar) / validation.count;
        }
      : undefined;
    let result;
    try {
      result = await runEpochs(c, train.count, opts, { step, validate, variables: varList });
    } catch (e) {
      this.disposeVariables();
      throw e;
    } finally {
      optimizer.dispose();
    }
    this.metrics = { bestValLoss: result.bestValLoss, epochs: result.epochs };
    return fitReportOf(result, t0);
  }

  /** Σ over batches of `f(batch, count)` (a scalar tensor each). */
  private meanOverBatches(windows: WindowSet, batch: number, f: (x: tf.Tensor2D, count: number) => tf.Scalar): number {
    const size = windows.windowLength * windows.featureCount;
    const b = Math.min(batch, windows.count);
    const buf = new Float32Array(b * size);
    const idx = new Int32Array(b);
    let total = 0;
    for (let start = 0; start < windows.count; start += b) {
      const count = Math.min(b, windows.count - start);
      for (let i = 0; i < count; i++) idx[i] = start + i;
      gatherWindows(windows, idx.subarray(0, count), buf);
      const s = tf.tidy(() => f(tf.tensor2d(buf.subarray(0, count * size), [count, size]), count));
      total += s.dataSync()[0];
      s.dispose();
    }
    return total;
  }

  async scoreWindows(windows: WindowSet): Promise<Float32Array> {
    this.requireTrained();
    assertWindowShape(windows, this.config.windowLength, this.trainedFeatures!);
    await ensureBackend();
    const params = this.params();
    // scoring noise is seeded per call: the same windows always get the same scores
    const noise = noiseFrom(normalSampler(mulberry32(subSeed(this.trainedSeed, 5))));
    const size = windows.windowLength * windows.featureCount;
    const out = new Float32Array(windows.count);
    const batch = Math.min(SCORE_BATCH, Math.max(1, windows.count));
    const buf = new Float32Array(batch * size);
    const idx = new Int32Array(batch);
    for (let start = 0; start < windows.count; start += batch) {
      const count = Math.min(batch, windows.count - start);
      for (let i = 0; i < count; i++) idx[i] = start + i;
      gatherWindows(windows, idx.subarray(0, count), buf);
      const s = tf.tidy(() => this.windowScores(params, tf.tensor2d(buf.subarray(0, count * size), [count, size]), noise));
      out.set(s.dataSync(), start);
      s.dispose();
      if (start + batch < windows.count) await new Promise<void>((r) => setImmediate(r));
    }
    return out;
  }

  async save(dir: string, context: ManifestContext = {}): Promise<void> {
    const vars = this.requireTrained();
    const backend = await ensureBackend();
    const { bin, index } = packWeights([...vars].map(([name, tensor]) => ({ name, tensor })));
    const manifest: ModelManifest = {
      ...context,
      format: 1,
      detector: this.id,
      config: { ...this.config } as unknown as Record<string, unknown>,
      featureCount: this.trainedFeatures!,
      windowLength: this.config.windowLength,
      domains: this.trainedDomains,
      backend: backend.name,
      versions: backend.versions,
      seed: this.trainedSeed,
      createdAt: new Date().toISOString(),
      metrics: this.metrics,
      files: [],
    };
    await writeModelDir(dir, manifest, { [WEIGHTS_BIN]: bin, [WEIGHTS_JSON]: JSON.stringify(index) + '\n' });
  }

  /** Restores weights written by `save` into `det` (made from the manifest's config by the subclass's `load`). */
  protected static async restore<D extends WindowNetworkDetector<TrainingConfig>>(dir: string, make: (config: Record<string, unknown>) => D, ids: string[]): Promise<D> {
    const manifest = await readManifest(dir, ids);
    const file = (name: string) => join(dir, name);
    const det = make(manifest.config as Record<string, unknown>);
    if (det.id !== manifest.detector) throw new InputError({ file: file('manifest.json') }, `detector '${det.id}'`, manifest.detector);
    if (!(Number.isInteger(manifest.featureCount) && manifest.featureCount >= 1)) throw new InputError({ file: file('manifest.json') }, 'a positive featureCount');
    const specs = det.paramSpecs(manifest.featureCount);
    let index: WeightsIndex;
    try {
      index = JSON.parse((await readModelFile(dir, WEIGHTS_JSON)).toString('utf8')) as WeightsIndex;
    } catch (e) {
      throw new InputError({ file: file(WEIGHTS_JSON) }, 'valid JSON', (e as Error).message);
    }
    const values = unpackWeights(await readModelFile(dir, WEIGHTS_BIN), index, file(WEIGHTS_BIN));
    assertWeightShapes(specs, values, file(WEIGHTS_JSON));
    await ensureBackend();
    det.createVariables(specs, values);
    det.trainedFeatures = manifest.featureCount;
    det.trainedSeed = manifest.seed;
    det.trainedDomains = Array.isArray(manifest.domains) ? [...manifest.domains] : [];
    det.metrics = manifest.metrics ?? {};
    return det;
  }

  dispose(): void {
    this.disposeVariables();
  }
}
