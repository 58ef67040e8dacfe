/**
 * MSCRED, the Multi-Scale Convolutional Recurrent Encoder-Decoder (Zhang, Song, Chen, Feng, Lumezanu, Cheng,
 * Ni, Zong, Chen & Chawla, "A Deep Neural Network for Unsupervised Anomaly Detection and Diagnosis in
 * Multivariate Time Series Data", AAAI 2019), as the DIVAD paper's baseline (docs/divad.md §4, TimeEval's code).
 *
 * Each window [W, D] becomes h = `steps` consecutive signature "images" for its last records
 * t = W−h..W−1 (0-based): one channel per length w of `signatureLengths`,
 * M^w_t = Σ_{i=t−w+1..t} x_i x_iᵀ / w, zero-padded from D×D to P×P (P a power of two). A conv encoder
 * (SELU, 'same' padding) maps every step to one feature map per level; per level, a ConvLSTM runs over the
 * h steps and temporal attention mixes its hidden states, Σ_i α_i H_i with α = softmax_i(⟨H_i, H_h⟩ / χ),
 * χ = 5; a transposed-conv decoder goes from the deepest level upward, concatenating each level's attended
 * map (the paper's Figure 2), and its last layer outputs the signature channels. Loss and window score:
 * the mean squared error between the reconstructed and the actual signature matrices of the last step.
 *
 * Defaults (docs/divad.md §4): lengths {10, 5}, h = 5, encoder (filters, kernel, stride) (32,3,1) (64,2,2)
 * (128,2,2) (256,2,2), AdamW weight decay 0.01, 20 epochs, batch 32, the other §3.3 training settings.
 * Cost: every level's ConvLSTM does about the same work (S² shrinks as F² grows), ≈ 20 GMAC per forward
 * pass of 32 windows at D = 19 (P = 32), so a training step takes seconds on one CPU core; halving every
 * `filters` divides it by about four.
 *
 * Deviations and choices:
 * - Signature slots follow the paper: step t sums the records t−w+1..t. TimeEval's generator sums
 *   t−w..t−1 for slot t = w_max + j, which leaves the last slot (the reconstruction target) at zero.
 * - ConvLSTM gates are a convolution over concat(x_t, h_{t−1}) without the paper's Hadamard peepholes
 *   W_C ∘ C, as in the official TensorFlow code (tf.contrib ConvLSTMCell, forget bias 1); its 2×2 kernel
 *   is the default `lstmKernel` at every level (TimeEval reuses each level's conv kernel and also feeds
 *   c_{t−1} to the convolution). χ = 5 is the paper's constant (the official code divides by h = 5).
 * - Activations as the official code: SELU after every encoder conv and hidden decoder layer; the last
 *   decoder layer is linear, because the inputs here are standardised rather than min-max scaled, so
 *   signature entries can fall below SELU's floor −1.7581. TimeEval has no activations at all.
 * - Kernels glorot-uniform (the official code's xavier initialiser), biases zero, the ConvLSTM's forget
 *   slice 1; the official code has no conv biases ("similar performance"), TimeEval has them.
 * - Padding: P = the smallest power of two ≥ max(D, product of the strides), so that every stride-2 level
 *   halves exactly (TimeEval: at least 8). The error is taken over the D×D block of each channel only:
 *   the padding is zero by construction and not part of the signature (TimeEval includes it).
 * - Inputs are the pipeline's standardised windows; TimeEval min-max scales each record over its features.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedParams, ParamSpec } from '../neural/params';
import {
  FeatureErrorNetwork,
  WindowNetworkDetector,
  type LossContext,
  type NoiseSource,
  type TrainingConfig,
} from '../neural/window-network';
import { trainingParameters } from '../neural/config';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import {
  listOf,
  POSITIVE_INTEGER,
  resolveParameters,
  type ParameterSchema,
  type ValueConstraint,
} from '../parameters/schema';

/** One encoder level: Conv2D(filters, kernel × kernel, stride), mirrored by a decoder layer. */
export interface MscredConvLayer {
  filters: number;
  kernel: number;
  stride: number;
}

export interface MscredConfig extends TrainingConfig {
  /** w: the signature lengths, one input channel each */
  signatureLengths: number[];
  /** h: signature steps, at the end of the window, that the ConvLSTMs run over */
  steps: number;
  /** the conv encoder, first layer first */
  encoder: MscredConvLayer[];
  /** ConvLSTM kernel size (every level, 'same' padding) */
  lstmKernel: number;
}

