/**
 * tfjs counterparts of gaussian.ts, batched over the first axis, used inside the DIVAD loss
 * (docs/divad.md §3.2). Every function returns a new tensor; callers run them inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';
import { LOG_2PI, SCALE_SHIFT } from './gaussian';

/** σ = 1e-4 + softplus(ρ) (docs/divad.md §3.1) */
export function tfScaleFromRaw(raw: tf.Tensor): tf.Tensor {
  return tf.softplus(raw).add(SCALE_SHIFT);
}

/**
 * Per value, how far x lies in the tails of N(μ, σ²): −ln N(x; μ, σ) + ln N(μ; μ, σ) = ½((x − μ)/σ)², the part of
 * the negative log-likelihood that the reconstruction error drives (≥ 0, unlike the NLL itself); same shape as x.
 */
export function tfGaussianExcessNll(x: tf.Tensor, mean: tf.Tensor, std: tf.Tensor): tf.Tensor {
  return x.sub(mean).div(std).square().mul(0.5);
}

/** per row: Σ_j [−ln σ_j − ½ ln 2π − (x_j − μ_j)²/(2σ_j²)]; x, mean, std [B, d] → [B] */
export function tfDiagGaussianLogPdf(x: tf.Tensor2D, mean: tf.Tensor2D, std: tf.Tensor2D): tf.Tensor1D {
  const d = x.shape[1];
  const z = x.sub(mean).div(std);
  return z
    .square()
    .mul(0.5)
    .add(tf.log(std))
    .sum(1)
    .neg()
    .sub(0.5 * d * LOG_2PI) as tf.Tensor1D;
}

/**
 * per row: logsumexp_k [ln w_k + ln N(z; m_k, diag s_k²)]; z [B, d], logWeights [K], means and stds
 * [K, d] → [B] (docs/divad.md §3.1 GM prior).
 */
export function tfDiagGaussianMixtureLogPdf(
  z: tf.Tensor2D,
  logWeights: tf.Tensor1D,
  means: tf.Tensor2D,
  stds: tf.Tensor2D,
): tf.Tensor1D {
  const d = means.shape[1];
  const diff = z.expandDims(1).sub(means.expandDims(0)).div(stds.expandDims(0)); // [B, K, d]
  const quad = diff.square().sum(2).mul(-0.5); // [B, K]
  const norm = tf
    .log(stds)
    .sum(1)
    .neg()
    .sub(0.5 * d * LOG_2PI)
    .add(logWeights); // [K]
  return tf.logSumExp(quad.add(norm), 1) as tf.Tensor1D;
}

/** per row: Σ_j [ln(σp/σq) + (σq² + (μq − μp)²)/(2σp²) − ½] (docs/divad.md §3.2, KL_d) */
export function tfKlDiagGaussians(
  muQ: tf.Tensor2D,
  sigmaQ: tf.Tensor2D,
  muP: tf.Tensor2D,
  sigmaP: tf.Tensor2D,
): tf.Tensor1D {
  const num = sigmaQ.square().add(muQ.sub(muP).square());
  return tf
    .log(sigmaP.div(sigmaQ))
    .add(num.div(sigmaP.square().mul(2)))
    .sub(0.5)
    .sum(1) as tf.Tensor1D;
}

/** per row: Σ_j ½(μ² + σ² − 1 − ln σ²) (docs/divad.md §3.2, KL_y of DIVAD-G) */
export function tfKlStandardNormal(mu: tf.Tensor2D, sigma: tf.Tensor2D): tf.Tensor1D {
  const v = sigma.square();
  return mu.square().add(v).sub(1).sub(tf.log(v)).sum(1).mul(0.5) as tf.Tensor1D;
}
