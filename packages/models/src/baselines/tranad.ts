/**
 * TranAD (Tuli, Casale & Jennings, "TranAD: Deep Transformer Networks for Anomaly Detection in Multivariate
 * Time Series Data", PVLDB 15(6), 2022), as the DIVAD paper's baseline (docs/divad.md §4), following the official
 * code (imperial-qore/TranAD `src/models.py::TranAD`, `src/dlutils.py`):
 *
 * - inputs min-max scaled to [0, 1] with the per-feature minimum and maximum of the training windows;
 * - one transformer encoder layer shared by both phases, one decoder layer per phase, one output layer
 *   Linear(2D → D) + sigmoid shared by both phases; d_model E = 2D, D heads (head size 2), dim_ff 64;
 * - encoder input [X, c]·√D + positional encoding pe[t, i] = sin(t·ωᵢ) + cos(t·ωᵢ), ωᵢ = 10000^(−i/E);
 *   decoder input (target) = the window's last record x_t repeated to [x_t, x_t];
 * - phase 1 with c = 0 gives x̂₁, phase 2 with c = (x̂₁ − X)² (broadcast over the W records) gives x̂₂;
 * - layers as TranAD's own (no LayerNorm): s ← s + Drop(MHA(s)); s ← s + Drop(FF(s)) with
 *   FF = Linear₂(Drop(act(Linear₁ s))), act = `nn.LeakyReLU(True)`, whose first argument is the negative slope,
 *   so slope 1: the identity; decoders add a cross-attention block over the encoder output in between;
 * - dropout 0.1 on the positional encoding, the attention weights (PyTorch MultiheadAttention), the residual
 *   branches and the feed-forward hidden layer, in training steps only;
 * - loss (1/n)·MSE(x̂₁, x_t) + (1 − 1/n)·MSE(x̂₂, x_t), n = epoch + 1 (0-based epoch); AdamW (weight decay 1e-5),
 *   learning rate 1e-3 × 0.9^⌊epoch/5⌋ (StepLR), batches of 128 consecutive windows (batch order shuffled).
 *
 * Window score: the mean over the D features of (x̂₂ − x_t)², in the scaled space (the code scores phase 2
 * only; the paper describes the average of both phases).
 *
 * Defaults (docs/divad.md §4, ASD script): W = 20, dim_ff 64, learning rate 1e-3, 300 epochs, patience 100, no
 * gradient clipping. The original TranAD code uses W = 10 and dim_ff 16.
 *
 * Deviations, and why:
 * - Min-max scaling happens inside the detector, with the training windows' per-feature minimum and maximum
 *   kept as state (`scale/min`, `scale/max`, saved with the model), so that TranAD takes the same standardised
 *   windows as every other detector. On standardised inputs this is the min-max scaling of the raw data:
 *   standardisation is a per-feature positive affine map z = (x − μ)/σ, and (z − min z)/(max z − min z) =
 *   (x − min x)/(max x − min x). A feature constant in training gets range 1 (scikit-learn's MinMaxScaler)
 *   instead of TranAD's + 1e-4 on every range. Test values outside the training range are not clipped (as both).
 * - Initialisation: the in-projection of every attention block is one [E, 3E] glorot-uniform kernel, as
 *   PyTorch's xavier_uniform_ on `in_proj_weight`, with zero bias (as PyTorch); every other kernel is
 *   glorot-uniform with zero bias (PyTorch's Linear draws kernel and bias from U(±1/√fan_in)), the initialisers
 *   the package has.
 * - Dropout masks come from the seeded normal noise (keep where z > Φ⁻¹(rate), then scale by 1/(1 − rate)),
 *   so that every backend draws the same masks.
 * - AdamW is the package's (Keras form, ε 1e-7 added to √v̂ with the bias correction folded into the step size);
 *   PyTorch's AdamW adds ε 1e-8 to the bias-corrected √v̂.
 * - `layerNorm: true` adds PyTorch's stock post-norm LayerNorm (ε 1e-5, affine) after each residual; off by
 *   default, as TranAD's layers have none.
 * - Batches: the original loader does not shuffle; docs/divad.md §4 shuffles the order of the runs of consecutive
 *   windows (`batchOrder` 'blocks'). The validation loss is the training loss without dropout, with the
 *   current epoch's phase weights (early stopping compares epochs under a weighting that moves toward x̂₂).
 */
