import { InputError, ParameterError, type WindowSet } from '@driftwatch/contracts';
import { fitOriginMahalanobisRows, originMahalanobisScoresOfRows, type OriginMahalanobis } from '../linalg';
import { decodeFloat64, encodeFloat64, positiveInteger, rejectUnknownKeys } from './common';
import { ShallowDetector } from './shallow-detector';

export interface MahalanobisConfig {
  /** records per window; a window is flattened to W·D features */
  windowLength: number;
}

const ID = 'mahalanobis';
const MODEL_FILE = 'mahalanobis.json';

/**
 * Mahalanobis baseline (Shyu et al. 2003; divad.md §4): PCA with all components of the flattened
 * normal windows, score Σ_j (x·v_j)²/λ_j without centring (see `eigenvalueFloor` for λ_j ≈ 0).
 */
export class Mahalanobis extends ShallowDetector<MahalanobisConfig, OriginMahalanobis> {
  readonly id = ID;
  protected readonly fitPhase = 'fit-density';
  protected readonly modelFile = MODEL_FILE;

  constructor(params: Partial<MahalanobisConfig> | Record<string, unknown> = {}) {
    const p = params as Record<string, unknown>;
    rejectUnknownKeys(p, ['windowLength'], ID);
    super({ windowLength: positiveInteger(p, 'windowLength', 1, ID) });
  }

  /** The fitted Gaussian (read-only use). */
  get model(): OriginMahalanobis | undefined {
    return this.fitted?.model;
  }

  protected fitModel(train: WindowSet): OriginMahalanobis {
    if (train.count < 2) throw new ParameterError(`${ID}: needs at least 2 training windows for a covariance, got ${train.count}`);
    return fitOriginMahalanobisRows((i) => train.window(i), train.count, train.windowLength * train.featureCount);
  }

  protected scoreModel(model: OriginMahalanobis, windows: WindowSet): Float32Array {
    return Float32Array.from(originMahalanobisScoresOfRows(model, (i) => windows.window(i), windows.count));
  }

  protected modelToJson(m: OriginMahalanobis): Record<string, unknown> {
    return {
      format: 1,
      dimension: m.dimension,
      axes: encodeFloat64(Float64Array.from(m.axes)),
      variances: encodeFloat64(Float64Array.from(m.variances)),
      floor: m.floor,
      mean: encodeFloat64(Float64Array.from(m.mean)),
    };
  }

  static load(dir: string): Promise<Mahalanobis> {
    return ShallowDetector.loadShallow(dir, ID, MODEL_FILE, (config) => new Mahalanobis(config), (json, file, d) => {
      if (json.format !== 1 || json.dimension !== d) throw new InputError({ file }, `a Mahalanobis model of format 1 with dimension ${d}`, String(json.dimension));
      if (typeof json.floor !== 'number' || !(json.floor > 0)) throw new InputError({ file }, 'a positive eigenvalue floor', String(json.floor));
      return {
        dimension: d,
        axes: Array.from(decodeFloat64(json.axes, 'axes', file, d * d)),
        variances: Array.from(decodeFloat64(json.variances, 'variances', file, d)),
        floor: json.floor,
        mean: Array.from(decodeFloat64(json.mean, 'mean', file, d)),
      };
    });
  }
}
