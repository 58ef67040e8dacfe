import { mkdtemp, rm } from 'node:fs/promises';
import { pairwiseAuc } from '../testing/synthetic-windows';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterError, mulberry32, normalSampler, packedWindowSet, type WindowSet } from '@driftwatch/contracts';
import { initBackend } from '../backend';
import { TranAd, normalQuantile } from './tranad';

const small = { windowLength: 4, feedForward: 8, batchSize: 32, epochs: 2 };

/**
 * Windows (step 1) of one noisy 3-feature cycle x_t = (sin θ_t, cos θ_t, sin(θ_t + 1)) + noise, with per-feature
 * scale and offset; the last `anomalies` windows get a last record whose third feature is mirrored (still
 * inside the training range, so only the broken relation between features gives it away).
 */
function cycle(
  n: number,
  seed: number,
  anomalies = 0,
  W = 6,
  affine = { scale: [1, 1, 1], offset: [0, 0, 0] },
): WindowSet {
  const normal = normalSampler(mulberry32(seed));
  const D = 3;
  const T = n + W - 1;
  const rec = new Float32Array(T * D);
  const phase = normal();
  for (let t = 0; t < T; t++) {
    const th = (2 * Math.PI * t) / 16 + phase;
    const x = [Math.sin(th), Math.cos(th), Math.sin(th + 1)];
    for (let j = 0; j < D; j++) rec[t * D + j] = affine.scale[j] * (x[j] + 0.05 * normal()) + affine.offset[j];
  }
  const values = new Float32Array(n * W * D);
  for (let i = 0; i < n; i++) {
    values.set(rec.subarray(i * D, (i + W) * D), i * W * D);
    if (i >= n - anomalies) {
      const k = (i * W + W - 1) * D + 2;
      values[k] = 2 * affine.offset[2] - values[k];
    }
  }
  return packedWindowSet(values, W, D, new Uint8Array(n), ['one']);
}
type Weights = Map<string, { shape: number[]; values: Float32Array }>;

