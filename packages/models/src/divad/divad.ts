/**
 * DIVAD-G / DIVAD-GM, Dense and Rec (Jacob & Diao, PVLDB 2025; docs/divad.md §3): a domain-invariant VAE whose
 * zy encoder is the window scorer. Dense networks work on the flattened window; Rec ones are Conv1D → GRU
 * encoders and a GRU → Conv1DTranspose decoder (the paper's Figure 16). Training: AdamW, seeded batches, early stopping
 * on validation loss; scoring: the posterior mean of q(zy|x) under the prior (P) or under a density fitted to training
 * posterior means (AP).
 */
import {
  DriftwatchError,
  InputError,
  ParameterError,
  packedWindowSet,
  subsetWindowSet,
  type FeatureAttributing,
  type ModelManifest,
  type WindowSet,
} from '@driftwatch/contracts';
import { tf } from '../backend';
import {
  fitGaussianMixture,
  gaussianMixtureScore,
  diagGaussianMixtureScorer,
  logSoftmax,
  scaleFromRaw,
  standardNormalNll,
  type GaussianMixture,
} from '../density';
import { fitOriginMahalanobis, originMahalanobisScore, type OriginMahalanobis } from '../linalg';
import { MANIFEST_FILE, type ModelFiles } from '../model-dir';
import type { NamedParams } from '../neural/params';
import { forEachBatch, type FitEnd, type LossContext, type NoiseSource } from '../neural/tfjs-detector';
import {
  VALIDATION_BATCH,
  WindowTfjsDetector,
  windowRows,
  type PhaseRun,
  type WindowFacts,
  type WindowLossContext,
} from '../neural/window-detector';
import {
  hiddenLayers,
  recLayout,
  resolveDivadConfig,
  type DivadConfig,
  type DivadOptions,
  type DivadScoring,
} from './config';
import {
  divadLoss,
  divadNoise,
  decode,
  divadParamSpecs,
  domainOneHot,
  encode,
  type DivadArchitecture,
  type ParamSpec,
} from './network';

export const DIVAD_IDS = ['dense-divad-g', 'dense-divad-gm', 'rec-divad-g', 'rec-divad-gm'] as const;
export type DivadId = (typeof DIVAD_IDS)[number];
const DENSITIES_JSON = 'densities.json';
/** windows per forward pass when scoring or computing posterior means */
const SCORE_BATCH = 4096;
/**
 * Encoder–decoder passes of the imputation behind an explanation (`featureAttributions`). On the example metrics
 * (seeds 1–4, 60 injected episodes) 10, 20 and 40 passes put the same metric first at every alarm peak; 5 passes
 * changed one.
 */
export const IMPUTATION_STEPS = 20;

/** The aggregated-posterior density (docs/divad.md §3.5, AP), as written to densities.json. */
export type AggregatedPosterior =
  { kind: 'origin-mahalanobis'; model: OriginMahalanobis } | { kind: 'gaussian-mixture'; model: GaussianMixture };

export class Divad extends WindowTfjsDetector<DivadConfig> implements FeatureAttributing {
  readonly id: DivadId;
  /** the aggregated-posterior density, fitted after training or loaded with the model */
  private ap?: AggregatedPosterior;

  constructor(params: DivadOptions) {
    super(resolveDivadConfig(params));
    this.id = `${this.config.network}-divad-${this.config.variant === 'G' ? 'g' : 'gm'}`;
  }

  /** training domains, in the order of the one-hot encoding */
  get domains(): string[] | undefined {
    return this.fittedFacts?.domains.slice();
  }

  /** the fitted aggregated-posterior density, once trained */
  get aggregatedPosterior(): AggregatedPosterior | undefined {
    return this.fittedFacts ? this.ap : undefined;
  }

  /** The architecture this config gives for `featureCount` features and `domains` training domains. */
  architecture(featureCount: number, domains: number): DivadArchitecture {
    const c = this.config;
    return {
      variant: c.variant,
      windowLength: c.windowLength,
      featureCount,
      hidden: hiddenLayers(c),
      rec: c.network === 'rec' ? recLayout(c) : undefined,
      latentDim: c.latentDim,
      priorHidden: c.priorHidden,
      domains,
      components: c.components,
    };
  }

  private fittedArchitecture(): DivadArchitecture {
    const { facts } = this.requireFitted();
    return this.architecture(facts.featureCount, facts.domains.length);
  }

  protected paramSpecs(featureCount: number, domainCount: number): ParamSpec[] {
    return divadParamSpecs(this.architecture(featureCount, domainCount));
  }

