/**
 * The DIVAD networks (Dense and Rec) and loss as pure functions of a parameter map (docs/divad.md §3.1, §3.2).
 * Parameters are plain tensors keyed by fixed names, so the same code runs on tf.Variables while
 * training and on constants in tests.
 */
import * as tf from '@tensorflow/tfjs';
import {
  tfDiagGaussianLogPdf,
  tfDiagGaussianMixtureLogPdf,
  tfKlDiagGaussians,
  tfKlStandardNormal,
  tfScaleFromRaw,
} from '../density';
import type { DivadVariant } from './config';
import { dense, denseSpecs, type ParamSpec } from '../neural/params';
import type { NoiseSource } from '../neural/tfjs-detector';
import { recDecode, recDecoderSpecs, recEncode, recEncoderSpecs, type RecArchitecture } from '../neural/recurrent-net';

export { initialValues, type ParamSpec } from '../neural/params';

export interface DivadArchitecture {
  variant: DivadVariant;
  windowLength: number;
  featureCount: number;
  /** dense encoder hidden widths; the decoder uses them in reverse (ignored when `rec` is set) */
  hidden: number[];
  /** the recurrent encoders and decoder of Rec DIVAD; absent for Dense DIVAD */
  rec?: RecArchitecture;
  latentDim: number;
  priorHidden: number;
  /** n_d: training domains */
  domains: number;
  /** K of the GM prior (ignored for G) */
  components: number;
}

export type DivadParams = Record<string, tf.Tensor>;

/** Every trainable parameter in creation order (the order fixes the seeded initial values). */
export function divadParamSpecs(a: DivadArchitecture): ParamSpec[] {
  const n = a.windowLength * a.featureCount;
  const L = a.latentDim;
  const encoder = (prefix: string) =>
    a.rec ? recEncoderSpecs(prefix, a.rec, a.featureCount, 2 * L) : denseSpecs(prefix, [n, ...a.hidden, 2 * L]);
  const specs = [
    ...encoder('enc_y'),
    ...encoder('enc_d'),
    ...denseSpecs('prior_d', [a.domains, a.priorHidden, 2 * L]),
    ...(a.rec
      ? recDecoderSpecs('dec', a.rec, 2 * L, 2 * a.featureCount)
      : denseSpecs('dec', [2 * L, ...[...a.hidden].reverse(), 2 * n])),
    ...denseSpecs('cls', [L, a.domains]),
  ];
  if (a.variant === 'GM') {
    specs.push(
      { name: 'prior_y/logits', shape: [a.components], init: 'zeros' },
      { name: 'prior_y/means', shape: [a.components, L], init: 'standard-normal' },
      { name: 'prior_y/raw_scales', shape: [a.components, L], init: 'standard-normal' },
    );
  }
  return specs;
}

/** hidden ReLU layers then a Gaussian head: [μ | ρ] → (μ, σ = 1e-4 + softplus(ρ)) (docs/divad.md §3.1) */
function gaussianNet(
  p: DivadParams,
  prefix: string,
  x: tf.Tensor2D,
  hiddenCount: number,
): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
  let h = x;
  for (let i = 0; i < hiddenCount; i++) h = dense(p, `${prefix}/dense_${i}`, h, true);
  const [mu, raw] = tf.split(dense(p, `${prefix}/head`, h, false), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  return { mu, sigma: tfScaleFromRaw(raw) as tf.Tensor2D };
}

/** q(zy|x) or q(zd|x) of flattened windows x [B, W·D] */
export function encode(
  p: DivadParams,
  a: DivadArchitecture,
  which: 'y' | 'd',
  x: tf.Tensor2D,
): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
  const prefix = which === 'y' ? 'enc_y' : 'enc_d';
  if (!a.rec) return gaussianNet(p, prefix, x, a.hidden.length);
  const [mu, raw] = tf.split(recEncode(p, prefix, a.rec, a.windowLength, x), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  return { mu, sigma: tfScaleFromRaw(raw) as tf.Tensor2D };
}

/** p(zd|d) of one-hot domains [B, n_d] */
export function domainPrior(p: DivadParams, dOneHot: tf.Tensor2D): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
  return gaussianNet(p, 'prior_d', dOneHot, 1);
}

/** p(x|zy, zd): means and scales [B, W·D] in the window's record-major layout */
export function decode(
  p: DivadParams,
  a: DivadArchitecture,
  zy: tf.Tensor2D,
  zd: tf.Tensor2D,
): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
  const { windowLength: w, featureCount: d } = a;
  let h = tf.concat([zy, zd], 1) as tf.Tensor2D;
  let out: tf.Tensor;
  if (a.rec) {
    out = recDecode(p, 'dec', a.rec, w, h);
  } else {
    for (let i = 0; i < a.hidden.length; i++) h = dense(p, `dec/dense_${i}`, h, true);
    out = dense(p, 'dec/head', h, false);
  }
  const batch = out.shape[0];
  // per record: channels [0, D) are means, [D, 2D) raw scales (docs/divad.md §3.1 decoder)
  const [mu, raw] = tf.split(out.reshape([batch, w, 2 * d]), 2, 2);
  return {
    mu: mu.reshape([batch, w * d]) as tf.Tensor2D,
    sigma: tfScaleFromRaw(raw).reshape([batch, w * d]) as tf.Tensor2D,
  };
}