import * as tf from '@tensorflow/tfjs';
import { dense, layerNormSpecs, linearSpecs, type NamedParams, type ParamSpec } from '../neural/params';
import { minMaxStateSpecs, minMaxTrainingPhase } from '../neural/min-max';
import {
  FeatureErrorNetwork,
  WindowNetworkDetector,
  squaredErrorShares,
  type LossContext,
  type NoiseSource,
  type TrainingConfig,
  type TrainingPhase,
} from '../neural/window-network';
import { trainingParameters } from '../neural/config';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import {
  BOOLEAN,
  POSITIVE_INTEGER,
  POSITIVE_NUMBER,
  resolveParameters,
  type ParameterSchema,
} from '../parameters/schema';

export interface TranAdConfig extends TrainingConfig {
  /** dim_feedforward of every transformer layer */
  feedForward: number;
  /** dropout rate of every dropout site, in [0, 1) */
  dropout: number;
  /** StepLR: the learning rate is multiplied by `lrDecay` every `lrDecayEvery` epochs */
  lrDecay: number;
  lrDecayEvery: number;
  /** post-norm LayerNorm after each residual (PyTorch's stock layers); TranAD's layers have none */
  layerNorm: boolean;
}

export const TRANAD_PARAMETERS: ParameterSchema<TranAdConfig> = {
  parameters: {
    ...trainingParameters({
      windowLength: 20,
      learningRate: 1e-3,
      weightDecay: 1e-5,
      clipNorm: null,
      batchSize: 128,
      epochs: 300,
      patience: 100,
    }),
    feedForward: {
      description: 'dim_feedforward of every transformer layer',
      accepts: [POSITIVE_INTEGER],
      default: 64,
    },
    dropout: {
      description: 'dropout rate of every dropout site',
      accepts: [{ type: 'number', min: 0, max: 1, exclusiveMax: true }],
      default: 0.1,
    },
    lrDecay: {
      description: 'StepLR: the learning rate is multiplied by lrDecay every lrDecayEvery epochs',
      accepts: [POSITIVE_NUMBER],
      default: 0.9,
    },
    lrDecayEvery: { description: 'epochs between two StepLR decays', accepts: [POSITIVE_INTEGER], default: 5 },
    layerNorm: {
      description: 'post-norm LayerNorm after each residual (PyTorch’s stock layers); TranAD’s layers have none',
      accepts: [BOOLEAN],
      default: false,
    },
  },
};

const ID = 'tranad';
const LAYER_NORM_EPSILON = 1e-5;

/** Φ⁻¹(p) for p in (0, 1) by Acklam's rational approximation (relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < low ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/**
 * TranAD's positional encoding [length, dModel]: pe[t, i] = sin(t·ωᵢ) + cos(t·ωᵢ), ωᵢ = exp(−i·ln 10000 / dModel),
 * every i.
 */
function positionalEncoding(length: number, dModel: number): Float32Array {
  const pe = new Float32Array(length * dModel);
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < dModel; i++) {
      const angle = t * Math.exp((-i * Math.log(10000)) / dModel);
      pe[t * dModel + i] = Math.sin(angle) + Math.cos(angle);
    }
  }
  return pe;
}

/** Applies dropout to a tensor (the identity outside training). */
type Dropout = (x: tf.Tensor) => tf.Tensor;

const noDropout: Dropout = (x) => x;

/** Inverted dropout: x·[z > Φ⁻¹(rate)]/(1 − rate), z from the seeded noise, one draw per element. */
function dropoutFrom(noise: NoiseSource, rate: number): Dropout {
  if (rate === 0) return noDropout;
  const threshold = normalQuantile(rate);
  return (x) => {
    const cols = x.shape[x.shape.length - 1];
    const keep = noise([x.size / cols, cols])
      .greater(threshold)
      .cast('float32')
      .mul(1 / (1 - rate));
    return x.mul(keep.reshape(x.shape));
  };
}

/** Sizes of one attention call: B windows, Lq queries and Lk keys per window, H heads. */
interface AttentionDims {
  batch: number;
  queries: number;
  keys: number;
  heads: number;
}

