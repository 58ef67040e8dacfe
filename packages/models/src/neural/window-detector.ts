/**
 * The window side of the tfjs detectors (DIVAD and the neural baselines of docs/divad.md §4): fitted on a WindowSet,
 * trained on batches of flattened windows [B, W·D] with each window's training-domain index in the loss
 * context, validated on the mean loss over the validation windows, saved with the feature count and domains.
 */
import {
  FeatureMismatchError,
  InputError,
  ParameterError,
  assertWindowShape,
  gatherWindows,
  type Detector,
  type FitOptions,
  type FitReport,
  type ModelManifest,
  type WindowSet,
} from '@driftwatch/contracts';
import { ensureBackend, tf } from '../backend';
import { MANIFEST_FILE, type ModelFiles } from '../model-dir';
import type { NamedParams, ParamSpec } from './params';
import {
  TfjsDetector,
  mapBatches,
  sumBatches,
  type BatchSource,
  type FitRun,
  type FittedFacts,
  type LossContext,
  type NoiseSource,
  type TrainingPhase,
  type TrainingSettings,
  type VariableSpecs,
} from './tfjs-detector';

/** Training settings every window network has (docs/divad.md §3.3 protocol). */
export interface TrainingConfig extends TrainingSettings {
  windowLength: number;
}

/** What a window detector records about its training windows. */
export interface WindowFacts extends FittedFacts {
  domains: string[];
}

/** A loss's view of a step on windows: each window's index into the training domains (−1: none of them). */
export interface WindowLossContext extends LossContext {
  domains: Int32Array;
}

/** One batch of training windows. */
export interface WindowBatch {
  /** flattened windows [B, W·D] */
  x: tf.Tensor2D;
  /** each window's training-domain index */
  domains: Int32Array;
}

/** What a phase's `before` hook and `afterFit` may use. */
export interface PhaseRun extends FitRun {
  train: WindowSet;
  /** FitOptions.validation when it has windows */
  validation?: WindowSet;
  /** Σ over batches of f(x, count) for flattened windows x [count, W·D] (each f returns a tensor of one shape) */
  sumOverBatches(windows: WindowSet, f: (x: tf.Tensor2D, count: number) => tf.Tensor): tf.Tensor;
}

/** a training phase of a window detector */
export type WindowTrainingPhase = TrainingPhase<PhaseRun>;

/** windows per forward pass of the validation loss */
export const VALIDATION_BATCH = 1024;

/** The windows of a set as rows of W·D values. */
export function windowRows(windows: WindowSet): BatchSource {
  return {
    count: windows.count,
    size: windows.windowLength * windows.featureCount,
    gather: (indices, out) => gatherWindows(windows, indices, out),
  };
}

/**
 * Σ over records of per-value terms, per feature: [B, k·D] record-major (the k records a score reads) → [B, D].
 * How a window's reconstruction or forecast error is split over its features (explanations).
 */
export function sumPerFeature(terms: tf.Tensor, featureCount: number): tf.Tensor2D {
  return terms.reshape([terms.shape[0], -1, featureCount]).sum(1) as tf.Tensor2D;
}

/**
 * Each feature's share of a mean squared error over values laid out record-major, x and x̂ [B, k·D] → [B, D]:
 * a_f = Σ_t (x_tf − x̂_tf)² / (k·D), so that Σ_f a_f is the mean the score takes.
 */
export function squaredErrorShares(x: tf.Tensor2D, reconstructed: tf.Tensor2D, featureCount: number): tf.Tensor2D {
  return sumPerFeature(tf.squaredDifference(x, reconstructed).div(x.shape[1]), featureCount);
}

/** each window's index into `trainingDomains`, −1 where its domain is not one of them */
export function trainingDomainIndices(windows: WindowSet, trainingDomains: readonly string[]): Int32Array {
  const map = windows.domains.map((d) => trainingDomains.indexOf(d));
  return Int32Array.from({ length: windows.count }, (_, i) => map[windows.domainOf(i)] ?? -1);
}

