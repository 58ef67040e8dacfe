import childProcess from 'node:child_process';
import Module from 'node:module';
import { initBackend } from './loader';

/** files of the GPU candidates' packages: the native ones, tfjs's webgpu backend and Dawn's binding */
const GPU_PACKAGE_FILE =
  /node_modules\/(webgpu|@tensorflow\/tfjs-node|@tensorflow\/tfjs-node-gpu|@tensorflow\/tfjs-backend-webgpu)\//;

describe("initBackend('wasm')", () => {
  it('loads neither tfjs-node nor webgpu and starts no adapter probe', async () => {
    const spawned = jest.spyOn(childProcess, 'execFile');
    const info = await initBackend('wasm');
    expect(info.name).toBe('wasm');
    expect(spawned).not.toHaveBeenCalled();
    // the test runner's module registry and Node's own (the in-process Dawn load would use Node's)
    const jestModules = Object.keys(require.cache);
    const nodeModules = Object.keys((Module as unknown as { _cache: Record<string, unknown> })._cache);
    // the registry does list what was loaded: the wasm backend is in it
    expect(jestModules.some((f) => f.includes('node_modules/@tensorflow/tfjs-backend-wasm/'))).toBe(true);
    expect(jestModules.filter((f) => GPU_PACKAGE_FILE.test(f))).toEqual([]);
    expect(nodeModules.filter((f) => GPU_PACKAGE_FILE.test(f))).toEqual([]);
  });
});
