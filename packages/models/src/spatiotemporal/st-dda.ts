/**
 * st-dda: the spatiotemporal detector with dependency-drift awareness of "Adaptive AI Spatiotemporal Modeling
 * with Dependency Drift Awareness for Anomaly Detection in Large-Scale Clusters" (preprint, Dec 2025), §II,
 * with the choices of docs/spatiotemporal.md §1, which this class follows exactly:
 *
 * 1. node encoder h_i(t) = f_θ(x_i(t)), an MLP F → 64 → D shared by all entities (ReLU hidden layer, linear
 *    output), on values standardised per (entity, feature) with the training series' mean and std;
 * 2. multi-scale temporal aggregation h̃ˢ_i(t) = Σ_{τ=0..K_s} α^s_τ h_i(t − τ), α^s = softmax(a^s), one
 *    aggregator per K in `scales`, concatenated and projected back to D (no projection when S = 1: the paper's
 *    form with K = W − 1);
 * 3. dynamic dependencies Ã_ij(t) = softmax over j ≠ i of g(h̃_i, h̃_j), g(a, b) = (a·W_q)·(b·W_k)/√d, over all
 *    j (dense) or over the k largest g per node (top-k, `sparse-dependencies.ts`);
 * 4. propagation z_i = ReLU(Σ_j A_ij W_s h̃_j), A = λ·norm(A_obs + I) + (1 − λ)(Ã + I)/2, λ = sigmoid(l) (l = 0
 *    at the start, λ = 0 with graph 'none'), A_obs from the series' graph snapshots (`observed-graph.ts`);
 * 5. joint embedding u_i = h̃_i·W_t + z_i·W_g;
 * 6. score s_i(t) = ‖u_i(t) − ū‖², ū = c_i (reference 'node') or mean_j u_j(t) (reference 'system'); or, with
 *    score 'forecast', the one-step forecast error of x_i(t) from u_i(t − 1), per feature divided by its mean
 *    on the training series (so the score at t needs steps t − W … t: `windowLength` is then W + 1).
 *
 * Training (unsupervised: labels are never a target): L = MSE(dec(u_i(t)), x_i(t + 1)) + γ‖u_i(t) − c_i‖² with
 * the decoder D → 64 → F, over batches of window ends t (each with all N entities). Only normal windows train: when
 * the training (or validation) series has labels, a window end t is used only if no entity is labelled at any of
 * the steps t − W + 1 … t + 1 (window and forecast target), and the standardisation leaves labelled steps out; the
 * centres, the validation loss and the forecast normaliser use the same window ends. c_i starts as the mean of u_i
 * over the training windows at the initial weights and follows u_i as an EMA (momentum `centreMomentum`, no
 * gradient); AdamW; early stopping on the same loss over the validation series, restoring the best weights
 * and centres. Missing values (NaN) enter as 0 (the training mean) and are left out of the forecast error.
 *
 * The [choice]s of docs/spatiotemporal.md and the settings they are (`StDdaConfig`): D = 32 (`embeddingDim`);
 * S = 3 aggregators with K ∈ {1, 4, W − 1} (`scales`); scaled bilinear g (`attentionDim` d); the softmax over
 * all j ≠ i (dense) or over each node's k strongest (`dependencyPath`, `dependencyTopK`; 'auto' is dense up to
 * 256 nodes, the design's bound, and keeps k = 16 above; the kept entries are exact: the top-k of the dense logits);
 * A's mixing form with row normalisation (fixed),
 * how observed edges count (`observedEdges`, `observedWeights`); ū (`reference`); the training objective (γ =
 * 0.1, `gamma`; the EMA, `centreMomentum`); the forecast score (`score`); and the graph modes (`graph`: 'none',
 * 'static' = the series' first snapshot throughout, 'dynamic' = the snapshot in force at each window's end).
 * Settings the paper does not give either: learning rate 1e-3, weight decay 1e-4, clip 10, 16 window ends per
 * batch drawn in a fresh random order every epoch (`batchOrder: 'blocks'` takes runs of consecutive window ends
 * instead, which encodes each step of a batch once: cheaper steps, less learnt per epoch), 100 epochs, patience 10.
 * Scoring and the validation loss run over consecutive window ends in chunks, each step encoded once.
 *
 * The per-entity state (standardisation, centres, forecast normaliser) ties a model to its training series'
 * entities: scoring needs the same entities in the same order.
 */
