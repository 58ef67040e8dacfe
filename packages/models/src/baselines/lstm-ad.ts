/**
 * LSTM-AD (Malhotra, Vig, Shroff & Agarwal, "Long Short Term Memory Networks for Anomaly Detection in Time
 * Series", ESANN 2015), as the DIVAD paper's baseline (docs/divad.md §4): a stacked LSTM reads the first W − l
 * records of a window and a Dense head maps its last state to the next l records (l·D values, linear); the
 * loss is the MSE of that forecast. After training, the error vectors of the validation windows are modelled
 * by a multivariate Gaussian N(μ, Σ) (sample mean, covariance with ddof 1, as np.cov).
 *
 * Window score: −ln N(e; μ, Σ) of the window's error vector e ∈ Rˡ, e_j = mean over the D features of
 * |x̂ − x| at forecast position j ("averaged over features", as the paper's multivariate variant).
 *
 * Defaults (docs/divad.md §4): l = ⌊W/2⌋ (the paper's l = W/2; `forecastLength: null`), two LSTM layers of 10
 * units (the code's config default "10 10"), the standard training settings (AdamW without decay = Adam,
 * batch 32, no clipping, early stopping on the validation loss). LSTM layers are Keras's (gates i, f, c, o;
 * glorot-uniform kernel, orthogonal recurrent kernel, unit_forget_bias).
 *
 * Deviations:
 * - The paper's network forecasts the next l records at every time step and scores each record from the l
 *   forecasts of it made by l different windows (an l×D error matrix per record); the divad code replaces
 *   the window scorer by that online scorer. Here every detector is a window scorer (one score per window,
 *   from records ≤ t only), so a window is scored by the errors of its own forecast: entry j of e is the
 *   error at forecast position j of one window, not the error of one record forecast j steps ahead. Both
 *   are l-vectors of errors at horizons 1..l; ours needs no records after t.
 * - The paper fits the Gaussian by maximum likelihood (ddof 0); docs/divad.md prescribes np.cov (ddof 1).
 * - When the covariance is singular (fewer than l + 1 windows, or errors that do not vary independently)
 *   a ridge of 1e-6 · (mean of its diagonal) is added to the diagonal (1e-6 when the diagonal is all 0).
 *   It counts as singular when Cholesky fails or a squared pivot falls below that ridge: the precision
 *   would then have entries that float32 scoring cannot resolve.
 * - Without FitOptions.validation the Gaussian is fitted on the training windows' errors (the paper keeps
 *   a separate normal set vN1 for it; training errors are smaller, so scores come out larger).
 * - The paper's threshold τ (chosen on vN2 and vA by F-score) is not part of a window scorer.
 */
import * as tf from '@tensorflow/tfjs';
import { DriftwatchError, ParameterError, gatherWindows, type WindowSet } from '@driftwatch/contracts';
import { LOG_2PI } from '../density';
import { cholesky, covariance } from '../linalg';
import { lstm, lstmSpecs } from '../neural/layers';
import { dense, denseSpecs, type NamedParams, type ParamSpec } from '../neural/params';
import {
  FeatureErrorNetwork,
  WindowNetworkDetector,
  sumPerFeature,
  type PhaseRun,
  type TrainingConfig,
} from '../neural/window-network';
import { layerWidths, trainingParameters } from '../neural/config';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import {
  layerWidthsAccepted,
  NULL,
  POSITIVE_INTEGER,
  resolveParameters,
  type ParameterSchema,
} from '../parameters/schema';

export interface LstmAdConfig extends TrainingConfig {
  /** l: records forecast at the end of the window, 1 ≤ l < W; null means ⌊W/2⌋ (resolved in the constructor) */
  forecastLength: number | null;
  /** units of each stacked LSTM layer (one number = one layer) */
  lstmUnits: number | number[];
}

/** l = forecastLength, or ⌊W/2⌋ when it is null */
export function forecastLengthOf(c: Pick<LstmAdConfig, 'windowLength' | 'forecastLength'>): number {
  return c.forecastLength ?? Math.floor(c.windowLength / 2);
}

export const LSTM_AD_PARAMETERS: ParameterSchema<LstmAdConfig> = {
  parameters: {
    ...trainingParameters(),
    forecastLength: {
      description: 'l: records forecast at the end of the window, 1 ≤ l < W; null: ⌊W/2⌋ (the paper’s l = W/2)',
      accepts: [POSITIVE_INTEGER, NULL],
      default: null,
    },
    lstmUnits: {
      description: 'units of each stacked LSTM layer (the code’s default "10 10")',
      accepts: layerWidthsAccepted(1),
      default: [10, 10],
    },
  },
  rules: [
    {
      keys: ['forecastLength', 'windowLength'],
      expected:
        'forecastLength (null: ⌊windowLength/2⌋) must be in [1, windowLength), leaving at least one record to read',
      holds: (c) => forecastLengthOf(c) >= 1 && forecastLengthOf(c) < c.windowLength,
    },
  ],
};

