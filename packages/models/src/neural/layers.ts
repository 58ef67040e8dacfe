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

/**
 * The transpose of conv1d with padding 'same' (Keras Conv1DTranspose): [B, W′, in] → [B, W′·s, filters],
 * x[t]·K[j] added at t·s + j − ⌊max(0, k − s)/2⌋. Computed as a stride-1 'valid' conv1d of the input dilated
 * by s and padded, with the kernel reversed in time: wasm's conv2d is about 15× faster than its
 * Conv2DBackpropInput, which tf.conv2dTranspose runs.
 */
export function conv1dTranspose(p: NamedParams, name: string, x: tf.Tensor3D, opts: Conv1dOptions): tf.Tensor3D {
  const kernel = p[`${name}/kernel`] as tf.Tensor3D;
  const k = kernel.shape[0];
  const [batch, length, channels] = x.shape;
  const s = opts.stride;
  const before = Math.floor(Math.max(0, k - s) / 2);
  // u[t·s] = x[t], zeros between (length W′·s)
  const dilated = s === 1 ? x : (x.reshape([batch, length, 1, channels]).pad([[0, 0], [0, 0], [0, s - 1], [0, 0]]).reshape([batch, length * s, channels]) as tf.Tensor3D);
  // y[t′] = Σ_j u[t′ + before − j]·K[j] = Σ_m padded[t′ + m]·K[k − 1 − m] with k − 1 − before zeros in front
  const padded = dilated.pad([[0, 0], [k - 1 - before, before], [0, 0]]) as tf.Tensor3D;
  let y = tf.conv1d(padded, tf.reverse(kernel, 0).transpose([0, 2, 1]) as tf.Tensor3D, 1, 'valid');
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

/** column block `g` of width `units` of a [rows, n·units] matrix, or of a [n·units] bias */
function gateBlock(m: tf.Tensor, g: number, units: number): tf.Tensor {
  return m.rank === 1 ? m.slice([g * units], [units]) : m.slice([0, g * units], [m.shape[0], units]);
}

/** the input projections x·W_g + b_g of one gate for every step of time-major x [T·B, in], one [B, u] tensor per step */
function projectSteps(x2: tf.Tensor2D, kernel: tf.Tensor, bias: tf.Tensor | undefined, g: number, units: number, steps: number): tf.Tensor2D[] {
  const projected = tf.fused.matMul({ a: x2, b: gateBlock(kernel, g, units) as tf.Tensor2D, bias });
  return tf.unstack(projected.reshape([steps, x2.shape[0] / steps, units])) as tf.Tensor2D[];
}

/** x [B, T, in] → time-major rows [T·B, in], so that each step's rows are contiguous (a copy-free slice) */
function timeMajor(x: tf.Tensor3D): tf.Tensor2D {
  const [batch, steps, inputSize] = x.shape;
  return x.transpose([1, 0, 2]).reshape([steps * batch, inputSize]);
}

/** states [B, u] per step → [B, T, u] */
function batchMajor(states: tf.Tensor2D[]): tf.Tensor3D {
  return tf.stack(states, 0).transpose([1, 0, 2]) as tf.Tensor3D;
}

/**
 * The GRU recursion from h₀ = 0 given each step's input projections (x_z, x_r, x_h), Keras reset_after:
 * z = σ(x_z + h·U_z + c_z), r = σ(x_r + h·U_r + c_r), h̃ = tanh(x_h + r ⊙ (h·U_h + c_h)), h′ = z ⊙ h + (1 − z) ⊙ h̃.
 * One matrix product per gate and step: splitting a [B, 3u] product along features copies row by row on wasm.
 */
function gruRecursion(p: NamedParams, name: string, batch: number, steps: number, inputs: (t: number) => [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D], returnSequences: boolean): tf.Tensor3D | tf.Tensor2D {
  const recurrent = p[`${name}/recurrent_kernel`];
  const units = recurrent.shape[0];
  const [uz, ur, uh] = [0, 1, 2].map((g) => gateBlock(recurrent, g, units) as tf.Tensor2D);
  const recurrentBias = p[`${name}/recurrent_bias`];
  const ch = recurrentBias ? gateBlock(recurrentBias, 2, units) : undefined;
  let h = tf.zeros([batch, units]) as tf.Tensor2D;
  const states: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const [xz, xr, xh] = inputs(t);
    const z = tf.sigmoid(xz.add(tf.matMul(h, uz)));
    const r = tf.sigmoid(xr.add(tf.matMul(h, ur)));
    const candidate = tf.tanh(xh.add(r.mul(tf.fused.matMul({ a: h, b: uh, bias: ch }))));
    h = candidate.add(z.mul(h.sub(candidate))) as tf.Tensor2D;
    if (returnSequences) states.push(h);
  }
  return returnSequences ? batchMajor(states) : h;
}

