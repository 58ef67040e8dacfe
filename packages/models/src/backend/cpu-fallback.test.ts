import { mulberry32, normalSampler } from '@driftwatch/contracts';
import { initBackend, tf } from './loader';
import { kernelsMissingOn, registerCpuFallbacks } from './cpu-fallback';
import { registerCpuLikeBackend } from './fake-candidates';

const OMITTED = ['UnsortedSegmentSum', 'TopK', 'AddN', 'Complex'];
registerCpuLikeBackend('fallback-fake', { omit: OMITTED });

const normal = normalSampler(mulberry32(5));

async function onFake<T>(f: () => T): Promise<T> {
  await tf.setBackend('fallback-fake');
  return f();
}

describe('cpu fallbacks', () => {
  const warnings: string[] = [];
  let served: string[] = [];
  beforeAll(async () => {
    await initBackend('cpu');
    expect(kernelsMissingOn('fallback-fake')).toEqual(expect.arrayContaining(OMITTED));
    expect(kernelsMissingOn('fallback-fake')).toHaveLength(OMITTED.length);
    served = registerCpuFallbacks('fallback-fake', (l) => warnings.push(l));
  });

  it('are registered for exactly the missing kernels, once', () => {
    expect([...served].sort()).toEqual([...OMITTED].sort());
    expect(kernelsMissingOn('fallback-fake')).toEqual([]);
    expect(registerCpuFallbacks('fallback-fake', () => undefined).sort()).toEqual([...OMITTED].sort());
    expect(registerCpuFallbacks('cpu', () => undefined)).toEqual([]);
  });

  it(
    'compute a named-input kernel (UnsortedSegmentSum) like a direct sum, warn once, and serve the gradient ' +
      'of gather',
    async () => {
      const x = Float32Array.from({ length: 6 * 4 }, () => normal());
      const ids = Int32Array.from([2, 0, 2, -1, 1, 2]);
      const direct = new Float64Array(3 * 4);
      for (let i = 0; i < 6; i++) if (ids[i] >= 0) for (let j = 0; j < 4; j++) direct[ids[i] * 4 + j] += x[i * 4 + j];
      const got = await onFake(() =>
        tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [6, 4]), tf.tensor1d(ids, 'int32'), 3).dataSync()),
      );
      for (let i = 0; i < direct.length; i++) expect(got[i]).toBeCloseTo(direct[i], 5);
      // d/dtable Σ gather(table, idx) = how often each row is gathered
      const grad = await onFake(() =>
        tf.tidy(() =>
          tf
            .grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d([0, 2, 2, 3], 'int32')).sum())(tf.ones([4, 2]))
            .dataSync(),
        ),
      );
      expect(Array.from(grad)).toEqual([1, 1, 0, 0, 2, 2, 1, 1]);
      expect(warnings.filter((w) => w.includes("'UnsortedSegmentSum'"))).toHaveLength(1);
      expect(tf.getBackend()).toBe('fallback-fake');
    },
  );

  it('handle list inputs (AddN) and several outputs (TopK)', async () => {
    const sum = await onFake(() =>
      tf.tidy(() => tf.addN([tf.tensor1d([1, 2]), tf.tensor1d([10, 20]), tf.tensor1d([100, 200])]).dataSync()),
    );
    expect(Array.from(sum)).toEqual([111, 222]);
    const values = [0.3, -1, 2.5, 0.7, 2.4];
    const { v, i } = await onFake(() =>
      tf.tidy(() => {
        const r = tf.topk(tf.tensor1d(values), 3);
        return { v: Array.from(r.values.dataSync()), i: Array.from(r.indices.dataSync()) };
      }),
    );
    expect(i).toEqual([2, 4, 3]);
    expect(v.map((x) => Math.round(x * 10) / 10)).toEqual([2.5, 2.4, 0.7]);
  });

  it("refuse tensors they cannot copy with the engine's missing-kernel words", async () => {
    await onFake(() => undefined);
    expect(() => tf.tidy(() => tf.complex(tf.tensor1d([1]), tf.tensor1d([2])))).toThrow(
      "Kernel 'Complex' not registered for backend 'fallback-fake' (its cpu fallback cannot carry complex64 tensors)",
    );
  });

  it('leave no tensors behind on either backend', async () => {
    const cpuBackend = tf.findBackend('cpu')!;
    const before = [tf.memory().numTensors, cpuBackend.numDataIds()];
    await onFake(() =>
      tf.tidy(() => tf.unsortedSegmentSum(tf.ones([5, 2]), tf.tensor1d([0, 1, 0, 1, 0], 'int32'), 2).dataSync()),
    );
    expect([tf.memory().numTensors, cpuBackend.numDataIds()]).toEqual(before);
  });

  it('on wasm: the depthwise-conv filter gradient, missing there, matches the cpu backend', async () => {
    const x = Float32Array.from({ length: 2 * 5 * 5 * 3 }, () => normal());
    const w = Float32Array.from({ length: 3 * 3 * 3 * 2 }, () => normal());
    const f = () =>
      tf.tidy(() =>
        tf
          .grad((filter: tf.Tensor) =>
            tf
              .depthwiseConv2d(tf.tensor4d(x, [2, 5, 5, 3]), filter as tf.Tensor4D, 1, 'same')
              .square()
              .sum(),
          )(tf.tensor4d(w, [3, 3, 3, 2]))
          .dataSync(),
      );
    await initBackend('cpu');
    const cpu = f();
    const info = await initBackend('wasm');
    expect(info.attempts[0].cpuFallbacks).toContain('DepthwiseConv2dNativeBackpropFilter');
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let wasm: Float32Array | Int32Array | Uint8Array;
    let written: string[];
    try {
      wasm = f();
      written = stderr.mock.calls.map((c) => String(c[0]));
    } finally {
      stderr.mockRestore();
    }
    // the default loader logs the first use to stderr
    expect(written).toEqual([
      "warning: tfjs backend 'wasm' has no kernel 'DepthwiseConv2dNativeBackpropFilter': running it on cpu " +
        '(correct, but each call copies its tensors both ways)\n',
    ]);
    let maxAbs = 0;
    for (const v of cpu) maxAbs = Math.max(maxAbs, Math.abs(v));
    for (let i = 0; i < cpu.length; i++) expect(Math.abs(wasm[i] - cpu[i]) / maxAbs).toBeLessThan(1e-5);
  });
});