/** ln softmax(π), means m_k and scales s_k = 1e-4 + softplus(r_k) of the GM prior */
export function mixturePrior(p: DivadParams): { logWeights: tf.Tensor1D; means: tf.Tensor2D; stds: tf.Tensor2D } {
  return {
    logWeights: tf.logSoftmax(p['prior_y/logits']) as tf.Tensor1D,
    means: p['prior_y/means'] as tf.Tensor2D,
    stds: tfScaleFromRaw(p['prior_y/raw_scales']) as tf.Tensor2D,
  };
}

/** Standard-normal draws for one batch: zy, zd reparameterisation and (GM) the KL_y sample z′. */
export interface DivadNoise {
  zy: tf.Tensor2D;
  zd: tf.Tensor2D;
  klY?: tf.Tensor2D;
}

/** The noise of `count` examples from a noise stream: zy, then zd, then (GM) KL_y's draws. */
export function divadNoise(a: DivadArchitecture, count: number, noise: NoiseSource): DivadNoise {
  const shape: [number, number] = [count, a.latentDim];
  const zy = noise(shape);
  const zd = noise(shape);
  return { zy, zd, klY: a.variant === 'GM' ? noise(shape) : undefined };
}

/** One-hot rows [count, n_d] of the given domain indices, as a tensor. */
export function domainOneHot(domains: ArrayLike<number>, count: number, nd: number): tf.Tensor2D {
  const b = new Float32Array(count * nd);
  for (let i = 0; i < count; i++) b[i * nd + domains[i]] = 1;
  return tf.tensor2d(b, [count, nd]);
}

export interface DivadLossTerms {
  /** per example: −log p(x|zy,zd) + β(KL_y + KL_d) + α·CE(d) */
  total: tf.Tensor1D;
  nll: tf.Tensor1D;
  klY: tf.Tensor1D;
  klD: tf.Tensor1D;
  ce: tf.Tensor1D;
}

/**
 * The per-example DIVAD loss (docs/divad.md §3.2). KL_y is exact for G and the one-sample estimate
 * ln q(z′|x) − ln p(z′) with z′ = μ + σ·noise.klY for GM.
 */
export function divadLossTerms(
  p: DivadParams,
  a: DivadArchitecture,
  x: tf.Tensor2D,
  dOneHot: tf.Tensor2D,
  noise: DivadNoise,
  beta: number,
  alpha: number,
): DivadLossTerms {
  const qy = encode(p, a, 'y', x);
  const qd = encode(p, a, 'd', x);
  const zy = qy.mu.add(qy.sigma.mul(noise.zy)) as tf.Tensor2D;
  const zd = qd.mu.add(qd.sigma.mul(noise.zd)) as tf.Tensor2D;
  const px = decode(p, a, zy, zd);
  const nll = tfDiagGaussianLogPdf(x, px.mu, px.sigma).neg() as tf.Tensor1D;
  const pd = domainPrior(p, dOneHot);
  const klD = tfKlDiagGaussians(qd.mu, qd.sigma, pd.mu, pd.sigma);
  let klY: tf.Tensor1D;
  if (a.variant === 'G') {
    klY = tfKlStandardNormal(qy.mu, qy.sigma);
  } else {
    if (!noise.klY) throw new Error('divadLossTerms: the GM variant needs noise.klY');
    const z2 = qy.mu.add(qy.sigma.mul(noise.klY)) as tf.Tensor2D;
    const prior = mixturePrior(p);
    klY = tfDiagGaussianLogPdf(z2, qy.mu, qy.sigma).sub(
      tfDiagGaussianMixtureLogPdf(z2, prior.logWeights, prior.means, prior.stds),
    ) as tf.Tensor1D;
  }
  const logits = dense(p, 'cls/head', tf.relu(zd), false);
  const ce = tf.logSoftmax(logits).mul(dOneHot).sum(1).neg() as tf.Tensor1D;
  const total = nll.add(klY.add(klD).mul(beta)).add(ce.mul(alpha)) as tf.Tensor1D;
  return { total, nll, klY, klD, ce };
}

/** Batch mean of the DIVAD loss. */
export function divadLoss(
  p: DivadParams,
  a: DivadArchitecture,
  x: tf.Tensor2D,
  dOneHot: tf.Tensor2D,
  noise: DivadNoise,
  beta: number,
  alpha: number,
): tf.Scalar {
  return divadLossTerms(p, a, x, dOneHot, noise, beta, alpha).total.mean() as tf.Scalar;
}
