/**
 * Weights of a tfjs model as one little-endian Float32 buffer (`weights.bin`) plus an index
 * (`weights.json`: names, shapes, offsets) — the model-directory layout of the DIVAD detectors.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '@driftwatch/contracts';

export interface WeightEntry {
  name: string;
  shape: number[];
  /** offset in Float32 values (not bytes) from the start of weights.bin */
  offset: number;
}

export interface WeightsIndex {
  format: 1;
  dtype: 'float32';
  byteOrder: 'little-endian';
  weights: WeightEntry[];
}

/** Serialises named tensors in the given order. */
export function packWeights(named: ReadonlyArray<{ name: string; tensor: tf.Tensor }>): {
  bin: Uint8Array;
  index: WeightsIndex;
} {
  const weights: WeightEntry[] = [];
  let total = 0;
  for (const { name, tensor } of named) {
    weights.push({ name, shape: [...tensor.shape], offset: total });
    total += tensor.size;
  }
  const bin = new Uint8Array(total * 4);
  const view = new DataView(bin.buffer);
  named.forEach(({ tensor }, i) => {
    const values = tensor.dataSync();
    const base = weights[i].offset * 4;
    for (let j = 0; j < values.length; j++) view.setFloat32(base + j * 4, values[j], true);
  });
  return { bin, index: { format: 1, dtype: 'float32', byteOrder: 'little-endian', weights } };
}

/** Reads weights written by packWeights; `file` names the source in errors. */
export function unpackWeights(
  bin: Uint8Array,
  index: WeightsIndex,
  file = 'weights.bin',
): Map<string, { shape: number[]; values: Float32Array }> {
  if (index?.format !== 1 || index.dtype !== 'float32' || !Array.isArray(index.weights)) {
    throw new InputError({ file: 'weights.json' }, 'a weights index of format 1 with float32 weights');
  }
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const w of index.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(w.offset) || w.offset < 0 || (w.offset + size) * 4 > bin.byteLength) {
      throw new InputError({ file }, `${(w.offset + size) * 4} bytes for weight ${w.name}`, `${bin.byteLength} bytes`);
    }
    const values = new Float32Array(size);
    for (let j = 0; j < size; j++) {
      values[j] = view.getFloat32((w.offset + j) * 4, true);
      // a NaN or ±Infinity weight makes every score it reaches meaningless: refuse it rather than score with it
      if (!Number.isFinite(values[j]))
        throw new InputError({ file }, `finite float32 values for weight ${w.name}`, `${values[j]} at index ${j}`);
    }
    out.set(w.name, { shape: w.shape, values });
  }
  return out;
}