const CONV_LAYER: ValueConstraint = {
  type: 'record',
  fields: { filters: [POSITIVE_INTEGER], kernel: [POSITIVE_INTEGER], stride: [POSITIVE_INTEGER] },
};

/** Defaults of docs/divad.md §4; the window must hold h steps of the longest signature: W ≥ max(w) + h − 1. */
export const MSCRED_PARAMETERS: ParameterSchema<MscredConfig> = {
  parameters: {
    ...trainingParameters({ weightDecay: 0.01, epochs: 20 }),
    signatureLengths: {
      description: 'w: the signature lengths, one input channel each',
      accepts: [listOf(POSITIVE_INTEGER, { minItems: 1 })],
      default: [10, 5],
    },
    steps: {
      description: 'h: signature steps, at the end of the window, that the ConvLSTMs run over',
      accepts: [POSITIVE_INTEGER],
      default: 5,
    },
    encoder: {
      description: 'the conv encoder, first layer first: Conv2D(filters, kernel × kernel, stride) per level',
      accepts: [listOf(CONV_LAYER, { minItems: 1 })],
      default: [
        { filters: 32, kernel: 3, stride: 1 },
        { filters: 64, kernel: 2, stride: 2 },
        { filters: 128, kernel: 2, stride: 2 },
        { filters: 256, kernel: 2, stride: 2 },
      ],
    },
    lstmKernel: {
      description: 'ConvLSTM kernel size (every level, same padding)',
      accepts: [POSITIVE_INTEGER],
      default: 2,
    },
  },
  rules: [
    {
      keys: ['windowLength', 'signatureLengths', 'steps'],
      expected:
        'windowLength must be ≥ max(signatureLengths) + steps − 1, to hold steps signatures of the longest length',
      holds: (c) => c.windowLength >= Math.max(...c.signatureLengths) + c.steps - 1,
    },
  ],
};

/** the paper's attention rescaling factor χ */
export const ATTENTION_CHI = 5;

/** values a forward pass without gradients may keep alive (≈ 256 MB of float32) */
const FORWARD_VALUES = 64 * 1024 * 1024;

/** P: the smallest power of two ≥ max(D, Π strides) (D = 19 → 32 with the default encoder). */
export function paddedSize(featureCount: number, encoder: readonly MscredConvLayer[]): number {
  const need = Math.max(
    featureCount,
    encoder.reduce((s, l) => s * l.stride, 1),
  );
  let p = 1;
  while (p < need) p *= 2;
  return p;
}

/** Side of each level's feature maps, input first: S_0 = P, S_{l+1} = ⌈S_l / s_l⌉ ('same' convolutions). */
export function levelSizes(padded: number, encoder: readonly MscredConvLayer[]): number[] {
  const sizes = [padded];
  for (const l of encoder) sizes.push(Math.ceil(sizes[sizes.length - 1] / l.stride));
  return sizes;
}

/** Records summed into each step's matrix of length w, step-major: t−w+1..t for t = W−h..W−1. */
export function signatureRows(windowLength: number, steps: number, length: number): Int32Array {
  const out = new Int32Array(steps * length);
  for (let s = 0; s < steps; s++) {
    const t = windowLength - steps + s;
    for (let j = 0; j < length; j++) out[s * length + j] = t - length + 1 + j;
  }
  return out;
}

/**
 * M^w_t = Σ_{i=t−w+1..t} x_i x_iᵀ / w for the h last records t = W−h..W−1 of each window, one channel per
 * length, zero-padded to P×P: x [B, W·D] → h images [B, P, P, C], one per step. One batched matrix product
 * per length: the w records of each (step, window) form a [w, D] block R, and M = RᵀR / w.
 */
export function signatureMatrices(
  x: tf.Tensor2D,
  windowLength: number,
  lengths: readonly number[],
  steps: number,
  padded: number,
): tf.Tensor4D[] {
  return tf.tidy(() => {
    const [batch, size] = x.shape;
    const D = size / windowLength;
    const records = x.reshape([batch, windowLength, D]);
    const channels = lengths.map((w) => {
      const picked = tf.gather(records, tf.tensor1d(signatureRows(windowLength, steps, w), 'int32'), 1);
      // step-major blocks [h·B, w, D], so that each step's images are contiguous rows
      const blocks = tf
        .transpose(picked.reshape([batch, steps, w * D]), [1, 0, 2])
        .reshape([steps * batch, w, D]) as tf.Tensor3D;
      return tf.matMul(blocks, blocks, true, false).div(w);
    });
    const m = tf.stack(channels, 3) as tf.Tensor4D;
    const all =
      padded > D
        ? tf.pad(m, [
            [0, 0],
            [0, padded - D],
            [0, padded - D],
            [0, 0],
          ])
        : m;
    return tf.split(all, steps, 0) as tf.Tensor4D[];
  });
}

