/**
 * st-dda: the spatiotemporal detector with dependency-drift awareness of "Adaptive AI Spatiotemporal Modeling
 * with Dependency Drift Awareness for Anomaly Detection in Large-Scale Clusters" (preprint, Dec 2025), §II,
 * with the choices of spatiotemporal.md §1, which this class follows exactly:
 *
 * 1. node encoder h_i(t) = f_θ(x_i(t)), an MLP F → 64 → D shared by all entities (ReLU hidden layer, linear
 *    output), on values standardised per (entity, feature) with the training series' mean and std;
 * 2. multi-scale temporal aggregation h̃ˢ_i(t) = Σ_{τ=0..K_s} α^s_τ h_i(t − τ), α^s = softmax(a^s), one
 *    aggregator per K in `scales`, concatenated and projected back to D (no projection when S = 1: the paper's
 *    form with K = W − 1);
 * 3. dynamic dependencies Ã_ij(t) = softmax over j ≠ i of g(h̃_i, h̃_j), g(a, b) = (a·W_q)·(b·W_k)/√d, dense;
 * 4. propagation z_i = ReLU(Σ_j A_ij W_s h̃_j), A = λ·norm(A_obs + I) + (1 − λ)(Ã + I)/2, λ = sigmoid(l) (l = 0
 *    at the start, λ = 0 with graph 'none'), A_obs from the series' graph snapshots (`observed-graph.ts`);
 * 5. joint embedding u_i = h̃_i·W_t + z_i·W_g;
 * 6. score s_i(t) = ‖u_i(t) − ū‖², ū = c_i (reference 'node') or mean_j u_j(t) (reference 'system'); or, with
 *    score 'forecast', the one-step forecast error of x_i(t) from u_i(t − 1), per feature divided by its mean
 *    on the training series (so the score at t needs steps t − W … t: `windowLength` is then W + 1).
 *
 * Training (unsupervised; labels are ignored): L = MSE(dec(u_i(t)), x_i(t + 1)) + γ‖u_i(t) − c_i‖² with the
 * decoder D → 64 → F, over batches of window ends t (each with all N entities); c_i starts as the mean of u_i
 * over the training windows at the initial weights and follows u_i as an EMA (momentum `centreMomentum`, no
 * gradient); AdamW; early stopping on the same loss over the validation series, restoring the best weights
 * and centres. Missing values (NaN) enter as 0 (the training mean) and are left out of the forecast error.
 *
 * The [choice]s of spatiotemporal.md and the settings they are (`StDdaConfig`): D = 32 (`embeddingDim`);
 * S = 3 aggregators with K ∈ {1, 4, W − 1} (`scales`); scaled bilinear g (`attentionDim` d); dense softmax over
 * all j ≠ i (the top-k variant for large N is not implemented); A's mixing form with row normalisation (fixed),
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
import { join } from 'node:path';
import {
  InputError,
  NotFittedError,
  ParameterError,
  assertSameFeatures,
  validateNodeSeries,
  type FitReport,
  type ManifestContext,
  type NodeDetector,
  type NodeFitOptions,
  type NodeSeries,
} from '@driftwatch/contracts';
import { ensureBackend, tf } from '../backend';
import { modelManifest, readManifest, readModelFile, writeModelDir } from '../model-dir';
import { assertWeightShapes, createNamedVariables, fitReportOf } from '../neural/fit-helpers';
import { initialValues, subSeed, type NamedParams } from '../neural/params';
import { packWeights, trainLoop, unpackWeights, type WeightsIndex } from '../training';
import { resolveStDdaConfig, type StDdaScoreKind, type StDdaScoreReference, type StDdaConfig } from './config';
import {
  combinedDependencies,
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
import { observedDependencies } from './observed-graph';
import { createStDdaStep } from './step';
import { entityFeatureMoments, gatherTrainingWindows, standardiseNodeSeries, type EntityFeatureMoments, type StandardisedSeries } from './series-data';

export const ST_DDA_ID = 'st-dda';
const WEIGHTS_BIN = 'weights.bin';
const WEIGHTS_JSON = 'weights.json';
const SERIES_JSON = 'series.json';
/** floats in the largest per-chunk tensor of the scoring path (≈ 16 MB) */
const CHUNK_FLOATS = 1 << 22;
/** window ends per chunk at most: the band operator's products grow with (B + W − 1)/W */
const MAX_CHUNK = 64;
/** floor of the forecast score's per-feature error normaliser */
const MIN_ERROR_SCALE = 1e-6;

