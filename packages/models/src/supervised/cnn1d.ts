import * as tf from '@tensorflow/tfjs';
import { layerWidths } from '../neural/config';
import { conv1d, conv1dSpecs } from '../neural/layers';
import { denseSpecs, denseStack, type NamedParams, type ParamSpec } from '../neural/params';
import type { NodeDetectorDescriptor } from '../descriptor';
import {
  layerWidthsAccepted,
  oneOf,
  POSITIVE_INTEGER,
  resolveParameters,
  type ParameterSchema,
} from '../parameters/schema';
import { SUPERVISED_NETWORK_PARAMETERS, type SupervisedNetworkConfig } from './config';
import { SupervisedNetwork } from './neural-classifier';

export interface Cnn1dConfig extends SupervisedNetworkConfig {
  /** filters of each Conv1D layer over time (one number = one layer; at least one layer) */
  filters: number | number[];
  /** kernel size of every Conv1D layer, in steps */
  kernelSize: number;
  /** global pooling over the W steps: mean ('average') or maximum ('max') of each filter */
  pooling: 'average' | 'max';
  /** widths of the ReLU dense layers between the pooled features and the logit ([] = none) */
  hidden: number | number[];
}

/**
 * Two Conv1D(32, k = 3) layers (the small-kernel stack common for windows of ≈ 10–20 steps), global average
 * pooling as in Wang et al.'s FCN time-series classifier, one Dense(32, ReLU) before the logit.
 */
export const CNN1D_PARAMETERS: ParameterSchema<Cnn1dConfig> = {
  parameters: {
    ...SUPERVISED_NETWORK_PARAMETERS,
    filters: {
      description: 'filters of each Conv1D layer over time',
      accepts: layerWidthsAccepted(1),
      default: [32, 32],
    },
    kernelSize: { description: 'kernel size of every Conv1D layer, in steps', accepts: [POSITIVE_INTEGER], default: 3 },
    pooling: {
      description: 'global pooling over the W steps: mean (average) or maximum (max) of each filter',
      accepts: [oneOf('average', 'max')],
      default: 'average',
    },
    hidden: {
      description: 'widths of the ReLU dense layers between the pooled features and the logit ([] = none)',
      accepts: layerWidthsAccepted(),
      default: [32],
    },
  },
};

const ID = 'cnn1d';

/**
 * The 1D-CNN baseline of docs/spatiotemporal.md §2: the entity's window as a sequence of W steps with F channels →
 * Conv1D(filters_l, k, stride 1, 'same', ReLU) per layer (he-uniform kernels, zero biases: `neural/layers.ts`) →
 * global pooling over time → Dense(h, ReLU) per hidden layer → Dense(1) → σ, trained with the weighted binary
 * cross-entropy. Parameters `cnn1d/conv_l/{kernel,bias}` (kernel [k, in, filters]), `cnn1d/dense_i/…`, `cnn1d/head/…`.
 * Training on wasm uses the package's Conv2DBackpropFilter kernel (`backend/wasm-kernels.ts`).
 */
export class Cnn1d extends SupervisedNetwork<Cnn1dConfig> {
  readonly id = ID;

  constructor(params: Partial<Cnn1dConfig> | Record<string, unknown> = {}) {
    super(resolveParameters(ID, CNN1D_PARAMETERS, params));
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const filters = layerWidths(this.config.filters);
    const convs = filters.flatMap((out, l) =>
      conv1dSpecs(`${ID}/conv_${l}`, this.config.kernelSize, l === 0 ? featureCount : filters[l - 1], out),
    );
    return [...convs, ...denseSpecs(ID, [filters[filters.length - 1], ...layerWidths(this.config.hidden), 1])];
  }

  protected logits(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D {
    const B = x.shape[0];
    const W = this.config.windowLength;
    let h = x.reshape([B, W, x.shape[1] / W]) as tf.Tensor3D;
    layerWidths(this.config.filters).forEach((_, l) => {
      h = conv1d(p, `${ID}/conv_${l}`, h, { stride: 1, padding: 'same', activation: 'relu' });
    });
    const pooled = (this.config.pooling === 'max' ? h.max(1) : h.mean(1)) as tf.Tensor2D;
    return denseStack(p, ID, pooled, layerWidths(this.config.hidden).length).reshape([B]) as tf.Tensor1D;
  }

  static load(dir: string): Promise<Cnn1d> {
    return SupervisedNetwork.restore(dir, ID, (config) => new Cnn1d(config));
  }
}

export const CNN1D_DESCRIPTOR: NodeDetectorDescriptor = {
  id: ID,
  kind: 'node',
  summary: 'classifier on the entity window as a sequence: Conv1D layers → global pooling → Dense → logit',
  citation: '1D-CNN, the supervised baselines of the spatiotemporal paper (docs/spatiotemporal.md §2)',
  capabilities: { tfjs: true, supervised: true, epochs: true },
  schema: CNN1D_PARAMETERS,
  datasetDefaults: {},
  testParams: { windowLength: 5 },
  create: (params) => new Cnn1d(params),
  load: (dir) => Cnn1d.load(dir),
};
