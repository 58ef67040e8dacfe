import * as tf from '@tensorflow/tfjs';
import {
  dense,
  denseSpecs,
  denseStack,
  layerNormSpecs,
  linearSpecs,
  type NamedParams,
  type ParamSpec,
} from '../neural/params';
import type { NodeDetectorDescriptor } from '../descriptor';
import { oneOf, POSITIVE_INTEGER, resolveParameters, type ParameterSchema } from '../parameters/schema';
import { SUPERVISED_NETWORK_PARAMETERS, type SupervisedNetworkConfig } from './config';
import { SupervisedNetwork } from './neural-classifier';

export interface TransformerConfig extends SupervisedNetworkConfig {
  /** d_model: width of the projected steps */
  dModel: number;
  /** attention heads per layer; must divide dModel */
  heads: number;
  /** encoder layers */
  layers: number;
  /** hidden width of each layer's feed-forward block */
  feedForward: number;
  /** how the W encoded steps become one vector: their mean ('average') or the last step ('last') */
  pooling: 'average' | 'last';
}

/** A small encoder for windows of ≈ 10–20 steps: d_model 32, 4 heads of 8, 2 layers, FFN 64. */
export const TRANSFORMER_PARAMETERS: ParameterSchema<TransformerConfig> = {
  parameters: {
    ...SUPERVISED_NETWORK_PARAMETERS,
    dModel: { description: 'd_model: width of the projected steps', accepts: [POSITIVE_INTEGER], default: 32 },
    heads: { description: 'attention heads per layer; must divide dModel', accepts: [POSITIVE_INTEGER], default: 4 },
    layers: { description: 'encoder layers', accepts: [POSITIVE_INTEGER], default: 2 },
    feedForward: {
      description: 'hidden width of each layer’s feed-forward block',
      accepts: [POSITIVE_INTEGER],
      default: 64,
    },
    pooling: {
      description: 'how the W encoded steps become one vector: their mean (average) or the last step (last)',
      accepts: [oneOf('average', 'last')],
      default: 'average',
    },
  },
  rules: [{ keys: ['heads', 'dModel'], expected: 'heads must divide dModel', holds: (c) => c.dModel % c.heads === 0 }],
};

const ID = 'transformer';
/** PyTorch's LayerNorm ε */
export const LAYER_NORM_EPSILON = 1e-5;

/**
 * Sinusoidal positions [W, d] (Vaswani et al. 2017 §3.5): PE[t, 2j] = sin(t/10000^(2j/d)), PE[t, 2j+1] =
 * cos(t/10000^(2j/d)).
 */
export function sinusoidalPositions(length: number, dModel: number): Float32Array {
  const pe = new Float32Array(length * dModel);
  for (let t = 0; t < length; t++) {
    for (let c = 0; c < dModel; c++) {
      const angle = t / 10000 ** ((2 * Math.floor(c / 2)) / dModel);
      pe[t * dModel + c] = c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return pe;
}

/** γ·(x − mean)/√(var + ε) + β over the last axis, biased variance (PyTorch LayerNorm). */
function layerNorm(p: NamedParams, name: string, x: tf.Tensor2D): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 1, true);
  return x
    .sub(mean)
    .mul(tf.rsqrt(variance.add(LAYER_NORM_EPSILON)))
    .mul(p[`${name}/gamma`])
    .add(p[`${name}/beta`]);
}

/** [B·W, d] → [B·H, W, d/H]: each head's slice of every step, heads batched. */
function splitHeads(t: tf.Tensor2D, batch: number, steps: number, heads: number): tf.Tensor3D {
  const size = t.shape[1] / heads;
  return t
    .reshape([batch, steps, heads, size])
    .transpose([0, 2, 1, 3])
    .reshape([batch * heads, steps, size]);
}

/**
 * Multi-head self-attention over the W steps of each window: headₕ = softmax(QₕKₕᵀ/√dₕ)·Vₕ with Q, K, V = x·W_{q,k,v} +
 * b, output concat(heads)·W_o + b_o. x [B·W, d] → [B·W, d].
 */
