import { ParameterError, mulberry32, normalSampler, packedWindowSet, type WindowSet } from '@driftwatch/contracts';
import { oneFactorWindows, pairwiseAuc } from '../testing/synthetic-windows';
import { initBackend, tf } from '../backend';
import {
  Mscred,
  attend,
  attentionWeights,
  conv2dSame,
  conv2dTransposeSame,
  levelSizes,
  paddedSize,
  rotatedConstant,
  signatureMatrices,
  type MscredConfig,
} from './mscred';

/** W = 6 holds h = 3 steps of length-3 signatures; D = 4 pads to P = 4, levels 4 → 4 → 2 → 1 */
const small: Partial<MscredConfig> = {
  windowLength: 6,
  signatureLengths: [3, 2],
  steps: 3,
  encoder: [
    { filters: 4, kernel: 3, stride: 1 },
    { filters: 8, kernel: 2, stride: 2 },
    { filters: 8, kernel: 2, stride: 2 },
  ],
  epochs: 2,
  batchSize: 32,
};

function randomValues(n: number, seed: number): Float32Array {
  const normal = normalSampler(mulberry32(seed));
  return Float32Array.from({ length: n }, normal);
}

const correlated = (n: number, seed: number, anomalies = 0, W = 6, F = 4): WindowSet =>
  oneFactorWindows(n, seed, { anomalies, windowLength: W, featureCount: F, broken: [-1, 0.5, 2, 1] });

/** M^w_t = Σ_{i=t−w+1..t} x_i x_iᵀ / w by loops, zero outside D×D: [P][P] */
function bruteSignature(window: ArrayLike<number>, D: number, t: number, w: number, P: number): number[][] {
  const m = Array.from({ length: P }, () => new Array<number>(P).fill(0));
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let r = t - w + 1; r <= t; r++) s += window[r * D + i] * window[r * D + j];
      m[i][j] = s / w;
    }
  }
  return m;
}

/** docs/divad.md §4's encoder, written out here: (filters, kernel, stride) (32,3,1) (64,2,2) (128,2,2) (256,2,2) */
const PAPER_ENCODER = [
  { filters: 32, kernel: 3, stride: 1 },
  { filters: 64, kernel: 2, stride: 2 },
  { filters: 128, kernel: 2, stride: 2 },
  { filters: 256, kernel: 2, stride: 2 },
];