  /** the batch mean of the DIVAD loss (docs/divad.md §3.2), each window's domain from the context */
  protected loss(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource, ctx: WindowLossContext): tf.Scalar {
    const a = this.fittedArchitecture();
    const count = x.shape[0];
    const c = this.config;
    return divadLoss(
      p,
      a,
      x,
      domainOneHot(ctx.domains, count, a.domains),
      divadNoise(a, count, noise),
      c.beta,
      c.alpha,
    );
  }

  protected override checkWindows(
    train: WindowSet,
    validation: WindowSet | undefined,
    validationDomains: Int32Array | undefined,
  ): void {
    const nd = train.domains.length;
    if (nd < 1) throw new ParameterError(`${this.id}: the training windows name no domain`);
    const unknown = validationDomains?.indexOf(-1) ?? -1;
    if (validation && unknown >= 0) {
      throw new ParameterError(
        `${this.id}: validation window ${unknown} is from domain ` +
          `'${validation.domains[validation.domainOf(unknown)]}', which has no training windows`,
      );
    }
    for (let i = 0; i < train.count; i++) {
      const k = train.domainOf(i);
      if (!(Number.isInteger(k) && k >= 0 && k < nd))
        throw new ParameterError(`${this.id}: training window ${i} has domain index ${k}, outside [0, ${nd})`);
    }
  }

  /**
   * The mean validation loss, its batch sums added in float64 (the window baselines add them as a float32
   * tensor): DIVAD's validation losses and the epochs early stopping picks from them stay what they were.
   */
  protected override validationLoss(validation: WindowSet, domains: Int32Array, ctx: LossContext): number {
    const params = this.params();
    let total = 0;
    forEachBatch(windowRows(validation), VALIDATION_BATCH, (x, start, count) => {
      const s = tf.tidy(() =>
        this.loss(params, x, ctx.noise, { ...ctx, domains: domains.subarray(start, start + count) }).mul(count),
      );
      total += s.dataSync()[0];
      s.dispose();
    });
    return total / validation.count;
  }

  /**
   * Fits the aggregated-posterior density (docs/divad.md §3.5) to the posterior means of the training windows, and of
   * the validation windows unless `apFit` is 'train'.
   */
  protected override async afterFit(run: PhaseRun, end: FitEnd): Promise<void> {
    end.progress('fit-density');
    const c = this.config;
    const L = c.latentDim;
    const mus = [await this.posteriorMeans(run.train)];
    if (run.validation && c.apFit === 'train+validation') mus.push(await this.posteriorMeans(run.validation));
    const n = mus.reduce((s, m) => s + m.length / L, 0);
    const all = new Float32Array(n * L);
    let off = 0;
    for (const m of mus) {
      all.set(m, off);
      off += m.length;
    }
    // a failure here fails the fit: a detector without its density would score only half the ways
    // GM on a seeded subsample of apFitPoints means: a full fit was a third or more of a fold (AP_FIT_POINTS says why)
    this.ap =
      c.variant === 'G'
        ? { kind: 'origin-mahalanobis', model: fitOriginMahalanobis(all, n, L) }
        : {
            kind: 'gaussian-mixture',
            model: fitGaussianMixture(all, n, L, { components: c.apComponents, seed: 0, maxPoints: c.apFitPoints }),
          };
  }

  /** μ of q(zy|x) (or of q(zd|x) with which = 'd') for every window, row-major count × L (no sampling). */
  async posteriorMeans(windows: WindowSet, which: 'y' | 'd' = 'y'): Promise<Float32Array> {
    const a = this.fittedArchitecture();
    return this.mapWindows(windows, SCORE_BATCH, a.latentDim, (p, x) => encode(p, a, which, x).mu);
  }