/** b_g (+ c_g for z and r, which add outside the reset gate): the bias of gate g's input projection */
function gruInputBias(p: NamedParams, name: string, g: number, units: number): tf.Tensor | undefined {
  const b = p[`${name}/input_bias`];
  const c = p[`${name}/recurrent_bias`];
  const parts = [b, g < 2 ? c : undefined].filter((v): v is tf.Tensor => v !== undefined).map((v) => gateBlock(v, g, units));
  return parts.length === 2 ? parts[0].add(parts[1]) : parts[0];
}

/**
 * GRU over x [B, T, in] from h₀ = 0 (Keras, reset_after): with xⱼ = x·Wⱼ + b_inⱼ and hⱼ = h·Uⱼ + b_recⱼ,
 * z = σ(x_z + h_z), r = σ(x_r + h_r), h̃ = tanh(x_h + r ⊙ h_h), h′ = z ⊙ h + (1 − z) ⊙ h̃.
 * Returns every state [B, T, u] or only the last [B, u].
 */
export function gru(p: NamedParams, name: string, x: tf.Tensor3D, returnSequences: boolean): tf.Tensor3D | tf.Tensor2D {
  const kernel = p[`${name}/kernel`];
  const units = p[`${name}/recurrent_kernel`].shape[0];
  const [batch, steps] = x.shape;
  // the input projections of all time steps in one matrix product per gate
  const rows = timeMajor(x);
  const [xz, xr, xh] = [0, 1, 2].map((g) => projectSteps(rows, kernel, gruInputBias(p, name, g, units), g, units, steps));
  return gruRecursion(p, name, batch, steps, (t) => [xz[t], xr[t], xh[t]], returnSequences);
}

/** gru over RepeatVector(steps)(v) for v [B, in] (the Figure 16 decoder's first layer): the input projections are computed once. */
export function gruRepeated(p: NamedParams, name: string, v: tf.Tensor2D, steps: number, returnSequences: boolean): tf.Tensor3D | tf.Tensor2D {
  const kernel = p[`${name}/kernel`];
  const units = p[`${name}/recurrent_kernel`].shape[0];
  const projected = [0, 1, 2].map((g) => tf.fused.matMul({ a: v, b: gateBlock(kernel, g, units) as tf.Tensor2D, bias: gruInputBias(p, name, g, units) })) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  return gruRecursion(p, name, v.shape[0], steps, () => projected, returnSequences);
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
  const kernel = p[`${name}/kernel`];
  const recurrent = p[`${name}/recurrent_kernel`];
  const bias = p[`${name}/bias`];
  const units = recurrent.shape[0];
  const [batch, steps] = x.shape;
  const rows = timeMajor(x);
  // per gate, like gru: no per-step split of a [B, 4u] product along features
  const projected = [0, 1, 2, 3].map((g) => projectSteps(rows, kernel, gateBlock(bias, g, units), g, units, steps));
  const u = [0, 1, 2, 3].map((g) => gateBlock(recurrent, g, units) as tf.Tensor2D);
  let h = tf.zeros([batch, units]) as tf.Tensor2D;
  let c = tf.zeros([batch, units]) as tf.Tensor2D;
  const states: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const [i, f, g, o] = projected.map((xs, gate) => xs[t].add(tf.matMul(h, u[gate])));
    c = tf.sigmoid(f).mul(c).add(tf.sigmoid(i).mul(tf.tanh(g))) as tf.Tensor2D;
    h = tf.sigmoid(o).mul(tf.tanh(c)) as tf.Tensor2D;
    if (returnSequences) states.push(h);
  }
  return returnSequences ? batchMajor(states) : h;
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
