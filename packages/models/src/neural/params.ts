/**
 * Parameters of the dense networks as named tensors: specs (name, shape, initialiser), seeded initial
 * values and the dense layer, shared by DIVAD and the neural baselines.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32, normalSampler } from '@driftwatch/contracts';

export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'glorot-uniform' | 'zeros' | 'standard-normal';
}

export type NamedParams = Record<string, tf.Tensor>;

/** Kernels and biases of a stack of dense layers with the given widths: `prefix/dense_i/…`, the last `prefix/head/…`. */
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

/**
 * Seeded initial values: Glorot-uniform kernels U(±√(6/(fan_in + fan_out))), zero biases, N(0, 1) where asked
 * (Keras defaults; divad.md §3.1).
 */
export function initialValues(specs: readonly ParamSpec[], seed: number): Map<string, Float32Array> {
  const uniform = mulberry32(seed);
  const normal = normalSampler(mulberry32((seed ^ 0x5bd1e995) >>> 0));
  const out = new Map<string, Float32Array>();
  for (const s of specs) {
    const size = s.shape.reduce((x, y) => x * y, 1);
    const v = new Float32Array(size);
    if (s.init === 'glorot-uniform') {
      const limit = Math.sqrt(6 / (s.shape[0] + s.shape[1]));
      for (let i = 0; i < size; i++) v[i] = (2 * uniform() - 1) * limit;
    } else if (s.init === 'standard-normal') {
      for (let i = 0; i < size; i++) v[i] = normal();
    }
    out.set(s.name, v);
  }
  return out;
}

/** y = act(x·K + b) for the layer `name` (fused kernel). */
export function dense(p: NamedParams, name: string, x: tf.Tensor2D, relu: boolean): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: p[`${name}/kernel`] as tf.Tensor2D, bias: p[`${name}/bias`], activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
}

/** `hidden` ReLU layers `prefix/dense_i`, then `prefix/head` with or without ReLU. */
export function denseStack(p: NamedParams, prefix: string, x: tf.Tensor2D, hiddenCount: number, reluHead = false): tf.Tensor2D {
  let h = x;
  for (let i = 0; i < hiddenCount; i++) h = dense(p, `${prefix}/dense_${i}`, h, true);
  return dense(p, `${prefix}/head`, h, reluHead);
}

/** Independent seeded streams derived from a fit seed (weights, batches, noise, validation noise). */
export function subSeed(seed: number, stream: number): number {
  return (Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(stream, 0xc2b2ae35)) >>> 0;
}
