import { InputError, type ManifestContext, type ModelManifest } from '@driftwatch/contracts';
import pkg from '../../package.json';
import { modelManifest } from '../model-dir';

/** The manifest of a shallow (JavaScript-only) detector. */
export function shallowManifest(
  fields: {
    detector: string;
    config: Record<string, unknown>;
    featureCount: number;
    windowLength: number;
    domains: string[];
    seed: number;
  },
  context: ManifestContext = {},
): ModelManifest {
  return modelManifest(
    {
      ...fields,
      backend: 'js',
      versions: { '@driftwatch/models': pkg.version, node: process.versions.node },
      metrics: { epochs: 1 },
    },
    context,
  );
}

/** Little-endian bytes of a typed array as base64 (explicit byte order, so files move between machines). */
export function encodeFloat64(values: Float64Array): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return Buffer.from(bytes).toString('base64');
}

export function encodeInt32(values: Int32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i], true);
  return Buffer.from(bytes).toString('base64');
}

function decodeBytes(text: unknown, width: number, field: string, file: string, count?: number): DataView {
  if (typeof text !== 'string') throw new InputError({ file }, `field '${field}' as a base64 string`, typeof text);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % width !== 0 || (count !== undefined && bytes.length !== count * width)) {
    throw new InputError(
      { file },
      `field '${field}' to hold ${count ?? 'whole'} values of ${width} bytes`,
      `${bytes.length} bytes`,
    );
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeFloat64(text: unknown, field: string, file: string, count?: number): Float64Array {
  const view = decodeBytes(text, 8, field, file, count);
  const out = new Float64Array(view.byteLength / 8);
  for (let i = 0; i < out.length; i++) {
    out[i] = view.getFloat64(i * 8, true);
    // fitting yields finite parameters only; NaN or ±Infinity would turn scores into NaN without a word
    if (!Number.isFinite(out[i]))
      throw new InputError({ file }, `finite values in field '${field}'`, `${out[i]} at index ${i}`);
  }
  return out;
}

export function decodeInt32(text: unknown, field: string, file: string, count?: number): Int32Array {
  const view = decodeBytes(text, 4, field, file, count);
  const out = new Int32Array(view.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

export function parseJsonFile(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError({ file }, 'valid JSON', (e as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InputError({ file }, 'a JSON object');
  return value as Record<string, unknown>;
}

/** Trees stored as flat node arrays (isolation forests, boosted trees): the part of the layout prediction relies on. */
export interface FlatTrees {
  roots: Int32Array;
  /** split feature of each node; −1 marks a leaf */
  feature: Int32Array;
  left: Int32Array;
  right: Int32Array;
}

/**
 * Guards prediction against a damaged file: roots and children in range, children after their parent (no cycles), split
 * features < p.
 */
export function checkFlatTrees(t: FlatTrees, p: number, file: string): void {
  const n = t.feature.length;
  for (const r of t.roots) if (r < 0 || r >= n) throw new InputError({ file }, `root indices in [0, ${n})`, String(r));
  for (let k = 0; k < n; k++) {
    const f = t.feature[k];
    if (f < 0) continue;
    if (f >= p || !(t.left[k] > k && t.left[k] < n) || !(t.right[k] > k && t.right[k] < n)) {
      throw new InputError({ file }, `node ${k} to split a feature in [0, ${p}) into children after it`);
    }
  }
}
