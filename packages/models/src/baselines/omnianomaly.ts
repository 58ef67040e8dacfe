/**
 * OmniAnomaly (Su, Zhao, Niu, Liu, Sun, Pei, "Robust Anomaly Detection for Multivariate Time Series through
 * Stochastic Recurrent Neural Network", KDD 2019): a stochastic recurrent VAE over the window's W records.
 *   qnet: e_t = GRU(x_t, e_{t−1}); q(z_t | e_t, z_{t−1}) = N(μ, σ²) from Dense(units, ReLU) on concat(e_t, z_{t−1})
 *         ("connected z_q", z_{−1} = 0), σ = 1e-4 + softplus; then K planar normalizing flows on every step's
 *         sample once the chain is drawn (the chain conditions on the pre-flow z_{t−1}, as tfsnippet's
 *         FlowDistribution around the official RecurrentDistribution does);
 *   prior ("connected z_p"): z_0 ~ N(0, I), z_t = A·z_{t−1} + ε_t, ε_t ~ N(0, diag s²), A and s trainable;
 *   pnet: d_t = GRU(z_t, d_{t−1}); p(x_t | z_{≤t}) = N(μ, σ²) from Dense(units, ReLU) → head over the D features.
 * Loss: the negative ELBO of a window with one reparameterised sample, Σ_t [ln p(x_t|·) + ln p(z_t|z_{t−1})
 * − ln q(z_t|·)] with the flows' log-determinants in ln q, averaged over the batch, plus L2 1e-4 on the kernels.
 * Window score: −ln p(x_{W−1} | z) of the window's last record with one posterior sample (seeded noise).
 *
 * Defaults (docs/divad.md §4, the official TF1 model as configured by the DIVAD code): zDim 3, GRU and dense units
 * 500, 20 planar flows, std epsilon 1e-4, Adam lr 1e-3 × 0.5 every 40 epochs, per-variable clip 10, batch 50,
 * 20 epochs (best validation weights kept, no early stop within them), min-max [0, 1] inputs. These are the
 * paper's sizes and make ASD training (W 20, D 19, ~100k windows) slow on a 2-core CPU: each batch runs two
 * GRU(500) chains and the z chain over 20 sequential steps, about 12 GFLOP forward and backward, several
 * seconds per batch with the wasm backend (7 s measured on a loaded 2-core machine), i.e. hours per epoch.
 *
 * Min-max scaling is part of the model: the per-feature min and max of the training windows are state saved
 * with the weights and applied to every input, test values outside the training range included (no clipping,
 * like scikit-learn's MinMaxScaler). On inputs already standardised per feature (x′ = (x − m)/s, s > 0) this
 * gives exactly the min-max scaling of the raw data, since min-max scaling absorbs any per-feature positive
 * affine map.
 *
 * Deviations from the official code, and why:
 * - The posterior and the decoder follow the paper's equations (a ReLU hidden layer on concat(e_t, z_{t−1}) and on
 *   d_t); the official code puts two linear Dense(500) layers after each GRU and a linear head on concat(e_t,
 *   z_{t−1}). Its GRU is TF1's GRUCell (reset gate before the recurrent product); this uses the package's
 *   Keras GRU (reset_after), shared by every recurrent detector here.
 * - The prior's transition is trainable, A = I + Δ (Δ initialised to 0) and s = exp(ρ) (ρ initialised to 0), so
 *   training starts from the official fixed random walk z_t = z_{t−1} + N(0, I); the official prior is a tfp
 *   LinearGaussianStateSpaceModel with identity transition and observation matrices and unit noises, none trained.
 * - Gradients flow through the whole sampled chain (the paper's SGVB); the official scans are built with
 *   back_prop=False, draw truncated normals and evaluate ln q with concat(z_t, e_t) in the reverse order of the
 *   sampling step. Here ln q uses the μ, σ that produced each sample, and the noise is standard normal.
 * - The planar flows' w and u start from Keras's glorot-uniform over [K, zDim] rather than tfsnippet's
 *   N(0, 0.01²), an initialiser the package does not have; b starts at 0 as in tfsnippet.
 * - L2 regularisation is an explicit term λ·½Σ‖W‖² over every kernel (TF's l2_regularizer convention), in the
 *   training and validation loss as the official trainer adds its regularisation loss to both, rather than
 *   AdamW's decoupled decay (weightDecay defaults to 0). The official code declares l2_reg = 1e-4 but attaches
 *   it to no layer; docs/divad.md lists it, so it is applied here.
 * - Validation runs once per epoch (official: every 100 steps); the last partial batch is kept (official drops
 *   it); Adam's ε is 1e-7 (Keras) rather than TF1's 1e-8.
 */