  /**
   * a_f = max(0, s(x) − s(x with feature f imputed)), s the configured score: how far the score falls once feature f
   * (every record of it) is replaced by what the model expects from the other features. The imputation is iterative
   * (Rezende et al. 2014): f ← the decoder mean at (μy, μd) of the window as imputed so far, IMPUTATION_STEPS times,
   * the other features kept. The score is a density of μy alone and does not split over features, and a
   * reconstruction error split over features misplaces a departure of one metric among metrics that move with it:
   * μy follows the departure part of the way, so the decoder errs on the metric and its partners alike
   * (docs/explanations.md). Only the departing metric, imputed, makes the window normal again. F windows per
   * window, each pass batched over all of them.
   */
  async featureAttributions(windows: WindowSet): Promise<Float32Array> {
    const a = this.fittedArchitecture();
    const F = a.featureCount;
    const size = a.windowLength * F;
    const base = await this.scoreWindows(windows);
    const copies = subsetWindowSet(
      windows,
      Int32Array.from({ length: windows.count * F }, (_, r) => Math.floor(r / F)),
    );
    // batches of whole windows' F copies, so that row r of a batch imputes feature r mod F
    const batch = F * Math.max(1, Math.floor(SCORE_BATCH / F));
    const imputed = await this.mapWindows(copies, batch, size, (p, x) => {
      const rowFeature = tf.range(0, x.shape[0], 1, 'int32').mod(F).expandDims(1);
      const columnFeature = tf.range(0, size, 1, 'int32').mod(F).expandDims(0);
      const mask = tf.equal(rowFeature, columnFeature).cast('float32');
      let current = x;
      for (let step = 0; step < IMPUTATION_STEPS; step++) {
        const mean = decode(p, a, encode(p, a, 'y', current).mu, encode(p, a, 'd', current).mu).mu;
        current = tf.add(current, tf.mul(mask, tf.sub(mean, current))) as tf.Tensor2D;
      }
      return current;
    });
    const domains = Int32Array.from({ length: copies.count }, (_, r) => copies.domainOf(r));
    const without = await this.scoreWindows(packedWindowSet(imputed, a.windowLength, F, domains, windows.domains));
    const out = new Float32Array(windows.count * F);
    for (let i = 0; i < out.length; i++) out[i] = Math.max(0, base[Math.floor(i / F)] - without[i]);
    return out;
  }

  async scoreWindows(windows: WindowSet): Promise<Float32Array> {
    return this.scoreWindowsWith(windows, this.config.scoring);
  }

  /**
   * Window scores under either strategy (docs/divad.md §3.5): 'prior' = −ln p(μ) under the zy prior;
   * 'aggregated-posterior' = the AP density's score of μ (G: squared Mahalanobis distance to the origin,
   * GM: −ln of the fitted mixture's density).
   */
  async scoreWindowsWith(windows: WindowSet, strategy: DivadScoring): Promise<Float32Array> {
    if (strategy !== 'prior' && strategy !== 'aggregated-posterior')
      throw new ParameterError(`${this.id}: unknown scoring '${String(strategy)}'`);
    const a = this.fittedArchitecture();
    const mu = await this.posteriorMeans(windows);
    const L = a.latentDim;
    const n = windows.count;
    const out = new Float32Array(n);
    if (strategy === 'prior') {
      const score = this.priorScorer(a);
      for (let i = 0; i < n; i++) out[i] = score(mu, i * L);
    } else {
      const ap = this.ap;
      if (!ap) throw new DriftwatchError(`${this.id}: no aggregated-posterior density was fitted`);
      if (ap.kind === 'origin-mahalanobis')
        for (let i = 0; i < n; i++) out[i] = originMahalanobisScore(ap.model, mu, i * L);
      else for (let i = 0; i < n; i++) out[i] = -gaussianMixtureScore(ap.model, mu, i * L);
    }
    return out;
  }

  /** −ln p(zy = μ): G ½‖μ‖² + (L/2) ln 2π; GM −logsumexp_k[ln softmax(π)_k + ln N(μ; m_k, s_k²)] */
  private priorScorer(a: DivadArchitecture): (mu: Float32Array, offset: number) => number {
    const L = a.latentDim;
    if (a.variant === 'G') return (mu, offset) => standardNormalNll(mu, L, offset);
    const params = this.params();
    const read = (name: string) => params[name].dataSync();
    const mix = {
      components: a.components,
      dimension: L,
      logWeights: logSoftmax(read('prior_y/logits')),
      means: Float64Array.from(read('prior_y/means')),
      stds: Float64Array.from(read('prior_y/raw_scales'), scaleFromRaw),
    };
    const logPdf = diagGaussianMixtureScorer(mix);
    return (mu, offset) => -logPdf(mu, offset);
  }

  protected override extraFiles(): Record<string, string> {
    return { [DENSITIES_JSON]: JSON.stringify({ aggregatedPosterior: this.ap ?? null }) + '\n' };
  }

  protected override factsFromManifest(manifest: ModelManifest, files: ModelFiles): WindowFacts {
    if (!Array.isArray(manifest.domains) || manifest.domains.length < 1)
      throw new InputError({ file: files.path(MANIFEST_FILE) }, 'a non-empty domains list');
    return super.factsFromManifest(manifest, files);
  }

  protected override async restoreExtraFiles(files: ModelFiles): Promise<void> {
    const densities = await files.json<{ aggregatedPosterior: AggregatedPosterior | null }>(DENSITIES_JSON);
    this.ap = densities.aggregatedPosterior ?? undefined;
  }

  static load(dir: string): Promise<Divad> {
    return WindowTfjsDetector.restore(dir, DIVAD_IDS, (config) => new Divad(config as unknown as DivadOptions));
  }
}
