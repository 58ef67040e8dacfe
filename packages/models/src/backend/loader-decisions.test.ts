import { DriftwatchError, ParameterError } from '@driftwatch/contracts';
import { BackendLoader, tf } from './loader';
import { BACKEND_REASONS, type BackendCandidate } from './candidates';
import {
  activatingCandidate,
  brokenAddonCandidate,
  noAdapterCandidate,
  notInstalledCandidate,
  registerCpuLikeBackend,
} from './fake-candidates';

/** what Dawn 0.6.2 printed on a machine with Debian's lavapipe driver (docs/toolchain.md) */
const LAVAPIPE_STDERR = [
  'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
  ' - While initializing adapter (backend=BackendType::Vulkan)',
  '    at InitializeImpl (/build/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
  '',
].join('\n');

const softplusCalls = { Softplus: 0 };
registerCpuLikeBackend('fake-ok', { calls: softplusCalls });
registerCpuLikeBackend('fake-ok-2');
// a relative error of 1e-3 in every softplus output: far above the tolerance of 1e-4
registerCpuLikeBackend('fake-wrong', { perturb: { Softplus: 1e-3 } });
// 1e-6: float32 rounding's order of magnitude, which a correct backend may show
registerCpuLikeBackend('fake-rounding', { perturb: { Softplus: 1e-6 } });
registerCpuLikeBackend('fake-no-softplus', { omit: ['Softplus'] });
registerCpuLikeBackend('fake-no-softplus-2', { omit: ['Softplus'] });

/** counts activations without changing what the candidate does */
function counted(c: BackendCandidate): BackendCandidate & { activations: number } {
  const wrapped = { ...c, activations: 0, activate: () => (wrapped.activations++, c.activate()) };
  return wrapped;
}

const quiet = () => undefined;