let instances = 0;

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

interface Trained {
  arch: StDdaArchitecture;
  variables: Map<string, tf.Variable>;
  entities: string[];
  features: string[];
  moments: EntityFeatureMoments;
  seed: number;
  metrics: { bestValLoss?: number; epochs?: number };
}

/** A series ready for the network: standardised values and, with a graph mode, norm(A_obs(t) + I) per window end. */
interface Prepared {
  data: StandardisedSeries;
  observedAt?: (t: number) => Float32Array;
}

/** System-level score per step: max_i s_i(t) over the T·N node scores (§1.6); NaN where every entity's is NaN. */
export function systemScores(scores: Float32Array, entityCount: number): Float32Array {
  if (!(Number.isInteger(entityCount) && entityCount >= 1) || scores.length % entityCount !== 0) {
    throw new ParameterError(`systemScores: ${scores.length} scores do not split into steps of ${entityCount} entities`);
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

export class StDda implements NodeDetector<StDdaConfig> {
  readonly id = ST_DDA_ID;
  readonly supervised = false;
  readonly config: Readonly<StDdaConfig>;
  private trained?: Trained;
  private readonly prefix = `st-dda-${++instances}`;

  constructor(params: Partial<StDdaConfig> = {}) {
    this.config = Object.freeze(resolveStDdaConfig(params as Record<string, unknown>));
  }

  /** W, or W + 1 with score 'forecast' (the forecast of x(t) comes from the window ending at t − 1) */
  get windowLength(): number {
    return this.config.windowLength + (this.config.score === 'forecast' ? 1 : 0);
  }

  get featureCount(): number | undefined {
    return this.trained?.features.length;
  }

  /** the entity order the model was trained on */
  get entities(): readonly string[] | undefined {
    return this.trained?.entities;
  }

  /** Current parameter and state values by name (a copy), to check the network against a plain computation. */
  parameterValues(): Map<string, { shape: number[]; values: Float32Array }> {
    const t = this.requireTrained();
    return new Map([...t.variables].map(([name, v]) => [name, { shape: [...v.shape], values: (v.dataSync() as Float32Array).slice() }]));
  }

  private requireTrained(): Trained {
    if (!this.trained) throw new NotFittedError(this.id);
    return this.trained;
  }

  private disposeTrained(): void {
    for (const v of this.trained?.variables.values() ?? []) v.dispose();
    this.trained = undefined;
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
    };
  }

  private assertSameEntities(entities: readonly string[], series: NodeSeries): void {
    if (series.entities.length !== entities.length) {
      throw new ParameterError(`${this.id}: ${series.id} has ${series.entities.length} entities; the model was trained on ${entities.length}, in a fixed order`);
    }
    const differing = series.entities.findIndex((e, i) => e !== entities[i]);
    if (differing >= 0) {
      throw new ParameterError(`${this.id}: ${series.id} has '${series.entities[differing]}' at entity ${differing}, where the model (trained on its entities in a fixed order) has '${entities[differing]}'`);
    }
  }

  private prepare(series: NodeSeries, moments: EntityFeatureMoments): Prepared {
    const c = this.config;
    return {
      data: standardiseNodeSeries(series, moments),
      observedAt: c.graph === 'none' ? undefined : observedDependencies(series, c.graph, c),
    };
  }

  /** window ends per chunk of the scoring path: the largest tensor (encoder rows, A, per-scale aggregates) stays near CHUNK_FLOATS */
  private chunkSize(a: StDdaArchitecture): number {
    const widest = Math.max(a.entityCount, a.encoderHidden, a.decoderHidden, a.scales.length * a.embeddingDim);
    return Math.max(1, Math.min(MAX_CHUNK, Math.floor(CHUNK_FLOATS / (a.entityCount * widest))));
  }

  /** Runs `f` on the forward pass of the consecutive window ends e0 … e0 + B − 1 (inside a tidy). */
  private chunk<T extends tf.TensorContainer>(t: Trained, prep: Prepared, e0: number, B: number, f: (fw: StDdaForward, observed?: tf.Tensor3D) => T): T {
    const { arch } = t;
    const { N, F } = prep.data;
    const W = arch.windowLength;
    const params = Object.fromEntries(t.variables) as NamedParams;
    return tf.tidy(() => {
      const x = tf.tensor2d(prep.data.values.subarray((e0 - W + 1) * N * F, (e0 + B) * N * F), [(B + W - 1) * N, F]);
      let observed: tf.Tensor3D | undefined;
      if (prep.observedAt) {
        const buf = new Float32Array(B * N * N);
        for (let b = 0; b < B; b++) buf.set(prep.observedAt(e0 + b), b * N * N);
        observed = tf.tensor3d(buf, [B, N, N]);
      }
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

  /** Visits the chunks of window ends first … last (inclusive), yielding to the event loop between chunks. */
  private async forChunks(t: Trained, first: number, last: number, visit: (e0: number, B: number) => void): Promise<void> {
    const size = this.chunkSize(t.arch);
    for (let e0 = first; e0 <= last; e0 += size) {
      visit(e0, Math.min(size, last - e0 + 1));
      if (e0 + size <= last) await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** The training loss over every window end with a next step (W − 1 … T − 2), summed chunk by chunk: the validation loss. */
  private async seriesLoss(t: Trained, prep: Prepared): Promise<number> {
    const params = Object.fromEntries(t.variables) as NamedParams;
    const W = t.arch.windowLength;
    let squaredError = 0;
    let observedCount = 0;
    let compactness = 0;
    let rows = 0;
    await this.forChunks(t, W - 1, prep.data.T - 2, (e0, B) => {
      const sums = this.chunk(t, prep, e0, B, (fw) => {
        const { target, mask } = StDda.nextSteps(prep, e0, B);
        const terms = lossTerms(params, t.arch, fw, target, mask, params.centre);
        return tf.stack([terms.squaredError, terms.observedCount, terms.compactness]);
      });
      const [se, count, comp] = sums.dataSync();
      sums.dispose();
      squaredError += se;
      observedCount += count;
      compactness += comp;
      rows += B * t.arch.entityCount;
    });
    return squaredError / Math.max(observedCount, 1) + (this.config.gamma * compactness) / rows;
  }

  /** c_i = mean of u_i(t) over the window ends W − 1 … T − 2 of the series, at the current weights. */
  private async meanEmbedding(t: Trained, prep: Prepared): Promise<Float32Array> {
    const { entityCount: N, embeddingDim: D, windowLength: W } = t.arch;
    const sum = new Float64Array(N * D);
    let count = 0;
    await this.forChunks(t, W - 1, prep.data.T - 2, (e0, B) => {
      const s = this.chunk(t, prep, e0, B, (fw) => fw.u.reshape([B, N, D]).sum(0));
      s.dataSync().forEach((v, k) => (sum[k] += v));
      s.dispose();
      count += B;
    });
    return Float32Array.from(sum, (v) => v / count);
  }

  /** v_{i,f} = mean over the training window ends of the observed squared one-step forecast errors (the forecast score's normaliser). */
  private async forecastErrorScale(t: Trained, prep: Prepared): Promise<Float32Array> {
    const { entityCount: N, featureCount: F, windowLength: W } = t.arch;
    const params = Object.fromEntries(t.variables) as NamedParams;
    const squared = new Float64Array(N * F);
    const count = new Float64Array(N * F);
    await this.forChunks(t, W - 1, prep.data.T - 2, (e0, B) => {
      const [se, m] = this.chunk(t, prep, e0, B, (fw) => {
        const { target, mask } = StDda.nextSteps(prep, e0, B);
        const error = forecastNext(params, fw.u).sub(target).square().mul(mask);
        return [error.reshape([B, N * F]).sum(0), mask.reshape([B, N * F]).sum(0)] as [tf.Tensor, tf.Tensor];
      });
      se.dataSync().forEach((v, k) => (squared[k] += v));
      m.dataSync().forEach((v, k) => (count[k] += v));
      se.dispose();
      m.dispose();
    });
    return Float32Array.from(squared, (s, k) => (count[k] > 0 ? Math.max(s / count[k], MIN_ERROR_SCALE) : 1));
  }

  async fit(train: NodeSeries, opts: NodeFitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const c = this.config;
    const W = c.windowLength;
    validateNodeSeries(train);
    const N = train.entities.length;
    const F = train.features.length;
    if (N < 2) throw new ParameterError(`${this.id}: ${train.id} has ${N} entity; the dependency softmax over j ≠ i needs at least 2`);
    const tooShort = (s: NodeSeries, what: string) => new ParameterError(`${this.id}: the ${what} series ${s.id} has ${s.length} steps; it needs at least W + 1 = ${W + 1} (a window and the step after it)`);
    if (train.length < W + 1) throw tooShort(train, 'training');
    const validation = opts.validation;
    if (validation) {
      validateNodeSeries(validation);
      assertSameFeatures(this.id, train.features, validation);
      this.assertSameEntities(train.entities, validation);
      if (validation.length < W + 1) throw tooShort(validation, 'validation');
    }
    const moments = entityFeatureMoments(train);
    const trainPrep = this.prepare(train, moments);
    const valPrep = validation ? this.prepare(validation, moments) : undefined;
    await ensureBackend();
    this.disposeTrained();

    const seed = opts.seed;
    const arch = this.architecture(N, F);
    const specs = stDdaParamSpecs(arch);
    const values = initialValues([...specs, ...stDdaStateSpecs(arch)], subSeed(seed, 1));
    values.set('standardisation/mean', moments.mean);
    values.set('standardisation/std', moments.std);
    const variables = createNamedVariables(specs, values, this.prefix, this.id);
    for (const [name, v] of createNamedVariables(stDdaStateSpecs(arch), values, this.prefix, this.id, false)) variables.set(name, v);
    const t: Trained = { arch, variables, entities: [...train.entities], features: [...train.features], moments, seed, metrics: {} };
    this.trained = t;
    const trainables = specs.map((s) => variables.get(s.name)!);
    const centre = variables.get('centre')!;
    const ends = Int32Array.from({ length: train.length - W }, (_, k) => W - 1 + k);
    const batch = Math.min(c.batchSize, ends.length);
    const xBuf = new Float32Array(W * batch * N * F);
    const yBuf = new Float32Array(batch * N * F);
    const mBuf = new Float32Array(batch * N * F);
    const obsBuf = trainPrep.observedAt ? new Float32Array(batch * N * N) : undefined;
    const batchEnds = new Int32Array(batch);
    const stepper = createStDdaStep(variables, arch, c);
    const data = trainPrep.data;
    const step = (indices: Int32Array): tf.Scalar => {
      const B = indices.length;
      for (let k = 0; k < B; k++) batchEnds[k] = ends[indices[k]];
      if (obsBuf) for (let b = 0; b < B; b++) obsBuf.set(trainPrep.observedAt!(batchEnds[b]), b * N * N);
      const e0 = batchEnds[0];
      if (batchEnds.subarray(0, B).every((e, k) => e === e0 + k)) {
        // consecutive window ends (batchOrder 'blocks'): their steps are one slice of the series
        const next = [(e0 + 1) * N * F, (e0 + B + 1) * N * F];
        return stepper.step({ layout: 'steps', B, x: data.values.subarray((e0 - W + 1) * N * F, (e0 + B) * N * F), target: data.values.subarray(next[0], next[1]), mask: data.observed.subarray(next[0], next[1]), observed: obsBuf });
      }
      gatherTrainingWindows(data, W, batchEnds.subarray(0, B), xBuf, yBuf, mBuf);
      return stepper.step({ layout: 'windows', B, x: xBuf, target: yBuf, mask: mBuf, observed: obsBuf });
    };

    try {
      const initial = await this.meanEmbedding(t, trainPrep);
      tf.tidy(() => centre.assign(tf.tensor2d(initial, [N, arch.embeddingDim])));
      const result = await trainLoop({
        trainCount: ends.length,
        batchSize: batch,
        epochs: opts.epochs ?? c.epochs,
        seed: subSeed(seed, 2),
        order: c.batchOrder,
        step,
        validate: valPrep ? () => this.seriesLoss(t, valPrep) : undefined,
        patience: valPrep ? c.patience : undefined,
        // the centres go back to the best epoch's values with the weights
        variables: [...trainables, centre],
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      opts.onProgress?.({ epoch: result.epochs, epochs: result.epochs, phase: 'forecast-scale' });
      const scale = await this.forecastErrorScale(t, trainPrep);
      tf.tidy(() => variables.get('forecast/error_scale')!.assign(tf.tensor2d(scale, [N, F])));
      t.metrics = { bestValLoss: result.bestValLoss, epochs: result.epochs };
      return fitReportOf(result, t0);
    } catch (e) {
      this.disposeTrained();
      throw e;
    } finally {
      stepper.dispose();
    }
  }

  private async checkedSeries(series: NodeSeries): Promise<{ t: Trained; prep: Prepared }> {
    const t = this.requireTrained();
    validateNodeSeries(series);
    assertSameFeatures(this.id, t.features, series);
    this.assertSameEntities(t.entities, series);
    const prep = this.prepare(series, t.moments);
    await ensureBackend();
    return { t, prep };
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
    if (variant.score !== 'latent' && variant.score !== 'forecast') throw new ParameterError(`${this.id}: unknown score '${String(variant.score)}'; known: latent, forecast`);
    const reference = variant.reference ?? this.config.reference;
    if (reference !== 'node' && reference !== 'system') throw new ParameterError(`${this.id}: unknown reference '${String(reference)}'; known: node, system`);
    const { t, prep } = await this.checkedSeries(series);
    const { entityCount: N, featureCount: F, embeddingDim: D, windowLength: W } = t.arch;
    const T = series.length;
    const out = new Float32Array(T * N).fill(NaN);
    const params = Object.fromEntries(t.variables) as NamedParams;
    if (variant.score === 'latent') {
      await this.forChunks(t, W - 1, T - 1, (e0, B) => {
        const s = this.chunk(t, prep, e0, B, (fw) => latentScores(fw.u.reshape([B, N, D]) as tf.Tensor3D, reference, params.centre));
        out.set(s.dataSync(), e0 * N);
        s.dispose();
      });
    } else {
      // the forecast made at window end e is scored at step e + 1
      await this.forChunks(t, W - 1, T - 2, (e0, B) => {
        const s = this.chunk(t, prep, e0, B, (fw) => {
          const { target, mask } = StDda.nextSteps(prep, e0, B);
          const shape: [number, number, number] = [B, N, F];
          return forecastScores(forecastNext(params, fw.u).reshape(shape), target.reshape(shape), mask.reshape(shape), params['forecast/error_scale']);
        });
        out.set(s.dataSync(), (e0 + 1) * N);
        s.dispose();
      });
    }
    return out;
  }

  /** Ã(t), norm(A_obs(t) + I), λ and A(t) of the window ending at step t (W − 1 ≤ t < T): which entities each one listens to. */
  async dependencies(series: NodeSeries, t: number): Promise<StDdaDependencies> {
    const { t: trained, prep } = await this.checkedSeries(series);
    const W = trained.arch.windowLength;
    if (!(Number.isInteger(t) && t >= W - 1 && t < series.length)) throw new ParameterError(`${this.id}: step ${t} has no full window in ${series.id}; use W − 1 = ${W - 1} … ${series.length - 1}`);
    const params = Object.fromEntries(trained.variables) as NamedParams;
    const [learned, combined, lambda] = this.chunk(trained, prep, t, 1, (fw, observed) => [
      fw.learned,
      combinedDependencies(params, fw.learned, observed),
      observed ? mixingWeight(params) : tf.zeros([1]),
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

  async save(dir: string, context: ManifestContext = {}): Promise<void> {
    const t = this.requireTrained();
    const backend = await ensureBackend();
    const { bin, index } = packWeights([...t.variables].map(([name, tensor]) => ({ name, tensor })));
    const manifest = modelManifest(
      {
        detector: this.id,
        config: { ...this.config } as unknown as Record<string, unknown>,
        featureCount: t.arch.featureCount,
        windowLength: this.windowLength,
        domains: [],
        backend: backend.name,
        versions: backend.versions,
        seed: t.seed,
        metrics: t.metrics,
      },
      context,
    );
    await writeModelDir(dir, manifest, {
      [WEIGHTS_BIN]: bin,
      [WEIGHTS_JSON]: JSON.stringify(index) + '\n',
      [SERIES_JSON]: JSON.stringify({ entities: t.entities, features: t.features }) + '\n',
    });
  }

  /** Loads a model directory written by `save`; every weight's shape is checked (InputError naming the file otherwise). */
  static async load(dir: string): Promise<StDda> {
    const manifest = await readManifest(dir, ST_DDA_ID);
    const file = (name: string) => join(dir, name);
    const parseJson = async <T>(name: string): Promise<T> => {
      try {
        return JSON.parse((await readModelFile(dir, name)).toString('utf8')) as T;
      } catch (e) {
        throw new InputError({ file: file(name) }, 'valid JSON', (e as Error).message);
      }
    };
    const det = new StDda(manifest.config as Partial<StDdaConfig>);
    const series = await parseJson<{ entities?: unknown; features?: unknown }>(SERIES_JSON);
    const names = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
    if (!names(series.entities) || !names(series.features)) throw new InputError({ file: file(SERIES_JSON) }, 'non-empty lists of entity and feature names');
    if (series.features.length !== manifest.featureCount) {
      throw new InputError({ file: file('manifest.json') }, `featureCount ${series.features.length} (the features of ${SERIES_JSON})`, String(manifest.featureCount));
    }
    const arch = det.architecture(series.entities.length, series.features.length);
    const specs = [...stDdaParamSpecs(arch), ...stDdaStateSpecs(arch)];
    const values = unpackWeights(await readModelFile(dir, WEIGHTS_BIN), await parseJson<WeightsIndex>(WEIGHTS_JSON), file(WEIGHTS_BIN));
    assertWeightShapes(specs, values, file(WEIGHTS_JSON));
    await ensureBackend();
    const variables = createNamedVariables(stDdaParamSpecs(arch), values, det.prefix, det.id);
    for (const [name, v] of createNamedVariables(stDdaStateSpecs(arch), values, det.prefix, det.id, false)) variables.set(name, v);
    det.trained = {
      arch,
      variables,
      entities: series.entities,
      features: series.features,
      moments: { mean: values.get('standardisation/mean')!.values, std: values.get('standardisation/std')!.values },
      seed: manifest.seed,
      metrics: manifest.metrics ?? {},
    };
    return det;
  }

  dispose(): void {
    this.disposeTrained();
  }
}