/** α_i = softmax_i(⟨H_i, H_h⟩ / χ) per window over its h hidden states H_i [B, N] → [B, h]. */
export function attentionWeights(states: readonly tf.Tensor2D[], chi = ATTENTION_CHI): tf.Tensor2D {
  const last = states[states.length - 1];
  return tf.softmax(
    tf
      .stack(
        states.map((h) => h.mul(last).sum(1)),
        1,
      )
      .div(chi),
  ) as tf.Tensor2D;
}

/** Σ_i α_i H_i: states H_i [B, N], weights [B, h] → [B, N]. */
export function attend(states: readonly tf.Tensor2D[], weights: tf.Tensor2D): tf.Tensor2D {
  const alphas = tf.split(weights, states.length, 1);
  return tf.addN(states.map((h, i) => h.mul(alphas[i]))) as tf.Tensor2D;
}

/** TF's 'same' padding before the first row (or column): ⌊max((⌈n/s⌉ − 1)·s + k − n, 0) / 2⌋. */
function samePadBefore(n: number, k: number, s: number): number {
  return Math.floor(Math.max((Math.ceil(n / s) - 1) * s + k - n, 0) / 2);
}

/** K [k, k, C_in, C_out] rotated by 180° with the channels swapped: [k, k, C_out, C_in]. */
function rotate180(kernel: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]);
}

/**
 * ∂L/∂x of y = conv2d(x, K, s, 'same') from ∂L/∂y as forward convolutions, because the wasm backend's
 * Conv2DBackpropInput is 8–15× slower than its Conv2D:
 * - s = 1: a convolution of ∂L/∂y with K rotated by 180° (input and output channels swapped; `rotated`
 *   if the caller has it);
 * - s = k and no padding: every output position owns one s×s input block, so a 1×1 convolution to
 *   k·k·C_in channels followed by depth-to-space;
 * - otherwise tfjs's own kernel.
 */
export function convInputGrad(
  dy: tf.Tensor4D,
  kernel: tf.Tensor4D,
  xShape: [number, number, number, number],
  stride: number,
  rotated?: tf.Tensor4D,
): tf.Tensor4D {
  const [kh, kw, cin, cout] = kernel.shape;
  const [, H, W] = xShape;
  if (stride === 1) {
    const top = samePadBefore(H, kh, 1);
    const left = samePadBefore(W, kw, 1);
    return tf.conv2d(dy, rotated ?? rotate180(kernel), 1, [
      [0, 0],
      [kh - 1 - top, top],
      [kw - 1 - left, left],
      [0, 0],
    ]);
  }
  if (kh === stride && kw === stride && H % stride === 0 && W % stride === 0) {
    // channel (a·s + c)·C_in + i of output position (y, x) is input position (y·s + a, x·s + c), channel i:
    // depth-to-space, as a 4-D transpose (7× faster than wasm's DepthToSpace)
    const [batch, oh, ow] = dy.shape;
    const blocks = tf.conv2d(
      dy,
      tf.transpose(kernel, [3, 0, 1, 2]).reshape([1, 1, cout, kh * kw * cin]) as tf.Tensor4D,
      1,
      'valid',
    );
    return tf
      .transpose(blocks.reshape([batch * oh, ow, stride, stride * cin]), [0, 2, 1, 3])
      .reshape([batch, H, W, cin]) as tf.Tensor4D;
  }
  return tf.conv2dTranspose(dy, kernel, xShape, stride, 'same');
}

/** ∂L/∂K of y = conv2d(x, K, s, 'same') (the backend's Conv2DBackpropFilter; on wasm our im2col kernel). */
function convFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  stride: number,
): tf.Tensor4D {
  const attrs = { strides: stride, pad: 'same', dataFormat: 'NHWC', filterShape };
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** forward(inputs) with the given gradient (tf.customGrad, every input saved for the backward pass). */
function customOp(
  inputs: tf.Tensor4D[],
  forward: (t: tf.Tensor4D[]) => tf.Tensor4D,
  backward: (dy: tf.Tensor4D, t: tf.Tensor4D[]) => tf.Tensor[],
): tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const ts = args as tf.Tensor4D[];
    save(ts);
    return {
      value: forward(ts),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => backward(dy, saved as tf.Tensor4D[]),
    };
  });
  return op(...inputs);
}