describe('BackendLoader with fake candidates', () => {
  const notInstalled = counted(notInstalledCandidate('fake-node-gpu'));
  const brokenAddon = counted(brokenAddonCandidate('fake-node'));
  const noAdapter = counted(noAdapterCandidate('fake-gpu', LAVAPIPE_STDERR));
  const wrong = counted(activatingCandidate('fake-wrong'));
  const ok = counted(activatingCandidate('fake-ok'));
  const later = counted(activatingCandidate('fake-ok-2'));
  const loader = new BackendLoader({
    candidates: [notInstalled, brokenAddon, noAdapter, wrong, ok, later],
    warn: quiet,
  });

  it(
    "'auto' tries the candidates in order, records why " + 'each was rejected, and keeps the first that passes',
    async () => {
      const info = await loader.init('auto');
      expect(info.name).toBe('fake-ok');
      expect(tf.getBackend()).toBe('fake-ok');
      expect(info.attempts.map((a) => [a.candidate, a.ok, a.reason])).toEqual([
        ['fake-node-gpu', false, 'not-installed'],
        ['fake-node', false, 'native-addon-missing'],
        ['fake-gpu', false, 'no-adapter'],
        ['fake-wrong', false, 'smoke-failed'],
        ['fake-ok', true, 'ok'],
      ]);
      const [a0, a1, a2, a3, a4] = info.attempts;
      expect(a0.detail).toMatch(/Cannot find module '@driftwatch\/fake-node-gpu-is-not-installed'/);
      // the dynamic loader's own words for a file that is not a shared object
      expect(a1.detail).toMatch(/invalid ELF header|not an ELF|too short/i);
      expect(a2.detail).toBe(
        'requestAdapter() returned null; Dawn: Warning: Vulkan shaderUniform*ArrayDynamicIndexing required. ' +
          '(While initializing adapter (backend=BackendType::Vulkan))',
      );
      expect(a3.detail).toMatch(
        /^smoke test failed: max relative error \d\.\de-\d+ \((lossBefore|lossAfter|step \w+)\) vs cpu, > 1\.0e-4$/,
      );
      expect(a3.error).toBe(a3.detail);
      expect(a4.smoke!.reference).toBe('cpu');
      expect(a4.smoke!.maxRelativeError).toBeLessThanOrEqual(1e-4);
      // the fake-ok backend runs the cpu kernels, so it matches cpu exactly
      expect(a4.smoke!.maxRelativeError).toBe(0);
      expect(later.activations).toBe(0);
      for (const a of info.attempts) expect(BACKEND_REASONS).toContain(a.reason);
    },
  );

  it('runs the smoke test once per backend and process', async () => {
    await loader.init('auto');
    const callsAfterAuto = softplusCalls.Softplus;
    // one smoke test: the loss before the step and the loss after it, each one softplus
    expect(callsAfterAuto).toBe(2);
    const named = await loader.init('fake-ok');
    expect(named.attempts).toHaveLength(1);
    expect(named.attempts[0].smoke).toEqual((await loader.init('auto')).attempts.at(-1)!.smoke);
    expect(softplusCalls.Softplus).toBe(callsAfterAuto);
  });

  it(
    'a named candidate that fails throws a DriftwatchError naming its reason; an unknown name is a ' + 'ParameterError',
    async () => {
      await expect(loader.init('fake-gpu')).rejects.toThrow(
        new DriftwatchError(
          "tfjs backend 'fake-gpu' cannot be used: no-adapter: requestAdapter() returned null; Dawn: " +
            'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required. (While initializing adapter ' +
            '(backend=BackendType::Vulkan))',
        ),
      );
      await expect(loader.init('fake-wrong')).rejects.toThrow(
        /^tfjs backend 'fake-wrong' cannot be used: smoke-failed: smoke test failed/,
      );
      await expect(loader.init('fake-node-gpu')).rejects.toBeInstanceOf(DriftwatchError);
      await expect(loader.init('webgl')).rejects.toBeInstanceOf(ParameterError);
      await expect(loader.init('webgl')).rejects.toThrow(
        "unknown backend 'webgl'; known: auto, fake-node-gpu, fake-node, fake-gpu, fake-wrong, fake-ok, fake-ok-2",
      );
    },
  );

  it('accepts a difference of float32 rounding size (1e-6) and rejects one of 1e-3', async () => {
    const l = new BackendLoader({
      candidates: [activatingCandidate('fake-wrong'), activatingCandidate('fake-rounding')],
      warn: quiet,
    });
    const info = await l.init('auto');
    expect(info.name).toBe('fake-rounding');
    expect(info.attempts[0].reason).toBe('smoke-failed');
    // softplus feeds every later value, so its 1e-3 shows up at least at a tenth of that size
    expect(info.attempts[1].smoke!.maxRelativeError).toBeGreaterThan(0);
    expect(info.attempts[1].smoke!.maxRelativeError).toBeLessThan(1e-5);
  });

  it('when no candidate passes, the error lists every candidate with its reason', async () => {
    const l = new BackendLoader({
      candidates: [notInstalledCandidate('a'), activatingCandidate('fake-wrong')],
      warn: quiet,
    });
    await expect(l.init('auto')).rejects.toThrow(
      /^no tfjs backend passed its checks \(a: not-installed: Cannot find module .*; fake-wrong: smoke-failed: smoke test failed/,
    );
  });

  it(
    'a missing kernel is kernel-missing without the cpu ' + 'fallback, and runs on cpu with one warning with it',
    async () => {
      const strict = new BackendLoader({
        candidates: [activatingCandidate('fake-no-softplus')],
        cpuFallback: false,
        warn: quiet,
      });
      await expect(strict.init('fake-no-softplus')).rejects.toThrow(
        "tfjs backend 'fake-no-softplus' cannot be used: kernel-missing: the smoke test needs kernel " +
          "'Softplus': Kernel 'Softplus' not registered for backend 'fake-no-softplus'",
      );
      const warnings: string[] = [];
      const lenient = new BackendLoader({
        candidates: [activatingCandidate('fake-no-softplus-2')],
        warn: (l) => warnings.push(l),
      });
      const info = await lenient.init('auto');
      expect(info.attempts[0].ok).toBe(true);
      expect(info.attempts[0].cpuFallbacks).toEqual(['Softplus']);
      expect(info.attempts[0].smoke!.maxRelativeError).toBe(0);
      // used twice by the smoke test and again here: still one warning
      tf.tidy(() => tf.softplus(tf.tensor1d([0, 1])).dataSync());
      expect(warnings).toEqual([
        "tfjs backend 'fake-no-softplus-2' has no kernel 'Softplus': running it on cpu (correct, but each " +
          'call copies its tensors both ways)',
      ]);
    },
  );

  it(
    "probe tries every candidate, marks the first accepted 'chosen', and does not try one whose tfjs backend " +
      'is taken',
    async () => {
      const sameBackend = activatingCandidate('fake-ok-again', 'fake-ok');
      const l = new BackendLoader({
        candidates: [
          notInstalledCandidate('gone'),
          activatingCandidate('fake-wrong'),
          activatingCandidate('fake-ok'),
          sameBackend,
          activatingCandidate('fake-ok-2'),
        ],
        warn: quiet,
      });
      const probe = await l.probe();
      expect(probe.candidates.map((c) => [c.candidate, c.status, c.reason])).toEqual([
        ['gone', 'rejected', 'not-installed'],
        ['fake-wrong', 'rejected', 'smoke-failed'],
        ['fake-ok', 'chosen', 'ok'],
        ['fake-ok-again', 'not-tried', 'init-failed'],
        ['fake-ok-2', 'accepted', 'ok'],
      ]);
      expect(probe.candidates[0].packages).toEqual({ '@driftwatch/gone-is-not-installed': null });
      expect(probe.chosen!.name).toBe('fake-ok');
      expect(probe.chosen!.attempts.map((a) => a.candidate)).toEqual(['gone', 'fake-wrong', 'fake-ok']);
      // the chosen backend is the active one afterwards, though fake-ok-2 was tried last
      expect(tf.getBackend()).toBe('fake-ok');
      expect(await l.ensure()).toBe(probe.chosen);
    },
  );

  it('a probe where nothing passes has no chosen backend', async () => {
    const l = new BackendLoader({ candidates: [notInstalledCandidate('gone')], warn: quiet });
    const probe = await l.probe();
    expect(probe.chosen).toBeUndefined();
    expect(probe.candidates[0].status).toBe('rejected');
  });

  it('concurrent loads of different backends do not interleave', async () => {
    // a slow activation: interleaved, the other load would switch the active backend in the meantime
    const wrong = activatingCandidate('fake-wrong');
    const slowWrong = {
      ...wrong,
      activate: async () => {
        const a = await wrong.activate();
        await new Promise((r) => setTimeout(r, 30));
        return a;
      },
    };
    const l = new BackendLoader({ candidates: [slowWrong, activatingCandidate('fake-ok')], warn: quiet });
    const [failed, ok] = await Promise.allSettled([l.init('fake-wrong'), l.init('fake-ok')]);
    expect(failed.status === 'rejected' && String(failed.reason)).toMatch(/'fake-wrong' cannot be used: smoke-failed/);
    expect(ok.status === 'fulfilled' && ok.value.attempts[0].smoke!.maxRelativeError).toBe(0);
    expect(tf.getBackend()).toBe('fake-ok');
  });
});
