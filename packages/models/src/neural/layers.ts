/**
 * Convolutional and recurrent layers as pure functions of named parameters, with Keras's parameter layouts
 * and initialisers, so that the sequence detectors (Rec DIVAD, Rec AE/VAE/DSVDD, LSTM-AD, OmniAnomaly)
 * share one implementation and their parameter counts match the paper's.
 *
 * Layouts (Keras): Conv1D kernel [k, in, filters]; Conv1DTranspose kernel [k, filters, in]; GRU kernel
 * [in, 3u] (gates z, r, h), recurrent kernel [u, 3u], and Keras's bias [2, 3u] (reset_after) kept as two
 * [3u] tensors, input_bias and recurrent_bias (the wasm fused matMul takes only biases stored as rank 1);
 * LSTM kernel [in, 4u] (gates i, f, c, o), recurrent kernel [u, 4u], bias [4u].
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedParams, ParamSpec } from './params';

export interface Conv1dOptions {
  stride: number;
  /** 'same' keeps ⌈W/stride⌉ positions */
  padding?: 'same' | 'valid';
  activation?: 'relu' | 'linear';
  /** default true */
  bias?: boolean;
}

/** Conv1D(filters, k): kernel [k, in, filters] he-uniform (divad.md §3.1 Rec encoder), zero bias. */
export function conv1dSpecs(name: string, kernelSize: number, inChannels: number, filters: number, opts: { bias?: boolean; init?: ParamSpec['init'] } = {}): ParamSpec[] {
  const specs: ParamSpec[] = [{ name: `${name}/kernel`, shape: [kernelSize, inChannels, filters], init: opts.init ?? 'he-uniform' }];
  if (opts.bias ?? true) specs.push({ name: `${name}/bias`, shape: [filters], init: 'zeros' });
  return specs;
}

/** y[b, t, f] = act(Σ_{j,c} x[b, t·s + j − pad, c]·K[j, c, f] + bias[f]); x [B, W, C] */
export function conv1d(p: NamedParams, name: string, x: tf.Tensor3D, opts: Conv1dOptions): tf.Tensor3D {
  let y = tf.conv1d(x, p[`${name}/kernel`] as tf.Tensor3D, opts.stride, opts.padding ?? 'same');
  if (opts.bias ?? true) y = y.add(p[`${name}/bias`]);
  return opts.activation === 'relu' ? tf.relu(y) : y;
}

/** Conv1DTranspose(filters, k): kernel [k, filters, in] glorot-uniform (divad.md §3.1 Rec decoder), zero bias. */
export function conv1dTransposeSpecs(name: string, kernelSize: number, inChannels: number, filters: number, opts: { bias?: boolean; init?: ParamSpec['init'] } = {}): ParamSpec[] {
  const specs: ParamSpec[] = [{ name: `${name}/kernel`, shape: [kernelSize, filters, inChannels], init: opts.init ?? 'glorot-uniform' }];
  if (opts.bias ?? true) specs.push({ name: `${name}/bias`, shape: [filters], init: 'zeros' });
  return specs;
}

/** The transpose of conv1d with padding 'same': [B, W′, in] → [B, W′·s, filters] (as a 2-D transpose over a 1×W′ image). */
export function conv1dTranspose(p: NamedParams, name: string, x: tf.Tensor3D, opts: Conv1dOptions): tf.Tensor3D {
  const kernel = p[`${name}/kernel`];
  const [k, filters, inChannels] = kernel.shape;
  const [batch, length] = x.shape;
  const y4 = tf.conv2dTranspose(x.reshape([batch, 1, length, inChannels]) as tf.Tensor4D, kernel.reshape([1, k, filters, inChannels]) as tf.Tensor4D, [batch, 1, length * opts.stride, filters], [1, opts.stride], 'same');
  let y = y4.reshape([batch, length * opts.stride, filters]) as tf.Tensor3D;
  if (opts.bias ?? true) y = y.add(p[`${name}/bias`]);
  return opts.activation === 'relu' ? tf.relu(y) : y;
}

/** Keras GRU(units) with reset_after = true: kernel glorot-uniform, recurrent kernel orthogonal, zero biases. */
export function gruSpecs(name: string, inputSize: number, units: number, opts: { bias?: boolean } = {}): ParamSpec[] {
  const specs: ParamSpec[] = [
    { name: `${name}/kernel`, shape: [inputSize, 3 * units], init: 'glorot-uniform' },
    { name: `${name}/recurrent_kernel`, shape: [units, 3 * units], init: 'orthogonal' },
  ];
  if (opts.bias ?? true) {
    specs.push({ name: `${name}/input_bias`, shape: [3 * units], init: 'zeros' }, { name: `${name}/recurrent_bias`, shape: [3 * units], init: 'zeros' });
  }
  return specs;
}