const ID = 'lstm-ad';
/** relative ridge added to a singular error covariance */
const RIDGE = 1e-6;
/** windows per forward pass when collecting the errors of the Gaussian's fit */
const ERROR_BATCH = 1024;

/** N(μ, Σ) as μ and U with Σ⁻¹ = U·Uᵀ, U upper triangular (sklearn's precisions_cholesky_), row-major. */
export interface ErrorGaussian {
  mean: Float64Array;
  precisionCholesky: Float64Array;
  /** what was added to Σ's diagonal (0 when Σ was regular) */
  ridge: number;
}

/** Fits N(μ, Σ) (ddof 1) to n error vectors of length l, row-major; U = (L⁻¹)ᵀ where Σ (+ ridge·I) = L·Lᵀ. */
export function fitErrorGaussian(errors: ArrayLike<number>, n: number, l: number): ErrorGaussian {
  if (n < 2)
    throw new ParameterError(`${ID}: the error Gaussian (covariance with ddof 1) needs at least 2 windows, got ${n}`);
  for (let i = 0; i < n * l; i++) {
    if (!Number.isFinite(errors[i]))
      throw new DriftwatchError(
        `${ID}: forecast error ${errors[i]} in window ${Math.floor(i / l)}; the network diverged`,
      );
  }
  const { mean, cov } = covariance(errors, n, l, { ddof: 1 });
  let diagSum = 0;
  for (let j = 0; j < l; j++) diagSum += cov[j * l + j];
  const floor = RIDGE * (diagSum > 0 ? diagSum / l : 1);
  let factor = choleskyAbove(cov, l, floor);
  let ridge = 0;
  if (!factor) {
    ridge = floor;
    const regular = Float64Array.from(cov);
    for (let j = 0; j < l; j++) regular[j * l + j] += ridge;
    factor = cholesky(regular, l);
  }
  return { mean, precisionCholesky: transposedLowerInverse(factor, l), ridge };
}

/** The Cholesky factor of Σ, or undefined when Σ is not positive definite or a squared pivot is ≤ `floor`. */
function choleskyAbove(cov: Float64Array, l: number, floor: number): Float64Array | undefined {
  let factor: Float64Array;
  try {
    factor = cholesky(cov, l);
  } catch (e) {
    if (e instanceof ParameterError) return undefined;
    throw e;
  }
  for (let j = 0; j < l; j++) if (factor[j * l + j] ** 2 <= floor) return undefined;
  return factor;
}

/** (L⁻¹)ᵀ of a lower-triangular L by forward substitution: M_ii = 1/L_ii, M_ij = −Σ_{j≤k<i} L_ik·M_kj / L_ii. */
function transposedLowerInverse(factor: Float64Array, l: number): Float64Array {
  const inv = new Float64Array(l * l);
  for (let j = 0; j < l; j++) {
    inv[j * l + j] = 1 / factor[j * l + j];
    for (let i = j + 1; i < l; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += factor[i * l + k] * inv[k * l + j];
      inv[i * l + j] = -s / factor[i * l + i];
    }
  }
  const out = new Float64Array(l * l);
  for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) out[j * l + i] = inv[i * l + j];
  return out;
}

/** per row: −ln N(e; μ, Σ) = ½‖(e − μ)·U‖² − Σ_j ln U_jj + (l/2)·ln 2π; e [B, l], μ [l], U [l, l] → [B] */
export function tfErrorGaussianNll(e: tf.Tensor2D, mean: tf.Tensor1D, precisionCholesky: tf.Tensor2D): tf.Tensor1D {
  const l = mean.shape[0];
  const z = tf.matMul(e.sub(mean), precisionCholesky);
  const logDet = tf.log(precisionCholesky.mul(tf.eye(l)).sum(1)).sum();
  return z
    .square()
    .sum(1)
    .mul(0.5)
    .sub(logDet)
    .add(0.5 * l * LOG_2PI) as tf.Tensor1D;
}

export class LstmAd extends FeatureErrorNetwork<LstmAdConfig> {
  readonly id = ID;
  /** l, resolved */
  readonly forecastLength: number;

  constructor(params: Partial<LstmAdConfig> = {}) {
    const c = resolveParameters(ID, LSTM_AD_PARAMETERS, params);
    const l = forecastLengthOf(c);
    super({ ...c, forecastLength: l });
    this.forecastLength = l;
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const specs: ParamSpec[] = [];
    let inputSize = featureCount;
    layerWidths(this.config.lstmUnits).forEach((u, i) => {
      specs.push(...lstmSpecs(`lstm_${i}`, inputSize, u));
      inputSize = u;
    });
    return [...specs, ...denseSpecs('forecast', [inputSize, this.forecastLength * featureCount])];
  }

