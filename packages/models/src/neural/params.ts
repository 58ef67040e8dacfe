/**
 * Parameters of the dense networks as named tensors: specs (name, shape, initialiser), seeded initial
 * values and the dense layer, shared by DIVAD and the neural baselines.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32, normalSampler } from '@driftwatch/contracts';

export interface ParamSpec {
  name: string;
  shape: number[];
  /**
   * Keras initialisers: glorot-uniform U(±√(6/(fan_in + fan_out))), he-uniform U(±√(6/fan_in)), orthogonal
   * (rows or columns orthonormal), zeros, ones, N(0, 1), an LSTM bias [4u] of zeros with the forget gate's
   * slice [u, 2u) at 1 (unit_forget_bias); fans count the receptive field of conv kernels
   */
  init: 'glorot-uniform' | 'he-uniform' | 'orthogonal' | 'zeros' | 'ones' | 'standard-normal' | 'unit-forget-bias';
}

export type NamedParams = Record<string, tf.Tensor>;

/**
 * Kernels and biases of a stack of dense layers with the given widths: `prefix/dense_i/…`, the last `prefix/head/…`.
 */
export function denseSpecs(prefix: string, sizes: number[]): ParamSpec[] {
  const out: ParamSpec[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const last = i + 2 === sizes.length;
    const layer = last ? 'head' : `dense_${i}`;
    out.push({ name: `${prefix}/${layer}/kernel`, shape: [sizes[i], sizes[i + 1]], init: 'glorot-uniform' });
    out.push({ name: `${prefix}/${layer}/bias`, shape: [sizes[i + 1]], init: 'zeros' });
  }
  return out;
}

/** Keras's fans: receptive field = product of all but the last two dimensions. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.slice(0, -2).reduce((x, y) => x * y, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/**
 * Keras's orthogonal initialiser for a [rows, cols] matrix (rows = product of all but the last dimension):
 * Gram–Schmidt on the columns of a tall N(0, 1) matrix, which gives the Q of a QR with diag(R) > 0
 * (Keras multiplies Q by sign(diag R) to the same end), transposed when rows < cols.
 */
export function orthogonalMatrix(rows: number, cols: number, normal: () => number): Float32Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const q = Array.from({ length: m }, () => Float64Array.from({ length: n }, normal));
  for (let j = 0; j < m; j++) {
    for (let pass = 0; pass < 2; pass++) {
      // twice, for orthogonality to working precision
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += q[i][r] * q[j][r];
        for (let r = 0; r < n; r++) q[j][r] -= dot * q[i][r];
      }
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += q[j][r] * q[j][r];
    norm = Math.sqrt(norm);
    for (let r = 0; r < n; r++) q[j][r] /= norm;
  }
  const out = new Float32Array(rows * cols);
  // q[j] is column j of the tall n×m matrix; rows ≥ cols: out = Q; rows < cols: out = Qᵀ
  for (let j = 0; j < m; j++) for (let r = 0; r < n; r++) out[rows >= cols ? r * cols + j : j * cols + r] = q[j][r];
  return out;
}

/** Seeded initial values of every spec, drawn in spec order (Keras defaults; docs/divad.md §3.1). */
export function initialValues(specs: readonly ParamSpec[], seed: number): Map<string, Float32Array> {
  const uniform = mulberry32(seed);
  const normal = normalSampler(mulberry32((seed ^ 0x5bd1e995) >>> 0));
  const out = new Map<string, Float32Array>();
  for (const s of specs) {
    const size = s.shape.reduce((x, y) => x * y, 1);
    let v: Float32Array = new Float32Array(size);
    const { fanIn, fanOut } = fans(s.shape);
    if (s.init === 'glorot-uniform' || s.init === 'he-uniform') {
      const limit = Math.sqrt(6 / (s.init === 'glorot-uniform' ? fanIn + fanOut : fanIn));
      for (let i = 0; i < size; i++) v[i] = (2 * uniform() - 1) * limit;
    } else if (s.init === 'orthogonal') {
      const cols = s.shape[s.shape.length - 1];
      v = orthogonalMatrix(size / cols, cols, normal);
    } else if (s.init === 'standard-normal') {
      for (let i = 0; i < size; i++) v[i] = normal();
    } else if (s.init === 'ones') {
      v.fill(1);
    } else if (s.init === 'unit-forget-bias') {
      v.fill(1, size / 4, size / 2);
    }
    out.set(s.name, v);
  }
  return out;
}

/** y = act(x·K + b) for the layer `name` (fused kernel). */
export function dense(p: NamedParams, name: string, x: tf.Tensor2D, relu: boolean): tf.Tensor2D {
  return tf.fused.matMul({
    a: x,
    b: p[`${name}/kernel`] as tf.Tensor2D,
    bias: p[`${name}/bias`],
    activation: relu ? 'relu' : 'linear',
  }) as tf.Tensor2D;
}

/** `hidden` ReLU layers `prefix/dense_i`, then `prefix/head` with or without ReLU. */
export function denseStack(
  p: NamedParams,
  prefix: string,
  x: tf.Tensor2D,
  hiddenCount: number,
  reluHead = false,
): tf.Tensor2D {
  let h = x;
  for (let i = 0; i < hiddenCount; i++) h = dense(p, `${prefix}/dense_${i}`, h, true);
  return dense(p, `${prefix}/head`, h, reluHead);
}

/** The independent random streams of a fit, by the number `subSeed` derives each one's seed from. */
export const SEED_STREAMS = {
  /** initial parameter values (`initialValues`) */
  weights: 1,
  /** the order of training examples, reshuffled every epoch (`trainLoop`) */
  batches: 2,
  /** noise of the training steps: reparameterisation samples, dropout masks */
  trainingNoise: 3,
  /** noise of the validation loss, restarted every epoch so that epochs are compared on equal terms */
  validationNoise: 4,
  /** noise of scoring, restarted every call so that the same windows always get the same scores */
  scoringNoise: 5,
} as const;

/** The seed of one stream of a fit seed (`SEED_STREAMS`). */
export function subSeed(seed: number, stream: number): number {
  return (Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(stream, 0xc2b2ae35)) >>> 0;
}

/**
 * A linear layer's parameters in PyTorch's layout for y = x·W + b: kernel [inputs, outputs] (Glorot uniform), bias
 * zeros.
 */
export function linearSpecs(name: string, inputs: number, outputs: number): ParamSpec[] {
  return [
    { name: `${name}/kernel`, shape: [inputs, outputs], init: 'glorot-uniform' },
    { name: `${name}/bias`, shape: [outputs], init: 'zeros' },
  ];
}

/** LayerNorm's affine parameters over a last axis of size d: γ ones, β zeros. */
export function layerNormSpecs(name: string, d: number): ParamSpec[] {
  return [
    { name: `${name}/gamma`, shape: [d], init: 'ones' },
    { name: `${name}/beta`, shape: [d], init: 'zeros' },
  ];
}