/**
 * rotate180(K) as a constant for `conv2dSame`: a kernel used at every step would otherwise be rotated
 * again in every step's backward pass (wasm's Reverse costs ~40 ns per value). The true gradient through
 * it is zero, since the convolution's value does not depend on it.
 */
export function rotatedConstant(kernel: tf.Tensor4D): tf.Tensor4D {
  return customOp(
    [kernel],
    ([k]) => rotate180(k),
    (_dy, [k]) => [tf.zerosLike(k)],
  );
}

/**
 * conv2d(x, K, s, 'same') [B, H, W, C_in] → [B, ⌈H/s⌉, ⌈W/s⌉, C_out], with the gradients of
 * `convInputGrad`; `rotated` = rotatedConstant(K) saves the rotation of stride-1 kernels.
 */
export function conv2dSame(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: number, rotated?: tf.Tensor4D): tf.Tensor4D {
  return customOp(
    rotated ? [x, kernel, rotated] : [x, kernel],
    ([xi, k]) => tf.conv2d(xi, k, stride, 'same'),
    (dy, [xi, k, r]) => {
      const grads = [convInputGrad(dy, k, xi.shape, stride, r), convFilterGrad(xi, dy, k.shape, stride)];
      return r ? [...grads, tf.zerosLike(r)] : grads;
    },
  );
}

/**
 * The transpose of conv2dSame with kernel K [k, k, C_out, C_in]: z [B, H′, W′, C_in] → [B, H, W, C_out]
 * (outShape; ⌈H/s⌉ = H′), i.e. tf.conv2dTranspose(z, K, outShape, s, 'same'); its input gradient is the
 * forward convolution.
 */
export function conv2dTransposeSame(
  z: tf.Tensor4D,
  kernel: tf.Tensor4D,
  outShape: [number, number, number, number],
  stride: number,
): tf.Tensor4D {
  return customOp(
    [z, kernel],
    ([zi, k]) => convInputGrad(zi, k, outShape, stride),
    (dy, [zi, k]) => [tf.conv2d(dy, k, stride, 'same'), convFilterGrad(dy, zi, k.shape, stride)],
  );
}

/**
 * The four gates of pre-activations z [B, S, S, 4F] (channels i, f, g, o) as [B·S·S, F] each. Channel
 * slices are strided and slow on wasm, and every slice there copies its whole input: one 3-D transpose
 * makes the gates contiguous blocks, and one split keeps the gradient a single concat.
 */
function gates(z: tf.Tensor4D): tf.Tensor2D[] {
  const [batch, S, , fourF] = z.shape;
  const F = fourF / 4;
  const positions = batch * S * S;
  const gateMajor = tf.transpose(z.reshape([positions, 4, F]), [1, 0, 2]).reshape([4, positions * F]);
  return tf.split(gateMajor, 4, 0).map((g) => g.reshape([positions, F]) as tf.Tensor2D);
}

/**
 * ConvLSTM over h steps x_t [B, S, S, F], from h₀ = c₀ = 0, F filters, kernel K [k, k, 2F, 4F]:
 * [i, f, g, o] = conv(concat(x_t, h_{t−1}), K) + b; c_t = σ(f) ⊙ c_{t−1} + σ(i) ⊙ tanh(g), h_t = σ(o) ⊙ tanh(c_t).
 * Returns every h_t flattened: [B, S·S·F]. `forGradient`: rotate the kernels for the backward pass once.
 */
export function convLstm(p: NamedParams, name: string, xs: readonly tf.Tensor4D[], forGradient = false): tf.Tensor2D[] {
  const kernel = p[`${name}/kernel`] as tf.Tensor4D;
  const [k, , twoF, fourF] = kernel.shape;
  const F = twoF / 2;
  const [batch, S] = xs[0].shape;
  // the convolution of the concatenation = the sum of the convolutions of its halves
  const kx = kernel.slice([0, 0, 0, 0], [k, k, F, fourF]);
  const kh = kernel.slice([0, 0, F, 0], [k, k, F, fourF]);
  const [rx, rh] = forGradient ? [rotatedConstant(kx), rotatedConstant(kh)] : [undefined, undefined];
  const bias = p[`${name}/bias`];
  let h: tf.Tensor2D | undefined;
  let c: tf.Tensor2D | undefined;
  const states: tf.Tensor2D[] = [];
  for (const x of xs) {
    let z = conv2dSame(x, kx, 1, rx).add(bias) as tf.Tensor4D;
    // h₀ = 0: the first step has no recurrent term
    if (h) z = z.add(conv2dSame(h.reshape([batch, S, S, F]), kh, 1, rh));
    const [i, f, g, o] = gates(z);
    const ig = tf.sigmoid(i).mul(tf.tanh(g));
    c = (c ? tf.sigmoid(f).mul(c).add(ig) : ig) as tf.Tensor2D;
    h = tf.sigmoid(o).mul(tf.tanh(c)) as tf.Tensor2D;
    states.push(h.reshape([batch, S * S * F]));
  }
  return states;
}

