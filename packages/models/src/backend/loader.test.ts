import { DriftwatchError, ParameterError } from '@driftwatch/contracts';
import { BackendLoader, describeBackend, ensureBackend, initBackend, tf, type BackendPreference } from './loader';
import { BACKEND_REASONS, defaultCandidates } from './candidates';

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const AUTO_ORDER = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'];

describe('initBackend with the real candidates', () => {
  it(
    "'auto' tries tfjs-node-gpu, tfjs-node, webgpu, " + 'wasm, cpu in order and stops at the first that passes',
    async () => {
      const info = await initBackend('auto');
      expect(info.attempts.map((a) => a.candidate)).toEqual(AUTO_ORDER.slice(0, info.attempts.length));
      const last = info.attempts.at(-1)!;
      expect([last.ok, last.reason]).toEqual([true, 'ok']);
      expect(last.smoke!.maxRelativeError).toBeLessThanOrEqual(1e-4);
      for (const a of info.attempts.slice(0, -1)) {
        expect(a.ok).toBe(false);
        expect(BACKEND_REASONS).toContain(a.reason);
        expect(a.reason).not.toBe('ok');
        expect(a.detail).toMatch(/\S/);
      }
      expect(info.name).toBe(tf.getBackend());
      expect(info.requested).toBe('auto');
      expect(info.versions['tfjs-core']).toBe(tf.version_core);
      expect(info.versions.node).toBe(process.versions.node);
      if (!installed('@tensorflow/tfjs-node-gpu') && !installed('@tensorflow/tfjs-node')) {
        expect(info.attempts[0].reason).toBe('not-installed');
        expect(info.attempts[0].detail).toMatch(/Cannot find module '@tensorflow\/tfjs-node-gpu'/);
        expect(info.attempts[1].reason).toBe('not-installed');
      }
      if (info.name === 'wasm') {
        expect(info.versions['tfjs-backend-wasm']).toMatch(/^\d+\.\d+\.\d+/);
        // without a GPU driver Dawn has no adapter or no Vulkan loader (docs/toolchain.md); without the packages it is
        // not installed
        expect(['not-installed', 'native-addon-missing', 'no-adapter']).toContain(info.attempts[2].reason);
      }
    },
  );

  it('returns the cached info for a repeated preference and re-activates its backend', async () => {
    const auto = await initBackend('auto');
    const cpu = await initBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(cpu.attempts.map((a) => [a.candidate, a.ok, a.reason])).toEqual([['cpu', true, 'ok']]);
    // cpu is checked against the float64 computation, every other backend against cpu
    expect(cpu.attempts[0].smoke!.reference).toBe('float64');
    const again = await initBackend('auto');
    expect(again).toBe(auto);
    expect(tf.getBackend()).toBe(auto.name);
    expect(await ensureBackend()).toBe(auto);
  });

  it('concurrent calls share one load', async () => {
    const [a, b] = await Promise.all([initBackend('wasm'), initBackend('wasm')]);
    expect(a).toBe(b);
    expect(a.name).toBe('wasm');
    expect(a.attempts[0].smoke!.reference).toBe('cpu');
  });

  it('a named preference that cannot load throws a DriftwatchError naming the reason', async () => {
    if (installed('@tensorflow/tfjs-node-gpu')) return;
    const p = initBackend('tfjs-node-gpu');
    await expect(p).rejects.toBeInstanceOf(DriftwatchError);
    await expect(p).rejects.toThrow(
      /^tfjs backend 'tfjs-node-gpu' cannot be used: not-installed: Cannot find module '@tensorflow\/tfjs-node-gpu'/,
    );
  });

  it('rejects an unknown preference with a ParameterError', async () => {
    await expect(initBackend('webgl' as BackendPreference)).rejects.toBeInstanceOf(ParameterError);
  });

  it("a named preference activates only that candidate: 'wasm' never touches the GPU candidates", async () => {
    const activated: string[] = [];
    const candidates = defaultCandidates().map((c) => ({
      ...c,
      activate: () => (activated.push(c.name), c.activate()),
    }));
    const loader = new BackendLoader({ candidates });
    await loader.init('wasm');
    expect(activated).toEqual(['wasm']);
  });
});

describe('describeBackend', () => {
  it('prints the backend, versions, smoke test and what failed and why on one line', () => {
    const line = describeBackend({
      name: 'wasm',
      requested: 'auto',
      attempts: [
        {
          candidate: 'tfjs-node-gpu',
          ok: false,
          reason: 'not-installed',
          detail: "Cannot find module '@tensorflow/tfjs-node-gpu'",
          ms: 0.2,
        },
        { candidate: 'webgpu', ok: false, reason: 'no-adapter', detail: 'requestAdapter() returned null', ms: 120 },
        {
          candidate: 'wasm',
          ok: true,
          reason: 'ok',
          detail: 'smoke test ok',
          smoke: { reference: 'cpu', maxRelativeError: 8.24e-7, worst: 'step w1', tolerance: 1e-4, ms: 11 },
          ms: 40,
        },
      ],
      versions: { 'tfjs-core': '4.22.0', 'tfjs-backend-wasm': '4.22.0', node: '20.20.2' },
    });
    expect(line).toBe(
      'tfjs backend: wasm [auto; tfjs-core 4.22.0, tfjs-backend-wasm 4.22.0; node 20.20.2; smoke test max ' +
        'relative error 8.2e-7 vs cpu]; unavailable: tfjs-node-gpu (not-installed: Cannot find module ' +
        "'@tensorflow/tfjs-node-gpu'); webgpu (no-adapter: requestAdapter() returned null)",
    );
  });
});
