/**
 * Recurrent variational autoencoder, the DIVAD paper's "Rec VAE" baseline (Jacob & Diao, PVLDB 2025, appendix
 * B.3; the sequence version of the VAE of An & Cho, SNU Data Mining Center 2015), with the paper's "Figure 16"
 * networks and DIVAD's Gaussian heads (docs/divad.md §3.1, §4):
 *   q(z|x): Conv1D(f, k, stride s, same) + ReLU per layer → GRU(u) per layer (last state) → Dense → [μ | ρ]
 *           (2L values), σ = 1e-4 + softplus(ρ);
 *   p(x|z): RepeatVector(W′) → GRU(u, reversed, sequences) → Conv1DTranspose mirroring the convs (hidden ones
 *           ReLU, the last 2D filters, linear) → crop to W; channels [0, D) are the means, [D, 2D) the raw
 *           scales, σₓ = 1e-4 + softplus.
 * Loss −ln p(x|z) + KL(q(z|x) ‖ N(0, I)) (weight 1) with one reparameterised sample, gradient clip 10 per
 * variable, batch 32. Window score: the mean over S samples z ~ q(z|x) of −ln p(x|z), the Gaussian summed over
 * W×D (S = 1024 in the paper).
 * Defaults: Conv1D(32, k5, s1) → GRU(32) as Rec DIVAD on ASD (docs/divad.md §3.6; the paper's Rec VAE sizes are
 * lost) and L = 32 as Dense VAE.
 *
 * Deviations:
 * - q(z|x) is a Dense Gaussian head on the last GRU state, as the paper describes; the official Rec AE config
 *   uses the GRU state itself as the code (`rec_latent_type: rec`, docs/divad.md §4), and the spec leaves open
 *   whether Rec VAE does too;
 * - the scoring samples are seeded from the fit seed (the same windows always get the same scores), not
 *   numpy's seed 0;
 * - the decoder's output is only ever cropped (W′·sⁿ ≥ W with 'same' layers); the GRU's two Keras bias rows
 *   are stored as two tensors.
 * Cost: scoring runs the decoder S times per window. On wasm with W = 20, D = 19 and the defaults that is
 * about 6–7 windows/s on one core of a busy 2-core machine (one pass of 4096 decoder rows ≈ 0.6 s), against
 * about 3,300 windows/s for Rec AE; S stays the paper's 1024 by default and is the knob for large test sets.
 */
import * as tf from '@tensorflow/tfjs';
import { tfScaleFromRaw } from '../density';
import type { NamedParams, ParamSpec } from '../neural/params';
import { WindowVae } from '../neural/vae-scoring';
import { WindowNetworkDetector, type TrainingConfig } from '../neural/window-network';
import { trainingParameters } from '../neural/config';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import { POSITIVE_INTEGER, resolveParameters, type ParameterSchema } from '../parameters/schema';
import {
  recArchitectureOf,
  recDecode,
  recDecoderSpecs,
  recEncode,
  recEncoderSpecs,
  REC_ARCHITECTURE_PARAMETERS,
  type RecArchitecture,
} from '../neural/recurrent-net';

export interface RecVaeConfig extends TrainingConfig {
  /** filters of each Conv1D layer of the encoder */
  convFilters: number | number[];
  kernelSize: number;
  stride: number;
  /** units of each GRU layer of the encoder (the decoder uses them in reverse) */
  gruUnits: number | number[];
  /** L */
  latentDim: number;
  /** S: posterior samples averaged per window score */
  scoreSamples: number;
}

export const REC_VAE_PARAMETERS: ParameterSchema<RecVaeConfig> = {
  parameters: {
    ...trainingParameters({ clipNorm: 10 }),
    ...REC_ARCHITECTURE_PARAMETERS,
    latentDim: { description: 'L: dimension of z (as Dense VAE)', accepts: [POSITIVE_INTEGER], default: 32 },
    scoreSamples: {
      description: 'S: posterior samples averaged per window score (the paper’s 1024)',
      accepts: [POSITIVE_INTEGER],
      default: 1024,
    },
  },
};

export class RecVae extends WindowVae<RecVaeConfig> {
  readonly id = 'rec-vae';
  private readonly arch: RecArchitecture;

  constructor(params: Partial<RecVaeConfig> = {}) {
    super(resolveParameters('rec-vae', REC_VAE_PARAMETERS, params));
    this.arch = recArchitectureOf(this.config);
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const L = this.config.latentDim;
    return [
      ...recEncoderSpecs('enc', this.arch, featureCount, 2 * L),
      ...recDecoderSpecs('dec', this.arch, L, 2 * featureCount),
    ];
  }

  /** q(z|x) for flattened windows [B, W·D] */
  encode(p: NamedParams, x: tf.Tensor2D): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
    const [mu, raw] = tf.split(recEncode(p, 'enc', this.arch, this.config.windowLength, x), 2, 1) as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    return { mu, sigma: tfScaleFromRaw(raw) as tf.Tensor2D };
  }

  /** p(x|z) as record-major [B, W·D] means and scales, laid out like the flattened windows */
  decode(p: NamedParams, z: tf.Tensor2D): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
    const [batch] = z.shape;
    const out = recDecode(p, 'dec', this.arch, this.config.windowLength, z);
    const [mu, raw] = tf.split(out, 2, 2);
    const size = out.shape[1] * (out.shape[2] / 2);
    return { mu: mu.reshape([batch, size]), sigma: tfScaleFromRaw(raw.reshape([batch, size])) as tf.Tensor2D };
  }

  static load(dir: string): Promise<RecVae> {
    return WindowNetworkDetector.restore(dir, 'rec-vae', (config) => new RecVae(config as Partial<RecVaeConfig>));
  }
}

export const REC_VAE_DESCRIPTOR: WindowDetectorDescriptor = {
  id: 'rec-vae',
  kind: 'window',
  summary:
    'recurrent variational autoencoder (Conv1D → GRU); score: mean over posterior samples of the reconstruction NLL',
  citation: 'Jacob & Diao, PVLDB 2025, appendix B.3 (sequence version of the VAE of An & Cho, 2015)',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: REC_VAE_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { windowLength: 4, convFilters: 4, kernelSize: 3, gruUnits: 4, latentDim: 2, scoreSamples: 16 },
  create: (params) => new RecVae(params),
  load: (dir) => RecVae.load(dir),
};
