import { ParameterError, mulberry32, normalSampler, packedWindowSet, type WindowSet } from '@driftwatch/contracts';
import { pairwiseAuc } from '../testing/synthetic-windows';
import { initBackend } from '../backend';
import { refRecDecode, refRecEncode } from '../neural/layers-reference';
import { subSeed } from '../neural/params';
import { RecAe } from './rec-ae';
import { RecVae } from './rec-vae';

const small = { windowLength: 4, convFilters: 4, kernelSize: 3, gruUnits: 4, latentDim: 2, epochs: 2, batchSize: 32 };

/**
 * Normal windows: one smooth signal per window (x_j(t) = a_j·sin(0.9·t + φ) + noise, random phase φ, fixed
 * loadings a); anomalies flip the sign of feature 1 only, so every feature keeps its marginal distribution and
 * only the learned cross-feature pattern tells them apart.
 */
function waves(n: number, seed: number, anomalies = 0, W = 6, F = 3): WindowSet {
  const normal = normalSampler(mulberry32(seed));
  const uniform = mulberry32(seed + 1000);
  const loadings = [1, -1, 0.5];
  const values = new Float32Array(n * W * F);
  for (let i = 0; i < n; i++) {
    const broken = i >= n - anomalies;
    const phase = 2 * Math.PI * uniform();
    for (let r = 0; r < W; r++) {
      const s = Math.sin(0.9 * r + phase);
      for (let j = 0; j < F; j++)
        values[(i * W + r) * F + j] = (broken && j === 1 ? -1 : 1) * loadings[j] * s + 0.05 * normal();
    }
  }
  return packedWindowSet(values, W, F, new Uint8Array(n), ['one']);
}

const learning = {
  windowLength: 6,
  convFilters: 8,
  kernelSize: 3,
  gruUnits: 8,
  latentDim: 3,
  epochs: 20,
  learningRate: 3e-3,
};

describe.each([
  ['rec-ae', () => new RecAe(learning)],
  ['rec-vae', () => new RecVae({ ...learning, scoreSamples: 16 })],
] as const)('%s', (_name, make) => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it(
    'learns the normal pattern: broken windows outrank normal ones (AUC-ROC ≥ 0.98 over all pairs; one epoch ' +
      'gives about 0.5)',
    async () => {
      const det = make();
      const report = await det.fit(waves(256, 1), { seed: 0, validation: waves(64, 2) });
      expect(report.bestValLoss!).toBeLessThan(report.valLoss![0]);
      const scores = await det.scoreWindows(waves(40, 3, 8));
      expect(pairwiseAuc(scores, 32)).toBeGreaterThanOrEqual(0.98);
      det.dispose();
    },
    60_000,
  );
});

describe('RecAe', () => {
  it(
    'scores the mean squared error of the brute-force Figure 16 reconstruction (stride 2, two convs, crop) ' +
      'of its own weights',
    async () => {
      await initBackend('wasm');
      const arch = { convFilters: [4, 3], kernelSize: 3, stride: 2, gruUnits: [4, 3] };
      const det = new RecAe({ ...small, ...arch, windowLength: 5 });
      await det.fit(waves(64, 4, 0, 5), { seed: 1 });
      const w = det.parameterValues();
      const test = waves(6, 5, 2, 5);
      const scores = await det.scoreWindows(test);
      for (let i = 0; i < test.count; i++) {
        const x = test.window(i);
        const code = refRecEncode(w, 'enc', arch, 5, x, true);
        const xhat = refRecDecode(w, 'dec', arch, 5, code).flat();
        const mse = xhat.reduce((s, v, j) => s + (v - x[j]) ** 2, 0) / x.length;
        expect(Math.abs(scores[i] - mse)).toBeLessThanOrEqual(1e-5 * (1 + mse));
      }
      det.dispose();
    },
  );

  it('has the hand-counted number of parameters (default Figure 16 sizes, D = 19, L = 32)', async () => {
    await initBackend('wasm');
    const det = new RecAe({ epochs: 1 });
    const train = packedWindowSet(new Float32Array(2 * 20 * 19), 20, 19, new Uint8Array(2), ['one']);
    await det.fit(train, { seed: 0 });
    const count = [...det.parameterValues().values()].reduce((s, v) => s + v.values.length, 0);
    // enc: Conv1D 5·19·32 + 32, GRU 2·32·96 + 2·96, head 32·32 + 32; dec: GRU 2·32·96 + 2·96, ConvT 5·32·19 + 19
    expect(count).toBe(3072 + 6336 + 1056 + 6336 + 3059);
    det.dispose();
  });

  it('validates its parameters at the boundary', () => {
    expect(() => new RecAe({ latentDim: 0 })).toThrow(ParameterError);
    const negative = /^rec-ae: convFilters must be a positive integer or .*, got \[8,-1\] \(item 1 is -1\)$/;
    expect(() => new RecAe({ convFilters: [8, -1] })).toThrow(negative);
    expect(() => new RecAe({ gruUnits: [] })).toThrow(/gruUnits must be a positive integer or a non-empty list/);
    expect(() => new RecAe({ convFilters: [] })).toThrow(ParameterError);
    expect(() => new RecAe({ stride: 0 })).toThrow(/stride/);
    expect(() => new RecAe({ kernelSize: 2.5 })).toThrow(/kernelSize/);
    expect(() => new RecAe({ hidden: 8 } as never)).toThrow(/unknown parameter 'hidden'/);
    expect(() => new RecAe({ scoreSamples: 8 } as never)).toThrow(/unknown parameter 'scoreSamples'/);
    expect(() => new RecVae({ scoreSamples: 1.5 })).toThrow(/scoreSamples/);
    expect(() => new RecVae({ gruUnits: 0 })).toThrow(ParameterError);
    expect(new RecAe().config).toMatchObject({
      windowLength: 20,
      convFilters: [32],
      kernelSize: 5,
      stride: 1,
      gruUnits: [32],
      latentDim: 32,
      batchSize: 32,
      clipNorm: null,
    });
    expect(new RecVae().config).toMatchObject({
      convFilters: [32],
      kernelSize: 5,
      stride: 1,
      gruUnits: [32],
      latentDim: 32,
      clipNorm: 10,
      scoreSamples: 1024,
    });
  });
});