export class Mscred extends FeatureErrorNetwork<MscredConfig> {
  readonly id = 'mscred';

  constructor(params: Partial<MscredConfig> = {}) {
    super(resolveParameters('mscred', MSCRED_PARAMETERS, params));
  }

  // fully convolutional: no parameter depends on the feature count
  protected paramSpecs(): ParamSpec[] {
    const { encoder, signatureLengths, lstmKernel } = this.config;
    const C = signatureLengths.length;
    const specs: ParamSpec[] = [];
    let channels = C;
    encoder.forEach((l, i) => {
      specs.push({
        name: `enc/conv_${i}/kernel`,
        shape: [l.kernel, l.kernel, channels, l.filters],
        init: 'glorot-uniform',
      });
      specs.push({ name: `enc/conv_${i}/bias`, shape: [l.filters], init: 'zeros' });
      channels = l.filters;
    });
    encoder.forEach((l, i) => {
      specs.push({
        name: `lstm_${i}/kernel`,
        shape: [lstmKernel, lstmKernel, 2 * l.filters, 4 * l.filters],
        init: 'glorot-uniform',
      });
      specs.push({ name: `lstm_${i}/bias`, shape: [4 * l.filters], init: 'unit-forget-bias' });
    });
    const L = encoder.length;
    for (let i = L - 1; i >= 0; i--) {
      const l = encoder[i];
      // the deepest layer reads its level's attended map; the others also the layer below's output
      const inChannels = i === L - 1 ? l.filters : 2 * l.filters;
      const outChannels = i === 0 ? C : encoder[i - 1].filters;
      specs.push({
        name: `dec/deconv_${i}/kernel`,
        shape: [l.kernel, l.kernel, outChannels, inChannels],
        init: 'glorot-uniform',
      });
      specs.push({ name: `dec/deconv_${i}/bias`, shape: [outChannels], init: 'zeros' });
    }
    return specs;
  }

  private padded(featureCount: number): number {
    return paddedSize(featureCount, this.config.encoder);
  }

  /** The signature images of flattened windows x [B, W·D]: one [B, P, P, C] per step. */
  signatures(x: tf.Tensor2D): tf.Tensor4D[] {
    const c = this.config;
    return signatureMatrices(x, c.windowLength, c.signatureLengths, c.steps, this.padded(x.shape[1] / c.windowLength));
  }

  /**
   * The reconstructed last-step signatures [B, P, P, C] from the h signature images [B, P, P, C];
   * `forGradient` when a backward pass follows.
   */
  reconstruct(p: NamedParams, images: readonly tf.Tensor4D[], forGradient = false): tf.Tensor4D {
    const { encoder } = this.config;
    const [batch, P] = images[0].shape;
    const sizes = levelSizes(P, encoder);
    const attended: tf.Tensor4D[] = [];
    let ys = images;
    encoder.forEach((l, i) => {
      const kernel = p[`enc/conv_${i}/kernel`] as tf.Tensor4D;
      ys = ys.map((y) => tf.selu(conv2dSame(y, kernel, l.stride).add(p[`enc/conv_${i}/bias`])));
      const states = convLstm(p, `lstm_${i}`, ys, forGradient);
      attended.push(attend(states, attentionWeights(states)).reshape([batch, sizes[i + 1], sizes[i + 1], l.filters]));
    });
    let z = attended[encoder.length - 1];
    for (let i = encoder.length - 1; i >= 0; i--) {
      const kernel = p[`dec/deconv_${i}/kernel`] as tf.Tensor4D;
      const out = conv2dTransposeSame(z, kernel, [batch, sizes[i], sizes[i], kernel.shape[2]], encoder[i].stride).add(
        p[`dec/deconv_${i}/bias`],
      ) as tf.Tensor4D;
      if (i === 0) return out;
      z = tf.concat([tf.selu(out), attended[i - 1]], 3);
    }
    throw new Error('unreachable: the encoder has at least one layer');
  }

