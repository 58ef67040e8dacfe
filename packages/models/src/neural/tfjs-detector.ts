/**
 * What every tfjs detector shares, whatever data it is fitted on (windows, node series): its named tf
 * variables (trainable parameters and non-trainable state), the fitted state, one model-directory format
 * (weights.bin + weights.json + manifest.json, plus a subclass's own files), the training protocol of
 * docs/divad.md §3.3 (phases, AdamW, one optimisation step per batch, the validation loss, early stopping through
 * `trainLoop`) and batched passes over flattened windows. A subclass names its variables, builds its batches
 * and gives its loss; the window networks, DIVAD, the supervised classifiers and st-dda all do.
 */
import {
  DriftwatchError,
  InputError,
  NotFittedError,
  mulberry32,
  normalSampler,
  type FitProgress,
  type FitReport,
  type ManifestContext,
  type ModelManifest,
} from '@driftwatch/contracts';
import { ensureBackend, tf } from '../backend';
import { MANIFEST_FILE, modelManifest, openModelDir, writeModelDir, type ModelFiles } from '../model-dir';
import {
  AdamW,
  optimisationStep,
  packWeights,
  trainLoop,
  unpackWeights,
  type StateSetter,
  type TrainLoopResult,
  type WeightsIndex,
} from '../training';
import { assertWeightShapes, createNamedVariables, fitReportOf } from './fit-helpers';
import { SEED_STREAMS, initialValues, subSeed, type NamedParams, type ParamSpec } from './params';

const WEIGHTS_BIN = 'weights.bin';
const WEIGHTS_JSON = 'weights.json';

/** The training settings of every tfjs detector (docs/divad.md §3.3 protocol). */
export interface TrainingSettings {
  learningRate: number;
  weightDecay: number;
  /** per-variable gradient norm clip; null for none */
  clipNorm: number | null;
  batchSize: number;
  /** maximum epochs; FitOptions.epochs overrides it */
  epochs: number;
  /** epochs without a lower validation loss before stopping */
  patience: number;
}

/** What a fitted detector records about the data it was fitted on, as its manifest.json does. */
export interface FittedFacts {
  featureCount: number;
  /** training domains (empty where the detector has none) */
  domains: readonly string[];
  /** the training metric names, where the detector checks scored data against them */
  featureNames?: readonly string[];
}

/** The variables of a model of given facts, in creation (and file) order. */
export interface VariableSpecs {
  trainable: ParamSpec[];
  /** non-trainable state saved with the model, changed only through `setState` */
  state: ParamSpec[];
}

/** Standard-normal noise drawn from a seeded JS stream, so that every backend sees the same numbers. */
export type NoiseSource = (shape: [number, number]) => tf.Tensor2D;

/** A NoiseSource drawing from `normal`, row-major. */
export function noiseFrom(normal: () => number): NoiseSource {
  return ([rows, cols]) => {
    const b = new Float32Array(rows * cols);
    for (let i = 0; i < b.length; i++) b[i] = normal();
    return tf.tensor2d(b, [rows, cols]);
  };
}

/** The noise of one named stream of a fit seed (`SEED_STREAMS`), from its start. */
export function noiseStream(seed: number, stream: number): NoiseSource {
  return noiseFrom(normalSampler(mulberry32(subSeed(seed, stream))));
}

/** What a loss knows about the step it is computed for. */
export interface LossContext {
  /** the phase being trained (`phases()`), 0-based epoch within it */
  phase: string;
  epoch: number;
  /** true for training steps, false for the validation loss */
  training: boolean;
  /** the step's noise: the training stream, or the validation stream restarted for every validation pass */
  noise: NoiseSource;
  /**
   * Sets a state variable (e.g. BatchNorm running statistics) to `value` after this step's update; ignored
   * when not training. `value` may be computed from the current parameters.
   */
  setState(name: string, value: tf.Tensor): void;
}

