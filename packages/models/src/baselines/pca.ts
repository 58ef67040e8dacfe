import { InputError, ParameterError, type WindowSet } from '@driftwatch/contracts';
import { fitOriginMahalanobisRows } from '../linalg';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import { POSITIVE_INTEGER, resolveParameters, type ParameterSchema } from '../parameters/schema';
import { decodeFloat64, encodeFloat64 } from './common';
import { ShallowDetector } from './shallow-detector';

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

/** Reconstruction error without centring (docs/divad.md §4): ‖x − x·V_k V_kᵀ‖², the residual formed explicitly. */
export function pcaReconstructionError(
  model: PcaModel,
  x: ArrayLike<number>,
  residual = new Float64Array(model.dimension),
): number {
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

export const PCA_PARAMETERS: ParameterSchema<PcaConfig> = {
  parameters: {
    windowLength: {
      description: 'W: records per window; a window is flattened to W·D features',
      accepts: [POSITIVE_INTEGER],
      default: 1,
    },
    components: {
      description:
        'kept principal axes: a count k, or a variance fraction p (the fewest axes explaining more than p, as ' +
        'sklearn n_components)',
      accepts: [POSITIVE_INTEGER, { type: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }],
      default: 0.95,
    },
  },
};

/**
 * PCA reconstruction baseline (Shyu et al. 2003; Aggarwal 2017; docs/divad.md §4): principal axes of the flattened
 * normal windows, window score = squared error of the reconstruction from the top-k axes, without centring
 * (as the reference code; the paper's mean squared error ranks windows the same way).
 */
export class Pca extends ShallowDetector<PcaConfig, PcaModel> {
  readonly id = ID;
  protected readonly fitPhase = 'fit-axes';
  protected readonly modelFile = MODEL_FILE;

  constructor(params: Partial<PcaConfig> | Record<string, unknown> = {}) {
    super(resolveParameters(ID, PCA_PARAMETERS, params));
  }

  /** The fitted subspace (read-only use). */
  get model(): PcaModel | undefined {
    return this.fitted?.model;
  }

  protected fitModel(train: WindowSet): PcaModel {
    if (train.count < 2)
      throw new ParameterError(`${ID}: needs at least 2 training windows for a covariance, got ${train.count}`);
    const d = train.windowLength * train.featureCount;
    const c = this.config.components;
    if (c >= 1 && c > d)
      throw new ParameterError(`${ID}: components ${c} exceeds the ${d} features of a flattened window`);
    const eig = fitOriginMahalanobisRows((i) => train.window(i), train.count, d);
    const variances = Float64Array.from(eig.variances);
    const k = c >= 1 ? c : componentsForVariance(variances, c);
    return { dimension: d, components: k, axes: Float64Array.from(eig.axes.slice(0, k * d)), variances };
  }

  protected scoreModel(model: PcaModel, windows: WindowSet): Float32Array {
    const residual = new Float64Array(model.dimension);
    const out = new Float32Array(windows.count);
    for (let i = 0; i < windows.count; i++) out[i] = pcaReconstructionError(model, windows.window(i), residual);
    return out;
  }

  /** r_i² of the residual r = x − x·V_k V_kᵀ, whose sum is the score */
  protected valueTerms(model: PcaModel): (window: Float32Array) => Float64Array {
    const residual = new Float64Array(model.dimension);
    return (window) => {
      pcaReconstructionError(model, window, residual);
      return residual.map((r) => r * r);
    };
  }

  protected modelToJson(m: PcaModel): Record<string, unknown> {
    return {
      format: 1,
      dimension: m.dimension,
      components: m.components,
      axes: encodeFloat64(m.axes),
      variances: encodeFloat64(m.variances),
    };
  }

  static load(dir: string): Promise<Pca> {
    return ShallowDetector.loadShallow(
      dir,
      ID,
      MODEL_FILE,
      (config) => new Pca(config),
      (json, file, d) => {
        const k = json.components;
        if (json.format !== 1 || json.dimension !== d)
          throw new InputError({ file }, `a PCA model of format 1 with dimension ${d}`, String(json.dimension));
        if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > d)
          throw new InputError({ file }, `a component count in 1..${d}`, String(k));
        return {
          dimension: d,
          components: k,
          axes: decodeFloat64(json.axes, 'axes', file, k * d),
          variances: decodeFloat64(json.variances, 'variances', file, d),
        };
      },
    );
  }
}

export const PCA_DESCRIPTOR: WindowDetectorDescriptor = {
  id: ID,
  kind: 'window',
  summary: 'squared error of reconstructing the flattened window from the top principal axes of the normal windows',
  citation:
    'Shyu et al., ICDM 2003; Aggarwal, "Outlier Analysis", 2017 (sklearn PCA, no centring as in the DIVAD code)',
  capabilities: { tfjs: false, supervised: false, epochs: false },
  schema: PCA_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { components: 2, windowLength: 3 },
  create: (params) => new Pca(params),
  load: (dir) => Pca.load(dir),
};