  /** Squared errors of the last step's D×D blocks, [B, D·D·C]. */
  private squaredErrors(p: NamedParams, x: tf.Tensor2D, forGradient = false): tf.Tensor2D {
    const batch = x.shape[0];
    const D = x.shape[1] / this.config.windowLength;
    const images = this.signatures(x);
    const C = this.config.signatureLengths.length;
    const target = images[images.length - 1].slice([0, 0, 0, 0], [batch, D, D, C]);
    const recon = this.reconstruct(p, images, forGradient).slice([0, 0, 0, 0], [batch, D, D, C]);
    return tf.squaredDifference(recon, target).reshape([batch, D * D * C]) as tf.Tensor2D;
  }

  /**
   * Windows per forward pass without gradients: a pass keeps about 16 values per ConvLSTM activation of
   * every step and level alive until it ends, which for the default network is ~5M values per window.
   */
  private chunkWindows(featureCount: number): number {
    const { encoder, steps } = this.config;
    const sizes = levelSizes(this.padded(featureCount), encoder);
    const perWindow = 16 * steps * encoder.reduce((sum, l, i) => sum + sizes[i + 1] * sizes[i + 1] * l.filters, 0);
    return Math.max(1, Math.floor(FORWARD_VALUES / perWindow));
  }

  /** reduce of each window's squared errors [B, D·D·C], in chunks of `chunkWindows` windows. */
  private inChunks<T extends tf.Tensor>(p: NamedParams, x: tf.Tensor2D, reduce: (errors: tf.Tensor2D) => T): T {
    const [batch, size] = x.shape;
    const chunk = this.chunkWindows(size / this.config.windowLength);
    if (batch <= chunk) return reduce(this.squaredErrors(p, x));
    const parts: T[] = [];
    for (let start = 0; start < batch; start += chunk) {
      const count = Math.min(chunk, batch - start);
      parts.push(tf.tidy(() => reduce(this.squaredErrors(p, x.slice([start, 0], [count, size])))));
    }
    return tf.concat(parts) as T;
  }

  /** The mean squared error of each window. */
  private windowErrors(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D {
    return this.inChunks(p, x, (errors) => tf.mean(errors, 1) as tf.Tensor1D);
  }

  /**
   * a_f = ½ Σ_c Σ_j (E_fjc + E_jfc) / (D·D·C) over the last step's squared residuals E: each entry's error split
   * between the two features whose product it holds (row and column), so that Σ_f a_f is the score
   */
  protected featureErrors(p: NamedParams, x: tf.Tensor2D): tf.Tensor2D {
    const D = x.shape[1] / this.config.windowLength;
    return this.inChunks(p, x, (errors) => {
      const e = errors.reshape([errors.shape[0], D, D, -1]);
      return e
        .sum([2, 3])
        .add(e.sum([1, 3]))
        .div(2 * errors.shape[1]) as tf.Tensor2D;
    });
  }

  protected loss(p: NamedParams, x: tf.Tensor2D, _noise: NoiseSource, ctx: LossContext): tf.Scalar {
    // the gradient needs the whole batch on one tape; the validation loss need not
    return ctx.training ? tf.mean(this.squaredErrors(p, x, true)) : tf.mean(this.windowErrors(p, x));
  }

  protected windowScores(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D {
    return this.windowErrors(p, x);
  }

  static load(dir: string): Promise<Mscred> {
    return WindowNetworkDetector.restore(dir, 'mscred', (config) => new Mscred(config as Partial<MscredConfig>));
  }
}

export const MSCRED_DESCRIPTOR: WindowDetectorDescriptor = {
  id: 'mscred',
  kind: 'window',
  summary:
    'signature matrices of the window, conv encoder + attention ConvLSTM + deconv decoder; score: error of the last ' +
    'signatures',
  citation:
    'Zhang et al., "A Deep Neural Network for Unsupervised Anomaly Detection and Diagnosis in Multivariate Time ' +
    'Series Data", AAAI 2019 (TimeEval code)',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: MSCRED_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: {
    windowLength: 6,
    signatureLengths: [3, 2],
    steps: 3,
    encoder: [
      { filters: 4, kernel: 3, stride: 1 },
      { filters: 8, kernel: 2, stride: 2 },
      { filters: 8, kernel: 2, stride: 2 },
    ],
  },
  create: (params) => new Mscred(params),
  load: (dir) => Mscred.load(dir),
};
