/**
 * DIVAD-G / DIVAD-GM, Dense and Rec (Jacob & Diao, PVLDB 2025; divad.md §3): a domain-invariant VAE whose
 * zy encoder is the window scorer. Dense networks work on the flattened window; Rec ones are Conv1D → GRU
 * encoders and a GRU → Conv1DTranspose decoder (the paper's Figure 16). Training: AdamW, seeded batches, early stopping on validation loss; scoring: the posterior
 * mean of q(zy|x) under the prior (P) or under a density fitted to training posterior means (AP).
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
import { packWeights, unpackWeights, type WeightsIndex } from '../training';
import { assertWeightShapes, createNamedVariables, fitReportOf, runEpochs } from '../neural/fit-helpers';
import { fitGaussianMixture, gaussianMixtureScore, diagGaussianMixtureScorer, logSoftmax, scaleFromRaw, standardNormalNll, type GaussianMixture } from '../density';
import { fitOriginMahalanobis, originMahalanobisScore, type OriginMahalanobis } from '../linalg';
import { modelManifest, readManifest, readModelFile, writeModelDir } from '../model-dir';
import { hiddenLayers, recLayout, resolveDivadConfig, type DivadConfig, type DivadOptions, type DivadScoring } from './config';
import { divadLoss, divadParamSpecs, encode, initialValues, type DivadArchitecture, type DivadParams, type ParamSpec } from './network';
import { createDivadStep, divadNoise, domainOneHot } from './step';
import { subSeed } from '../neural/params';

export const DIVAD_IDS = ['dense-divad-g', 'dense-divad-gm', 'rec-divad-g', 'rec-divad-gm'] as const;
export type DivadId = (typeof DIVAD_IDS)[number];
const WEIGHTS_BIN = 'weights.bin';
const WEIGHTS_JSON = 'weights.json';
const DENSITIES_JSON = 'densities.json';
/** windows per forward pass when scoring or computing posterior means */
const SCORE_BATCH = 4096;
/** windows per forward pass of the validation loss */
const VALIDATION_BATCH = 1024;

/** The aggregated-posterior density (divad.md §3.5, AP), as written to densities.json. */
export type AggregatedPosterior =
  | { kind: 'origin-mahalanobis'; model: OriginMahalanobis }
  | { kind: 'gaussian-mixture'; model: GaussianMixture };

interface Trained {
  arch: DivadArchitecture;
  domains: string[];
  variables: Map<string, tf.Variable>;
  ap?: AggregatedPosterior;
  seed: number;
  metrics: { bestValLoss?: number; epochs?: number };
}

let instances = 0;

export class Divad implements Detector<DivadConfig> {
  readonly id: DivadId;
  readonly config: Readonly<DivadConfig>;
  private trained?: Trained;
  private readonly prefix = `divad-${++instances}`;

  constructor(params: DivadOptions) {
    this.config = Object.freeze(resolveDivadConfig(params));
    this.id = `${this.config.network}-divad-${this.config.variant === 'G' ? 'g' : 'gm'}`;
  }

  get windowLength(): number {
    return this.config.windowLength;
  }

  get featureCount(): number | undefined {
    return this.trained?.arch.featureCount;
  }

  /** training domains, in the order of the one-hot encoding */
  get domains(): string[] | undefined {
    return this.trained?.domains.slice();
  }

  /** the fitted aggregated-posterior density, once trained */
  get aggregatedPosterior(): AggregatedPosterior | undefined {
    return this.trained?.ap;
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

  /** Current parameter values by name (a copy), e.g. to check the model against a plain computation. */
  parameterValues(): Map<string, { shape: number[]; values: Float32Array }> {
    const t = this.requireTrained();
    const out = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const [name, v] of t.variables) out.set(name, { shape: [...v.shape], values: (v.dataSync() as Float32Array).slice() });
    return out;
  }

  private requireTrained(): Trained {
    if (!this.trained) throw new NotFittedError(this.id);
    return this.trained;
  }

