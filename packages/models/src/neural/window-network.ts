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
  NotFittedError,
  ParameterError,
  assertWindowShape,
  gatherWindows,
  mulberry32,
  normalSampler,
  type Detector,
  type FitOptions,
  type FitReport,
  type ManifestContext,
  type WindowSet,
} from '@driftwatch/contracts';
import { ensureBackend, tf } from '../backend';
import { AdamW, packWeights, trainLoop, unpackWeights, type WeightsIndex } from '../training';
import { assertWeightShapes, createNamedVariables, fitReportOf } from './fit-helpers';
import { modelManifest, readManifest, readModelFile, writeModelDir } from '../model-dir';
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

/** What a loss knows about the step it is computed for. */
export interface LossContext {
  /** the phase being trained (`phases()`), 0-based epoch within it */
  phase: string;
  epoch: number;
  /** true for training steps, false for the validation loss */
  training: boolean;
  /**
   * Sets a state variable (`stateSpecs`, e.g. BatchNorm running statistics) to `value` after this step's
   * update; ignored when not training. `value` may be computed from the current parameters.
   */
  setState(name: string, value: tf.Tensor): void;
}

/** One stage of training (Deep SVDD: autoencoder pretraining, then the one-class objective). */
export interface TrainingPhase {
  name: string;
  /** maximum epochs (default: FitOptions.epochs, else config.epochs) */
  epochs?: number;
  /** the parameters this phase trains (default: every one) */
  trains?: (name: string) => boolean;
  /** runs before the phase's first epoch, e.g. to set state from the parameters trained so far */
  before?: (run: PhaseRun) => void | Promise<void>;
}