import * as tf from '@tensorflow/tfjs';
import { LOG_2PI, tfDiagGaussianLogPdf, tfGaussianExcessNll, tfScaleFromRaw } from '../density';
import { gru, gruSpecs } from '../neural/layers';
import { dense, denseSpecs, type NamedParams, type ParamSpec } from '../neural/params';
import { minMaxStateSpecs, minMaxTrainingPhase } from '../neural/min-max';
import {
  FeatureErrorNetwork,
  WindowNetworkDetector,
  type LossContext,
  type NoiseSource,
  type TrainingConfig,
  type TrainingPhase,
} from '../neural/window-network';
import { trainingParameters } from '../neural/config';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import {
  NON_NEGATIVE_INTEGER,
  NON_NEGATIVE_NUMBER,
  POSITIVE_INTEGER,
  POSITIVE_NUMBER,
  resolveParameters,
  type ParameterSchema,
} from '../parameters/schema';

export interface OmniAnomalyConfig extends TrainingConfig {
  /** latent size per time step (z_dim) */
  zDim: number;
  /** units of both GRUs and of both hidden Dense layers (rnn_num_hidden = dense_dim) */
  units: number;
  /** K planar normalizing flows on the posterior (0 for none) */
  flows: number;
  /** λ of the L2 term λ·½Σ‖W‖² over every kernel */
  l2: number;
  /** the learning rate is multiplied by `lrDecayFactor` every `lrDecayEvery` epochs */
  lrDecayEvery: number;
  lrDecayFactor: number;
}

export const OMNIANOMALY_PARAMETERS: ParameterSchema<OmniAnomalyConfig> = {
  parameters: {
    ...trainingParameters({
      windowLength: 20,
      learningRate: 1e-3,
      weightDecay: 0,
      clipNorm: 10,
      batchSize: 50,
      epochs: 20,
    }),
    zDim: { description: 'latent size per time step (z_dim)', accepts: [POSITIVE_INTEGER], default: 3 },
    units: {
      description: 'units of both GRUs and of both hidden Dense layers (rnn_num_hidden = dense_dim)',
      accepts: [POSITIVE_INTEGER],
      default: 500,
    },
    flows: {
      description: 'K planar normalizing flows on the posterior (0 for none)',
      accepts: [NON_NEGATIVE_INTEGER],
      default: 20,
    },
    l2: { description: 'λ of the L2 term λ·½Σ‖W‖² over every kernel', accepts: [NON_NEGATIVE_NUMBER], default: 1e-4 },
    lrDecayEvery: {
      description: 'epochs between two multiplications of the learning rate by lrDecayFactor',
      accepts: [POSITIVE_INTEGER],
      default: 40,
    },
    lrDecayFactor: { description: 'the learning-rate decay factor', accepts: [POSITIVE_NUMBER], default: 0.5 },
  },
};

/**
 * K planar flows on the rows of z [N, k], layer i: z ← z + ûᵢ·tanh(wᵢᵀz + bᵢ), with the invertibility fix
 * ûᵢ = uᵢ + (m(wᵢᵀuᵢ) − wᵢᵀuᵢ)·wᵢ/‖wᵢ‖², m(a) = −1 + softplus(a) (Rezende & Mohamed 2015, appendix A).
 * w, u [K, k], b [K]. Returns the flowed rows and Σᵢ ln|1 + ψᵢᵀûᵢ| per row [N], where ψᵢᵀûᵢ =
 * (1 − tanh²(wᵢᵀz + bᵢ))·wᵢᵀûᵢ and wᵢᵀûᵢ = m(wᵢᵀuᵢ) > −1 keeps every factor positive.
 */
export function tfPlanarFlows(
  z: tf.Tensor2D,
  w: tf.Tensor2D,
  u: tf.Tensor2D,
  b: tf.Tensor1D,
): { z: tf.Tensor2D; logDet: tf.Tensor1D } {
  const layers = w.shape[0];
  if (layers === 0) return { z, logDet: tf.zeros([z.shape[0]]) as tf.Tensor1D };
  const wu = w.mul(u).sum(1); // [K]
  const m = tf.softplus(wu).sub(1);
  const uHat = u.add(w.mul(m.sub(wu).div(w.square().sum(1)).expandDims(1))) as tf.Tensor2D;
  const k = w.shape[1];
  // slices, not tf.unstack: unstack's gradient cannot be built for a single layer in tfjs 4.22
  // ("Argument tensors passed to stack must be a `Tensor[]`"); each slice's gradient pads back exactly
  const activations: tf.Tensor2D[] = [];
  let out = z;
  for (let i = 0; i < layers; i++) {
    const wi = w.slice([i, 0], [1, k]).transpose() as tf.Tensor2D; // [k, 1]
    const ui = uHat.slice([i, 0], [1, k]) as tf.Tensor2D; // [1, k]
    const h = tf.tanh(tf.matMul(out, wi).add(b.slice([i], [1]))) as tf.Tensor2D; // [N, 1]
    activations.push(h);
    out = out.add(h.mul(ui)) as tf.Tensor2D;
  }
  // every layer's ln(1 + (1 − h²)·m) in one op over [N, K]
  const h = tf.concat(activations, 1);
  const logDet = tf.log(tf.onesLike(h).sub(h.square()).mul(m).add(1)).sum(1) as tf.Tensor1D;
  return { z: out, logDet };
}