  private createVariables(specs: readonly ParamSpec[], values: Map<string, Float32Array | { values: Float32Array }>): Map<string, tf.Variable> {
    return createNamedVariables(specs, values, this.prefix, this.id);
  }

  private params(vars: Map<string, tf.Variable>): DivadParams {
    return Object.fromEntries(vars) as DivadParams;
  }

  private disposeTrained(): void {
    if (!this.trained) return;
    for (const v of this.trained.variables.values()) v.dispose();
    this.trained = undefined;
  }

  async fit(train: WindowSet, opts: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const c = this.config;
    if (train.windowLength !== c.windowLength) throw new FeatureMismatchError(c.windowLength, train.windowLength, 'records per window');
    if (train.count < 1) throw new ParameterError(`${this.id}: no training windows`);
    const featureCount = train.featureCount;
    const domains = [...train.domains];
    const nd = domains.length;
    if (nd < 1) throw new ParameterError(`${this.id}: the training windows name no domain`);
    // an empty validation set cannot rank epochs: train as without one
    const validation = opts.validation && opts.validation.count > 0 ? opts.validation : undefined;
    let valDomain: Int32Array | undefined;
    if (validation) {
      assertWindowShape(validation, c.windowLength, featureCount);
      const map = validation.domains.map((d) => domains.indexOf(d));
      valDomain = new Int32Array(validation.count);
      for (let i = 0; i < validation.count; i++) {
        const k = map[validation.domainOf(i)];
        if (k === undefined || k < 0) {
          throw new ParameterError(`${this.id}: validation window ${i} is from domain '${validation.domains[validation.domainOf(i)]}', which has no training windows`);
        }
        valDomain[i] = k;
      }
    }
    const trainDomain = new Int32Array(train.count);
    for (let i = 0; i < train.count; i++) {
      const k = train.domainOf(i);
      if (!(Number.isInteger(k) && k >= 0 && k < nd)) throw new ParameterError(`${this.id}: training window ${i} has domain index ${k}, outside [0, ${nd})`);
      trainDomain[i] = k;
    }
    await ensureBackend();
    this.disposeTrained();

    const seed = opts.seed;
    const arch = this.architecture(featureCount, nd);
    const specs = divadParamSpecs(arch);
    const variables = this.createVariables(specs, initialValues(specs, subSeed(seed, 1)));
    this.trained = { arch, domains, variables, seed, metrics: {} };
    const params = this.params(variables);
    const varList = [...variables.values()];
    const size = c.windowLength * featureCount;
    const trainer = createDivadStep(variables, arch, {
      beta: c.beta,
      alpha: c.alpha,
      learningRate: c.learningRate,
      weightDecay: c.weightDecay,
      clipNorm: c.clipNorm,
      batchSize: c.batchSize,
      noiseSeed: subSeed(seed, 3),
    });
    const xBuf = new Float32Array(c.batchSize * size);
    const dIdx = new Int32Array(c.batchSize);
    const step = (indices: Int32Array): tf.Scalar => {
      gatherWindows(train, indices, xBuf);
      for (let i = 0; i < indices.length; i++) dIdx[i] = trainDomain[indices[i]];
      return trainer.step(xBuf, dIdx, indices.length);
    };

    let validate: ((epoch: number) => number) | undefined;
    if (validation && valDomain) {
      const vb = Math.min(VALIDATION_BATCH, validation.count);
      const vx = new Float32Array(vb * size);
      const idx = new Int32Array(vb);
      const vDom = valDomain;
      validate = () => {
        // the same noise every epoch, so that epochs are compared on equal terms
        const normal = normalSampler(mulberry32(subSeed(seed, 4)));
        let total = 0;
        for (let start = 0; start < validation.count; start += vb) {
          const count = Math.min(vb, validation.count - start);
          for (let i = 0; i < count; i++) idx[i] = start + i;
          gatherWindows(validation, idx.subarray(0, count), vx);
          const s = tf.tidy(() => {
            const x = tf.tensor2d(vx.subarray(0, count * size), [count, size]);
            const d = domainOneHot(vDom.subarray(start, start + count), count, nd);
            return divadLoss(params, arch, x, d, divadNoise(arch, count, normal), c.beta, c.alpha).mul(count);
          });
          total += s.dataSync()[0];
          s.dispose();
        }
        return total / validation.count;
      };
    }

    let result;
    try {
      result = await runEpochs(c, train.count, opts, { step, validate, variables: varList });
    } catch (e) {
      trainer.dispose();
      this.disposeTrained();
      throw e;
    }
    trainer.dispose();

    opts.onProgress?.({ epoch: result.epochs, epochs: result.epochs, phase: 'fit-density' });
    const L = c.latentDim;
    const mus = [await this.posteriorMeans(train)];
    if (validation) mus.push(await this.posteriorMeans(validation));
    const n = mus.reduce((s, m) => s + m.length / L, 0);
    const all = new Float32Array(n * L);
    let off = 0;
    for (const m of mus) {
      all.set(m, off);
      off += m.length;
    }
    try {
      this.trained.ap =
        c.variant === 'G'
          ? { kind: 'origin-mahalanobis', model: fitOriginMahalanobis(all, n, L) }
          : { kind: 'gaussian-mixture', model: fitGaussianMixture(all, n, L, { components: c.apComponents, seed: 0 }) };
    } catch (e) {
      // fit is all or nothing: a detector without its density would score only half the ways
      this.disposeTrained();
      throw e;
    }
    this.trained.metrics = { bestValLoss: result.bestValLoss, epochs: result.epochs };
    return fitReportOf(result, t0);
  }

