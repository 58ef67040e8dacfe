/**
 * What the wasm backend can use here: SIMD and threads, as tfjs-backend-wasm decides them (its flags) and
 * as the JavaScript engine supports them (WebAssembly.validate of two small modules). The two differ on
 * purpose in Node, where tfjs-backend-wasm switches threads off (docs/toolchain.md, "Backends").
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export interface WasmFeatures {
  simd: { tfjs: boolean | undefined; engine: boolean };
  /** inUse: XNNPACK's thread count once the wasm backend is initialised, else null */
  threads: { tfjs: boolean | undefined; engine: boolean; inUse: number | null };
}

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** (func (result v128) v128.const i32x4 0 0 0 0): valid only where the engine has fixed-width SIMD */
export const SIMD_PROBE_MODULE = Uint8Array.from([
  ...header,
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // types: () → v128
  ...[0x03, 0x02, 0x01, 0x00], // one function of type 0
  ...[0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b], // body: v128.const 0, end
]);

/** (memory 1 1 shared) (func (result i32) i32.atomic.load (i32.const 0)): needs threads and atomics */
export const THREADS_PROBE_MODULE = Uint8Array.from([
  ...header,
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f], // types: () → i32
  ...[0x03, 0x02, 0x01, 0x00],
  ...[0x05, 0x04, 0x01, 0x03, 0x01, 0x01], // one memory: flags 3 (maximum, shared), 1 page, 1 page
  // i32.const 0, i32.atomic.load align 4, end
  ...[0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0xfe, 0x10, 0x02, 0x00, 0x0b],
]);

/** the engine's WebAssembly object (typed here: the project's lib settings do not declare it) */
const wasmApi = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

function validates(bytes: Uint8Array): boolean {
  try {
    return wasmApi !== undefined && wasmApi.validate(bytes);
  } catch {
    return false;
  }
}

async function tfjsFlag(name: string): Promise<boolean | undefined> {
  try {
    return Boolean(await tf.env().getAsync(name));
  } catch {
    return undefined;
  }
}

export async function wasmFeatures(): Promise<WasmFeatures> {
  let inUse: number | null;
  try {
    inUse = getThreadsCount();
  } catch {
    inUse = null;
  }
  return {
    simd: { tfjs: await tfjsFlag('WASM_HAS_SIMD_SUPPORT'), engine: validates(SIMD_PROBE_MODULE) },
    threads: {
      tfjs: await tfjsFlag('WASM_HAS_MULTITHREAD_SUPPORT'),
      engine: typeof SharedArrayBuffer === 'function' && validates(THREADS_PROBE_MODULE),
      inUse,
    },
  };
}