/** What a phase's `before` hook may use. */
export interface PhaseRun {
  train: WindowSet;
  params: NamedParams;
  /** sets a state variable (`stateSpecs`) */
  setState(name: string, value: tf.Tensor): void;
  /** Σ over batches of f(x, count) for flattened windows x [count, W·D] (each f returns a tensor of one shape) */
  sumOverBatches(windows: WindowSet, f: (x: tf.Tensor2D, count: number) => tf.Tensor): tf.Tensor;
}

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
  /** trainable parameters then state variables, by name */
  private variables?: Map<string, tf.Variable>;
  private trainableNames = new Set<string>();
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
  protected abstract loss(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource, ctx: LossContext): tf.Scalar;
  /** one score per window of a batch (higher = more anomalous) */
  protected abstract windowScores(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor1D;

  /**
   * Non-trainable state saved with the model (BatchNorm running statistics, a hypersphere centre, input
   * ranges); initialised like parameters, in the same NamedParams, changed only through `setState`.
   */
  protected stateSpecs(_featureCount: number): ParamSpec[] {
    return [];
  }

  /** the stages of training, in order (default: one phase training every parameter); `opts.epochs` is the caller's override */
  protected phases(_opts: FitOptions): TrainingPhase[] {
    return [{ name: 'train' }];
  }

  /** learning rate of a 0-based epoch of a phase (default: constant `config.learningRate`) */
  protected learningRateAt(_epoch: number, _phase: string): number {
    return this.config.learningRate;
  }

  /**
   * Runs once training is over, with the best weights restored: e.g. fits a density to validation errors
   * (LSTM-AD) and stores it through `setState`. `validation` is FitOptions.validation when it has windows.
   */
  protected afterFit(_run: PhaseRun & { validation?: WindowSet }): void | Promise<void> {
    return undefined; // nothing to fit after training by default
  }

  /** how training windows are batched: fresh permutations (default) or shuffled runs of consecutive windows */
  protected batchOrder(): 'shuffled' | 'blocks' {
    return 'shuffled';
  }

  /** Current parameter values by name (a copy), to check the network against a plain computation. */
  parameterValues(): Map<string, { shape: number[]; values: Float32Array }> {
    const vars = this.requireTrained();
    return new Map([...vars].map(([name, v]) => [name, { shape: [...v.shape], values: (v.dataSync() as Float32Array).slice() }]));
  }

  private requireTrained(): Map<string, tf.Variable> {
    if (!this.variables) throw new NotFittedError(this.id);
    return this.variables;
  }

  private params(): NamedParams {
    return Object.fromEntries(this.requireTrained()) as NamedParams;
  }

  private createVariables(specs: readonly ParamSpec[], state: readonly ParamSpec[], values: Map<string, Float32Array | { values: Float32Array }>): void {
    this.disposeVariables();
    this.variables = createNamedVariables(specs, values, this.prefix, this.id);
    this.trainableNames = new Set(specs.map((s) => s.name));
    for (const [name, v] of createNamedVariables(state, values, this.prefix, this.id, false)) this.variables.set(name, v);
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
    const stateSpecs = this.stateSpecs(featureCount);
    this.createVariables(specs, stateSpecs, initialValues([...specs, ...stateSpecs], subSeed(seed, 1)));
    this.trainedFeatures = featureCount;
    this.trainedSeed = seed;
    this.trainedDomains = [...train.domains];
    const params = this.params();
    const all = this.requireTrained();
    const stateVars = [...all].filter(([name]) => !this.trainableNames.has(name)).map(([, v]) => v);
    const size = c.windowLength * featureCount;
    const xBuf = new Float32Array(c.batchSize * size);
    const trainNoise = noiseFrom(normalSampler(mulberry32(subSeed(seed, 3))));
    const setState = (name: string, value: tf.Tensor) => {
      const v = all.get(name);
      if (!v || this.trainableNames.has(name)) throw new DriftwatchError(`${this.id}: no state variable ${name}`);
      v.assign(value);
    };
    const run: PhaseRun = { train, params, setState, sumOverBatches: (windows, f) => this.sumOverBatches(windows, VALIDATION_BATCH, f) };
    let result;
    try {
      for (const phase of this.phases(opts)) {
        const trains = phase.trains ?? (() => true);
        const varList = [...all].filter(([name]) => this.trainableNames.has(name) && trains(name)).map(([, v]) => v);
        await phase.before?.(run);
        const optimizer = new AdamW({ learningRate: this.learningRateAt(0, phase.name), weightDecay: c.weightDecay, clipNorm: c.clipNorm ?? Infinity });
        const step = (indices: Int32Array, epoch: number): tf.Scalar => {
          gatherWindows(train, indices, xBuf);
          optimizer.learningRate = this.learningRateAt(epoch, phase.name);
          const pending = new Map<string, tf.Tensor>();
          const ctx: LossContext = { phase: phase.name, epoch, training: true, setState: (name, value) => pending.set(name, tf.keep(value)) };
          const value = tf.tidy(() => {
            const x = tf.tensor2d(xBuf.subarray(0, indices.length * size), [indices.length, size]);
            const { value, grads } = tf.variableGrads(() => this.loss(params, x, trainNoise, ctx), varList);
            optimizer.applyNamedGradients(varList, grads);
            return value;
          });
          for (const [name, v] of pending) {
            setState(name, v);
            v.dispose();
          }
          return value;
        };
        const validate = validation
          ? (epoch: number) => {
              // the same noise every epoch, so that epochs are compared on equal terms
              const noise = noiseFrom(normalSampler(mulberry32(subSeed(seed, 4))));
              const ctx: LossContext = { phase: phase.name, epoch, training: false, setState: () => undefined };
              const total = this.sumOverBatches(validation, VALIDATION_BATCH, (x, count) => this.loss(params, x, noise, ctx).mul(count));
              const mean = total.dataSync()[0] / validation.count;
              total.dispose();
              return mean;
            }
          : undefined;
        try {
          result = await trainLoop({
            trainCount: train.count,
            batchSize: c.batchSize,
            epochs: phase.epochs ?? opts.epochs ?? c.epochs,
            seed: subSeed(seed, 2),
            order: this.batchOrder(),
            step,
            validate,
            patience: validate ? c.patience : undefined,
            // state variables go back to the best epoch's values with the parameters
            variables: [...varList, ...stateVars],
            signal: opts.signal,
            onProgress: opts.onProgress,
          });
        } finally {
          optimizer.dispose();
        }
      }
      await this.afterFit({ ...run, validation });
    } catch (e) {
      this.disposeVariables();
      throw e;
    }
    this.metrics = { bestValLoss: result!.bestValLoss, epochs: result!.epochs };
    return fitReportOf(result!, t0);
  }

  /** Σ over batches of `f(batch, count)`, as one tensor. */
  private sumOverBatches(windows: WindowSet, batch: number, f: (x: tf.Tensor2D, count: number) => tf.Tensor): tf.Tensor {
    const size = windows.windowLength * windows.featureCount;
    const b = Math.min(batch, windows.count);
    const buf = new Float32Array(b * size);
    const idx = new Int32Array(b);
    let total: tf.Tensor | undefined;
    for (let start = 0; start < windows.count; start += b) {
      const count = Math.min(b, windows.count - start);
      for (let i = 0; i < count; i++) idx[i] = start + i;
      gatherWindows(windows, idx.subarray(0, count), buf);
      const s = tf.tidy(() => f(tf.tensor2d(buf.subarray(0, count * size), [count, size]), count));
      if (total) {
        const next = total.add(s);
        total.dispose();
        s.dispose();
        total = next;
      } else total = s;
    }
    return total!;
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
    const manifest = modelManifest(
      {
        detector: this.id,
        config: { ...this.config } as unknown as Record<string, unknown>,
        featureCount: this.trainedFeatures!,
        windowLength: this.config.windowLength,
        domains: this.trainedDomains,
        backend: backend.name,
        versions: backend.versions,
        seed: this.trainedSeed,
        metrics: this.metrics,
      },
      context,
    );
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
    const stateSpecs = det.stateSpecs(manifest.featureCount);
    let index: WeightsIndex;
    try {
      index = JSON.parse((await readModelFile(dir, WEIGHTS_JSON)).toString('utf8')) as WeightsIndex;
    } catch (e) {
      throw new InputError({ file: file(WEIGHTS_JSON) }, 'valid JSON', (e as Error).message);
    }
    const values = unpackWeights(await readModelFile(dir, WEIGHTS_BIN), index, file(WEIGHTS_BIN));
    assertWeightShapes([...specs, ...stateSpecs], values, file(WEIGHTS_JSON));
    await ensureBackend();
    det.createVariables(specs, stateSpecs, values);
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