/** What the phase hooks and `afterFit` may use; a family of detectors adds its training data. */
export interface FitRun {
  params: NamedParams;
  /** sets a state variable */
  setState(name: string, value: tf.Tensor): void;
}

/** One stage of training (Deep SVDD: autoencoder pretraining, then the one-class objective). */
export interface TrainingPhase<Run extends FitRun = FitRun> {
  name: string;
  /** maximum epochs (default: the fit's `epochs` option, else config.epochs) */
  epochs?: number;
  /** the parameters this phase trains (default: every one) */
  trains?: (name: string) => boolean;
  /** runs before the phase's first epoch, e.g. to set state from the parameters trained so far */
  before?(run: Run): void | Promise<void>;
}

/** How training ended, for `afterFit`. */
export interface FitEnd {
  /** epochs of the last phase */
  epochs: number;
  /** reports that fitting has moved on to `phase` (a FitProgress after the last epoch) */
  progress(phase: string): void;
}

/** The options of a fit that the training protocol uses (FitOptions and NodeFitOptions both have them). */
export interface TrainOptions {
  seed: number;
  epochs?: number;
  signal?: AbortSignal;
  onProgress?: (p: FitProgress) => void;
}

/** What one fit trains on: the subclass's view of its data, for the protocol of `train`. */
export interface TrainingPlan<Batch, Run extends FitRun> {
  /** training examples; batches are index lists into [0, examples) */
  examples: number;
  /** examples per batch (default: config.batchSize) */
  batchSize?: number;
  /** 'shuffled' (default) or 'blocks' of consecutive examples (`trainLoop`) */
  order?: 'shuffled' | 'blocks';
  /** initial values of state variables that do not come from their initialiser (e.g. standardisation) */
  initialState?: ReadonlyMap<string, Float32Array>;
  /** the tensors of the training examples `indices`; called inside the step's tidy */
  batch(indices: Int32Array): Batch;
  /** the mean validation loss at the current weights; without it there is no early stopping */
  validationLoss?: (ctx: LossContext) => number | Promise<number>;
  /** the run the phase hooks and `afterFit` see, from the protocol's own part */
  run(core: FitRun): Run;
}

/** The fitted state of a detector besides its variables: what it was fitted on, with which seed, how training went. */
export interface Fitted<Facts> {
  facts: Facts;
  seed: number;
  metrics: { bestValLoss?: number; epochs?: number };
}

/** Rows of `size` values, gathered by index: windows of a WindowSet, samples of a node series. */
export interface BatchSource {
  count: number;
  size: number;
  /** writes the rows `indices`, flattened, into `out` */
  gather(indices: Int32Array, out: Float32Array): void;
}

/** A pass over consecutive batches of at most `batch` rows, gathered into one reused buffer. */
function batchesOf(
  source: BatchSource,
  batch: number,
): { size: number; tensor(start: number): { x: tf.Tensor2D; n: number } } {
  const size = Math.max(1, Math.min(batch, source.count));
  const buf = new Float32Array(size * source.size);
  const idx = new Int32Array(size);
  return {
    size,
    tensor(start) {
      const n = Math.min(size, source.count - start);
      for (let i = 0; i < n; i++) idx[i] = start + i;
      source.gather(idx.subarray(0, n), buf);
      return { x: tf.tensor2d(buf.subarray(0, n * source.size), [n, source.size]), n };
    },
  };
}

/**
 * Calls `visit` with consecutive batches [n, size] of at most `batch` rows (each tensor is disposed after its visit).
 */
export function forEachBatch(
  source: BatchSource,
  batch: number,
  visit: (x: tf.Tensor2D, start: number, n: number) => void,
): void {
  const pass = batchesOf(source, batch);
  for (let start = 0; start < source.count; start += pass.size) {
    const { x, n } = pass.tensor(start);
    try {
      visit(x, start, n);
    } finally {
      x.dispose();
    }
  }
}

