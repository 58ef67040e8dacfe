import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { DriftwatchError } from '@driftwatch/contracts';
import { initBackend } from './loader';

describe('initBackend without the .wasm binaries', () => {
  it(
    "treats setBackend('wasm') returning false as a failure with a clear message, and 'auto' falls through " + 'to cpu',
    async () => {
      // a path that holds no .wasm file stands for a bundle shipped without them
      setWasmPaths('/nonexistent-driftwatch-wasm-dir/');
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        const named = initBackend('wasm');
        await expect(named).rejects.toBeInstanceOf(DriftwatchError);
        await expect(named).rejects.toThrow(/\.wasm binaries .* not found/);
        const auto = await initBackend('auto');
        expect(auto.name).toBe('cpu');
        const wasm = auto.attempts.find((a) => a.candidate === 'wasm')!;
        expect(wasm.ok).toBe(false);
        expect(wasm.error).toMatch(/returned false/);
      } finally {
        warn.mockRestore();
      }
    },
  );
});