export abstract class WindowTfjsDetector<Config extends TrainingConfig>
  extends TfjsDetector<Config, WindowFacts, WindowBatch, PhaseRun>
  implements Detector<Config>
{
  get windowLength(): number {
    return this.config.windowLength;
  }

  /**
   * every trainable parameter for windows of `featureCount` features from `domainCount` training domains, in creation
   * order
   */
  protected abstract paramSpecs(featureCount: number, domainCount: number): ParamSpec[];

  /** mean loss of a batch of flattened windows [B, W·D] */
  protected abstract loss(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource, ctx: WindowLossContext): tf.Scalar;

  abstract scoreWindows(windows: WindowSet): Promise<Float32Array>;

  /**
   * Non-trainable state saved with the model (BatchNorm running statistics, a hypersphere centre, input
   * ranges); initialised like parameters, in the same NamedParams, changed only through `setState`.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  protected stateSpecs(featureCount: number): ParamSpec[] {
    return [];
  }

  /** how training windows are batched: fresh permutations (default) or shuffled runs of consecutive windows */
  protected batchOrder(): 'shuffled' | 'blocks' {
    return 'shuffled';
  }

  /** Checks the training and validation windows beyond their shape (`validationDomains`: `trainingDomainIndices`). */
  /* eslint-disable @typescript-eslint/no-unused-vars -- the default accepts any windows of the right shape */
  protected checkWindows(
    train: WindowSet,
    validation: WindowSet | undefined,
    validationDomains: Int32Array | undefined,
  ): void {
    // any windows of the right shape will do by default
  }
  /* eslint-enable @typescript-eslint/no-unused-vars */

  /**
   * f of the flattened windows [B, W·D] at the fitted parameters, `width` values per window, in batches of `batch`
   * windows; the windows must have the fitted shape.
   */
  protected async mapWindows(
    windows: WindowSet,
    batch: number,
    width: number,
    f: (p: NamedParams, x: tf.Tensor2D) => tf.Tensor,
  ): Promise<Float32Array> {
    const { facts } = this.requireFitted();
    assertWindowShape(windows, this.windowLength, facts.featureCount);
    await ensureBackend();
    const params = this.params();
    return mapBatches(windowRows(windows), batch, width, (x) => f(params, x));
  }

  protected variableSpecs(facts: WindowFacts): VariableSpecs {
    return {
      trainable: this.paramSpecs(facts.featureCount, facts.domains.length),
      state: this.stateSpecs(facts.featureCount),
    };
  }

  protected batchLoss(p: NamedParams, batch: WindowBatch, ctx: LossContext): tf.Scalar {
    return this.loss(p, batch.x, ctx.noise, { ...ctx, domains: batch.domains });
  }

  /** Mean loss over the validation windows: Σ over batches of loss·count, in float32, divided by the count. */
  protected validationLoss(validation: WindowSet, domains: Int32Array, ctx: LossContext): number {
    const params = this.params();
    const total = sumBatches(windowRows(validation), VALIDATION_BATCH, (x, count, start) =>
      this.loss(params, x, ctx.noise, { ...ctx, domains: domains.subarray(start, start + count) }).mul(count),
    );
    const mean = total.dataSync()[0] / validation.count;
    total.dispose();
    return mean;
  }

  async fit(train: WindowSet, opts: FitOptions): Promise<FitReport> {
    const c = this.config;
    if (train.windowLength !== c.windowLength)
      throw new FeatureMismatchError(c.windowLength, train.windowLength, 'records per window');
    if (train.count < 1) throw new ParameterError(`${this.id}: no training windows`);
    // an empty validation set cannot rank epochs: train as without one
    const validation = opts.validation && opts.validation.count > 0 ? opts.validation : undefined;
    if (validation) assertWindowShape(validation, c.windowLength, train.featureCount);
    const validationDomains = validation ? trainingDomainIndices(validation, train.domains) : undefined;
    this.checkWindows(train, validation, validationDomains);
    const rows = windowRows(train);
    const xBuf = new Float32Array(c.batchSize * rows.size);
    const dBuf = new Int32Array(c.batchSize);
    return this.train({ featureCount: train.featureCount, domains: [...train.domains] }, opts, {
      examples: train.count,
      order: this.batchOrder(),
      batch: (indices) => {
        const n = indices.length;
        rows.gather(indices, xBuf);
        for (let i = 0; i < n; i++) dBuf[i] = train.domainOf(indices[i]);
        return { x: tf.tensor2d(xBuf.subarray(0, n * rows.size), [n, rows.size]), domains: dBuf.subarray(0, n) };
      },
      validationLoss:
        validation && validationDomains ? (ctx) => this.validationLoss(validation, validationDomains, ctx) : undefined,
      run: (core) => ({
        ...core,
        train,
        validation,
        sumOverBatches: (windows, f) => sumBatches(windowRows(windows), VALIDATION_BATCH, (x, count) => f(x, count)),
      }),
    });
  }

  protected factsFromManifest(manifest: ModelManifest, files: ModelFiles): WindowFacts {
    if (!(Number.isInteger(manifest.featureCount) && manifest.featureCount >= 1))
      throw new InputError({ file: files.path(MANIFEST_FILE) }, 'a positive featureCount');
    return {
      featureCount: manifest.featureCount,
      domains: Array.isArray(manifest.domains) ? [...manifest.domains] : [],
    };
  }
}