  /** μ of q(zy|x) (or of q(zd|x) with which = 'd') for every window, row-major count × L (no sampling). */
  async posteriorMeans(windows: WindowSet, which: 'y' | 'd' = 'y'): Promise<Float32Array> {
    const t = this.requireTrained();
    assertWindowShape(windows, this.windowLength, t.arch.featureCount);
    await ensureBackend();
    const L = t.arch.latentDim;
    const size = t.arch.windowLength * t.arch.featureCount;
    const out = new Float32Array(windows.count * L);
    const params = this.params(t.variables);
    const batch = Math.min(SCORE_BATCH, Math.max(1, windows.count));
    const buf = new Float32Array(batch * size);
    const idx = new Int32Array(batch);
    for (let start = 0; start < windows.count; start += batch) {
      const count = Math.min(batch, windows.count - start);
      for (let i = 0; i < count; i++) idx[i] = start + i;
      gatherWindows(windows, idx.subarray(0, count), buf);
      const mu = tf.tidy(() => encode(params, t.arch, which, tf.tensor2d(buf.subarray(0, count * size), [count, size])).mu);
      out.set(mu.dataSync(), start * L);
      mu.dispose();
      if (start + batch < windows.count) await new Promise<void>((r) => setImmediate(r));
    }
    return out;
  }

  async scoreWindows(windows: WindowSet): Promise<Float32Array> {
    return this.scoreWindowsWith(windows, this.config.scoring);
  }

  /**
   * Window scores under either strategy (divad.md §3.5): 'prior' = −ln p(μ) under the zy prior;
   * 'aggregated-posterior' = the AP density's score of μ (G: squared Mahalanobis distance to the origin,
   * GM: −ln of the fitted mixture's density).
   */
  async scoreWindowsWith(windows: WindowSet, strategy: DivadScoring): Promise<Float32Array> {
    if (strategy !== 'prior' && strategy !== 'aggregated-posterior') throw new ParameterError(`${this.id}: unknown scoring '${String(strategy)}'`);
    const t = this.requireTrained();
    const mu = await this.posteriorMeans(windows);
    const L = t.arch.latentDim;
    const n = windows.count;
    const out = new Float32Array(n);
    if (strategy === 'prior') {
      const score = this.priorScorer();
      for (let i = 0; i < n; i++) out[i] = score(mu, i * L);
    } else {
      const ap = t.ap;
      if (!ap) throw new DriftwatchError(`${this.id}: no aggregated-posterior density was fitted`);
      if (ap.kind === 'origin-mahalanobis') for (let i = 0; i < n; i++) out[i] = originMahalanobisScore(ap.model, mu, i * L);
      else for (let i = 0; i < n; i++) out[i] = -gaussianMixtureScore(ap.model, mu, i * L);
    }
    return out;
  }

