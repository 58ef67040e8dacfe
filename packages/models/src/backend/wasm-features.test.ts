import { initBackend } from './loader';
import { SIMD_PROBE_MODULE, THREADS_PROBE_MODULE, wasmFeatures } from './wasm-features';

const validate = (bytes: Uint8Array) =>
  (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes);

describe('wasm features', () => {
  it('the probe modules are valid WebAssembly on Node ≥ 16, and the validator really reads them', () => {
    // V8 in Node 16+ has fixed-width SIMD, threads and atomics
    expect(validate(SIMD_PROBE_MODULE)).toBe(true);
    expect(validate(THREADS_PROBE_MODULE)).toBe(true);
    // v128.const 0xfd 0x0c becomes the unknown SIMD opcode 0xfd 0xff: invalid
    const badSimd = Uint8Array.from(SIMD_PROBE_MODULE);
    badSimd[badSimd.indexOf(0x0c, badSimd.indexOf(0xfd))] = 0xff;
    expect(validate(badSimd)).toBe(false);
    expect(validate(THREADS_PROBE_MODULE.subarray(0, THREADS_PROBE_MODULE.length - 1))).toBe(false);
  });

  it("after the wasm backend starts: SIMD on, threads off in Node (tfjs-backend-wasm's rule), one thread", async () => {
    await initBackend('wasm');
    expect(await wasmFeatures()).toEqual({
      simd: { tfjs: true, engine: true },
      threads: { tfjs: false, engine: true, inUse: 1 },
    });
  });
});