function selfAttention(
  p: NamedParams,
  name: string,
  x: tf.Tensor2D,
  batch: number,
  steps: number,
  heads: number,
): tf.Tensor2D {
  const d = x.shape[1];
  const q = splitHeads(dense(p, `${name}/query`, x, false), batch, steps, heads);
  const k = splitHeads(dense(p, `${name}/key`, x, false), batch, steps, heads);
  const v = splitHeads(dense(p, `${name}/value`, x, false), batch, steps, heads);
  const weights = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(d / heads)));
  const out = tf
    .matMul(weights, v)
    .reshape([batch, heads, steps, d / heads])
    .transpose([0, 2, 1, 3])
    .reshape([batch * steps, d]) as tf.Tensor2D;
  return dense(p, `${name}/output`, out, false);
}

/**
 * The Transformer baseline of docs/spatiotemporal.md §2, an encoder-only classifier: each step's F metrics →
 * Dense(d) + sinusoidal positions → `layers` × [x ← LN(x + MHSA(x)); x ← LN(x + FFN(x))] with FFN = Dense(ff, ReLU)
 * → Dense(d) (post-norm, as Vaswani et al.) → mean over the steps (or the last step) → Dense(1) → σ, trained with the
 * weighted binary cross-entropy. Glorot-uniform kernels, zero biases, LayerNorm γ = 1, β = 0; no dropout (weight
 * decay and early stopping regularise). Parameters `transformer/input/…`, `transformer/layer_l/attention/{query,key,
 * value,output}/…`, `transformer/layer_l/{norm1,norm2}/{gamma,beta}`, `transformer/layer_l/ffn/{dense_0,head}/…`,
 * `transformer/head/…`.
 */
export class Transformer extends SupervisedNetwork<TransformerConfig> {
  readonly id = ID;

  constructor(params: Partial<TransformerConfig> | Record<string, unknown> = {}) {
    super(resolveParameters(ID, TRANSFORMER_PARAMETERS, params));
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const { dModel: d, feedForward, layers } = this.config;
    const specs = linearSpecs(`${ID}/input`, featureCount, d);
    for (let l = 0; l < layers; l++) {
      const layer = `${ID}/layer_${l}`;
      for (const part of ['query', 'key', 'value', 'output'])
        specs.push(...linearSpecs(`${layer}/attention/${part}`, d, d));
      specs.push(
        ...layerNormSpecs(`${layer}/norm1`, d),
        ...denseSpecs(`${layer}/ffn`, [d, feedForward, d]),
        ...layerNormSpecs(`${layer}/norm2`, d),
      );
    }
    return [...specs, ...denseSpecs(ID, [d, 1])];
  }

  protected logits(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D {
    const { windowLength: W, dModel: d, heads, layers, pooling } = this.config;
    const B = x.shape[0];
    const F = x.shape[1] / W;
    let h = dense(p, `${ID}/input`, x.reshape([B * W, F]), false);
    h = h
      .reshape([B, W, d])
      .add(tf.tensor2d(sinusoidalPositions(W, d), [W, d]))
      .reshape([B * W, d]);
    for (let l = 0; l < layers; l++) {
      const layer = `${ID}/layer_${l}`;
      h = layerNorm(p, `${layer}/norm1`, h.add(selfAttention(p, `${layer}/attention`, h, B, W, heads)));
      h = layerNorm(p, `${layer}/norm2`, h.add(denseStack(p, `${layer}/ffn`, h, 1)));
    }
    const steps = h.reshape([B, W, d]);
    const pooled = (
      pooling === 'last' ? steps.slice([0, W - 1, 0], [B, 1, d]).reshape([B, d]) : steps.mean(1)
    ) as tf.Tensor2D;
    return dense(p, `${ID}/head`, pooled, false).reshape([B]) as tf.Tensor1D;
  }

  static load(dir: string): Promise<Transformer> {
    return SupervisedNetwork.restore(dir, ID, (config) => new Transformer(config));
  }
}

export const TRANSFORMER_DESCRIPTOR: NodeDetectorDescriptor = {
  id: ID,
  kind: 'node',
  summary: 'encoder-only transformer classifier over the entity window’s steps → pooled → logit',
  citation:
    'Transformer encoder (Vaswani et al., NeurIPS 2017), the supervised baselines of the spatiotemporal paper ' +
    '(docs/spatiotemporal.md §2)',
  capabilities: { tfjs: true, supervised: true, epochs: true },
  schema: TRANSFORMER_PARAMETERS,
  datasetDefaults: {},
  testParams: { windowLength: 5 },
  create: (params) => new Transformer(params),
  load: (dir) => Transformer.load(dir),
};