/**
 * GRU over x [B, T, in] from h₀ = 0 (Keras, reset_after): with xⱼ = x·Wⱼ + b_inⱼ and hⱼ = h·Uⱼ + b_recⱼ,
 * z = σ(x_z + h_z), r = σ(x_r + h_r), h̃ = tanh(x_h + r ⊙ h_h), h′ = z ⊙ h + (1 − z) ⊙ h̃.
 * Returns every state [B, T, u] or only the last [B, u].
 */
export function gru(p: NamedParams, name: string, x: tf.Tensor3D, returnSequences: boolean): tf.Tensor3D | tf.Tensor2D {
  const kernel = p[`${name}/kernel`] as tf.Tensor2D;
  const recurrent = p[`${name}/recurrent_kernel`] as tf.Tensor2D;
  const units = recurrent.shape[0];
  const [batch, steps, inputSize] = x.shape;
  // the input projections of all time steps in one matrix product
  const projected = tf.fused.matMul({ a: x.reshape([batch * steps, inputSize]), b: kernel, bias: p[`${name}/input_bias`] });
  const [xzr, xh] = tf.split(projected.reshape([batch, steps, 3 * units]), [2 * units, units], 2);
  const xzrSteps = tf.unstack(xzr, 1) as tf.Tensor2D[];
  const xhSteps = tf.unstack(xh, 1) as tf.Tensor2D[];
  const recurrentBias = p[`${name}/recurrent_bias`];
  let h = tf.zeros([batch, units]) as tf.Tensor2D;
  const states: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const hp = tf.fused.matMul({ a: h, b: recurrent, bias: recurrentBias });
    const [hzr, hh] = tf.split(hp, [2 * units, units], 1);
    const [z, r] = tf.split(tf.sigmoid(xzrSteps[t].add(hzr)), 2, 1);
    const candidate = tf.tanh(xhSteps[t].add(r.mul(hh)));
    h = candidate.add(z.mul(h.sub(candidate))) as tf.Tensor2D;
    if (returnSequences) states.push(h);
  }
  return returnSequences ? (tf.stack(states, 1) as tf.Tensor3D) : h;
}

/** Keras LSTM(units): kernel glorot-uniform, recurrent kernel orthogonal, bias zeros with the forget gate's at 1 (unit_forget_bias). */
export function lstmSpecs(name: string, inputSize: number, units: number): ParamSpec[] {
  return [
    { name: `${name}/kernel`, shape: [inputSize, 4 * units], init: 'glorot-uniform' },
    { name: `${name}/recurrent_kernel`, shape: [units, 4 * units], init: 'orthogonal' },
    { name: `${name}/bias`, shape: [4 * units], init: 'unit-forget-bias' },
  ];
}

/**
 * LSTM over x [B, T, in] from h₀ = c₀ = 0: [i, f, g, o] = x·W + h·U + b; i, f, o through σ, g through tanh;
 * c′ = f ⊙ c + i ⊙ g, h′ = o ⊙ tanh(c′). Returns every h [B, T, u] or only the last [B, u].
 */
export function lstm(p: NamedParams, name: string, x: tf.Tensor3D, returnSequences: boolean): tf.Tensor3D | tf.Tensor2D {
  const kernel = p[`${name}/kernel`] as tf.Tensor2D;
  const recurrent = p[`${name}/recurrent_kernel`] as tf.Tensor2D;
  const units = recurrent.shape[0];
  const [batch, steps, inputSize] = x.shape;
  const projected = tf.fused.matMul({ a: x.reshape([batch * steps, inputSize]), b: kernel, bias: p[`${name}/bias`] });
  const xSteps = tf.unstack(projected.reshape([batch, steps, 4 * units]), 1) as tf.Tensor2D[];
  let h = tf.zeros([batch, units]) as tf.Tensor2D;
  let c = tf.zeros([batch, units]) as tf.Tensor2D;
  const states: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const gates = xSteps[t].add(tf.matMul(h, recurrent));
    const [i, f, g, o] = tf.split(gates, 4, 1);
    c = tf.sigmoid(f).mul(c).add(tf.sigmoid(i).mul(tf.tanh(g))) as tf.Tensor2D;
    h = tf.sigmoid(o).mul(tf.tanh(c)) as tf.Tensor2D;
    if (returnSequences) states.push(h);
  }
  return returnSequences ? (tf.stack(states, 1) as tf.Tensor3D) : h;
}

/** RepeatVector(n): [B, m] → [B, n, m] */
export function repeatVector(x: tf.Tensor2D, n: number): tf.Tensor3D {
  const [batch, m] = x.shape;
  return tf.tile(x.reshape([batch, 1, m]), [1, n, 1]) as tf.Tensor3D;
}

/** Keeps `length` positions of [B, T, C], dropping ⌊excess/2⌋ at the start and ⌈excess/2⌉ at the end (divad.md §3.1). */
export function cropToLength(x: tf.Tensor3D, length: number): tf.Tensor3D {
  const excess = x.shape[1] - length;
  if (excess === 0) return x;
  if (excess < 0) throw new RangeError(`cropToLength: ${x.shape[1]} positions, ${length} wanted`);
  return x.slice([0, Math.floor(excess / 2), 0], [-1, length, -1]);
}