describe('RecVae', () => {
  it(
    "scores the mean over S samples of the brute-force −ln p(x|z), with z = μ + σ ⊙ ε from the scorer's " +
      'seeded noise (several sampling passes)',
    async () => {
      await initBackend('wasm');
      const arch = { convFilters: [3], kernelSize: 3, stride: 2, gruUnits: [4] };
      const [W, D, L, S] = [5, 3, 2, 128];
      const det = new RecVae({ ...small, ...arch, windowLength: W, latentDim: L, scoreSamples: S });
      await det.fit(waves(64, 6, 0, W), { seed: 2 });
      const w = det.parameterValues();
      const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
      /** −ln p(x|z) = Σ_{t,j} [ln σ + ½ ln 2π + (x − μ)²/(2σ²)] of the brute-force decoder, σ = 1e-4 + softplus(raw) */
      const nll = (x: ArrayLike<number>, z: number[]) => {
        let s = 0;
        refRecDecode(w, 'dec', arch, W, z).forEach((row, t) => {
          for (let j = 0; j < D; j++) {
            const sigma = 1e-4 + softplus(row[D + j]);
            s += Math.log(sigma) + 0.5 * Math.log(2 * Math.PI) + (x[t * D + j] - row[j]) ** 2 / (2 * sigma * sigma);
          }
        });
        return s;
      };
      // 40 windows × 128 samples > 4096 rows: the scorer needs two passes
      const test = waves(40, 7, 8, W);
      const scores = await det.scoreWindows(test);
      // the scorer's noise (window-network.ts): stream 5 of the fit seed, float32, rows ordered (sample, window)
      const normal = normalSampler(mulberry32(subSeed(2, 5)));
      const eps = Float32Array.from({ length: S * test.count * L }, normal);
      const heads = Array.from({ length: test.count }, (_, b) =>
        refRecEncode(w, 'enc', arch, W, test.window(b), false),
      );
      for (let b = 0; b < test.count; b++) {
        const mu = heads[b].slice(0, L);
        const sigma = heads[b].slice(L).map((r) => 1e-4 + softplus(r));
        let total = 0;
        for (let s = 0; s < S; s++)
          total += nll(
            test.window(b),
            mu.map((m, l) => m + sigma[l] * eps[(s * test.count + b) * L + l]),
          );
        const expected = total / S;
        expect(Math.abs(scores[b] - expected)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(expected)));
      }
      det.dispose();
    },
  );

  it('gives the same scores on every call (seeded sampling)', async () => {
    await initBackend('wasm');
    const det = new RecVae({ ...small, scoreSamples: 5 });
    await det.fit(waves(64, 8, 0, 4), { seed: 3 });
    const test = waves(10, 9, 3, 4);
    const a = await det.scoreWindows(test);
    expect(Array.from(await det.scoreWindows(test))).toEqual(Array.from(a));
    det.dispose();
  });
});

describe.each([
  ['rec-ae', () => new RecAe({ ...small, epochs: 3 })],
  ['rec-vae', () => new RecVae({ ...small, epochs: 3, scoreSamples: 8 })],
] as const)('%s on cpu and wasm', (_name, make) => {
  it('trains to the same scores on both backends (relative difference ≤ 1e-3)', async () => {
    const scores: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const det = make();
      await det.fit(waves(128, 10, 0, 4), { seed: 4, validation: waves(32, 11, 0, 4) });
      scores.push(await det.scoreWindows(waves(24, 12, 4, 4)));
      det.dispose();
    }
    const [cpu, wasm] = scores;
    for (let i = 0; i < cpu.length; i++)
      expect(Math.abs(cpu[i] - wasm[i]) / Math.max(1e-6, Math.abs(cpu[i]))).toBeLessThanOrEqual(1e-3);
  }, 60_000);
});
