/**
 * Dense autoencoder (Hawkins et al., DaWaK 2002; Sakurada & Yairi, MLSDA 2014), as the DIVAD paper's baseline
 * (divad.md §4): Dense(h, ReLU) → Dense(L, ReLU) → Dense(h, ReLU) → Dense(W·D, linear) on the flattened window,
 * MSE loss, no gradient clipping. Window score: the mean squared reconstruction error over its W×D values.
 * Deviation: the paper leaves h unstated; the default is one layer of 200 as in Dense DIVAD.
 */
import * as tf from '@tensorflow/tfjs';
import { denseSpecs, denseStack, type NamedParams, type ParamSpec } from '../neural/params';
import { WindowNetworkDetector, type TrainingConfig } from '../neural/window-network';
import { layerWidths, resolveConfig, TRAINING_CHECKS, TRAINING_DEFAULTS } from '../neural/config';

export interface DenseAeConfig extends TrainingConfig {
  /** hidden widths of the encoder; the decoder mirrors them */
  hidden: number | number[];
  /** L: the code size */
  latentDim: number;
}

export const DENSE_AE_DEFAULTS: DenseAeConfig = { ...TRAINING_DEFAULTS, hidden: 200, latentDim: 32 };

export class DenseAe extends WindowNetworkDetector<DenseAeConfig> {
  readonly id = 'dense-ae';

  constructor(params: Partial<DenseAeConfig> = {}) {
    super(resolveConfig('dense-ae', params, DENSE_AE_DEFAULTS, { ...TRAINING_CHECKS, hidden: 'layers', latentDim: 'positive-int' }));
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const n = this.config.windowLength * featureCount;
    const hidden = layerWidths(this.config.hidden);
    return [...denseSpecs('enc', [n, ...hidden, this.config.latentDim]), ...denseSpecs('dec', [this.config.latentDim, ...[...hidden].reverse(), n])];
  }

  /** x̂ = dec(ReLU code): [B, W·D] */
  reconstruct(p: NamedParams, x: tf.Tensor2D): tf.Tensor2D {
    const layers = layerWidths(this.config.hidden).length;
    const code = denseStack(p, 'enc', x, layers, true);
    return denseStack(p, 'dec', code, layers, false);
  }

  protected loss(p: NamedParams, x: tf.Tensor2D): tf.Scalar {
    return tf.mean(tf.squaredDifference(x, this.reconstruct(p, x)));
  }

  protected windowScores(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D {
    return tf.mean(tf.squaredDifference(x, this.reconstruct(p, x)), 1) as tf.Tensor1D;
  }

  static load(dir: string): Promise<DenseAe> {
    return WindowNetworkDetector.restore(dir, 'dense-ae', (config) => new DenseAe(config as Partial<DenseAeConfig>));
  }
}
