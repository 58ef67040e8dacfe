/** What the Dense and Rec VAE baselines share (docs/divad.md §4): the ELBO loss and the sampled window score. */
import * as tf from '@tensorflow/tfjs';
import { tfDiagGaussianLogPdf, tfGaussianExcessNll, tfKlStandardNormal } from '../density';
import type { NamedParams } from './params';
import { FeatureErrorNetwork, sumPerFeature, type NoiseSource, type TrainingConfig } from './window-network';

/** rows (windows × samples) per decoder pass when averaging over samples */
const SAMPLE_ROWS = 4096;

/** A diagonal Gaussian over rows: means and scales of one shape. */
export interface DiagGaussian {
  mu: tf.Tensor2D;
  sigma: tf.Tensor2D;
}

export interface VaeParts {
  /** q(z|x) of flattened windows [B, W·D] */
  encode(x: tf.Tensor2D): DiagGaussian;
  /** −ln p(x|z) per row */
  reconstructionNll(x: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D;
}

/** batch mean of −ln p(x|z) + KL(q(z|x) ‖ N(0, I)) with one reparameterised z */
export function vaeLoss(vae: VaeParts, x: tf.Tensor2D, latentDim: number, noise: NoiseSource): tf.Scalar {
  const q = vae.encode(x);
  const z = q.mu.add(q.sigma.mul(noise([x.shape[0], latentDim]))) as tf.Tensor2D;
  return tf.mean(vae.reconstructionNll(x, z).add(tfKlStandardNormal(q.mu, q.sigma)));
}

/**
 * (1/S) Σ_s f(x, z_s), z_s ~ q(z|x), samples tiled about SAMPLE_ROWS rows per decoder pass; f gives [rows] or
 * [rows, m] for rows ordered (sample, window).
 */
export function posteriorSampleMean(
  encode: VaeParts['encode'],
  x: tf.Tensor2D,
  latentDim: number,
  samples: number,
  noise: NoiseSource,
  f: (x: tf.Tensor2D, z: tf.Tensor2D) => tf.Tensor,
): tf.Tensor {
  const B = x.shape[0];
  const perPass = Math.max(1, Math.min(samples, Math.floor(SAMPLE_ROWS / Math.max(1, B))));
  const q = encode(x);
  let total: tf.Tensor | undefined;
  for (let done = 0; done < samples; done += perPass) {
    const k = Math.min(perPass, samples - done);
    // tile repeats the batch k times; the tidy per pass frees its decoder tensors, which the caller's tidy would
    // otherwise keep until the whole batch ends
    const next = tf.tidy(() => {
      const z = tf.tile(q.mu, [k, 1]).add(tf.tile(q.sigma, [k, 1]).mul(noise([k * B, latentDim]))) as tf.Tensor2D;
      const values = f(tf.tile(x, [k, 1]) as tf.Tensor2D, z);
      const sum = values.reshape([k, B, ...values.shape.slice(1)]).sum(0);
      return total ? total.add(sum) : sum;
    });
    total?.dispose();
    total = next;
  }
  return total!.div(samples);
}

/** window score: (1/S) Σ_s −ln p(x|z_s), z_s ~ q(z|x) */
export function sampledNll(
  vae: VaeParts,
  x: tf.Tensor2D,
  latentDim: number,
  samples: number,
  noise: NoiseSource,
): tf.Tensor1D {
  return posteriorSampleMean(vae.encode, x, latentDim, samples, noise, vae.reconstructionNll) as tf.Tensor1D;
}

/**
 * A window VAE baseline (Dense or Rec): the subclass gives its encoder and decoder; training uses the ELBO
 * (`vaeLoss`), scoring the sampled NLL (`sampledNll`) and explanations the sampled excess NLL per feature.
 */
export abstract class WindowVae<
  Config extends TrainingConfig & { latentDim: number; scoreSamples: number },
> extends FeatureErrorNetwork<Config> {
  /** q(z|x) for flattened windows [B, W·D] */
  abstract encode(p: NamedParams, x: tf.Tensor2D): DiagGaussian;
  /** p(x|z) as record-major [B, W·D] means and scales, laid out like the flattened windows */
  abstract decode(p: NamedParams, z: tf.Tensor2D): DiagGaussian;

  /** −ln p(x|z) per row */
  reconstructionNll(p: NamedParams, x: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
    const { mu, sigma } = this.decode(p, z);
    return tfDiagGaussianLogPdf(x, mu, sigma).neg() as tf.Tensor1D;
  }

  private parts(p: NamedParams): VaeParts {
    return { encode: (x) => this.encode(p, x), reconstructionNll: (x, z) => this.reconstructionNll(p, x, z) };
  }

  protected loss(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Scalar {
    return vaeLoss(this.parts(p), x, this.config.latentDim, noise);
  }

  protected windowScores(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor1D {
    return sampledNll(this.parts(p), x, this.config.latentDim, this.config.scoreSamples, noise);
  }

  /**
   * a_f = (1/S) Σ_s Σ_t ½((x_tf − μ_tf(z_s))/σ_tf(z_s))²: the part of the score's −ln p(x|z) each feature's
   * reconstruction error adds, with the score's own samples (the rest, Σ ln σ + ½ ln 2π, is no error)
   */
  protected featureErrors(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor2D {
    const { latentDim, scoreSamples } = this.config;
    return posteriorSampleMean(
      (xs) => this.encode(p, xs),
      x,
      latentDim,
      scoreSamples,
      noise,
      (xs, z) => {
        const px = this.decode(p, z);
        return sumPerFeature(tfGaussianExcessNll(xs, px.mu, px.sigma), this.featureCount!);
      },
    ) as tf.Tensor2D;
  }
}
