import * as tf from '@tensorflow/tfjs';
import { ParameterError } from '@driftwatch/contracts';
import { layerWidths } from '../neural/config';
import { conv1d, conv1dSpecs } from '../neural/layers';
import { denseSpecs, denseStack, type NamedParams, type ParamSpec } from '../neural/params';
import { SUPERVISED_NETWORK_CHECKS, SUPERVISED_NETWORK_DEFAULTS, supervisedConfig, type SupervisedNetworkConfig } from './config';
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
export const CNN1D_DEFAULTS: Cnn1dConfig = { ...SUPERVISED_NETWORK_DEFAULTS, filters: [32, 32], kernelSize: 3, pooling: 'average', hidden: [32] };

const ID = 'cnn1d';
const POOLINGS = ['average', 'max'] as const;

/**
 * The 1D-CNN baseline of spatiotemporal.md §2: the entity's window as a sequence of W steps with F channels →
 * Conv1D(filters_l, k, stride 1, 'same', ReLU) per layer (he-uniform kernels, zero biases: `neural/layers.ts`) →
 * global pooling over time → Dense(h, ReLU) per hidden layer → Dense(1) → σ, trained with the weighted binary
 * cross-entropy. Parameters `cnn1d/conv_l/{kernel,bias}` (kernel [k, in, filters]), `cnn1d/dense_i/…`, `cnn1d/head/…`.
 * Training on wasm uses the package's Conv2DBackpropFilter kernel (`backend/wasm-kernels.ts`).
 */
export class Cnn1d extends SupervisedNetwork<Cnn1dConfig> {
  readonly id = ID;

  constructor(params: Partial<Cnn1dConfig> | Record<string, unknown> = {}) {
    const config = supervisedConfig(ID, params, CNN1D_DEFAULTS, { ...SUPERVISED_NETWORK_CHECKS, filters: 'layers', kernelSize: 'positive-int', hidden: 'layers' }, { pooling: POOLINGS });
    if (layerWidths(config.filters).length === 0) throw new ParameterError(`${ID}: filters must name at least one Conv1D layer, got []`);
    super(config);
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const filters = layerWidths(this.config.filters);
    const convs = filters.flatMap((out, l) => conv1dSpecs(`${ID}/conv_${l}`, this.config.kernelSize, l === 0 ? featureCount : filters[l - 1], out));
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