describe('MSCRED building blocks', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('pads the features to a power of two that every stride divides, and halves per stride-2 level', () => {
    expect(paddedSize(19, PAPER_ENCODER)).toBe(32);
    expect(paddedSize(4, PAPER_ENCODER)).toBe(8);
    expect(paddedSize(3, [{ filters: 2, kernel: 3, stride: 1 }])).toBe(4);
    expect(paddedSize(32, PAPER_ENCODER)).toBe(32);
    expect(levelSizes(32, PAPER_ENCODER)).toEqual([32, 32, 16, 8, 4]);
  });

  it(
    'builds the signature matrices of the last h records as brute-force sums of outer products over w ' +
      'records / w, zero-padded',
    () => {
      const W = 5;
      const D = 3;
      const B = 2;
      const lengths = [3, 2];
      const steps = 2;
      const P = 4;
      const values = randomValues(B * W * D, 11);
      const images = tf.tidy(() => signatureMatrices(tf.tensor2d(values, [B, W * D]), W, lengths, steps, P));
      expect(images).toHaveLength(steps);
      for (let s = 0; s < steps; s++) {
        expect(images[s].shape).toEqual([B, P, P, lengths.length]);
        const got = images[s].arraySync() as number[][][][];
        for (let b = 0; b < B; b++) {
          const window = values.subarray(b * W * D, (b + 1) * W * D);
          lengths.forEach((w, ch) => {
            // step s ends at record t = W − h + s: the last step is the window's last record
            const want = bruteSignature(window, D, W - steps + s, w, P);
            for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) expect(got[b][i][j][ch]).toBeCloseTo(want[i][j], 5);
          });
        }
      }
      tf.dispose(images);
    },
  );

  it('weights the hidden states by softmax_i(⟨H_i, H_h⟩ / 5) and sums them', () => {
    const B = 2;
    const h = 3;
    const N = 5;
    const values = Array.from({ length: h }, (_, i) => randomValues(B * N, 20 + i));
    const { weights, out } = tf.tidy(() => {
      const states = values.map((v) => tf.tensor2d(v, [B, N]));
      const weights = attentionWeights(states);
      return { weights: weights.arraySync(), out: attend(states, weights).arraySync() };
    });
    for (let b = 0; b < B; b++) {
      const logits = values.map((v) => {
        let dot = 0;
        for (let n = 0; n < N; n++) dot += v[b * N + n] * values[h - 1][b * N + n];
        return dot / 5;
      });
      const max = Math.max(...logits);
      const exps = logits.map((l) => Math.exp(l - max));
      const total = exps.reduce((x, y) => x + y, 0);
      const alpha = exps.map((e) => e / total);
      for (let i = 0; i < h; i++) expect(weights[b][i]).toBeCloseTo(alpha[i], 5);
      for (let n = 0; n < N; n++) {
        const want = values.reduce((s, v, i) => s + alpha[i] * v[b * N + n], 0);
        expect(out[b][n]).toBeCloseTo(want, 5);
      }
    }
  });

  describe.each(['cpu', 'wasm'] as const)('on %s', (backend) => {
    beforeAll(async () => {
      await initBackend(backend);
    });
    afterAll(async () => {
      await initBackend('wasm');
    });

    // [size, kernel, stride]: the depth-to-space path (k = s, even size), the rotated-kernel path (s = 1),
    // and tfjs's own kernel otherwise
    it.each([
      [8, 3, 1],
      [8, 2, 1],
      [8, 2, 2],
      [7, 3, 2],
    ])(
      'conv2dSame and conv2dTransposeSame match tf.conv2d / tf.conv2dTranspose and their gradients (size ' +
        '%i, kernel %i, stride %i)',
      (size, k, s) => {
        const [B, cin, cout] = [2, 3, 5];
        const out = Math.ceil(size / s);
        tf.tidy(() => {
          const x = tf.tensor4d(randomValues(B * size * size * cin, 1), [B, size, size, cin]);
          const kernel = tf.tensor4d(randomValues(k * k * cin * cout, 2), [k, k, cin, cout]);
          const up = tf.tensor4d(randomValues(B * out * out * cout, 3), [B, out, out, cout]);
          const down = tf.tensor4d(randomValues(B * size * size * cin, 4), [B, size, size, cin]);
          const close = (a: tf.Tensor, b: tf.Tensor) => {
            expect(a.shape).toEqual(b.shape);
            const scale = Math.max(1, tf.max(tf.abs(b)).dataSync()[0]);
            expect(tf.max(tf.abs(a.sub(b))).dataSync()[0] / scale).toBeLessThan(1e-5);
          };
          const ours = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
            conv2dSame(a as tf.Tensor4D, f as tf.Tensor4D, s)
              .mul(up)
              .sum(),
          );
          const theirs = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
            tf
              .conv2d(a as tf.Tensor4D, f as tf.Tensor4D, s, 'same')
              .mul(up)
              .sum(),
          );
          close(conv2dSame(x, kernel, s), tf.conv2d(x, kernel, s, 'same'));
          ours([x, kernel]).forEach((g, i) => close(g, theirs([x, kernel])[i]));
          // with the rotation precomputed once (the ConvLSTM's way), the kernel's gradient is unchanged
          const withRotation = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
            conv2dSame(a as tf.Tensor4D, f as tf.Tensor4D, s, rotatedConstant(f as tf.Tensor4D))
              .mul(up)
              .sum(),
          );
          withRotation([x, kernel]).forEach((g, i) => close(g, theirs([x, kernel])[i]));
          // the transpose maps [B, out, out, cout] back to [B, size, size, cin] with the same kernel
          const shape: [number, number, number, number] = [B, size, size, cin];
          const oursT = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
            conv2dTransposeSame(a as tf.Tensor4D, f as tf.Tensor4D, shape, s)
              .mul(down)
              .sum(),
          );
          const theirsT = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
            tf
              .conv2dTranspose(a as tf.Tensor4D, f as tf.Tensor4D, shape, s, 'same')
              .mul(down)
              .sum(),
          );
          close(conv2dTransposeSame(up, kernel, shape, s), tf.conv2dTranspose(up, kernel, shape, s, 'same'));
          oursT([up, kernel]).forEach((g, i) => close(g, theirsT([up, kernel])[i]));
        });
      },
    );
  });
});