/**
 * ln p(z_0..z_{W−1}) per window of the linear-Gaussian state-space prior: z_0 ~ N(0, I),
 * z_t | z_{t−1} ~ N(A·z_{t−1}, diag s²). z [B, W, k], transition A [k, k], scale s [k] → [B].
 */
export function tfStateSpaceLogPdf(z: tf.Tensor3D, transition: tf.Tensor2D, scale: tf.Tensor1D): tf.Tensor1D {
  const [batch, steps, k] = z.shape;
  const first = z.slice([0, 0, 0], [batch, 1, k]).reshape([batch, k]);
  let logp = first
    .square()
    .sum(1)
    .mul(-0.5)
    .sub(0.5 * k * LOG_2PI);
  if (steps > 1) {
    const prev = z.slice([0, 0, 0], [batch, steps - 1, k]).reshape([batch * (steps - 1), k]);
    const next = z.slice([0, 1, 0], [batch, steps - 1, k]).reshape([batch * (steps - 1), k]);
    // row vectors: mean_t = z_{t−1}·Aᵀ
    const r = next.sub(tf.matMul(prev, transition, false, true)).div(scale);
    const transitions = r
      .square()
      .reshape([batch, (steps - 1) * k])
      .sum(1)
      .mul(-0.5);
    const norm = tf
      .log(scale)
      .sum()
      .mul(-(steps - 1))
      .sub(0.5 * (steps - 1) * k * LOG_2PI);
    logp = logp.add(transitions).add(norm);
  }
  return logp as tf.Tensor1D;
}

interface Posterior {
  /** samples before the flows [B, W, k] */
  z: tf.Tensor3D;
  /** ln q of those samples per window [B] */
  logQ: tf.Tensor1D;
}

export class OmniAnomaly extends FeatureErrorNetwork<OmniAnomalyConfig> {
  readonly id = 'omnianomaly';
  /** windows × W × units per forward pass outside training (about 140 MB of intermediates at the paper's sizes) */
  protected passValues = 2 ** 20;

  constructor(params: Partial<OmniAnomalyConfig> = {}) {
    super(resolveParameters('omnianomaly', OMNIANOMALY_PARAMETERS, params));
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const { units, zDim, flows } = this.config;
    const specs = [
      ...gruSpecs('qnet/gru', featureCount, units),
      ...denseSpecs('qnet', [units + zDim, units, 2 * zDim]),
    ];
    if (flows > 0) {
      specs.push(
        { name: 'flow/w', shape: [flows, zDim], init: 'glorot-uniform' },
        { name: 'flow/u', shape: [flows, zDim], init: 'glorot-uniform' },
        { name: 'flow/b', shape: [flows], init: 'zeros' },
      );
    }
    specs.push(
      { name: 'prior/transition_delta', shape: [zDim, zDim], init: 'zeros' },
      { name: 'prior/log_scale', shape: [zDim], init: 'zeros' },
    );
    specs.push(...gruSpecs('pnet/gru', zDim, units), ...denseSpecs('pnet', [units, units, 2 * featureCount]));
    return specs;
  }

  protected override stateSpecs(featureCount: number): ParamSpec[] {
    return minMaxStateSpecs('minmax', featureCount);
  }

  protected override phases(): TrainingPhase[] {
    return [minMaxTrainingPhase('minmax')];
  }

  protected override learningRateAt(epoch: number): number {
    const c = this.config;
    return c.learningRate * c.lrDecayFactor ** Math.floor(epoch / c.lrDecayEvery);
  }

  /** flattened windows [B, W·D] → min-max scaled [B, W, D]; a constant feature keeps range 1 */
  private scaled(p: NamedParams, x: tf.Tensor2D): tf.Tensor3D {
    const min = p['minmax/min'];
    const range = p['minmax/max'].sub(min);
    const safe = tf.where(range.greater(0), range, tf.onesLike(range));
    const d = min.shape[0];
    return x.reshape([x.shape[0], this.config.windowLength, d]).sub(min).div(safe) as tf.Tensor3D;
  }