/** [B·L, E] → [B·H, L, E/H]: each head's slice of every position, heads batched. */
function splitHeads(t: tf.Tensor2D, batch: number, length: number, heads: number): tf.Tensor3D {
  const size = t.shape[1] / heads;
  return t
    .reshape([batch, length, heads, size])
    .transpose([0, 2, 1, 3])
    .reshape([batch * heads, length, size]);
}

/**
 * The heads' outputs [B, E] for one query per window (the decoders' target): the same softmax(q·kᵀ/√dₕ)·v as
 * the batched matMuls, written with elementwise products and sums because a batched matMul of B·H 1-row
 * matrices pays its per-matrix cost B·H times. One key (the decoders' self-attention) gives weights of 1.
 * Dropout sees the weights as [B·H, 1, Lk], as in the general path. q [B, E], k and v [B·Lk, E].
 */
function singleQueryAttention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  dims: AttentionDims,
  drop: Dropout,
): tf.Tensor2D {
  const { batch, keys, heads } = dims;
  const E = q.shape[1];
  const headSize = E / heads;
  const v4 = v.reshape([batch, keys, heads, headSize]);
  if (keys === 1) return v4.mul(drop(tf.ones([batch * heads, 1, 1])).reshape([batch, 1, heads, 1])).reshape([batch, E]);
  // logits[b, h, j] = Σ_d q[b, h, d]·k[b, j, h, d] / √dₕ
  const logits = q
    .reshape([batch, 1, E])
    .mul(k.reshape([batch, keys, E]))
    .reshape([batch, keys, heads, headSize])
    .sum(3)
    .transpose([0, 2, 1])
    .mul(1 / Math.sqrt(headSize));
  const weights = drop(tf.softmax(logits).reshape([batch * heads, 1, keys])).reshape([batch, heads, keys]);
  // out[b, h, d] = Σ_j weights[b, h, j]·v[b, j, h, d]
  return weights.transpose([0, 2, 1]).reshape([batch, keys, heads, 1]).mul(v4).sum(1).reshape([batch, E]);
}

/**
 * PyTorch MultiheadAttention without masks: headᵢ = softmax(qᵢkᵢᵀ/√dₕ)·vᵢ with [q | k | v] = [x_q, x_kv, x_kv]·W_in +
 * b, dropout on the attention weights, concat(heads)·W_out + b. `keyValue` null = self-attention.
 * query [B·Lq, E], keyValue [B·Lk, E] → [B·Lq, E].
 */
function multiHeadAttention(
  p: NamedParams,
  name: string,
  query: tf.Tensor2D,
  keyValue: tf.Tensor2D | null,
  dims: AttentionDims,
  drop: Dropout = noDropout,
): tf.Tensor2D {
  const kernel = p[`${name}/in_proj/kernel`] as tf.Tensor2D;
  const bias = p[`${name}/in_proj/bias`] as tf.Tensor1D;
  const E = kernel.shape[0];
  let q: tf.Tensor2D;
  let k: tf.Tensor2D;
  let v: tf.Tensor2D;
  if (keyValue === null) {
    [q, k, v] = tf.split(tf.fused.matMul({ a: query, b: kernel, bias }), 3, 1) as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
    ];
  } else {
    q = tf.fused.matMul({ a: query, b: kernel.slice([0, 0], [E, E]), bias: bias.slice(0, E) }) as tf.Tensor2D;
    [k, v] = tf.split(
      tf.fused.matMul({ a: keyValue, b: kernel.slice([0, E], [E, 2 * E]), bias: bias.slice(E, 2 * E) }),
      2,
      1,
    ) as [tf.Tensor2D, tf.Tensor2D];
  }
  const { batch, queries, keys, heads } = dims;
  const headSize = E / heads;
  if (queries === 1) return dense(p, `${name}/out_proj`, singleQueryAttention(q, k, v, dims, drop), false);
  const logits = tf
    .matMul(splitHeads(q, batch, queries, heads), splitHeads(k, batch, keys, heads), false, true)
    .mul(1 / Math.sqrt(headSize));
  const weights = drop(tf.softmax(logits)) as tf.Tensor3D;
  const out = tf
    .matMul(weights, splitHeads(v, batch, keys, heads))
    .reshape([batch, heads, queries, headSize])
    .transpose([0, 2, 1, 3])
    .reshape([batch * queries, E]) as tf.Tensor2D;
  return dense(p, `${name}/out_proj`, out, false);
}