/** Σ over batches of f(x, n, start) as one tensor (each f returns a tensor of one shape), summed in float32. */
export function sumBatches(
  source: BatchSource,
  batch: number,
  f: (x: tf.Tensor2D, n: number, start: number) => tf.Tensor,
): tf.Tensor {
  let total: tf.Tensor | undefined;
  forEachBatch(source, batch, (x, start, n) => {
    const s = tf.tidy(() => f(x, n, start));
    if (total) {
      const next = total.add(s);
      total.dispose();
      s.dispose();
      total = next;
    } else total = s;
  });
  return total!;
}

/**
 * f of every batch, concatenated: `width` values per row (f returns [n] or [n, width]), row-major. Yields to the
 * event loop between batches, so that long passes leave room for progress and cancellation.
 */
export async function mapBatches(
  source: BatchSource,
  batch: number,
  width: number,
  f: (x: tf.Tensor2D) => tf.Tensor,
): Promise<Float32Array> {
  const out = new Float32Array(source.count * width);
  const pass = batchesOf(source, batch);
  for (let start = 0; start < source.count; start += pass.size) {
    const y = tf.tidy(() => f(pass.tensor(start).x));
    out.set(y.dataSync(), start * width);
    y.dispose();
    if (start + pass.size < source.count) await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}

let instances = 0;

export abstract class TfjsDetector<
  Config extends TrainingSettings,
  Facts extends FittedFacts,
  Batch,
  Run extends FitRun,
> {
  abstract readonly id: string;
  readonly config: Readonly<Config>;
  /** trainable parameters, then state variables, by name */
  private variables = new Map<string, tf.Variable>();
  private trainableNames = new Set<string>();
  private fitted?: Fitted<Facts>;
  /** keeps tf variable names unique across detectors */
  private readonly instance = ++instances;

  protected constructor(config: Config) {
    this.config = Object.freeze({ ...config });
  }

  /** records per window (or steps per sample) the detector reads */
  abstract get windowLength(): number;

  get featureCount(): number | undefined {
    return this.fitted?.facts.featureCount;
  }

  /** the facts of the fitted model, once fitted or loaded */
  protected get fittedFacts(): Facts | undefined {
    return this.fitted?.facts;
  }

  /** every variable of a model of these facts */
  protected abstract variableSpecs(facts: Facts): VariableSpecs;

  /** the mean loss of one batch (built by the plan's `batch`) */
  protected abstract batchLoss(p: NamedParams, batch: Batch, ctx: LossContext): tf.Scalar;

  /**
   * the stages of training, in order (default: one phase training every parameter); `opts.epochs` is the caller's
   * override
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  protected phases(opts: TrainOptions): TrainingPhase<Run>[] {
    return [{ name: 'train' }];
  }

  /** learning rate of a 0-based epoch of a phase (default: constant `config.learningRate`) */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  protected learningRateAt(epoch: number, phase: string): number {
    return this.config.learningRate;
  }

  /** Runs once training is over, with the best weights restored: e.g. fits a density and stores it as state. */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  protected afterFit(run: Run, end: FitEnd): void | Promise<void> {
    // nothing to fit after training by default
  }

  /** the files a model directory holds besides the weights and manifest, by name (default: none) */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  protected extraFiles(facts: Facts): Record<string, string> {
    return {};
  }

  /**
   * the facts of a saved model, from its manifest (and extra files); InputError naming the file when they are damaged
   */
  protected abstract factsFromManifest(manifest: ModelManifest, files: ModelFiles): Facts | Promise<Facts>;

  /** reads what `extraFiles` wrote beyond the facts (called after the weights are checked, before they are set) */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  protected restoreExtraFiles(files: ModelFiles, facts: Facts): void | Promise<void> {
    // no extra files by default
  }

  /** Current parameter and state values by name (copies), to check the network against a plain computation. */
  parameterValues(): Map<string, { shape: number[]; values: Float32Array }> {
    this.requireFitted();
    return new Map(
      [...this.variables].map(([name, v]) => [
        name,
        { shape: [...v.shape], values: (v.dataSync() as Float32Array).slice() },
      ]),
    );
  }

  protected requireFitted(): Fitted<Facts> {
    if (!this.fitted) throw new NotFittedError(this.id);
    return this.fitted;
  }

  /** every variable as a tensor by name (the networks' parameter dictionary) */
  protected params(): NamedParams {
    this.requireFitted();
    return Object.fromEntries(this.variables) as NamedParams;
  }

  /** the noise of a stream of the fitted model's seed, from its start */
  protected fittedNoise(stream: number): NoiseSource {
    return noiseStream(this.requireFitted().seed, stream);
  }

  private setState(name: string, value: tf.Tensor): void {
    const v = this.variables.get(name);
    if (!v || this.trainableNames.has(name)) throw new DriftwatchError(`${this.id}: no state variable ${name}`);
    v.assign(value);
  }

  /** Replaces the variables by ones of these specs and values, and the fitted state by `fitted`; all or nothing. */
  private install(
    specs: VariableSpecs,
    values: Map<string, Float32Array | { values: Float32Array }>,
    fitted: Fitted<Facts>,
  ): void {
    this.forget();
    const prefix = `${this.id}-${this.instance}`;
    const variables = createNamedVariables(specs.trainable, values, prefix, this.id);
    try {
      for (const [name, v] of createNamedVariables(specs.state, values, prefix, this.id, false)) variables.set(name, v);
    } catch (e) {
      for (const v of variables.values()) v.dispose();
      throw e;
    }
    this.variables = variables;
    this.trainableNames = new Set(specs.trainable.map((s) => s.name));
    this.fitted = fitted;
  }

  private forget(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables = new Map();
    this.trainableNames = new Set();
    this.fitted = undefined;
  }

  /**
   * The training protocol: fresh variables for `facts` (seeded, stream `weights`), then per phase an AdamW and
   * `trainLoop` over the plan's batches (batch order from stream `batches`, training noise from stream
   * `trainingNoise`, the validation loss with stream `validationNoise` restarted each epoch, early stopping on
   * it with the best weights and state restored), then `afterFit`. All or nothing: a failure leaves the
   * detector unfitted.
   */
  protected async train(facts: Facts, opts: TrainOptions, plan: TrainingPlan<Batch, Run>): Promise<FitReport> {
    const t0 = performance.now();
    await ensureBackend();
    const c = this.config;
    const seed = opts.seed;
    const specs = this.variableSpecs(facts);
    const values = initialValues([...specs.trainable, ...specs.state], subSeed(seed, SEED_STREAMS.weights));
    for (const [name, v] of plan.initialState ?? []) values.set(name, v);
    this.install(specs, values, { facts, seed, metrics: {} });
    const params = this.params();
    const stateVars = specs.state.map((s) => this.variables.get(s.name)!);
    const assignState: StateSetter = (name, value) => this.setState(name, value);
    const run = plan.run({ params, setState: assignState });
    const trainingNoise = noiseStream(seed, SEED_STREAMS.trainingNoise);
    let result: TrainLoopResult | undefined;
    try {
      for (const phase of this.phases(opts)) {
        const trains = phase.trains ?? (() => true);
        const trained = specs.trainable.filter((s) => trains(s.name)).map((s) => this.variables.get(s.name)!);
        await phase.before?.(run);
        const optimizer = new AdamW({
          learningRate: this.learningRateAt(0, phase.name),
          weightDecay: c.weightDecay,
          clipNorm: c.clipNorm ?? Infinity,
        });
        const step = (indices: Int32Array, epoch: number): tf.Scalar => {
          optimizer.learningRate = this.learningRateAt(epoch, phase.name);
          return optimisationStep(
            optimizer,
            trained,
            (setState) =>
              this.batchLoss(params, plan.batch(indices), {
                phase: phase.name,
                epoch,
                training: true,
                noise: trainingNoise,
                setState,
              }),
            assignState,
          );
        };
        const validationLoss = plan.validationLoss;
        const validate = validationLoss
          ? (epoch: number) =>
              validationLoss({
                phase: phase.name,
                epoch,
                training: false,
                noise: noiseStream(seed, SEED_STREAMS.validationNoise),
                setState: () => undefined,
              })
          : undefined;
        try {
          result = await trainLoop({
            trainCount: plan.examples,
            batchSize: plan.batchSize ?? c.batchSize,
            epochs: phase.epochs ?? opts.epochs ?? c.epochs,
            seed: subSeed(seed, SEED_STREAMS.batches),
            order: plan.order,
            step,
            validate,
            patience: validate ? c.patience : undefined,
            // state goes back to the best epoch's values with the parameters
            variables: [...trained, ...stateVars],
            signal: opts.signal,
            onProgress: opts.onProgress,
          });
        } finally {
          optimizer.dispose();
        }
      }
      const epochs = result!.epochs;
      await this.afterFit(run, { epochs, progress: (phase) => opts.onProgress?.({ epoch: epochs, epochs, phase }) });
    } catch (e) {
      this.forget();
      throw e;
    }
    this.fitted!.metrics = { bestValLoss: result!.bestValLoss, epochs: result!.epochs };
    return fitReportOf(result!, t0);
  }

  async save(dir: string, context: ManifestContext = {}): Promise<void> {
    const { facts, seed, metrics } = this.requireFitted();
    const backend = await ensureBackend();
    const { bin, index } = packWeights([...this.variables].map(([name, tensor]) => ({ name, tensor })));
    const manifest = modelManifest(
      {
        detector: this.id,
        config: { ...this.config } as Record<string, unknown>,
        featureCount: facts.featureCount,
        windowLength: this.windowLength,
        domains: [...facts.domains],
        // the detector's own feature names win over the caller's context
        ...(facts.featureNames ? { featureNames: [...facts.featureNames] } : {}),
        backend: backend.name,
        versions: backend.versions,
        seed,
        metrics,
      },
      context,
    );
    await writeModelDir(dir, manifest, {
      [WEIGHTS_BIN]: bin,
      [WEIGHTS_JSON]: JSON.stringify(index) + '\n',
      ...this.extraFiles(facts),
    });
  }

  /**
   * Loads a model directory written by `save` into a detector made from its config by `make` (one of the ids
   * `detectors`); every weight's shape is checked against the variables of the saved facts.
   */
  protected static async restore<D extends TfjsDetector<TrainingSettings, FittedFacts, unknown, FitRun>>(
    dir: string,
    detectors: string | readonly string[],
    make: (config: Record<string, unknown>) => D,
  ): Promise<D> {
    const { manifest, files } = await openModelDir(dir, typeof detectors === 'string' ? detectors : [...detectors]);
    const det = make(manifest.config);
    if (det.id !== manifest.detector)
      throw new InputError({ file: files.path(MANIFEST_FILE) }, `a config of ${manifest.detector}`, `one of ${det.id}`);
    const facts = await det.factsFromManifest(manifest, files);
    const specs = det.variableSpecs(facts);
    const index = await files.json<WeightsIndex>(WEIGHTS_JSON);
    const values = unpackWeights(await files.bytes(WEIGHTS_BIN), index, files.path(WEIGHTS_BIN));
    assertWeightShapes([...specs.trainable, ...specs.state], values, files.path(WEIGHTS_JSON));
    await det.restoreExtraFiles(files, facts);
    await ensureBackend();
    det.install(specs, values, { facts, seed: manifest.seed, metrics: manifest.metrics ?? {} });
    return det;
  }

  dispose(): void {
    this.forget();
  }
}