/** A brute-force TranAD forward pass in float64 (no dropout): x̂₁, x̂₂ and the scaled last record of one window. */
function referenceForward(
  w: Weights,
  window: Float32Array,
  W: number,
  D: number,
  layerNorm: boolean,
): { x1: number[]; x2: number[]; target: number[] } {
  const E = 2 * D;
  const H = D;
  const hd = E / H;
  const get = (name: string) => {
    const t = w.get(name);
    if (!t) throw new Error(`no parameter ${name}`);
    return t.values;
  };
  const linear = (x: number[], name: string) => {
    const k = get(`${name}/kernel`);
    const b = get(`${name}/bias`);
    const out = b.length;
    return Array.from({ length: out }, (_, o) => x.reduce((s, xi, i) => s + xi * k[i * out + o], b[o]));
  };
  const add = (a: number[], b: number[]) => a.map((v, i) => v + b[i]);
  const norm = (x: number[], name: string) => {
    if (!layerNorm) return x;
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    const g = get(`${name}/gamma`);
    const b = get(`${name}/beta`);
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * g[i] + b[i]);
  };
  // nn.MultiheadAttention: in_proj_weight rows = [W_q; W_k; W_v], here the kernel's columns [0,E), [E,2E), [2E,3E)
  const attention = (queries: number[][], memory: number[][], name: string) => {
    const k = get(`${name}/in_proj/kernel`);
    const b = get(`${name}/in_proj/bias`);
    const project = (x: number[], part: number) =>
      Array.from({ length: E }, (_, o) =>
        x.reduce((s, xi, i) => s + xi * k[i * 3 * E + part * E + o], b[part * E + o]),
      );
    const q = queries.map((x) => project(x, 0));
    const kk = memory.map((x) => project(x, 1));
    const v = memory.map((x) => project(x, 2));
    return q.map((qi) => {
      const concat = new Array<number>(E).fill(0);
      for (let h = 0; h < H; h++) {
        const logits = kk.map((kj) => {
          let s = 0;
          for (let d = h * hd; d < (h + 1) * hd; d++) s += qi[d] * kj[d];
          return s / Math.sqrt(hd);
        });
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        const z = e.reduce((s, x) => s + x, 0);
        for (let j = 0; j < memory.length; j++)
          for (let d = h * hd; d < (h + 1) * hd; d++) concat[d] += (e[j] / z) * v[j][d];
      }
      return linear(concat, `${name}/out_proj`);
    });
  };
  const feedForward = (x: number[], name: string) => linear(linear(x, `${name}/linear1`), `${name}/linear2`);
  const lo = get('scale/min');
  const hi = get('scale/max');
  const X = Array.from({ length: W }, (_, t) =>
    Array.from({ length: D }, (_, j) => (window[t * D + j] - lo[j]) / (hi[j] - lo[j] || 1)),
  );
  const target = X[W - 1];
  const encode = (c: number[][]) => {
    let s = X.map((xt, t) =>
      [...xt, ...c[t]].map(
        (v, i) => v * Math.sqrt(D) + Math.sin(t * 10000 ** (-i / E)) + Math.cos(t * 10000 ** (-i / E)),
      ),
    );
    const a = attention(s, s, 'enc/self_attn');
    s = s.map((st, t) => norm(add(st, a[t]), 'enc/norm1'));
    return s.map((st) => norm(add(st, feedForward(st, 'enc')), 'enc/norm2'));
  };
  const decode = (name: string, memory: number[][]) => {
    let t = [...target, ...target];
    t = norm(add(t, attention([t], [t], `${name}/self_attn`)[0]), `${name}/norm1`);
    t = norm(add(t, attention([t], memory, `${name}/cross_attn`)[0]), `${name}/norm2`);
    t = norm(add(t, feedForward(t, name)), `${name}/norm3`);
    return linear(t, 'output').map((v) => 1 / (1 + Math.exp(-v)));
  };
  const x1 = decode('dec1', encode(X.map(() => new Array<number>(D).fill(0))));
  const x2 = decode('dec2', encode(X.map((xt) => xt.map((v, j) => (x1[j] - v) ** 2))));
  return { x1, x2, target };
}

