import type * as tf from '@tensorflow/tfjs';
import { layerWidths } from '../neural/config';
import { denseSpecs, denseStack, type NamedParams, type ParamSpec } from '../neural/params';
import type { NodeDetectorDescriptor } from '../descriptor';
import { layerWidthsAccepted, resolveParameters, type ParameterSchema } from '../parameters/schema';
import { SUPERVISED_NETWORK_PARAMETERS, type SupervisedNetworkConfig } from './config';
import { SupervisedNetwork } from './neural-classifier';

export interface MlpConfig extends SupervisedNetworkConfig {
  /** widths of the hidden ReLU layers (one number = one layer; [] = logistic regression on the window) */
  hidden: number | number[];
}

/** Two hidden layers of 64 and 32 units: the usual small MLP for W·F inputs of a few hundred values. */
export const MLP_PARAMETERS: ParameterSchema<MlpConfig> = {
  parameters: {
    ...SUPERVISED_NETWORK_PARAMETERS,
    hidden: {
      description: 'widths of the hidden ReLU layers ([] = logistic regression on the window)',
      accepts: layerWidthsAccepted(),
      default: [64, 32],
    },
  },
};

const ID = 'mlp';

/**
 * The MLP baseline of docs/spatiotemporal.md §2: the entity's window flattened to W·F values (step-major) →
 * Dense(h, ReLU) per hidden layer → Dense(1) → σ, trained with the weighted binary cross-entropy. Glorot-uniform
 * kernels and zero biases (Keras defaults); no dropout, the regularisation is weight decay and early stopping.
 * Parameters `mlp/dense_i/{kernel,bias}`, `mlp/head/{kernel,bias}`.
 */
export class Mlp extends SupervisedNetwork<MlpConfig> {
  readonly id = ID;

  constructor(params: Partial<MlpConfig> | Record<string, unknown> = {}) {
    super(resolveParameters(ID, MLP_PARAMETERS, params));
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    return denseSpecs('mlp', [this.config.windowLength * featureCount, ...layerWidths(this.config.hidden), 1]);
  }

  protected logits(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D {
    const z = denseStack(p, 'mlp', x, layerWidths(this.config.hidden).length);
    return z.reshape([x.shape[0]]) as tf.Tensor1D;
  }

  static load(dir: string): Promise<Mlp> {
    return SupervisedNetwork.restore(dir, ID, (config) => new Mlp(config));
  }
}

export const MLP_DESCRIPTOR: NodeDetectorDescriptor = {
  id: ID,
  kind: 'node',
  summary: 'classifier on the flattened entity window: Dense ReLU layers → logit',
  citation: 'MLP, the supervised baselines of the spatiotemporal paper (docs/spatiotemporal.md §2)',
  capabilities: { tfjs: true, supervised: true, epochs: true },
  schema: MLP_PARAMETERS,
  datasetDefaults: {},
  testParams: { windowLength: 5 },
  create: (params) => new Mlp(params),
  load: (dir) => Mlp.load(dir),
};