import {
  InputError,
  ParameterError,
  assertSameFeatures,
  validateNodeSeries,
  type FitReport,
  type ModelManifest,
  type NodeDetector,
  type NodeFitOptions,
  type NodeSeries,
} from '@driftwatch/contracts';
import { ensureBackend, tf } from '../backend';
import { MANIFEST_FILE, type ModelFiles } from '../model-dir';
import type { NamedParams } from '../neural/params';
import {
  TfjsDetector,
  type FitEnd,
  type FitRun,
  type FittedFacts,
  type LossContext,
  type TrainingPhase,
  type VariableSpecs,
} from '../neural/tfjs-detector';
import {
  dependencyTopKFor,
  resolveStDdaConfig,
  type StDdaScoreKind,
  type StDdaScoreReference,
  type StDdaConfig,
} from './config';
import {
  combinedDependencies,
  denseLearned,
  type ObservedDependencyRows,
  forecastNext,
  forecastScores,
  forwardSteps,
  latentScores,
  lossTerms,
  mixingWeight,
  stDdaParamSpecs,
  stDdaStateSpecs,
  type StDdaArchitecture,
  type StDdaForward,
} from './network';
import { observedDependencies, observedNeighbourRows, stackObservedRows, type ObservedRows } from './observed-graph';
import { observedTensors, stDdaBatchTensors, stDdaTrainingLoss, type StDdaBatchTensors } from './step';
import {
  anomalousSteps,
  consecutiveRuns,
  entityFeatureMoments,
  normalWindowEnds,
  withStepsMissing,
  gatherTrainingWindows,
  standardiseNodeSeries,
  type EntityFeatureMoments,
  type StandardisedSeries,
} from './series-data';

export const ST_DDA_ID = 'st-dda';
const SERIES_JSON = 'series.json';
/** floats in the largest per-chunk tensor of the scoring path (≈ 16 MB) */
const CHUNK_FLOATS = 1 << 22;
/** window ends per chunk at most: the band operator's products grow with (B + W − 1)/W */
const MAX_CHUNK = 64;
/** floor of the forecast score's per-feature error normaliser */
const MIN_ERROR_SCALE = 1e-6;
/** the standardisation state: per (entity, feature) mean and std of the training series */
const MEAN = 'standardisation/mean';
const STD = 'standardisation/std';

/** What `scoreNodesWith` computes. */
export interface StDdaScoreVariant {
  score: StDdaScoreKind;
  /** for score 'latent' (default: the config's) */
  reference?: StDdaScoreReference;
}

/** The dependency matrices of one window end (row-major N × N). */
export interface StDdaDependencies {
  /** Ã(t): softmax over j ≠ i, zero diagonal */
  learned: Float32Array;
  /** norm(A_obs(t) + I); absent with graph 'none' */
  observed?: Float32Array;
  /** λ (0 with graph 'none') */
  lambda: number;
  /** A(t) = λ·observed + (1 − λ)(Ã + I)/2 */
  combined: Float32Array;
}

/** What st-dda records about its training series: the entities and features, in the order it needs them again. */
export interface StDdaFacts extends FittedFacts {
  entities: string[];
  features: string[];
}

/** The fitted network: its architecture and parameters. */
interface Model {
  arch: StDdaArchitecture;
  params: NamedParams;
}

/** What the phase hooks and afterFit see: the prepared training series. */
interface StDdaRun extends FitRun {
  train: Prepared;
}

/** A series ready for the network: standardised values and, with a graph mode, norm(A_obs(t) + I) per window end. */
interface Prepared {
  data: StandardisedSeries;
  /**
   * the window ends e (with a next step e + 1) that train and enter the losses, centres and forecast normaliser: all of
   * W − 1 … T − 2, or, for a labelled training or validation series, those whose steps e − W + 1 … e + 1 hold no label
   */
  ends: Int32Array;
  observedAt?: (t: number) => Float32Array;
  /** the same as rows of neighbours, on the top-k path (which never forms an N × N matrix in training) */
  observedRowsAt?: (t: number) => ObservedRows;
}