  /** one sample of the connected posterior chain before the flows, and its ln q */
  private posterior(p: NamedParams, x: tf.Tensor3D, noise: NoiseSource): Posterior {
    const { units, zDim } = this.config;
    const [batch, steps] = x.shape;
    const e = gru(p, 'qnet/gru', x, true) as tf.Tensor3D;
    // Dense on concat(e_t, z_{t−1}) = e_t·K_e + z_{t−1}·K_z: the e_t part for all steps in one product
    const [kernelE, kernelZ] = tf.split(p['qnet/dense_0/kernel'], [units, zDim], 0) as [tf.Tensor2D, tf.Tensor2D];
    const projected = tf.fused.matMul({
      a: e.reshape([batch * steps, units]),
      b: kernelE,
      bias: p['qnet/dense_0/bias'],
    });
    const eSteps = tf.unstack(projected.reshape([batch, steps, units]), 1) as tf.Tensor2D[];
    const eps = noise([batch, steps * zDim]).reshape([batch, steps, zDim]);
    const epsSteps = tf.unstack(eps, 1) as tf.Tensor2D[];
    const zs: tf.Tensor2D[] = [];
    const sigmas: tf.Tensor2D[] = [];
    let z: tf.Tensor2D | undefined;
    for (let t = 0; t < steps; t++) {
      // z_{−1} = 0
      const h = tf.relu(z ? eSteps[t].add(tf.matMul(z, kernelZ)) : eSteps[t]) as tf.Tensor2D;
      const [mu, raw] = tf.split(dense(p, 'qnet/head', h, false), 2, 1);
      const sigma = tfScaleFromRaw(raw) as tf.Tensor2D;
      z = mu.add(sigma.mul(epsSteps[t])) as tf.Tensor2D;
      zs.push(z);
      sigmas.push(sigma);
    }
    // ln N(μ + σε; μ, σ) = −ln σ − ½ ln 2π − ½ε², summed over steps and latent dimensions
    const logSigma = tf
      .log(tf.stack(sigmas, 1))
      .reshape([batch, steps * zDim])
      .sum(1);
    const logQ = logSigma
      .add(
        eps
          .square()
          .reshape([batch, steps * zDim])
          .sum(1)
          .mul(0.5),
      )
      .neg()
      .sub(0.5 * steps * zDim * LOG_2PI) as tf.Tensor1D;
    return { z: tf.stack(zs, 1) as tf.Tensor3D, logQ };
  }

  /** the posterior flows on every step's z: [B, W, k] → flowed [B, W, k] and Σ log-det per window [B] */
  private flow(p: NamedParams, z: tf.Tensor3D): { z: tf.Tensor3D; logDet: tf.Tensor1D } {
    const [batch, steps, k] = z.shape;
    if (this.config.flows === 0) return { z, logDet: tf.zeros([batch]) as tf.Tensor1D };
    const out = tfPlanarFlows(
      z.reshape([batch * steps, k]),
      p['flow/w'] as tf.Tensor2D,
      p['flow/u'] as tf.Tensor2D,
      p['flow/b'] as tf.Tensor1D,
    );
    return { z: out.z.reshape([batch, steps, k]), logDet: out.logDet.reshape([batch, steps]).sum(1) as tf.Tensor1D };
  }

  private priorLogPdf(p: NamedParams, z: tf.Tensor3D): tf.Tensor1D {
    const k = this.config.zDim;
    const transition = tf.eye(k).add(p['prior/transition_delta']) as tf.Tensor2D;
    return tfStateSpaceLogPdf(z, transition, tf.exp(p['prior/log_scale']) as tf.Tensor1D);
  }

