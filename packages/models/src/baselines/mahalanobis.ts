import { InputError, ParameterError, type WindowSet } from '@driftwatch/contracts';
import {
  fitOriginMahalanobisRows,
  originMahalanobisScoresOfRows,
  originMahalanobisWhitened,
  type OriginMahalanobis,
} from '../linalg';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import { POSITIVE_INTEGER, resolveParameters, type ParameterSchema } from '../parameters/schema';
import { decodeFloat64, encodeFloat64 } from './common';
import { ShallowDetector } from './shallow-detector';

export interface MahalanobisConfig {
  /** records per window; a window is flattened to W·D features */
  windowLength: number;
}

const ID = 'mahalanobis';
const MODEL_FILE = 'mahalanobis.json';

export const MAHALANOBIS_PARAMETERS: ParameterSchema<MahalanobisConfig> = {
  parameters: {
    windowLength: {
      description: 'W: records per window; a window is flattened to W·D features',
      accepts: [POSITIVE_INTEGER],
      default: 1,
    },
  },
};

/**
 * Mahalanobis baseline (Shyu et al. 2003; docs/divad.md §4): PCA with all components of the flattened
 * normal windows, score Σ_j (x·v_j)²/λ_j without centring (see `eigenvalueFloor` for λ_j ≈ 0).
 */
export class Mahalanobis extends ShallowDetector<MahalanobisConfig, OriginMahalanobis> {
  readonly id = ID;
  protected readonly fitPhase = 'fit-density';
  protected readonly modelFile = MODEL_FILE;

  constructor(params: Partial<MahalanobisConfig> | Record<string, unknown> = {}) {
    super(resolveParameters(ID, MAHALANOBIS_PARAMETERS, params));
  }

  /** The fitted Gaussian (read-only use). */
  get model(): OriginMahalanobis | undefined {
    return this.fitted?.model;
  }

  protected fitModel(train: WindowSet): OriginMahalanobis {
    if (train.count < 2)
      throw new ParameterError(`${ID}: needs at least 2 training windows for a covariance, got ${train.count}`);
    return fitOriginMahalanobisRows((i) => train.window(i), train.count, train.windowLength * train.featureCount);
  }

  protected scoreModel(model: OriginMahalanobis, windows: WindowSet): Float32Array {
    return Float32Array.from(originMahalanobisScoresOfRows(model, (i) => windows.window(i), windows.count));
  }

  /**
   * y_i² of the whitened window y = Σ^(−1/2)x (the symmetric square root): non-negative, summing to the score
   * exactly. The split x_i·(Σ⁻¹x)_i would also sum to it, but goes negative for correlated features.
   */
  protected valueTerms(model: OriginMahalanobis): (window: Float32Array) => Float64Array {
    const y = new Float64Array(model.dimension);
    return (window) => originMahalanobisWhitened(model, window, y).map((v) => v * v);
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
    return ShallowDetector.loadShallow(
      dir,
      ID,
      MODEL_FILE,
      (config) => new Mahalanobis(config),
      (json, file, d) => {
        if (json.format !== 1 || json.dimension !== d)
          throw new InputError({ file }, `a Mahalanobis model of format 1 with dimension ${d}`, String(json.dimension));
        if (typeof json.floor !== 'number' || !(json.floor > 0))
          throw new InputError({ file }, 'a positive eigenvalue floor', String(json.floor));
        return {
          dimension: d,
          axes: Array.from(decodeFloat64(json.axes, 'axes', file, d * d)),
          variances: Array.from(decodeFloat64(json.variances, 'variances', file, d)),
          floor: json.floor,
          mean: Array.from(decodeFloat64(json.mean, 'mean', file, d)),
        };
      },
    );
  }
}

export const MAHALANOBIS_DESCRIPTOR: WindowDetectorDescriptor = {
  id: ID,
  kind: 'window',
  summary: 'Mahalanobis distance of the flattened window under the normal windows’ covariance (all principal axes)',
  citation:
    'Shyu, Chen, Sarinnapakorn & Chang, "A Novel Anomaly Detection Scheme Based on Principal Component Classifier", ' +
    'ICDM 2003',
  capabilities: { tfjs: false, supervised: false, epochs: false },
  schema: MAHALANOBIS_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { windowLength: 4 },
  create: (params) => new Mahalanobis(params),
  load: (dir) => Mahalanobis.load(dir),
};
