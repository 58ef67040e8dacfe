/**
 * The recurrent encoder and decoder of the paper's "Figure 16" design (docs/divad.md §3.1 Rec, §4 Rec AE/VAE),
 * shared by Rec DIVAD and the Rec baselines:
 *   encoder: window [W, D] → Conv1D(fᵢ, k, stride s, same) + ReLU per layer → GRU(uⱼ) per layer (the last
 *            returns its last state) → Dense head;
 *   decoder: code → RepeatVector(W′) (W′ = length after the encoder convs) → GRU(uⱼ, reversed, sequences) →
 *            Conv1DTranspose mirroring the convs (hidden ones ReLU, the last linear with the output channels)
 *            → crop the excess length (⌊·⌋ at the start, ⌈·⌉ at the end).
 */
import * as tf from '@tensorflow/tfjs';
import { ParameterError } from '@driftwatch/contracts';
import {
  conv1d,
  conv1dSpecs,
  conv1dTranspose,
  conv1dTransposeSpecs,
  cropToLength,
  gru,
  gruRepeated,
  gruSpecs,
} from './layers';
import { dense, type NamedParams, type ParamSpec } from './params';
import { layerWidthsAccepted, POSITIVE_INTEGER, type ParameterSpecs } from '../parameters/schema';

export interface RecArchitecture {
  /** filters of each Conv1D layer of the encoder */
  convFilters: number[];
  kernelSize: number;
  stride: number;
  /** units of each GRU layer of the encoder (the decoder uses them in reverse) */
  gruUnits: number[];
}

/** docs/divad.md §3.6, Rec DIVAD-GM on ASD: Conv1D(32, k5, s1) → GRU(32). */
export const REC_ARCHITECTURE_DEFAULTS: RecArchitecture = {
  convFilters: [32],
  kernelSize: 5,
  stride: 1,
  gruUnits: [32],
};

/** The recurrent layout as detector parameters (one number = one layer), with the defaults above. */
export const REC_ARCHITECTURE_PARAMETERS: ParameterSpecs<{
  convFilters: number | number[];
  kernelSize: number;
  stride: number;
  gruUnits: number | number[];
}> = {
  convFilters: {
    description: 'filters of each Conv1D layer of the encoder (the decoder mirrors them)',
    accepts: layerWidthsAccepted(1),
    default: REC_ARCHITECTURE_DEFAULTS.convFilters,
  },
  kernelSize: {
    description: 'kernel size of every Conv1D layer',
    accepts: [POSITIVE_INTEGER],
    default: REC_ARCHITECTURE_DEFAULTS.kernelSize,
  },
  stride: {
    description: 'stride of every Conv1D layer',
    accepts: [POSITIVE_INTEGER],
    default: REC_ARCHITECTURE_DEFAULTS.stride,
  },
  gruUnits: {
    description: 'units of each GRU layer of the encoder (the decoder uses them in reverse)',
    accepts: layerWidthsAccepted(1),
    default: REC_ARCHITECTURE_DEFAULTS.gruUnits,
  },
};

/** Config values as lists (a single number is one layer). */
export function recArchitectureOf(c: {
  convFilters: number | number[];
  kernelSize: number;
  stride: number;
  gruUnits: number | number[];
}): RecArchitecture {
  const list = (v: number | number[]) => (Array.isArray(v) ? [...v] : [v]);
  for (const [k, v] of [
    ['convFilters', c.convFilters],
    ['gruUnits', c.gruUnits],
  ] as const) {
    // the decoder's last transposed convolution makes the output channels, and the last GRU the code
    if (list(v).length === 0) throw new ParameterError(`${k} needs at least one layer`);
  }
  return { convFilters: list(c.convFilters), kernelSize: c.kernelSize, stride: c.stride, gruUnits: list(c.gruUnits) };
}

/** W′: positions left after the encoder convs (⌈W/s⌉ per 'same' layer). */
export function encodedLength(windowLength: number, a: RecArchitecture): number {
  let w = windowLength;
  for (let i = 0; i < a.convFilters.length; i++) w = Math.ceil(w / a.stride);
  return w;
}

export interface RecLayerOptions {
  /** biases on the conv and GRU layers (Rec DSVDD has none; default true) */
  bias?: boolean;
}