describe('Mscred', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it(
    'learns the normal correlation pattern: windows with permuted loadings outrank normal ones (AUC-ROC ≥ ' +
      '0.9 over all pairs; untrained nets reach about 0.3)',
    async () => {
      const det = new Mscred({ ...small, epochs: 20, learningRate: 1e-2 });
      const report = await det.fit(correlated(256, 1), { seed: 0, validation: correlated(128, 2) });
      expect(report.bestValLoss!).toBeLessThan(report.valLoss![0]);
      const scores = await det.scoreWindows(correlated(40, 3, 8));
      expect(pairwiseAuc(scores, 32)).toBeGreaterThanOrEqual(0.9);
      det.dispose();
    },
    60_000,
  );

  it(
    "scores the mean squared error over the D×D blocks between the network's reconstruction and the " +
      'brute-force last-step signatures',
    async () => {
      const det = new Mscred(small);
      await det.fit(correlated(64, 4), { seed: 1 });
      const test = correlated(6, 5, 2);
      const scores = await det.scoreWindows(test);
      const W = small.windowLength!;
      const D = test.featureCount;
      const P = paddedSize(D, small.encoder!);
      const lengths = small.signatureLengths!;
      const x = new Float32Array(test.count * W * D);
      for (let i = 0; i < test.count; i++) x.set(test.window(i), i * W * D);
      const recon = tf.tidy(() => {
        const p = Object.fromEntries(
          [...det.parameterValues()].map(([name, v]) => [name, tf.tensor(v.values, v.shape)]),
        );
        return det
          .reconstruct(p, signatureMatrices(tf.tensor2d(x, [test.count, W * D]), W, lengths, small.steps!, P))
          .arraySync() as number[][][][];
      });
      for (let b = 0; b < test.count; b++) {
        let sum = 0;
        lengths.forEach((w, ch) => {
          const target = bruteSignature(test.window(b), D, W - 1, w, P);
          for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) sum += (recon[b][i][j][ch] - target[i][j]) ** 2;
        });
        expect(scores[b]).toBeCloseTo(sum / (D * D * lengths.length), 5);
      }
      det.dispose();
    },
  );

  it(
    'runs the default network (4 levels, 3×3 and 2×2 kernels) and scores in memory-bounded chunks with the ' +
      'same results',
    async () => {
      const det = new Mscred({ epochs: 1 });
      const W = det.config.windowLength;
      const make = (n: number, seed: number) =>
        packedWindowSet(randomValues(n * W * 4, seed), W, 4, new Uint8Array(n), ['one']);
      await det.fit(make(32, 6), { seed: 2 });
      // D = 4 pads to 8; about 218 windows fit in one chunk, so 300 take two
      const test = make(300, 7);
      const all = await det.scoreWindows(test);
      const firstTen = await det.scoreWindows(
        packedWindowSet(
          Float32Array.from({ length: 10 * W * 4 }, (_, i) => test.window(Math.floor(i / (W * 4)))[i % (W * 4)]),
          W,
          4,
          new Uint8Array(10),
          ['one'],
        ),
      );
      const lastTen = await det.scoreWindows(
        packedWindowSet(
          Float32Array.from({ length: 10 * W * 4 }, (_, i) => test.window(290 + Math.floor(i / (W * 4)))[i % (W * 4)]),
          W,
          4,
          new Uint8Array(10),
          ['one'],
        ),
      );
      for (let i = 0; i < 10; i++) {
        expect(all[i]).toBeCloseTo(firstTen[i], 5);
        expect(all[290 + i]).toBeCloseTo(lastTen[i], 5);
      }
      for (const s of all) expect(Number.isFinite(s)).toBe(true);
      det.dispose();
    },
    60_000,
  );

  it('validates its parameters at the boundary', () => {
    const short = /windowLength must be ≥ max\(signatureLengths\) \+ steps − 1.*, got windowLength = 13, .* steps = 5$/;
    expect(() => new Mscred({ windowLength: 13 })).toThrow(short);
    expect(new Mscred({ windowLength: 14 }).config.windowLength).toBe(14);
    expect(() => new Mscred({ ...small, steps: 5 })).toThrow(ParameterError);
    expect(() => new Mscred({ steps: 0 })).toThrow(/steps must be a positive integer/);
    expect(() => new Mscred({ signatureLengths: [] })).toThrow(/signatureLengths must be a non-empty list/);
    const zeroLength = /signatureLengths must be a non-empty list of positive integers, got \[10,0\]/;
    expect(() => new Mscred({ signatureLengths: [10, 0] })).toThrow(zeroLength);
    expect(() => new Mscred({ encoder: [] })).toThrow(/encoder must be a non-empty list/);
    expect(() => new Mscred({ encoder: [{ filters: 8, kernel: 2, stride: 0 }] })).toThrow(/encoder must be/);
    expect(() => new Mscred({ encoder: [{ filters: 8, kernel: 2 }] as never })).toThrow(/encoder must be/);
    expect(() => new Mscred({ lstmKernel: 1.5 })).toThrow(/lstmKernel/);
    expect(() => new Mscred({ nonsense: 1 } as never)).toThrow(/unknown parameter 'nonsense'/);
    expect(new Mscred().config).toMatchObject({
      windowLength: 20,
      signatureLengths: [10, 5],
      steps: 5,
      encoder: [
        { filters: 32, kernel: 3, stride: 1 },
        { filters: 64, kernel: 2, stride: 2 },
        { filters: 128, kernel: 2, stride: 2 },
        { filters: 256, kernel: 2, stride: 2 },
      ],
      lstmKernel: 2,
      weightDecay: 0.01,
      epochs: 20,
      batchSize: 32,
      learningRate: 3e-4,
      clipNorm: null,
    });
    // the config is a copy: changing the caller's list changes nothing
    const encoder = [{ filters: 4, kernel: 3, stride: 1 }];
    const det = new Mscred({ ...small, encoder });
    encoder[0].filters = 99;
    expect(det.config.encoder[0].filters).toBe(4);
  });
});

describe('Mscred on cpu and wasm', () => {
  it('trains to the same scores on both backends (relative difference ≤ 1e-4)', async () => {
    const scores: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const det = new Mscred({ ...small, epochs: 2 });
      await det.fit(correlated(64, 8), { seed: 3, validation: correlated(16, 9) });
      scores.push(await det.scoreWindows(correlated(24, 10, 4)));
      det.dispose();
    }
    const [cpu, wasm] = scores;
    for (let i = 0; i < cpu.length; i++)
      expect(Math.abs(cpu[i] - wasm[i]) / Math.max(1e-6, Math.abs(cpu[i]))).toBeLessThanOrEqual(1e-4);
    // the cpu backend trains MSCRED several times slower than wasm; on a busy 2-core machine this needs minutes
  }, 240_000);
});