/** γ·(x − mean)/√(var + ε) + β over the last axis (PyTorch LayerNorm, biased variance). */
function layerNorm(p: NamedParams, name: string, x: tf.Tensor2D): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 1, true);
  return x
    .sub(mean)
    .mul(tf.rsqrt(variance.add(LAYER_NORM_EPSILON)))
    .mul(p[`${name}/gamma`])
    .add(p[`${name}/beta`]);
}

/** Linear₂(Drop(Linear₁ x)): the activation LeakyReLU(negative_slope = 1) is the identity. */
function feedForward(p: NamedParams, name: string, x: tf.Tensor2D, drop: Dropout): tf.Tensor2D {
  return dense(p, `${name}/linear2`, drop(dense(p, `${name}/linear1`, x, false)) as tf.Tensor2D, false);
}

function attentionSpecs(name: string, E: number): ParamSpec[] {
  return [
    { name: `${name}/in_proj/kernel`, shape: [E, 3 * E], init: 'glorot-uniform' },
    { name: `${name}/in_proj/bias`, shape: [3 * E], init: 'zeros' },
    { name: `${name}/out_proj/kernel`, shape: [E, E], init: 'glorot-uniform' },
    { name: `${name}/out_proj/bias`, shape: [E], init: 'zeros' },
  ];
}

export class TranAd extends FeatureErrorNetwork<TranAdConfig> {
  readonly id = ID;

  constructor(params: Partial<TranAdConfig> = {}) {
    super(resolveParameters(ID, TRANAD_PARAMETERS, params));
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const E = 2 * featureCount;
    const F = this.config.feedForward;
    const norms = (name: string, count: number) =>
      this.config.layerNorm
        ? Array.from({ length: count }, (_, i) => layerNormSpecs(`${name}/norm${i + 1}`, E)).flat()
        : [];
    const decoder = (name: string) => [
      ...attentionSpecs(`${name}/self_attn`, E),
      ...attentionSpecs(`${name}/cross_attn`, E),
      ...linearSpecs(`${name}/linear1`, E, F),
      ...linearSpecs(`${name}/linear2`, F, E),
      ...norms(name, 3),
    ];
    return [
      ...attentionSpecs('enc/self_attn', E),
      ...linearSpecs('enc/linear1', E, F),
      ...linearSpecs('enc/linear2', F, E),
      ...norms('enc', 2),
      ...decoder('dec1'),
      ...decoder('dec2'),
      ...linearSpecs('output', E, featureCount),
    ];
  }

  protected override stateSpecs(featureCount: number): ParamSpec[] {
    return minMaxStateSpecs('scale', featureCount);
  }

  protected override phases(): TrainingPhase[] {
    return [minMaxTrainingPhase('scale')];
  }

  protected override learningRateAt(epoch: number): number {
    return this.config.learningRate * this.config.lrDecay ** Math.floor(epoch / this.config.lrDecayEvery);
  }

  protected override batchOrder(): 'blocks' {
    return 'blocks';
  }

  /** (x − min)/(max − min) per feature, a zero range counting as 1: [B, W·D] → [B, W, D] */
  private scaled(p: NamedParams, x: tf.Tensor2D): tf.Tensor3D {
    const lo = p['scale/min'];
    const span = p['scale/max'].sub(lo);
    const range = tf.where(span.greater(0), span, tf.onesLike(span));
    const D = lo.shape[0];
    return x.reshape([x.shape[0], this.config.windowLength, D]).sub(lo).div(range);
  }

