import { ParameterError, type WindowSet } from '@driftwatch/contracts';
import { oneFactorWindows, pairwiseAuc } from '../testing/synthetic-windows';
import { initBackend } from '../backend';
import { DenseAe } from './dense-ae';
import { DenseVae } from './dense-vae';

const small = { windowLength: 3, hidden: 8, latentDim: 2, epochs: 2, batchSize: 32 };

const correlated = (n: number, seed: number, anomalies = 0, W = 3, F = 4): WindowSet =>
  oneFactorWindows(n, seed, { anomalies, windowLength: W, featureCount: F });

describe.each([
  ['dense-ae', () => new DenseAe({ ...small, hidden: 16, epochs: 40, learningRate: 3e-3 })],
  ['dense-vae', () => new DenseVae({ ...small, hidden: 16, epochs: 40, learningRate: 3e-3, scoreSamples: 32 })],
] as const)('%s', (_name, make) => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it(
    'learns the normal pattern: broken windows outrank normal ones (AUC-ROC ≥ 0.99 over all pairs; untrained ' +
      'nets reach about 0.9)',
    async () => {
      const det = make();
      const report = await det.fit(correlated(512, 1), { seed: 0, validation: correlated(128, 2) });
      expect(report.bestValLoss!).toBeLessThan(report.valLoss![0]);
      const scores = await det.scoreWindows(correlated(40, 3, 8));
      expect(pairwiseAuc(scores, 32)).toBeGreaterThanOrEqual(0.99);
      det.dispose();
    },
    60_000,
  );
});

describe('DenseAe', () => {
  it('scores the mean squared error of a plain-JS forward pass (ReLU code, linear output)', async () => {
    await initBackend('wasm');
    const det = new DenseAe(small);
    const train = correlated(64, 4);
    await det.fit(train, { seed: 1 });
    const w = det.parameterValues();
    const dense = (x: ArrayLike<number>, name: string, relu: boolean) => {
      const k = w.get(`${name}/kernel`)!;
      const b = w.get(`${name}/bias`)!.values;
      const out = k.shape[1];
      return Array.from({ length: out }, (_, o) => {
        let s = b[o];
        for (let i = 0; i < x.length; i++) s += x[i] * k.values[i * out + o];
        return relu ? Math.max(0, s) : s;
      });
    };
    const test = correlated(6, 5, 2);
    const scores = await det.scoreWindows(test);
    for (let i = 0; i < test.count; i++) {
      const x = test.window(i);
      const code = dense(dense(x, 'enc/dense_0', true), 'enc/head', true);
      const xhat = dense(dense(code, 'dec/dense_0', true), 'dec/head', false);
      const mse = xhat.reduce((s, v, j) => s + (v - x[j]) ** 2, 0) / x.length;
      expect(scores[i]).toBeCloseTo(mse, 4);
    }
    det.dispose();
  });

  it('validates its parameters at the boundary', () => {
    expect(() => new DenseAe({ latentDim: 0 })).toThrow(ParameterError);
    expect(() => new DenseAe({ hidden: [8, -1] })).toThrow(/hidden must be a positive integer or a list/);
    expect(() => new DenseAe({ nonsense: 1 } as never)).toThrow(/unknown parameter 'nonsense'/);
    expect(() => new DenseVae({ scoreSamples: 1.5 })).toThrow(/scoreSamples/);
    expect(new DenseAe().config).toMatchObject({
      windowLength: 20,
      hidden: 200,
      latentDim: 32,
      batchSize: 32,
      clipNorm: null,
    });
    expect(new DenseVae().config).toMatchObject({ clipNorm: 10, scoreSamples: 1024 });
  });
});

describe('DenseVae', () => {
  it('gives the same scores on every call (seeded sampling)', async () => {
    await initBackend('wasm');
    const train = correlated(128, 6);
    const test = correlated(10, 7, 3);
    const det = new DenseVae({ ...small, scoreSamples: 4 });
    await det.fit(train, { seed: 2 });
    const a = await det.scoreWindows(test);
    expect(Array.from(await det.scoreWindows(test))).toEqual(Array.from(a));
    det.dispose();
  });
});

describe.each([
  ['dense-ae', () => new DenseAe({ ...small, epochs: 3 })],
  ['dense-vae', () => new DenseVae({ ...small, epochs: 3, scoreSamples: 8 })],
] as const)('%s on cpu and wasm', (_name, make) => {
  it('trains to the same scores on both backends (relative difference ≤ 1e-3)', async () => {
    const scores: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const det = make();
      await det.fit(correlated(256, 8), { seed: 3, validation: correlated(64, 9) });
      scores.push(await det.scoreWindows(correlated(24, 10, 4)));
      det.dispose();
    }
    const [cpu, wasm] = scores;
    for (let i = 0; i < cpu.length; i++)
      expect(Math.abs(cpu[i] - wasm[i]) / Math.max(1e-6, Math.abs(cpu[i]))).toBeLessThanOrEqual(1e-3);
  }, 60_000);
});
