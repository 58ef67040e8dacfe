/**
 * Dense variational autoencoder (An & Cho, SNU Data Mining Center 2015), as the DIVAD paper's baseline
 * (docs/divad.md §4) built from DIVAD's networks: q(z|x) = Dense(h, ReLU) → [μ | ρ], σ = 1e-4 + softplus(ρ);
 * p(x|z) = Dense(h, ReLU) → [μₓ | ρₓ] over the W·D values; loss −ln p(x|z) + KL(q(z|x) ‖ N(0, I)) (weight 1),
 * gradient clip 10. Window score: the mean over S samples z ~ q(z|x) of −ln p(x|z) (S = 1024 in the paper).
 * Deviation: h is unstated in the paper; the default is one layer of 200 as in Dense DIVAD.
 */
import * as tf from '@tensorflow/tfjs';
import { tfScaleFromRaw } from '../density';
import { denseSpecs, denseStack, type NamedParams, type ParamSpec } from '../neural/params';
import { WindowVae } from '../neural/vae-scoring';
import { WindowNetworkDetector, type TrainingConfig } from '../neural/window-network';
import { layerWidths, trainingParameters } from '../neural/config';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import { layerWidthsAccepted, POSITIVE_INTEGER, resolveParameters, type ParameterSchema } from '../parameters/schema';

export interface DenseVaeConfig extends TrainingConfig {
  hidden: number | number[];
  /** L */
  latentDim: number;
  /** S: posterior samples averaged per window score */
  scoreSamples: number;
}

export const DENSE_VAE_PARAMETERS: ParameterSchema<DenseVaeConfig> = {
  parameters: {
    ...trainingParameters({ clipNorm: 10 }),
    hidden: {
      description:
        'widths of the encoder’s hidden layers, the decoder mirrors them (h unstated in the paper: one layer of 200, ' +
        'as Dense DIVAD)',
      accepts: layerWidthsAccepted(),
      default: 200,
    },
    latentDim: {
      description: 'L: dimension of z (the DIVAD code’s default)',
      accepts: [POSITIVE_INTEGER],
      default: 32,
    },
    scoreSamples: {
      description: 'S: posterior samples averaged per window score (the paper’s 1024)',
      accepts: [POSITIVE_INTEGER],
      default: 1024,
    },
  },
};

export class DenseVae extends WindowVae<DenseVaeConfig> {
  readonly id = 'dense-vae';

  constructor(params: Partial<DenseVaeConfig> = {}) {
    super(resolveParameters('dense-vae', DENSE_VAE_PARAMETERS, params));
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const n = this.config.windowLength * featureCount;
    const L = this.config.latentDim;
    const hidden = layerWidths(this.config.hidden);
    return [...denseSpecs('enc', [n, ...hidden, 2 * L]), ...denseSpecs('dec', [L, ...[...hidden].reverse(), 2 * n])];
  }

  private gaussian(p: NamedParams, prefix: 'enc' | 'dec', x: tf.Tensor2D): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
    const [mu, raw] = tf.split(denseStack(p, prefix, x, layerWidths(this.config.hidden).length), 2, 1) as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    return { mu, sigma: tfScaleFromRaw(raw) as tf.Tensor2D };
  }

  /** q(z|x) for flattened windows [B, W·D] */
  encode(p: NamedParams, x: tf.Tensor2D): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
    return this.gaussian(p, 'enc', x);
  }

  /** p(x|z) as [B, W·D] means and scales */
  decode(p: NamedParams, z: tf.Tensor2D): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
    return this.gaussian(p, 'dec', z);
  }

  static load(dir: string): Promise<DenseVae> {
    return WindowNetworkDetector.restore(dir, 'dense-vae', (config) => new DenseVae(config as Partial<DenseVaeConfig>));
  }
}

export const DENSE_VAE_DESCRIPTOR: WindowDetectorDescriptor = {
  id: 'dense-vae',
  kind: 'window',
  summary: 'dense variational autoencoder; score: mean over posterior samples of the reconstruction NLL',
  citation:
    'An & Cho, "Variational Autoencoder based Anomaly Detection using Reconstruction Probability", SNU Data Mining ' +
    'Center 2015',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: DENSE_VAE_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { windowLength: 3, hidden: 8, latentDim: 2, scoreSamples: 16 },
  create: (params) => new DenseVae(params),
  load: (dir) => DenseVae.load(dir),
};