/** System-level score per step: max_i s_i(t) over the T·N node scores (§1.6); NaN where every entity's is NaN. */
export function systemScores(scores: Float32Array, entityCount: number): Float32Array {
  if (!(Number.isInteger(entityCount) && entityCount >= 1) || scores.length % entityCount !== 0) {
    throw new ParameterError(
      `systemScores: ${scores.length} scores do not split into steps of ${entityCount} entities`,
    );
  }
  const T = scores.length / entityCount;
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let max = NaN;
    for (let i = 0; i < entityCount; i++) {
      const s = scores[t * entityCount + i];
      if (!Number.isNaN(s) && !(s <= max)) max = s;
    }
    out[t] = max;
  }
  return out;
}

export class StDda
  extends TfjsDetector<StDdaConfig, StDdaFacts, StDdaBatchTensors, StDdaRun>
  implements NodeDetector<StDdaConfig>
{
  readonly id = ST_DDA_ID;
  readonly supervised = false;

  constructor(params: Partial<StDdaConfig> = {}) {
    super(resolveStDdaConfig(params as Record<string, unknown>));
  }

  /** W, or W + 1 with score 'forecast' (the forecast of x(t) comes from the window ending at t − 1) */
  get windowLength(): number {
    return this.config.windowLength + (this.config.score === 'forecast' ? 1 : 0);
  }

  /** the entity order the model was trained on */
  get entities(): readonly string[] | undefined {
    return this.fittedFacts?.entities;
  }

  private architecture(entityCount: number, featureCount: number): StDdaArchitecture {
    const c = this.config;
    return {
      featureCount,
      entityCount,
      windowLength: c.windowLength,
      embeddingDim: c.embeddingDim,
      encoderHidden: c.encoderHidden,
      decoderHidden: c.decoderHidden,
      scales: [...c.scales],
      attentionDim: c.attentionDim,
      observed: c.graph !== 'none',
      dependencyTopK: dependencyTopKFor(c, entityCount),
    };
  }

  private model(): Model {
    const { facts } = this.requireFitted();
    return { arch: this.architecture(facts.entities.length, facts.featureCount), params: this.params() };
  }

  protected variableSpecs(facts: StDdaFacts): VariableSpecs {
    const arch = this.architecture(facts.entities.length, facts.featureCount);
    return { trainable: stDdaParamSpecs(arch), state: stDdaStateSpecs(arch) };
  }

  protected batchLoss(p: NamedParams, batch: StDdaBatchTensors, ctx: LossContext): tf.Scalar {
    return stDdaTrainingLoss(p, this.model().arch, batch, this.config, ctx.setState);
  }

  /**
   * one phase, which first sets every centre c_i to the mean of u_i over the training windows at the initial weights
   */
  protected override phases(): TrainingPhase<StDdaRun>[] {
    return [
      {
        name: 'train',
        before: async (run) => {
          const { arch } = this.model();
          const initial = await this.meanEmbedding(run.train);
          tf.tidy(() => run.setState('centre', tf.tensor2d(initial, [arch.entityCount, arch.embeddingDim])));
        },
      },
    ];
  }

  /** the forecast score's per-feature error normaliser, from the training series at the best weights */
  protected override async afterFit(run: StDdaRun, end: FitEnd): Promise<void> {
    end.progress('forecast-scale');
    const { arch } = this.model();
    const scale = await this.forecastErrorScale(run.train);
    tf.tidy(() => run.setState('forecast/error_scale', tf.tensor2d(scale, [arch.entityCount, arch.featureCount])));
  }

  private assertSameEntities(entities: readonly string[], series: NodeSeries): void {
    if (series.entities.length !== entities.length) {
      throw new ParameterError(
        `${this.id}: ${series.id} has ${series.entities.length} entities; the model was trained ` +
          `on ${entities.length}, in a fixed order`,
      );
    }
    const differing = series.entities.findIndex((e, i) => e !== entities[i]);
    if (differing >= 0) {
      throw new ParameterError(
        `${this.id}: ${series.id} has '${series.entities[differing]}' at entity ${differing}, where the ` +
          `model (trained on its entities in a fixed order) has '${entities[differing]}'`,
      );
    }
  }

  private prepare(series: NodeSeries, moments: EntityFeatureMoments, windows: 'normal' | 'all'): Prepared {
    const c = this.config;
    const W = c.windowLength;
    const sparse = dependencyTopKFor(c, series.entities.length) !== null;
    const flags = windows === 'normal' ? anomalousSteps(series) : new Uint8Array(series.length);
    return {
      data: standardiseNodeSeries(series, moments),
      ends: normalWindowEnds(series.length, W, flags),
      observedAt: c.graph === 'none' ? undefined : observedDependencies(series, c.graph, c),
      observedRowsAt: c.graph === 'none' || !sparse ? undefined : observedNeighbourRows(series, c.graph, c),
    };
  }

  /** norm(A_obs + I) of the window ends e0 … e0 + B − 1 as a batch wants it: rows (top-k path) or dense */
  private static observedOf(prep: Prepared, ends: ArrayLike<number>, B: number, dense?: Float32Array) {
    const N = prep.data.N;
    if (prep.observedRowsAt)
      return {
        observedRows: stackObservedRows(
          Array.from({ length: B }, (_, b) => prep.observedRowsAt!(ends[b])),
          N,
        ),
      };
    if (!prep.observedAt) return {};
    const buf = dense ?? new Float32Array(B * N * N);
    for (let b = 0; b < B; b++) buf.set(prep.observedAt(ends[b]), b * N * N);
    return { observed: buf };
  }

  /**
   * window ends per chunk of the scoring path: the largest tensor (encoder rows, A, per-scale aggregates) stays near
   * CHUNK_FLOATS
   */
  private chunkSize(a: StDdaArchitecture): number {
    const widest = Math.max(a.entityCount, a.encoderHidden, a.decoderHidden, a.scales.length * a.embeddingDim);
    return Math.max(1, Math.min(MAX_CHUNK, Math.floor(CHUNK_FLOATS / (a.entityCount * widest))));
  }

  /** Runs `f` on the forward pass of the consecutive window ends e0 … e0 + B − 1 (inside a tidy). */
  private chunk<T extends tf.TensorContainer>(
    m: Model,
    prep: Prepared,
    e0: number,
    B: number,
    f: (fw: StDdaForward, observed?: ObservedDependencyRows) => T,
  ): T {
    const { arch, params } = m;
    const { N, F } = prep.data;
    const W = arch.windowLength;
    return tf.tidy(() => {
      const x = tf.tensor2d(prep.data.values.subarray((e0 - W + 1) * N * F, (e0 + B) * N * F), [(B + W - 1) * N, F]);
      const ends = Array.from({ length: B }, (_, b) => e0 + b);
      const observed = arch.observed ? observedTensors({ B, ...StDda.observedOf(prep, ends, B) }, N) : undefined;
      return f(forwardSteps(params, arch, x, B, observed), observed);
    });
  }

  /** the next steps e0 + 1 … e0 + B as [B·N, F] targets and observed-masks (the scoring path never reads past T − 1) */
  private static nextSteps(prep: Prepared, e0: number, B: number): { target: tf.Tensor2D; mask: tf.Tensor2D } {
    const { N, F } = prep.data;
    const range = [(e0 + 1) * N * F, (e0 + B + 1) * N * F];
    return {
      target: tf.tensor2d(prep.data.values.subarray(range[0], range[1]), [B * N, F]),
      mask: tf.tensor2d(prep.data.observed.subarray(range[0], range[1]), [B * N, F]),
    };
  }

  /** Visits the chunks of the prepared window ends, run of consecutive ends by run. */
  private async forPreparedEnds(m: Model, prep: Prepared, visit: (e0: number, B: number) => void): Promise<void> {
    for (const [first, last] of consecutiveRuns(prep.ends)) await this.forChunks(m, first, last, visit);
  }

  /** Visits the chunks of window ends first … last (inclusive), yielding to the event loop between chunks. */
  private async forChunks(
    m: Model,
    first: number,
    last: number,
    visit: (e0: number, B: number) => void,
  ): Promise<void> {
    const size = this.chunkSize(m.arch);
    for (let e0 = first; e0 <= last; e0 += size) {
      visit(e0, Math.min(size, last - e0 + 1));
      if (e0 + size <= last) await new Promise<void>((r) => setImmediate(r));
    }
  }

  /**
   * The training loss over the prepared window ends (every one with a next step, or the normal ones of a labelled
   * series), summed chunk by chunk: the validation loss.
   */
  private async seriesLoss(prep: Prepared): Promise<number> {
    const m = this.model();
    const { arch, params } = m;
    let squaredError = 0;
    let observedCount = 0;
    let compactness = 0;
    let rows = 0;
    await this.forPreparedEnds(m, prep, (e0, B) => {
      const sums = this.chunk(m, prep, e0, B, (fw) => {
        const { target, mask } = StDda.nextSteps(prep, e0, B);
        const terms = lossTerms(params, arch, fw, target, mask, params.centre);
        return tf.stack([terms.squaredError, terms.observedCount, terms.compactness]);
      });
      const [se, count, comp] = sums.dataSync();
      sums.dispose();
      squaredError += se;
      observedCount += count;
      compactness += comp;
      rows += B * arch.entityCount;
    });
    return squaredError / Math.max(observedCount, 1) + (this.config.gamma * compactness) / rows;
  }

  /** c_i = mean of u_i(t) over the prepared (training) window ends, at the current weights. */
  private async meanEmbedding(prep: Prepared): Promise<Float32Array> {
    const m = this.model();
    const { entityCount: N, embeddingDim: D } = m.arch;
    const sum = new Float64Array(N * D);
    let count = 0;
    await this.forPreparedEnds(m, prep, (e0, B) => {
      const s = this.chunk(m, prep, e0, B, (fw) => fw.u.reshape([B, N, D]).sum(0));
      s.dataSync().forEach((v, k) => (sum[k] += v));
      s.dispose();
      count += B;
    });
    return Float32Array.from(sum, (v) => v / count);
  }

  /**
   * v_{i,f} = mean over the training window ends of the observed squared one-step forecast errors (the forecast score's
   * normaliser).
   */
  private async forecastErrorScale(prep: Prepared): Promise<Float32Array> {
    const m = this.model();
    const { entityCount: N, featureCount: F } = m.arch;
    const squared = new Float64Array(N * F);
    const count = new Float64Array(N * F);
    await this.forPreparedEnds(m, prep, (e0, B) => {
      const [se, mask] = this.chunk(m, prep, e0, B, (fw) => {
        const { target, mask } = StDda.nextSteps(prep, e0, B);
        const error = forecastNext(m.params, fw.u).sub(target).square().mul(mask);
        return [error.reshape([B, N * F]).sum(0), mask.reshape([B, N * F]).sum(0)] as [tf.Tensor, tf.Tensor];
      });
      se.dataSync().forEach((v, k) => (squared[k] += v));
      mask.dataSync().forEach((v, k) => (count[k] += v));
      se.dispose();
      mask.dispose();
    });
    return Float32Array.from(squared, (s, k) => (count[k] > 0 ? Math.max(s / count[k], MIN_ERROR_SCALE) : 1));
  }

  async fit(train: NodeSeries, opts: NodeFitOptions): Promise<FitReport> {
    const c = this.config;
    const W = c.windowLength;
    validateNodeSeries(train);
    const N = train.entities.length;
    const F = train.features.length;
    if (N < 2)
      throw new ParameterError(
        `${this.id}: ${train.id} has ${N} entity; the dependency softmax over j ≠ i needs at least 2`,
      );
    const tooShort = (s: NodeSeries, what: string) =>
      new ParameterError(
        `${this.id}: the ${what} series ${s.id} has ${s.length} steps; it needs at least W + 1 = ${W + 1} ` +
          `(a window and the step after it)`,
      );
    if (train.length < W + 1) throw tooShort(train, 'training');
    const validation = opts.validation;
    if (validation) {
      validateNodeSeries(validation);
      assertSameFeatures(this.id, train.features, validation);
      this.assertSameEntities(train.entities, validation);
      if (validation.length < W + 1) throw tooShort(validation, 'validation');
    }
    // labelled steps are left out of the standardisation as of every training window
    const moments = entityFeatureMoments(withStepsMissing(train, anomalousSteps(train)));
    const trainPrep = this.prepare(train, moments, 'normal');
    const valPrep = validation ? this.prepare(validation, moments, 'normal') : undefined;
    const noNormalWindow = (s: NodeSeries, what: string) =>
      new ParameterError(
        `${this.id}: the ${what} series ${s.id} has no window of W + 1 = ${W + 1} steps (a window and the step ` +
          `after it) free of labelled steps; only such windows train`,
      );
    if (trainPrep.ends.length === 0) throw noNormalWindow(train, 'training');
    if (validation && valPrep!.ends.length === 0) throw noNormalWindow(validation, 'validation');
    const arch = this.architecture(N, F);
    const ends = trainPrep.ends;
    const batch = Math.min(c.batchSize, ends.length);
    const xBuf = new Float32Array(W * batch * N * F);
    const yBuf = new Float32Array(batch * N * F);
    const mBuf = new Float32Array(batch * N * F);
    const obsBuf = trainPrep.observedAt && !trainPrep.observedRowsAt ? new Float32Array(batch * N * N) : undefined;
    const batchEnds = new Int32Array(batch);
    const data = trainPrep.data;
    const facts: StDdaFacts = {
      featureCount: F,
      domains: [],
      entities: [...train.entities],
      features: [...train.features],
    };
    return this.train(facts, opts, {
      examples: ends.length,
      batchSize: batch,
      order: c.batchOrder,
      initialState: new Map([
        [MEAN, moments.mean],
        [STD, moments.std],
      ]),
      batch: (indices) => {
        const B = indices.length;
        for (let k = 0; k < B; k++) batchEnds[k] = ends[indices[k]];
        const observed = StDda.observedOf(trainPrep, batchEnds, B, obsBuf);
        const e0 = batchEnds[0];
        if (batchEnds.subarray(0, B).every((e, k) => e === e0 + k)) {
          // consecutive window ends (batchOrder 'blocks'): their steps are one slice of the series
          const next = [(e0 + 1) * N * F, (e0 + B + 1) * N * F];
          return stDdaBatchTensors(arch, {
            layout: 'steps',
            B,
            x: data.values.subarray((e0 - W + 1) * N * F, (e0 + B) * N * F),
            target: data.values.subarray(next[0], next[1]),
            mask: data.observed.subarray(next[0], next[1]),
            ...observed,
          });
        }
        gatherTrainingWindows(data, W, batchEnds.subarray(0, B), xBuf, yBuf, mBuf);
        return stDdaBatchTensors(arch, { layout: 'windows', B, x: xBuf, target: yBuf, mask: mBuf, ...observed });
      },
      validationLoss: valPrep ? () => this.seriesLoss(valPrep) : undefined,
      run: (core) => ({ ...core, train: trainPrep }),
    });
  }

  private async checkedSeries(series: NodeSeries): Promise<{ m: Model; prep: Prepared }> {
    const { facts } = this.requireFitted();
    validateNodeSeries(series);
    assertSameFeatures(this.id, facts.features, series);
    this.assertSameEntities(facts.entities, series);
    const m = this.model();
    const prep = this.prepare(
      series,
      { mean: m.params[MEAN].dataSync() as Float32Array, std: m.params[STD].dataSync() as Float32Array },
      'all',
    );
    await ensureBackend();
    return { m, prep };
  }

  /** T·N scores with the config's `score` and `reference`; NaN before step `windowLength` − 1. */
  scoreNodes(series: NodeSeries): Promise<Float32Array> {
    return this.scoreNodesWith(series, { score: this.config.score, reference: this.config.reference });
  }

  /**
   * T·N scores of either kind from one model: 'latent' ‖u_i(t) − ū‖² (finite from step W − 1) with either
   * reference, or 'forecast' (finite from step W), higher = more anomalous.
   */
  async scoreNodesWith(series: NodeSeries, variant: StDdaScoreVariant): Promise<Float32Array> {
    if (variant.score !== 'latent' && variant.score !== 'forecast')
      throw new ParameterError(`${this.id}: unknown score '${String(variant.score)}'; known: latent, forecast`);
    const reference = variant.reference ?? this.config.reference;
    if (reference !== 'node' && reference !== 'system')
      throw new ParameterError(`${this.id}: unknown reference '${String(reference)}'; known: node, system`);
    const { m, prep } = await this.checkedSeries(series);
    const { entityCount: N, featureCount: F, embeddingDim: D, windowLength: W } = m.arch;
    const params = m.params;
    const T = series.length;
    const out = new Float32Array(T * N).fill(NaN);
    if (variant.score === 'latent') {
      await this.forChunks(m, W - 1, T - 1, (e0, B) => {
        const s = this.chunk(m, prep, e0, B, (fw) =>
          latentScores(fw.u.reshape([B, N, D]) as tf.Tensor3D, reference, params.centre),
        );
        out.set(s.dataSync(), e0 * N);
        s.dispose();
      });
    } else {
      // the forecast made at window end e is scored at step e + 1
      await this.forChunks(m, W - 1, T - 2, (e0, B) => {
        const s = this.chunk(m, prep, e0, B, (fw) => {
          const { target, mask } = StDda.nextSteps(prep, e0, B);
          const shape: [number, number, number] = [B, N, F];
          return forecastScores(
            forecastNext(params, fw.u).reshape(shape),
            target.reshape(shape),
            mask.reshape(shape),
            params['forecast/error_scale'],
          );
        });
        out.set(s.dataSync(), (e0 + 1) * N);
        s.dispose();
      });
    }
    return out;
  }

  /**
   * Ã(t), norm(A_obs(t) + I), λ and A(t) of the window ending at step t (W − 1 ≤ t < T): which entities each one
   * listens to.
   */
  async dependencies(series: NodeSeries, t: number): Promise<StDdaDependencies> {
    const { m, prep } = await this.checkedSeries(series);
    const W = m.arch.windowLength;
    if (!(Number.isInteger(t) && t >= W - 1 && t < series.length))
      throw new ParameterError(
        `${this.id}: step ${t} has no full window in ${series.id}; use W − 1 = ${W - 1} … ${series.length - 1}`,
      );
    const [learned, combined, lambda] = this.chunk(m, prep, t, 1, (fw, observed) => [
      denseLearned(fw.learned),
      combinedDependencies(m.params, denseLearned(fw.learned), observed && denseLearned(observed)),
      observed ? mixingWeight(m.params) : tf.zeros([1]),
    ]);
    const out: StDdaDependencies = {
      learned: (await learned.data()) as Float32Array,
      observed: prep.observedAt ? prep.observedAt(t).slice() : undefined,
      lambda: (await lambda.data())[0],
      combined: (await combined.data()) as Float32Array,
    };
    tf.dispose([learned, combined, lambda]);
    return out;
  }

  protected override extraFiles(facts: StDdaFacts): Record<string, string> {
    return { [SERIES_JSON]: JSON.stringify({ entities: facts.entities, features: facts.features }) + '\n' };
  }

  protected async factsFromManifest(manifest: ModelManifest, files: ModelFiles): Promise<StDdaFacts> {
    const series = await files.json<{ entities?: unknown; features?: unknown }>(SERIES_JSON);
    const names = (v: unknown): v is string[] =>
      Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
    if (!names(series.entities) || !names(series.features))
      throw new InputError({ file: files.path(SERIES_JSON) }, 'non-empty lists of entity and feature names');
    if (series.features.length !== manifest.featureCount) {
      throw new InputError(
        { file: files.path(MANIFEST_FILE) },
        `featureCount ${series.features.length} (the features of ${SERIES_JSON})`,
        String(manifest.featureCount),
      );
    }
    return { featureCount: series.features.length, domains: [], entities: series.entities, features: series.features };
  }

  /**
   * Loads a model directory written by `save`; every weight's shape is checked (InputError naming the file otherwise).
   */
  static load(dir: string): Promise<StDda> {
    return TfjsDetector.restore(dir, ST_DDA_ID, (config) => new StDda(config as Partial<StDdaConfig>));
  }
}
