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

/** Conv1D(filters, k): kernel [k, in, filters] he-uniform (docs/divad.md §3.1 Rec encoder), zero bias. */
export function conv1dSpecs(
  name: string,
  kernelSize: number,
  inChannels: number,
  filters: number,
  opts: { bias?: boolean; init?: ParamSpec['init'] } = {},
): ParamSpec[] {
  const specs: ParamSpec[] = [
    { name: `${name}/kernel`, shape: [kernelSize, inChannels, filters], init: opts.init ?? 'he-uniform' },
  ];
  if (opts.bias ?? true) specs.push({ name: `${name}/bias`, shape: [filters], init: 'zeros' });
  return specs;
}

/** y[b, t, f] = act(Σ_{j,c} x[b, t·s + j − pad, c]·K[j, c, f] + bias[f]); x [B, W, C] */
export function conv1d(p: NamedParams, name: string, x: tf.Tensor3D, opts: Conv1dOptions): tf.Tensor3D {
  let y = tf.conv1d(x, p[`${name}/kernel`] as tf.Tensor3D, opts.stride, opts.padding ?? 'same');
  if (opts.bias ?? true) y = y.add(p[`${name}/bias`]);
  return opts.activation === 'relu' ? tf.relu(y) : y;
}

/** Conv1DTranspose(filters, k): kernel [k, filters, in] glorot-uniform (docs/divad.md §3.1 Rec decoder), zero bias. */
export function conv1dTransposeSpecs(
  name: string,
  kernelSize: number,
  inChannels: number,
  filters: number,
  opts: { bias?: boolean; init?: ParamSpec['init'] } = {},
): ParamSpec[] {
  const specs: ParamSpec[] = [
    { name: `${name}/kernel`, shape: [kernelSize, filters, inChannels], init: opts.init ?? 'glorot-uniform' },
  ];
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
  const dilated =
    s === 1
      ? x
      : (x
          .reshape([batch, length, 1, channels])
          .pad([
            [0, 0],
            [0, 0],
            [0, s - 1],
            [0, 0],
          ])
          .reshape([batch, length * s, channels]) as tf.Tensor3D);
  // y[t′] = Σ_j u[t′ + before − j]·K[j] = Σ_m padded[t′ + m]·K[k − 1 − m] with k − 1 − before zeros in front
  const padded = dilated.pad([
    [0, 0],
    [k - 1 - before, before],
    [0, 0],
  ]) as tf.Tensor3D;
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
    specs.push(
      { name: `${name}/input_bias`, shape: [3 * units], init: 'zeros' },
      { name: `${name}/recurrent_bias`, shape: [3 * units], init: 'zeros' },
    );
  }
  return specs;
}

/** columns [from, from + width) of a [rows, n] kernel, or entries of a [n] bias */
function columns(m: tf.Tensor, from: number, width: number): tf.Tensor {
  return m.rank === 1 ? m.slice([from], [width]) : m.slice([0, from], [m.shape[0], width]);
}

/** rows [n, in] · kernel columns [from, from + width) + bias → [n, width] */
function project(
  rows: tf.Tensor2D,
  kernel: tf.Tensor,
  bias: tf.Tensor | undefined,
  from: number,
  width: number,
): tf.Tensor2D {
  return tf.fused.matMul({
    a: rows,
    b: columns(kernel, from, width) as tf.Tensor2D,
    bias: bias && columns(bias, from, width),
  }) as tf.Tensor2D;
}

/**
 * x [B, T, in] projected by kernel columns [from, from + width) plus bias, one tensor per step: [B, width]
 * (batch-major) or [width, B] (feature-major). Either way each step is a contiguous block, because wasm
 * copies a slice that is not row by row.
 */
function projectSteps(
  x: tf.Tensor3D,
  kernel: tf.Tensor,
  bias: tf.Tensor | undefined,
  from: number,
  width: number,
  featureMajor: boolean,
): tf.Tensor2D[] {
  const [batch, steps, inputSize] = x.shape;
  const projected = project(x.reshape([batch * steps, inputSize]), kernel, bias, from, width).reshape([
    batch,
    steps,
    width,
  ]);
  return tf.unstack(projected.transpose(featureMajor ? [1, 2, 0] : [1, 0, 2])) as tf.Tensor2D[];
}

