import {
  assertWindowShape,
  InputError,
  ParameterError,
  type Detector,
  type FitOptions,
  type FitReport,
  type ManifestContext,
  type WindowSet,
} from '@driftwatch/contracts';
import { join } from 'node:path';
import { fitOriginMahalanobisRows } from '../linalg';
import { readManifest, readModelFile, writeModelDir } from '../model-dir';
import { decodeFloat64, encodeFloat64, notFitted, parseJsonFile, positiveInteger, rejectUnknownKeys, shallowManifest } from './common';
import { assertFiniteWindows } from './windows';

export interface PcaConfig {
  /** records per window; a window is flattened to W·D features */
  windowLength: number;
  /**
   * kept principal axes: an integer k ≥ 1, or a fraction p in (0, 1) meaning the fewest axes whose explained
   * variance ratio sums to more than p (sklearn's `n_components` float)
   */
  components: number;
}

const ID = 'pca';
const MODEL_FILE = 'pca.json';

/** A fitted reconstruction subspace: `axes` holds k orthonormal rows of length `dimension`. */
export interface PcaModel {
  dimension: number;
  components: number;
  axes: Float64Array;
  /** explained variance of every axis, descending (all d, for the record) */
  variances: Float64Array;
}

/** sklearn's rule for a fractional n_components: k = #{j : Σ_{i≤j} ratio_i ≤ p} + 1, at most d. */
export function componentsForVariance(variances: ArrayLike<number>, p: number): number {
  let total = 0;
  for (let j = 0; j < variances.length; j++) total += Math.max(variances[j], 0);
  if (!(total > 0)) return 1;
  let cumulative = 0;
  let atOrBelow = 0;
  for (let j = 0; j < variances.length; j++) {
    cumulative += Math.max(variances[j], 0) / total;
    if (cumulative <= p) atOrBelow++;
  }
  return Math.min(atOrBelow + 1, variances.length);
}

/** Reconstruction error without centring (divad.md §4): ‖x − x·V_k V_kᵀ‖², the residual formed explicitly. */
export function pcaReconstructionError(model: PcaModel, x: ArrayLike<number>, residual = new Float64Array(model.dimension)): number {
  const d = model.dimension;
  for (let i = 0; i < d; i++) residual[i] = x[i];
  for (let j = 0; j < model.components; j++) {
    const o = j * d;
    let proj = 0;
    for (let i = 0; i < d; i++) proj += x[i] * model.axes[o + i];
    for (let i = 0; i < d; i++) residual[i] -= proj * model.axes[o + i];
  }
  let s = 0;
  for (let i = 0; i < d; i++) s += residual[i] * residual[i];
  return s;
}

function pcaConfig(params: Record<string, unknown>): PcaConfig {
  rejectUnknownKeys(params, ['windowLength', 'components'], ID);
  const components = params.components ?? 0.95;
  const ok = typeof components === 'number' && ((Number.isInteger(components) && components >= 1) || (components > 0 && components < 1));
  if (!ok) throw new ParameterError(`${ID}: components must be an integer ≥ 1 or a variance fraction in (0, 1), got ${String(components)}`);
  return { windowLength: positiveInteger(params, 'windowLength', 1, ID), components: components as number };
}

/**
 * PCA reconstruction baseline (Shyu et al. 2003; Aggarwal 2017; divad.md §4): principal axes of the flattened
 * normal windows, window score = squared error of the reconstruction from the top-k axes, without centring
 * (as the reference code; the paper's mean squared error ranks windows the same way).
 */
export class Pca implements Detector<PcaConfig> {
  readonly id = ID;
  readonly config: Readonly<PcaConfig>;
  private fitted: { model: PcaModel; featureCount: number; domains: string[]; seed: number } | undefined;

  constructor(params: Partial<PcaConfig> | Record<string, unknown> = {}) {
    this.config = Object.freeze(pcaConfig(params as Record<string, unknown>));
  }

  get windowLength(): number {
    return this.config.windowLength;
  }

  get featureCount(): number | undefined {
    return this.fitted?.featureCount;
  }

  /** The fitted subspace (read-only use). */
  get model(): PcaModel | undefined {
    return this.fitted?.model;
  }

  async fit(train: WindowSet, opts: FitOptions): Promise<FitReport> {
    const start = performance.now();
    assertWindowShape(train, this.windowLength, undefined);
    if (train.count < 2) throw new ParameterError(`${ID}: needs at least 2 training windows for a covariance, got ${train.count}`);
    assertFiniteWindows(train, ID);
    const d = train.windowLength * train.featureCount;
    const c = this.config.components;
    if (c >= 1 && c > d) throw new ParameterError(`${ID}: components ${c} exceeds the ${d} features of a flattened window`);
    opts.signal?.throwIfAborted();
    const eig = fitOriginMahalanobisRows((i) => train.window(i), train.count, d);
    const variances = Float64Array.from(eig.variances);
    const k = c >= 1 ? c : componentsForVariance(variances, c);
    const model: PcaModel = { dimension: d, components: k, axes: Float64Array.from(eig.axes.slice(0, k * d)), variances };
    this.fitted = { model, featureCount: train.featureCount, domains: [...train.domains], seed: opts.seed };
    opts.onProgress?.({ epoch: 1, epochs: 1, phase: 'fit-axes' });
    return { epochs: 1, seconds: (performance.now() - start) / 1000 };
  }

  async scoreWindows(windows: WindowSet): Promise<Float32Array> {
    const fitted = this.fitted;
    if (!fitted) throw notFitted(ID);
    assertWindowShape(windows, this.windowLength, fitted.featureCount);
    assertFiniteWindows(windows, ID);
    const residual = new Float64Array(fitted.model.dimension);
    const out = new Float32Array(windows.count);
    for (let i = 0; i < windows.count; i++) out[i] = pcaReconstructionError(fitted.model, windows.window(i), residual);
    return out;
  }

  async save(dir: string, context?: ManifestContext): Promise<void> {
    const fitted = this.fitted;
    if (!fitted) throw notFitted(ID);
    const m = fitted.model;
    const weights = { format: 1, dimension: m.dimension, components: m.components, axes: encodeFloat64(m.axes), variances: encodeFloat64(m.variances) };
    const manifest = shallowManifest(
      { detector: ID, config: { ...this.config }, featureCount: fitted.featureCount, windowLength: this.windowLength, domains: fitted.domains, seed: fitted.seed },
      context,
    );
    await writeModelDir(dir, manifest, { [MODEL_FILE]: JSON.stringify(weights) + '\n' });
  }

  static async load(dir: string): Promise<Pca> {
    const manifest = await readManifest(dir, ID);
    const det = new Pca(manifest.config);
    const file = join(dir, MODEL_FILE);
    const json = parseJsonFile((await readModelFile(dir, MODEL_FILE)).toString('utf8'), file);
    const d = manifest.featureCount * manifest.windowLength;
    const k = json.components;
    if (json.format !== 1 || json.dimension !== d) throw new InputError({ file }, `a PCA model of format 1 with dimension ${d}`, String(json.dimension));
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > d) throw new InputError({ file }, `a component count in 1..${d}`, String(k));
    const model: PcaModel = { dimension: d, components: k, axes: decodeFloat64(json.axes, 'axes', file, k * d), variances: decodeFloat64(json.variances, 'variances', file, d) };
    det.fitted = { model, featureCount: manifest.featureCount, domains: manifest.domains, seed: manifest.seed };
    return det;
  }

  dispose(): void {
    // plain arrays: nothing native to release
  }
}
