/** What the Dense and Rec VAE baselines share (docs/divad.md §4): the ELBO loss and the sampled window score. */
import * as tf from '@tensorflow/tfjs';
import { tfKlStandardNormal } from '../density';
import type { NamedParams } from './params';
import { WindowNetworkDetector, type NoiseSource, type TrainingConfig } from './window-network';

/** rows (windows × samples) per decoder pass when averaging over samples */
const SAMPLE_ROWS = 4096;

export interface VaeParts {
  /** q(z|x) of flattened windows [B, W·D] */
  encode(x: tf.Tensor2D): { mu: tf.Tensor2D; sigma: tf.Tensor2D };
  /** −ln p(x|z) per row */
  reconstructionNll(x: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D;
}

/** batch mean of −ln p(x|z) + KL(q(z|x) ‖ N(0, I)) with one reparameterised z */
export function vaeLoss(vae: VaeParts, x: tf.Tensor2D, latentDim: number, noise: NoiseSource): tf.Scalar {
  const q = vae.encode(x);
  const z = q.mu.add(q.sigma.mul(noise([x.shape[0], latentDim]))) as tf.Tensor2D;
  return tf.mean(vae.reconstructionNll(x, z).add(tfKlStandardNormal(q.mu, q.sigma)));
}

/** window score: (1/S) Σ_s −ln p(x|z_s), z_s ~ q(z|x), samples tiled about SAMPLE_ROWS rows per decoder pass */
export function sampledNll(
  vae: VaeParts,
  x: tf.Tensor2D,
  latentDim: number,
  samples: number,
  noise: NoiseSource,
): tf.Tensor1D {
  const B = x.shape[0];
  const perPass = Math.max(1, Math.min(samples, Math.floor(SAMPLE_ROWS / Math.max(1, B))));
  const q = vae.encode(x);
  let total = tf.zeros([B]) as tf.Tensor1D;
  for (let done = 0; done < samples; done += perPass) {
    const k = Math.min(perPass, samples - done);
    // rows ordered (sample, window): tile repeats the batch k times; the tidy per pass frees its decoder
    // tensors, which the caller's tidy would otherwise keep until the whole batch ends
    const next = tf.tidy(() => {
      const z = tf.tile(q.mu, [k, 1]).add(tf.tile(q.sigma, [k, 1]).mul(noise([k * B, latentDim]))) as tf.Tensor2D;
      const nll = vae.reconstructionNll(tf.tile(x, [k, 1]) as tf.Tensor2D, z);
      return total.add(nll.reshape([k, B]).sum(0)) as tf.Tensor1D;
    });
    total.dispose();
    total = next;
  }
  return total.div(samples) as tf.Tensor1D;
}

/**
 * A window VAE baseline (Dense or Rec): the subclass gives its encoder and decoder likelihood; training uses the
 * ELBO (`vaeLoss`) and scoring the sampled NLL (`sampledNll`).
 */
export abstract class WindowVae<
  Config extends TrainingConfig & { latentDim: number; scoreSamples: number },
> extends WindowNetworkDetector<Config> {
  /** q(z|x) for flattened windows [B, W·D] */
  abstract encode(p: NamedParams, x: tf.Tensor2D): { mu: tf.Tensor2D; sigma: tf.Tensor2D };
  /** −ln p(x|z) per row */
  abstract reconstructionNll(p: NamedParams, x: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D;

  private parts(p: NamedParams): VaeParts {
    return { encode: (x) => this.encode(p, x), reconstructionNll: (x, z) => this.reconstructionNll(p, x, z) };
  }

  protected loss(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Scalar {
    return vaeLoss(this.parts(p), x, this.config.latentDim, noise);
  }

  protected windowScores(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor1D {
    return sampledNll(this.parts(p), x, this.config.latentDim, this.config.scoreSamples, noise);
  }
}
