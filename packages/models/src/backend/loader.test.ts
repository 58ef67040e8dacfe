import { DriftwatchError, ParameterError } from '@driftwatch/contracts';
import { describeBackend, ensureBackend, initBackend, tf, type BackendPreference } from './loader';

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  it("'auto' tries tfjs-node-gpu, tfjs-node, wasm, cpu in order and stops at the first that loads", async () => {
    const info = await initBackend('auto');
    const order = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
    expect(info.attempts.map((a) => a.candidate)).toEqual(order.slice(0, info.attempts.length));
    expect(info.attempts.at(-1)!.ok).toBe(true);
    for (const a of info.attempts.slice(0, -1)) {
      expect(a.ok).toBe(false);
      expect(a.error).toMatch(/\S/);
    }
    expect(info.name).toBe(tf.getBackend());
    expect(info.requested).toBe('auto');
    expect(info.versions['tfjs-core']).toBe(tf.version_core);
    expect(info.versions.node).toBe(process.versions.node);
    if (!installed('@tensorflow/tfjs-node-gpu') && !installed('@tensorflow/tfjs-node')) {
      // the situation of toolchain.md: no native package, so wasm is selected
      expect(info.name).toBe('wasm');
      expect(info.versions['tfjs-backend-wasm']).toMatch(/^\d+\.\d+\.\d+/);
      expect(info.attempts[0].error).toMatch(/tfjs-node-gpu/);
    }
  });

  it('returns the cached info for a repeated preference and re-activates its backend', async () => {
    const auto = await initBackend('auto');
    const cpu = await initBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(cpu.attempts).toEqual([{ candidate: 'cpu', ok: true }]);
    const again = await initBackend('auto');
    expect(again).toBe(auto);
    expect(tf.getBackend()).toBe(auto.name);
    expect(await ensureBackend()).toBe(auto);
  });

  it('concurrent calls share one load', async () => {
    const [a, b] = await Promise.all([initBackend('wasm'), initBackend('wasm')]);
    expect(a).toBe(b);
    expect(a.name).toBe('wasm');
  });

  it('a named preference that cannot load throws a DriftwatchError with the reason', async () => {
    if (installed('@tensorflow/tfjs-node-gpu')) return;
    const p = initBackend('tfjs-node-gpu');
    await expect(p).rejects.toBeInstanceOf(DriftwatchError);
    await expect(p).rejects.toThrow(/tfjs-node-gpu: .*(Cannot find module|native addon|tfjs_binding)/);
  });

  it('rejects an unknown preference with a ParameterError', async () => {
    await expect(initBackend('webgl' as BackendPreference)).rejects.toBeInstanceOf(ParameterError);
  });

  it('describeBackend prints the backend, versions and what failed and why on one line', () => {
    const line = describeBackend({
      name: 'wasm',
      requested: 'auto',
      attempts: [
        { candidate: 'tfjs-node-gpu', ok: false, error: "Cannot find module '@tensorflow/tfjs-node-gpu'" },
        { candidate: 'tfjs-node', ok: false, error: 'The Node.js native addon module (tfjs_binding.node) can not be found' },
        { candidate: 'wasm', ok: true },
      ],
      versions: { 'tfjs-core': '4.22.0', 'tfjs-backend-wasm': '4.22.0', node: '20.20.2' },
    });
    expect(line).not.toMatch(/\n/);
    expect(line).toBe(
      "tfjs backend: wasm [auto; tfjs-core 4.22.0, tfjs-backend-wasm 4.22.0; node 20.20.2]; unavailable: tfjs-node-gpu (Cannot find module '@tensorflow/tfjs-node-gpu'); tfjs-node (The Node.js native addon module (tfjs_binding.node) can not be found)",
    );
  });
});