  /**
   * Both phases' outputs for flattened raw windows [B, W·D]: x̂₁, x̂₂ and the scaled last record x_t, each [B, D].
   * `drop` is applied at every dropout site, in a fixed order (so seeded masks repeat).
   */
  reconstruct(
    p: NamedParams,
    x: tf.Tensor2D,
    drop: Dropout = noDropout,
  ): { x1: tf.Tensor2D; x2: tf.Tensor2D; target: tf.Tensor2D } {
    const W = this.config.windowLength;
    const B = x.shape[0];
    const X = this.scaled(p, x);
    const D = X.shape[2];
    const E = 2 * D;
    const norm = this.config.layerNorm;
    const target = X.slice([0, W - 1, 0], [B, 1, D]).reshape([B, D]) as tf.Tensor2D;
    const tgt = tf.concat([target, target], 1);
    const pe = tf.tensor2d(positionalEncoding(W, E), [W, E]);
    const encode = (c: tf.Tensor3D): tf.Tensor2D => {
      let s = drop(tf.concat([X, c], 2).mul(Math.sqrt(D)).add(pe)).reshape([B * W, E]) as tf.Tensor2D;
      s = s.add(
        drop(multiHeadAttention(p, 'enc/self_attn', s, null, { batch: B, queries: W, keys: W, heads: D }, drop)),
      );
      if (norm) s = layerNorm(p, 'enc/norm1', s);
      s = s.add(drop(feedForward(p, 'enc', s, drop)));
      if (norm) s = layerNorm(p, 'enc/norm2', s);
      return s;
    };
    const decode = (name: string, memory: tf.Tensor2D): tf.Tensor2D => {
      let t = tgt;
      t = t.add(
        drop(multiHeadAttention(p, `${name}/self_attn`, t, null, { batch: B, queries: 1, keys: 1, heads: D }, drop)),
      );
      if (norm) t = layerNorm(p, `${name}/norm1`, t);
      t = t.add(
        drop(multiHeadAttention(p, `${name}/cross_attn`, t, memory, { batch: B, queries: 1, keys: W, heads: D }, drop)),
      );
      if (norm) t = layerNorm(p, `${name}/norm2`, t);
      t = t.add(drop(feedForward(p, name, t, drop)));
      if (norm) t = layerNorm(p, `${name}/norm3`, t);
      return tf.sigmoid(dense(p, 'output', t, false));
    };
    const x1 = decode('dec1', encode(tf.zerosLike(X)));
    const c = X.sub(x1.reshape([B, 1, D])).square() as tf.Tensor3D;
    const x2 = decode('dec2', encode(c));
    return { x1, x2, target };
  }

  protected loss(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource, ctx: LossContext): tf.Scalar {
    const { x1, x2, target } = this.reconstruct(
      p,
      x,
      ctx.training ? dropoutFrom(noise, this.config.dropout) : noDropout,
    );
    // the weight of phase 1 decays as 1/n over the epochs (n = epoch + 1)
    const w1 = 1 / (ctx.epoch + 1);
    return tf
      .mean(tf.squaredDifference(x1, target))
      .mul(w1)
      .add(tf.mean(tf.squaredDifference(x2, target)).mul(1 - w1));
  }

  protected windowScores(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D {
    const { x2, target } = this.reconstruct(p, x);
    return tf.mean(tf.squaredDifference(x2, target), 1) as tf.Tensor1D;
  }

  /** (x̂₂ − x_t)²_f / D: the last record's phase-2 errors, whose mean over features is the score */
  protected featureErrors(p: NamedParams, x: tf.Tensor2D): tf.Tensor2D {
    const { x2, target } = this.reconstruct(p, x);
    return squaredErrorShares(target, x2, target.shape[1]);
  }

  static load(dir: string): Promise<TranAd> {
    return WindowNetworkDetector.restore(dir, ID, (config) => new TranAd(config as Partial<TranAdConfig>));
  }
}

export const TRANAD_DESCRIPTOR: WindowDetectorDescriptor = {
  id: ID,
  kind: 'window',
  summary:
    'transformer encoder–decoder with two-phase adversarial self-conditioning; score: phase-2 error of the last ' +
    'record',
  citation:
    'Tuli, Casale & Jennings, "TranAD: Deep Transformer Networks for Anomaly Detection in Multivariate Time Series ' +
    'Data", PVLDB 15(6), 2022',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: TRANAD_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { windowLength: 4, feedForward: 8, batchSize: 32 },
  create: (params) => new TranAd(params),
  load: (dir) => TranAd.load(dir),
};