/** states per step, [u, B] (feature-major) or [B, u] → [B, T, u], or the last one as [B, u] */
function statesOut(
  states: tf.Tensor2D[],
  last: tf.Tensor2D,
  returnSequences: boolean,
  featureMajor: boolean,
): tf.Tensor3D | tf.Tensor2D {
  if (!returnSequences) return featureMajor ? last.transpose() : last;
  return tf.stack(states).transpose(featureMajor ? [2, 0, 1] : [1, 0, 2]) as tf.Tensor3D;
}

/**
 * From this many rows on, the GRU runs in [B, u] layout with one matrix product per gate (no per-step
 * copies; the Rec VAE decoder scores 4096 rows at once, ≈ 2× faster); below it, in [u, B] layout with
 * gates split by rows (fewer ops; training batches of 32, ≈ 1.4× faster).
 */
export const GRU_BATCH_MAJOR_ROWS = 256;

/**
 * One GRU step, Keras reset_after, from the input projections xⱼ = x·Wⱼ + bⱼ of the step:
 * z = σ(x_z + h·U_z + c_z), r = σ(x_r + h·U_r + c_r), h̃ = tanh(x_h + r ⊙ (h·U_h + c_h)), h′ = z ⊙ h + (1 − z) ⊙ h̃.
 * Feature-major: h, x_zr = [x_z; x_r] and x_h are [·, B], one product Uᵀ·h split by rows.
 * Batch-major: h and every xⱼ are [B, u], one product per gate.
 */
function gruRecursion(
  p: NamedParams,
  name: string,
  batch: number,
  steps: number,
  inputs: (t: number) => tf.Tensor2D[],
  returnSequences: boolean,
  featureMajor: boolean,
): tf.Tensor3D | tf.Tensor2D {
  const recurrent = p[`${name}/recurrent_kernel`] as tf.Tensor2D;
  const recurrentBias = p[`${name}/recurrent_bias`];
  const units = recurrent.shape[0];
  const states: tf.Tensor2D[] = [];
  let h = tf.zeros(featureMajor ? [units, batch] : [batch, units]) as tf.Tensor2D;
  if (featureMajor) {
    const recurrentT = recurrent.transpose();
    const bias = recurrentBias?.reshape([3 * units, 1]);
    for (let t = 0; t < steps; t++) {
      const [xzr, xh] = inputs(t);
      let hp = tf.matMul(recurrentT, h);
      if (bias) hp = hp.add(bias);
      const [hzr, hh] = tf.split(hp, [2 * units, units], 0);
      const [z, r] = tf.split(tf.sigmoid(xzr.add(hzr)), 2, 0);
      const candidate = tf.tanh(xh.add(r.mul(hh)));
      h = candidate.add(z.mul(h.sub(candidate))) as tf.Tensor2D;
      if (returnSequences) states.push(h);
    }
  } else {
    const gates = [0, 1, 2].map((g) => ({
      u: columns(recurrent, g * units, units) as tf.Tensor2D,
      c: recurrentBias && columns(recurrentBias, g * units, units),
    }));
    const hGate = (g: number) => tf.fused.matMul({ a: h, b: gates[g].u, bias: gates[g].c });
    for (let t = 0; t < steps; t++) {
      const [xz, xr, xh] = inputs(t);
      const z = tf.sigmoid(xz.add(hGate(0)));
      const r = tf.sigmoid(xr.add(hGate(1)));
      const candidate = tf.tanh(xh.add(r.mul(hGate(2))));
      h = candidate.add(z.mul(h.sub(candidate))) as tf.Tensor2D;
      if (returnSequences) states.push(h);
    }
  }
  return statesOut(states, h, returnSequences, featureMajor);
}

/** the column blocks of the input projection: [z r | h] feature-major, [z | r | h] batch-major */
function gruBlocks(units: number, featureMajor: boolean): [number, number][] {
  return featureMajor
    ? [
        [0, 2 * units],
        [2 * units, units],
      ]
    : [0, 1, 2].map((g) => [g * units, units]);
}

/**
 * GRU over x [B, T, in] from h₀ = 0 (Keras, reset_after): with xⱼ = x·Wⱼ + b_inⱼ and hⱼ = h·Uⱼ + b_recⱼ,
 * z = σ(x_z + h_z), r = σ(x_r + h_r), h̃ = tanh(x_h + r ⊙ h_h), h′ = z ⊙ h + (1 − z) ⊙ h̃.
 * Returns every state [B, T, u] or only the last [B, u].
 */