  /** −ln p(zy = μ): G ½‖μ‖² + (L/2) ln 2π; GM −logsumexp_k[ln softmax(π)_k + ln N(μ; m_k, s_k²)] */
  private priorScorer(): (mu: Float32Array, offset: number) => number {
    const t = this.requireTrained();
    const L = t.arch.latentDim;
    if (t.arch.variant === 'G') return (mu, offset) => standardNormalNll(mu, L, offset);
    const read = (name: string) => t.variables.get(name)!.dataSync();
    const mix = {
      components: t.arch.components,
      dimension: L,
      logWeights: logSoftmax(read('prior_y/logits')),
      means: Float64Array.from(read('prior_y/means')),
      stds: Float64Array.from(read('prior_y/raw_scales'), scaleFromRaw),
    };
    const logPdf = diagGaussianMixtureScorer(mix);
    return (mu, offset) => -logPdf(mu, offset);
  }

  async save(dir: string, context: ManifestContext = {}): Promise<void> {
    const t = this.requireTrained();
    const backend = await ensureBackend();
    const { bin, index } = packWeights([...t.variables].map(([name, tensor]) => ({ name, tensor })));
    const manifest = modelManifest(
      {
        detector: this.id,
        config: { ...this.config },
        featureCount: t.arch.featureCount,
        windowLength: t.arch.windowLength,
        domains: t.domains,
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
      [DENSITIES_JSON]: JSON.stringify({ aggregatedPosterior: t.ap ?? null }) + '\n',
    });
  }

  static async load(dir: string): Promise<Divad> {
    const manifest = await readManifest(dir, [...DIVAD_IDS]);
    const file = (name: string) => join(dir, name);
    const parseJson = async <T>(name: string): Promise<T> => {
      const text = (await readModelFile(dir, name)).toString('utf8');
      try {
        return JSON.parse(text) as T;
      } catch (e) {
        throw new InputError({ file: file(name) }, 'valid JSON', (e as Error).message);
      }
    };
    const config = manifest.config as unknown as DivadOptions;
    const det = new Divad(config);
    if (det.id !== manifest.detector) throw new InputError({ file: file('manifest.json') }, `a config of ${manifest.detector}`, `one of ${det.id}`);
    if (!Array.isArray(manifest.domains) || manifest.domains.length < 1) throw new InputError({ file: file('manifest.json') }, 'a non-empty domains list');
    if (!(Number.isInteger(manifest.featureCount) && manifest.featureCount >= 1)) throw new InputError({ file: file('manifest.json') }, 'a positive featureCount');
    const arch = det.architecture(manifest.featureCount, manifest.domains.length);
    const specs = divadParamSpecs(arch);
    const index = await parseJson<WeightsIndex>(WEIGHTS_JSON);
    const values = unpackWeights(await readModelFile(dir, WEIGHTS_BIN), index, file(WEIGHTS_BIN));
    assertWeightShapes(specs, values, file(WEIGHTS_JSON));
    const densities = await parseJson<{ aggregatedPosterior: AggregatedPosterior | null }>(DENSITIES_JSON);
    await ensureBackend();
    const variables = det.createVariables(specs, values);
    det.trained = {
      arch,
      domains: [...manifest.domains],
      variables,
      ap: densities.aggregatedPosterior ?? undefined,
      seed: manifest.seed,
      metrics: manifest.metrics ?? {},
    };
    return det;
  }

  dispose(): void {
    this.disposeTrained();
  }
}