/** Parameters of an encoder `prefix` from D features to a head of `outDim` values. */
export function recEncoderSpecs(
  prefix: string,
  a: RecArchitecture,
  featureCount: number,
  outDim: number,
  opts: RecLayerOptions & { headBias?: boolean } = {},
): ParamSpec[] {
  const specs: ParamSpec[] = [];
  let channels = featureCount;
  a.convFilters.forEach((f, i) => {
    specs.push(...conv1dSpecs(`${prefix}/conv_${i}`, a.kernelSize, channels, f, { bias: opts.bias }));
    channels = f;
  });
  a.gruUnits.forEach((u, i) => {
    specs.push(...gruSpecs(`${prefix}/gru_${i}`, channels, u, { bias: opts.bias }));
    channels = u;
  });
  specs.push({ name: `${prefix}/head/kernel`, shape: [channels, outDim], init: 'glorot-uniform' });
  if (opts.headBias ?? true) specs.push({ name: `${prefix}/head/bias`, shape: [outDim], init: 'zeros' });
  return specs;
}

/** The encoder's last GRU state [B, u] of flattened windows x [B, W·D] (before the head). */
export function recEncodeState(
  p: NamedParams,
  prefix: string,
  a: RecArchitecture,
  windowLength: number,
  x: tf.Tensor2D,
  opts: RecLayerOptions = {},
): tf.Tensor2D {
  const [batch, size] = x.shape;
  let h: tf.Tensor3D = x.reshape([batch, windowLength, size / windowLength]);
  a.convFilters.forEach((_, i) => {
    h = conv1d(p, `${prefix}/conv_${i}`, h, { stride: a.stride, activation: 'relu', bias: opts.bias });
  });
  let state: tf.Tensor2D | undefined;
  a.gruUnits.forEach((_, i) => {
    const last = i === a.gruUnits.length - 1;
    const out = gru(p, `${prefix}/gru_${i}`, h, !last);
    if (last) state = out as tf.Tensor2D;
    else h = out as tf.Tensor3D;
  });
  return state!;
}

/** Encoder output [B, outDim]: the head (ReLU or linear) on the last GRU state. */
export function recEncode(
  p: NamedParams,
  prefix: string,
  a: RecArchitecture,
  windowLength: number,
  x: tf.Tensor2D,
  reluHead = false,
): tf.Tensor2D {
  return dense(p, `${prefix}/head`, recEncodeState(p, prefix, a, windowLength, x), reluHead);
}

/** Parameters of a decoder `prefix` from a code of `inputDim` values to `outChannels` per record. */
export function recDecoderSpecs(
  prefix: string,
  a: RecArchitecture,
  inputDim: number,
  outChannels: number,
  opts: RecLayerOptions = {},
): ParamSpec[] {
  const specs: ParamSpec[] = [];
  let channels = inputDim;
  [...a.gruUnits].reverse().forEach((u, i) => {
    specs.push(...gruSpecs(`${prefix}/gru_${i}`, channels, u, { bias: opts.bias }));
    channels = u;
  });
  // mirror of the convs: the hidden ones give back the filters of the conv before them, the last the outputs
  const convs = a.convFilters.length;
  for (let i = 0; i < convs; i++) {
    const filters = i === convs - 1 ? outChannels : a.convFilters[convs - 2 - i];
    specs.push(...conv1dTransposeSpecs(`${prefix}/deconv_${i}`, a.kernelSize, channels, filters, { bias: opts.bias }));
    channels = filters;
  }
  return specs;
}

/** Decoder output [B, W, outChannels] of codes z [B, inputDim]. */
export function recDecode(
  p: NamedParams,
  prefix: string,
  a: RecArchitecture,
  windowLength: number,
  z: tf.Tensor2D,
  opts: RecLayerOptions = {},
): tf.Tensor3D {
  // RepeatVector(W′) → GRU, with the repeated input projected once
  let h = gruRepeated(p, `${prefix}/gru_0`, z, encodedLength(windowLength, a), true) as tf.Tensor3D;
  for (let i = 1; i < a.gruUnits.length; i++) h = gru(p, `${prefix}/gru_${i}`, h, true) as tf.Tensor3D;
  const convs = a.convFilters.length;
  for (let i = 0; i < convs; i++) {
    h = conv1dTranspose(p, `${prefix}/deconv_${i}`, h, {
      stride: a.stride,
      activation: i === convs - 1 ? 'linear' : 'relu',
      bias: opts.bias,
    });
  }
  return cropToLength(h, windowLength);
}