export function gru(p: NamedParams, name: string, x: tf.Tensor3D, returnSequences: boolean): tf.Tensor3D | tf.Tensor2D {
  const kernel = p[`${name}/kernel`];
  const bias = p[`${name}/input_bias`];
  const units = p[`${name}/recurrent_kernel`].shape[0];
  const [batch, steps] = x.shape;
  const featureMajor = batch < GRU_BATCH_MAJOR_ROWS;
  // the input projections of all time steps in one matrix product per block
  const blocks = gruBlocks(units, featureMajor).map(([from, width]) =>
    projectSteps(x, kernel, bias, from, width, featureMajor),
  );
  return gruRecursion(p, name, batch, steps, (t) => blocks.map((b) => b[t]), returnSequences, featureMajor);
}

/**
 * gru over RepeatVector(steps)(v) for v [B, in] (the Figure 16 decoder's first layer): the input projections are
 * computed once.
 */
export function gruRepeated(
  p: NamedParams,
  name: string,
  v: tf.Tensor2D,
  steps: number,
  returnSequences: boolean,
): tf.Tensor3D | tf.Tensor2D {
  const kernel = p[`${name}/kernel`];
  const bias = p[`${name}/input_bias`];
  const units = p[`${name}/recurrent_kernel`].shape[0];
  const featureMajor = v.shape[0] < GRU_BATCH_MAJOR_ROWS;
  // not through projectSteps: tf.unstack's gradient fails when some of its outputs are unused
  const blocks = gruBlocks(units, featureMajor).map(([from, width]) => {
    const projected = project(v, kernel, bias, from, width);
    return featureMajor ? (projected.transpose() as tf.Tensor2D) : projected;
  });
  return gruRecursion(p, name, v.shape[0], steps, () => blocks, returnSequences, featureMajor);
}

/**
 * Keras LSTM(units): kernel glorot-uniform, recurrent kernel orthogonal, bias zeros with the forget gate's at 1
 * (unit_forget_bias).
 */
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
export function lstm(
  p: NamedParams,
  name: string,
  x: tf.Tensor3D,
  returnSequences: boolean,
): tf.Tensor3D | tf.Tensor2D {
  const recurrent = p[`${name}/recurrent_kernel`] as tf.Tensor2D;
  const units = recurrent.shape[0];
  const [batch, steps] = x.shape;
  // feature-major like gru's small batches: [4u, B] per step, gates split by rows
  const projected = projectSteps(x, p[`${name}/kernel`], p[`${name}/bias`], 0, 4 * units, true);
  const recurrentT = recurrent.transpose();
  let h = tf.zeros([units, batch]) as tf.Tensor2D;
  let c = tf.zeros([units, batch]) as tf.Tensor2D;
  const states: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const [i, f, g, o] = tf.split(projected[t].add(tf.matMul(recurrentT, h)), 4, 0);
    c = tf
      .sigmoid(f)
      .mul(c)
      .add(tf.sigmoid(i).mul(tf.tanh(g))) as tf.Tensor2D;
    h = tf.sigmoid(o).mul(tf.tanh(c)) as tf.Tensor2D;
    if (returnSequences) states.push(h);
  }
  return statesOut(states, h, returnSequences, true);
}

/** RepeatVector(n): [B, m] → [B, n, m] */
export function repeatVector(x: tf.Tensor2D, n: number): tf.Tensor3D {
  const [batch, m] = x.shape;
  return tf.tile(x.reshape([batch, 1, m]), [1, n, 1]) as tf.Tensor3D;
}

/**
 * Keeps `length` positions of [B, T, C], dropping ⌊excess/2⌋ at the start and ⌈excess/2⌉ at the end (docs/divad.md
 * §3.1).
 */
export function cropToLength(x: tf.Tensor3D, length: number): tf.Tensor3D {
  const excess = x.shape[1] - length;
  if (excess === 0) return x;
  if (excess < 0) throw new RangeError(`cropToLength: ${x.shape[1]} positions, ${length} wanted`);
  return x.slice([0, Math.floor(excess / 2), 0], [-1, length, -1]);
}
