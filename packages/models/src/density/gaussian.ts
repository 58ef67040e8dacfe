/**
 * Log-densities and KL divergences of diagonal Gaussians in plain Float64 JavaScript (docs/divad.md §3.1,
 * §3.2, §3.5). The tfjs counterparts used inside the training loss are in gaussian-tf.ts.
 */

export const LOG_2PI = Math.log(2 * Math.PI);
/** docs/divad.md §3.1: σ = SCALE_SHIFT + softplus(ρ) keeps every scale away from 0 */
export const SCALE_SHIFT = 1e-4;

/** softplus(x) = ln(1 + eˣ), written so that neither branch overflows */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** σ = 1e-4 + softplus(ρ) (docs/divad.md §3.1, Gaussian head) */
export function scaleFromRaw(raw: number): number {
  return SCALE_SHIFT + softplus(raw);
}

/** ln Σ_i exp(v_i), shifted by the maximum; −∞ for no terms or all −∞ */
export function logSumExp(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) if (values[offset + i] > max) max = values[offset + i];
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let s = 0;
  for (let i = 0; i < length; i++) s += Math.exp(values[offset + i] - max);
  return max + Math.log(s);
}

/** ln softmax(logits)_k = logits_k − logsumexp(logits) */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  const lse = logSumExp(logits);
  return Float64Array.from(logits as ArrayLike<number>, (v) => v - lse);
}

/**
 * ln N(x; μ, diag σ²) = Σ_j [−ln σ_j − ½ ln 2π − (x_j − μ_j)² / (2σ_j²)] over d = mean.length values
 * starting at x[xOffset], mean[mOffset], std[mOffset].
 */
export function diagGaussianLogPdf(
  x: ArrayLike<number>,
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
  d = mean.length,
  xOffset = 0,
  mOffset = 0,
): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const sigma = std[mOffset + j];
    const z = (x[xOffset + j] - mean[mOffset + j]) / sigma;
    s -= Math.log(sigma) + 0.5 * z * z;
  }
  return s - 0.5 * d * LOG_2PI;
}

/** A diagonal Gaussian mixture: K components over d dimensions, means and stds row-major K×d. */
export interface DiagGaussianMixture {
  components: number;
  dimension: number;
  /** ln of the mixture weights (ln softmax of the prior's logits), length K */
  logWeights: ArrayLike<number>;
  means: ArrayLike<number>;
  stds: ArrayLike<number>;
}

/** ln p(x) = logsumexp_k [ln w_k + ln N(x; m_k, diag s_k²)] (docs/divad.md §3.1 GM prior, §3.5 P score) */
export function diagGaussianMixtureLogPdf(mix: DiagGaussianMixture, x: ArrayLike<number>, offset = 0): number {
  const { components: k, dimension: d } = mix;
  const terms = new Float64Array(k);
  for (let c = 0; c < k; c++)
    terms[c] = mix.logWeights[c] + diagGaussianLogPdf(x, mix.means, mix.stds, d, offset, c * d);
  return logSumExp(terms);
}

/**
 * `diagGaussianMixtureLogPdf` with the per-component constants (ln w_k − Σ_j ln s_kj − (d/2) ln 2π) and
 * the inverse scales computed once: scoring many points then costs K·d multiply-adds each.
 */
export function diagGaussianMixtureScorer(mix: DiagGaussianMixture): (x: ArrayLike<number>, offset?: number) => number {
  const { components: k, dimension: d } = mix;
  const constant = new Float64Array(k);
  const inv = new Float64Array(k * d);
  const means = Float64Array.from(mix.means as ArrayLike<number>);
  for (let c = 0; c < k; c++) {
    let logDet = 0;
    for (let j = 0; j < d; j++) {
      logDet += Math.log(mix.stds[c * d + j]);
      inv[c * d + j] = 1 / mix.stds[c * d + j];
    }
    constant[c] = mix.logWeights[c] - logDet - 0.5 * d * LOG_2PI;
  }
  const terms = new Float64Array(k);
  return (x, offset = 0) => {
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      let q = 0;
      const base = c * d;
      for (let j = 0; j < d; j++) {
        const z = (x[offset + j] - means[base + j]) * inv[base + j];
        q += z * z;
      }
      const v = constant[c] - 0.5 * q;
      terms[c] = v;
      if (v > max) max = v;
    }
    if (max === -Infinity) return -Infinity;
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(terms[c] - max);
    return max + Math.log(s);
  };
}

/**
 * KL(N(μq, σq²) ‖ N(μp, σp²)) = Σ_j [ln(σp/σq) + (σq² + (μq − μp)²) / (2σp²) − ½] (docs/divad.md §3.2, KL_d).
 */
export function klDiagGaussians(
  muQ: ArrayLike<number>,
  sigmaQ: ArrayLike<number>,
  muP: ArrayLike<number>,
  sigmaP: ArrayLike<number>,
  d = muQ.length,
): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const diff = muQ[j] - muP[j];
    const vp = sigmaP[j] * sigmaP[j];
    s += Math.log(sigmaP[j] / sigmaQ[j]) + (sigmaQ[j] * sigmaQ[j] + diff * diff) / (2 * vp) - 0.5;
  }
  return s;
}

/** KL(N(μ, σ²) ‖ N(0, I)) = Σ_j ½(μ² + σ² − 1 − ln σ²) (docs/divad.md §3.2, KL_y of DIVAD-G) */
export function klStandardNormal(mu: ArrayLike<number>, sigma: ArrayLike<number>, d = mu.length): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const v = sigma[j] * sigma[j];
    s += 0.5 * (mu[j] * mu[j] + v - 1 - Math.log(v));
  }
  return s;
}

/** −ln N(μ; 0, I) = ½‖μ‖² + (L/2) ln 2π (docs/divad.md §3.5, P score of DIVAD-G) */
export function standardNormalNll(mu: ArrayLike<number>, d = mu.length, offset = 0): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += mu[offset + j] * mu[offset + j];
  return 0.5 * s + 0.5 * d * LOG_2PI;
}