  protected override stateSpecs(): ParamSpec[] {
    const l = this.forecastLength;
    return [
      { name: 'gaussian/mean', shape: [l], init: 'zeros' },
      { name: 'gaussian/precision_cholesky', shape: [l, l], init: 'zeros' },
    ];
  }

  /** The forecast x̂ of the last l records from the first W − l and the actual records, both [B, l·D] record-major. */
  forecast(p: NamedParams, x: tf.Tensor2D): { predicted: tf.Tensor2D; actual: tf.Tensor2D } {
    const [batch, size] = x.shape;
    const W = this.config.windowLength;
    const D = size / W;
    const inputLength = (W - this.forecastLength) * D;
    let h: tf.Tensor3D | tf.Tensor2D = x
      .slice([0, 0], [batch, inputLength])
      .reshape([batch, W - this.forecastLength, D]);
    const layers = layerWidths(this.config.lstmUnits).length;
    for (let i = 0; i < layers; i++) h = lstm(p, `lstm_${i}`, h as tf.Tensor3D, i < layers - 1);
    return {
      predicted: dense(p, 'forecast/head', h as tf.Tensor2D, false),
      actual: x.slice([0, inputLength], [batch, size - inputLength]),
    };
  }

  /** e [B, l]: e_j = mean over features of |x̂ − x| at forecast position j */
  forecastErrors(p: NamedParams, x: tf.Tensor2D): tf.Tensor2D {
    const { predicted, actual } = this.forecast(p, x);
    return tf.abs(predicted.sub(actual)).reshape([x.shape[0], this.forecastLength, -1]).mean(2) as tf.Tensor2D;
  }

  /**
   * a_f = Σ_j |x̂_jf − x_jf| / D over the l forecast positions: feature f's share of Σ_j e_j, the error vector
   * the score's Gaussian is evaluated at (the NLL itself does not split over features)
   */
  protected featureErrors(p: NamedParams, x: tf.Tensor2D): tf.Tensor2D {
    const { predicted, actual } = this.forecast(p, x);
    const D = x.shape[1] / this.config.windowLength;
    return sumPerFeature(tf.abs(predicted.sub(actual)).div(D), D);
  }

  protected loss(p: NamedParams, x: tf.Tensor2D): tf.Scalar {
    const { predicted, actual } = this.forecast(p, x);
    return tf.mean(tf.squaredDifference(predicted, actual));
  }

  protected windowScores(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D {
    return tfErrorGaussianNll(
      this.forecastErrors(p, x),
      p['gaussian/mean'] as tf.Tensor1D,
      p['gaussian/precision_cholesky'] as tf.Tensor2D,
    );
  }

  protected override afterFit(run: PhaseRun & { validation?: WindowSet }): void {
    const windows = run.validation ?? run.train;
    const l = this.forecastLength;
    const errors = this.errorVectors(run.params, windows);
    const g = fitErrorGaussian(errors, windows.count, l);
    // the variables keep their own reference to the data: the tensors can go
    tf.tidy(() => {
      run.setState('gaussian/mean', tf.tensor1d(Float32Array.from(g.mean)));
      run.setState('gaussian/precision_cholesky', tf.tensor2d(Float32Array.from(g.precisionCholesky), [l, l]));
    });
  }

  /** every window's error vector, row-major [n, l] */
  private errorVectors(p: NamedParams, windows: WindowSet): Float32Array {
    const l = this.forecastLength;
    const size = windows.windowLength * windows.featureCount;
    const batch = Math.min(ERROR_BATCH, windows.count);
    const buf = new Float32Array(batch * size);
    const idx = new Int32Array(batch);
    const out = new Float32Array(windows.count * l);
    for (let start = 0; start < windows.count; start += batch) {
      const count = Math.min(batch, windows.count - start);
      for (let i = 0; i < count; i++) idx[i] = start + i;
      gatherWindows(windows, idx.subarray(0, count), buf);
      const e = tf.tidy(() => this.forecastErrors(p, tf.tensor2d(buf.subarray(0, count * size), [count, size])));
      out.set(e.dataSync(), start * l);
      e.dispose();
    }
    return out;
  }

  static load(dir: string): Promise<LstmAd> {
    return WindowNetworkDetector.restore(dir, ID, (config) => new LstmAd(config as Partial<LstmAdConfig>));
  }
}

export const LSTM_AD_DESCRIPTOR: WindowDetectorDescriptor = {
  id: ID,
  kind: 'window',
  summary: 'stacked LSTM forecasting the window’s last records; score: Gaussian NLL of the forecast errors',
  citation:
    'Malhotra, Vig, Shroff & Agarwal, "Long Short Term Memory Networks for Anomaly Detection in Time Series", ESANN ' +
    '2015',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: LSTM_AD_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { windowLength: 4, lstmUnits: [4, 4] },
  create: (params) => new LstmAd(params),
  load: (dir) => LstmAd.load(dir),
};