describe('TranAd', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it(
    'learns the cycle: windows whose last record breaks it outrank normal ones (AUC-ROC ≥ 0.95; after one ' +
      'epoch about 0.5)',
    async () => {
      const det = new TranAd({ windowLength: 6, feedForward: 16, batchSize: 32, epochs: 10, learningRate: 3e-3 });
      const report = await det.fit(cycle(512, 1), { seed: 0, validation: cycle(128, 2) });
      expect(report.bestValLoss!).toBeLessThan(report.valLoss![0]);
      expect(pairwiseAuc(await det.scoreWindows(cycle(64, 3, 16)), 48)).toBeGreaterThanOrEqual(0.95);
      det.dispose();
      // 10 epochs on wasm: other test files running beside it on 2 cores slow it several-fold
    },
    180_000,
  );

  it.each([false, true])(
    'matches a brute-force forward pass (layerNorm %s): score = mean (x̂₂ − x_t)², epoch-0 validation loss = MSE(x̂₁)',
    async (layerNorm) => {
      const W = 3;
      const D = 2;
      const det = new TranAd({
        windowLength: W,
        feedForward: 3,
        batchSize: 16,
        epochs: 1,
        learningRate: 1e-2,
        layerNorm,
      });
      const train = cycle(64, 4, 0, W);
      const validation = cycle(16, 5, 0, W);
      // D = 2: the cycle's first two features
      const firstTwo = (ws: WindowSet) => {
        const values = new Float32Array(ws.count * W * D);
        for (let i = 0; i < ws.count; i++) {
          const x = ws.window(i);
          for (let r = 0; r < W; r++) for (let j = 0; j < D; j++) values[(i * W + r) * D + j] = x[r * 3 + j];
        }
        return packedWindowSet(values, W, D, new Uint8Array(ws.count), ['one']);
      };
      const report = await det.fit(firstTwo(train), { seed: 1, validation: firstTwo(validation) });
      const w = det.parameterValues();
      expect(w.has('enc/norm1/gamma')).toBe(layerNorm);
      const test = firstTwo(cycle(8, 6, 3, W));
      const scores = await det.scoreWindows(test);
      for (let i = 0; i < test.count; i++) {
        const { x2, target } = referenceForward(w, test.window(i), W, D, layerNorm);
        expect(scores[i]).toBeCloseTo(x2.reduce((s, v, j) => s + (v - target[j]) ** 2, 0) / D, 6);
      }
      // one epoch: the weights are those of epoch 0, whose loss weighs phase 1 only (n = 1), without dropout
      const v = firstTwo(validation);
      let mse1 = 0;
      for (let i = 0; i < v.count; i++) {
        const { x1, target } = referenceForward(w, v.window(i), W, D, layerNorm);
        mse1 += x1.reduce((s, x, j) => s + (x - target[j]) ** 2, 0) / D / v.count;
      }
      expect(report.valLoss![0]).toBeCloseTo(mse1, 6);
      det.dispose();
    },
  );

  it('keeps the training minimum and maximum per feature as state, through save and load', async () => {
    const affine = { scale: [10, 0.5, 3], offset: [100, -2, 0] };
    const train = cycle(96, 7, 0, 4, affine);
    const min = [Infinity, Infinity, Infinity];
    const max = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < train.count; i++) {
      const x = train.window(i);
      for (let k = 0; k < x.length; k++) {
        min[k % 3] = Math.min(min[k % 3], x[k]);
        max[k % 3] = Math.max(max[k % 3], x[k]);
      }
    }
    const det = new TranAd({ ...small, feedForward: 4 });
    await det.fit(train, { seed: 2 });
    const dir = await mkdtemp(join(tmpdir(), 'driftwatch-tranad-'));
    try {
      await det.save(join(dir, 'model'));
      const loaded = await TranAd.load(join(dir, 'model'));
      for (const d of [det, loaded]) {
        expect(Array.from(d.parameterValues().get('scale/min')!.values)).toEqual(min.map(Math.fround));
        expect(Array.from(d.parameterValues().get('scale/max')!.values)).toEqual(max.map(Math.fround));
      }
      const test = cycle(12, 8, 4, 4, affine);
      expect(Array.from(await loaded.scoreWindows(test))).toEqual(Array.from(await det.scoreWindows(test)));
      loaded.dispose();
    } finally {
      det.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(
    'gives the same scores on raw and on standardised data (relative difference ≤ 1e-3): min-max scaling ' +
      'absorbs the per-feature positive affine map',
    async () => {
      const affine = { scale: [10, 0.5, 3], offset: [100, -2, 0] };
      const train = cycle(96, 9, 0, 4, affine);
      const test = cycle(12, 10, 4, 4, affine);
      const mean = [0, 0, 0];
      const sq = [0, 0, 0];
      const n = train.count * 4;
      for (let i = 0; i < train.count; i++)
        train.window(i).forEach((v, k) => ((mean[k % 3] += v / n), (sq[k % 3] += (v * v) / n)));
      const std = sq.map((s, j) => Math.sqrt(s - mean[j] ** 2));
      const standardise = (ws: WindowSet) => {
        const values = new Float32Array(ws.count * 4 * 3);
        for (let i = 0; i < ws.count; i++)
          ws.window(i).forEach((v, k) => (values[i * 12 + k] = (v - mean[k % 3]) / std[k % 3]));
        return packedWindowSet(values, 4, 3, new Uint8Array(ws.count), ['one']);
      };
      const scores: Float32Array[] = [];
      for (const [tr, te] of [
        [train, test],
        [standardise(train), standardise(test)],
      ]) {
        const det = new TranAd({ ...small, feedForward: 4 });
        await det.fit(tr, { seed: 3 });
        scores.push(await det.scoreWindows(te));
        det.dispose();
      }
      for (let i = 0; i < scores[0].length; i++)
        expect(Math.abs(scores[0][i] - scores[1][i]) / Math.max(1e-6, scores[0][i])).toBeLessThanOrEqual(1e-3);
    },
  );

  it('has the trainable parameters of the official code for ASD (D = 19, dim_ff 64): 45,279', async () => {
    const D = 19;
    const E = 2 * D;
    const F = 64;
    const mha = 4 * E * E + 4 * E; // in_proj 3E×E + 3E, out_proj E×E + E
    const ff = E * F + F + F * E + E;
    const expected = mha + ff + 2 * (2 * mha + ff) + E * D + D;
    expect(expected).toBe(45_279);
    const normal = normalSampler(mulberry32(11));
    const det = new TranAd({ batchSize: 8, epochs: 1 });
    await det.fit(
      packedWindowSet(Float32Array.from({ length: 8 * 20 * D }, normal), 20, D, new Uint8Array(8), ['one']),
      { seed: 4 },
    );
    let count = 0;
    for (const [name, t] of det.parameterValues()) if (!name.startsWith('scale/')) count += t.values.length;
    expect(count).toBe(expected);
    det.dispose();
  });
});

describe('TranAd settings', () => {
  it('has the docs/divad.md §4 defaults and validates its parameters at the boundary', () => {
    expect(new TranAd().config).toEqual({
      windowLength: 20,
      learningRate: 1e-3,
      weightDecay: 1e-5,
      clipNorm: null,
      batchSize: 128,
      epochs: 300,
      patience: 100,
      feedForward: 64,
      dropout: 0.1,
      lrDecay: 0.9,
      lrDecayEvery: 5,
      layerNorm: false,
    });
    expect(() => new TranAd({ feedForward: 0 })).toThrow(ParameterError);
    expect(() => new TranAd({ dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\), got 1$/);
    expect(() => new TranAd({ dropout: -0.1 })).toThrow(/dropout/);
    expect(() => new TranAd({ layerNorm: 'yes' } as never)).toThrow(/layerNorm must be true or false/);
    expect(() => new TranAd({ nonsense: 1 } as never)).toThrow(/unknown parameter 'nonsense'/);
  });

  it('decays the learning rate ×0.9 every 5 epochs (StepLR) and batches runs of consecutive windows', () => {
    const det = new TranAd() as unknown as {
      learningRateAt(epoch: number, phase: string): number;
      batchOrder(): string;
    };
    const expected: [number, number][] = [
      [0, 1e-3],
      [4, 1e-3],
      [5, 9e-4],
      [9, 9e-4],
      [10, 8.1e-4],
      [27, 5.9049e-4],
    ];
    for (const [epoch, lr] of expected) expect(det.learningRateAt(epoch, 'train')).toBeCloseTo(lr, 15);
    expect(det.batchOrder()).toBe('blocks');
  });

  it('thresholds normal noise at Φ⁻¹(rate) for dropout (table values)', () => {
    expect(normalQuantile(0.1)).toBeCloseTo(-1.2815515655446004, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 8);
    expect(() => normalQuantile(0)).toThrow(RangeError);
  });
});

describe('TranAd on cpu and wasm', () => {
  it('trains to the same scores on both backends (relative difference ≤ 1e-3)', async () => {
    const scores: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const det = new TranAd({ ...small, epochs: 3 });
      await det.fit(cycle(128, 12, 0, 4), { seed: 5, validation: cycle(32, 13, 0, 4) });
      scores.push(await det.scoreWindows(cycle(16, 14, 4, 4)));
      det.dispose();
    }
    const [cpu, wasm] = scores;
    for (let i = 0; i < cpu.length; i++)
      expect(Math.abs(cpu[i] - wasm[i]) / Math.max(1e-6, Math.abs(cpu[i]))).toBeLessThanOrEqual(1e-3);
  }, 60_000);
});
