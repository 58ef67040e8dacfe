/**
 * Dense autoencoder (Hawkins et al., DaWaK 2002; Sakurada & Yairi, MLSDA 2014), as the DIVAD paper's baseline
 * (docs/divad.md §4): Dense(h, ReLU) → Dense(L, ReLU) → Dense(h, ReLU) → Dense(W·D, linear) on the flattened window,
 * MSE loss, no gradient clipping. Window score: the mean squared reconstruction error over its W×D values.
 * Deviation: the paper leaves h unstated; the default is one layer of 200 as in Dense DIVAD.
 */
import * as tf from '@tensorflow/tfjs';
import { denseSpecs, denseStack, type NamedParams, type ParamSpec } from '../neural/params';
import {
  FeatureErrorNetwork,
  WindowNetworkDetector,
  squaredErrorShares,
  type TrainingConfig,
} from '../neural/window-network';
import { layerWidths, trainingParameters } from '../neural/config';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import { layerWidthsAccepted, POSITIVE_INTEGER, resolveParameters, type ParameterSchema } from '../parameters/schema';

export interface DenseAeConfig extends TrainingConfig {
  /** hidden widths of the encoder; the decoder mirrors them */
  hidden: number | number[];
  /** L: the code size */
  latentDim: number;
}

export const DENSE_AE_PARAMETERS: ParameterSchema<DenseAeConfig> = {
  parameters: {
    ...trainingParameters(),
    hidden: {
      description:
        'widths of the encoder’s hidden layers, the decoder mirrors them (h unstated in the paper: one layer of 200, ' +
        'as Dense DIVAD)',
      accepts: layerWidthsAccepted(),
      default: 200,
    },
    latentDim: { description: 'L: the code size (the DIVAD code’s default)', accepts: [POSITIVE_INTEGER], default: 32 },
  },
};

export class DenseAe extends FeatureErrorNetwork<DenseAeConfig> {
  readonly id = 'dense-ae';

  constructor(params: Partial<DenseAeConfig> = {}) {
    super(resolveParameters('dense-ae', DENSE_AE_PARAMETERS, params));
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const n = this.config.windowLength * featureCount;
    const hidden = layerWidths(this.config.hidden);
    return [
      ...denseSpecs('enc', [n, ...hidden, this.config.latentDim]),
      ...denseSpecs('dec', [this.config.latentDim, ...[...hidden].reverse(), n]),
    ];
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

  protected featureErrors(p: NamedParams, x: tf.Tensor2D): tf.Tensor2D {
    return squaredErrorShares(x, this.reconstruct(p, x), this.featureCount!);
  }

  static load(dir: string): Promise<DenseAe> {
    return WindowNetworkDetector.restore(dir, 'dense-ae', (config) => new DenseAe(config as Partial<DenseAeConfig>));
  }
}

export const DENSE_AE_DESCRIPTOR: WindowDetectorDescriptor = {
  id: 'dense-ae',
  kind: 'window',
  summary: 'dense autoencoder on the flattened window; score: mean squared reconstruction error',
  citation:
    'Hawkins et al., DaWaK 2002; Sakurada & Yairi, MLSDA 2014 (as the DIVAD paper’s Dense AE, docs/divad.md §4)',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: DENSE_AE_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { windowLength: 3, hidden: 8, latentDim: 2 },
  create: (params) => new DenseAe(params),
  load: (dir) => DenseAe.load(dir),
};