  /** p(x_t | z_{≤t}) for the decoder states d [N, units] → μ, σ [N, D] */
  private decoderGaussian(p: NamedParams, d: tf.Tensor2D): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
    const [mu, raw] = tf.split(dense(p, 'pnet/head', dense(p, 'pnet/dense_0', d, true), false), 2, 1) as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    return { mu, sigma: tfScaleFromRaw(raw) as tf.Tensor2D };
  }

  private l2Penalty(p: NamedParams): tf.Scalar {
    const kernels = Object.entries(p)
      .filter(([name]) => name.endsWith('kernel'))
      .map(([, v]) => v.square().sum());
    return tf.addN(kernels).mul(0.5 * this.config.l2) as tf.Scalar;
  }

  /** the negative ELBO per window [B] with one posterior sample */
  negativeElbo(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor1D {
    const { units } = this.config;
    const xs = this.scaled(p, x);
    const [batch, steps, d] = xs.shape;
    const q = this.posterior(p, xs, noise);
    const flowed = this.flow(p, q.z);
    const logQ = q.logQ.sub(flowed.logDet);
    const states = gru(p, 'pnet/gru', flowed.z, true) as tf.Tensor3D;
    const px = this.decoderGaussian(p, states.reshape([batch * steps, units]));
    const logPx = tfDiagGaussianLogPdf(xs.reshape([batch * steps, d]), px.mu, px.sigma)
      .reshape([batch, steps])
      .sum(1);
    return logPx.add(this.priorLogPdf(p, flowed.z)).sub(logQ).neg() as tf.Tensor1D;
  }

  protected loss(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource, ctx: LossContext): tf.Scalar {
    // training batches are small and need one tape; the validation loss runs on large batches
    const perWindow = ctx.training
      ? this.negativeElbo(p, x, noise)
      : this.inPasses(x, (part) => this.negativeElbo(p, part, noise));
    const nelbo = tf.mean(perWindow) as tf.Scalar;
    return this.config.l2 > 0 ? nelbo.add(this.l2Penalty(p)) : nelbo;
  }

  /**
   * f over consecutive slices of the batch, each in its own tidy: every recurrent step keeps a few [B, units]
   * tensors until its scope ends, which for 2048 windows of the paper's sizes exceeds the wasm heap. The noise
   * source is drawn slice after slice, so the numbers each window gets do not depend on the slicing.
   */
  private inPasses<T extends tf.Tensor>(x: tf.Tensor2D, f: (part: tf.Tensor2D) => T): T {
    const perPass = Math.max(1, Math.floor(this.passValues / (this.config.windowLength * this.config.units)));
    const batch = x.shape[0];
    if (batch <= perPass) return f(x);
    const parts: T[] = [];
    for (let start = 0; start < batch; start += perPass) {
      parts.push(tf.tidy(() => f(x.slice([start, 0], [Math.min(perPass, batch - start), -1]))));
    }
    return tf.concat(parts) as T;
  }

  protected windowScores(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor1D {
    return this.inPasses(x, (part) => {
      const { xLast, mu, sigma } = this.lastRecordGaussian(p, part, noise);
      return tfDiagGaussianLogPdf(xLast, mu, sigma).neg() as tf.Tensor1D;
    });
  }

  /**
   * ½((x_{W−1,f} − μ_f)/σ_f)² with the score's posterior sample: the part of the last record's −ln p(x|z) that its
   * reconstruction error on feature f adds (scaled space)
   */
  protected featureErrors(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor2D {
    return this.inPasses(x, (part) => {
      const { xLast, mu, sigma } = this.lastRecordGaussian(p, part, noise);
      return tfGaussianExcessNll(xLast, mu, sigma) as tf.Tensor2D;
    });
  }

  /** the scaled last record x_{W−1} [B, D] and p(x_{W−1} | z) for one posterior sample per window */
  private lastRecordGaussian(
    p: NamedParams,
    x: tf.Tensor2D,
    noise: NoiseSource,
  ): { xLast: tf.Tensor2D; mu: tf.Tensor2D; sigma: tf.Tensor2D } {
    const xs = this.scaled(p, x);
    const [batch, steps, d] = xs.shape;
    const flowed = this.flow(p, this.posterior(p, xs, noise).z);
    const last = gru(p, 'pnet/gru', flowed.z, false) as tf.Tensor2D;
    const px = this.decoderGaussian(p, last);
    return { xLast: xs.slice([0, steps - 1, 0], [batch, 1, d]).reshape([batch, d]) as tf.Tensor2D, ...px };
  }

  static load(dir: string): Promise<OmniAnomaly> {
    return WindowNetworkDetector.restore(
      dir,
      'omnianomaly',
      (config) => new OmniAnomaly(config as Partial<OmniAnomalyConfig>),
    );
  }
}

export const OMNIANOMALY_DESCRIPTOR: WindowDetectorDescriptor = {
  id: 'omnianomaly',
  kind: 'window',
  summary: 'stochastic recurrent VAE with planar flows over the window; score: NLL of the last record',
  citation:
    'Su et al., "Robust Anomaly Detection for Multivariate Time Series through Stochastic Recurrent Neural Network", ' +
    'KDD 2019',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: OMNIANOMALY_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { windowLength: 4, units: 8, zDim: 2, flows: 2, batchSize: 32 },
  create: (params) => new OmniAnomaly(params),
  load: (dir) => OmniAnomaly.load(dir),
};
