import * as tf from '@tensorflow/tfjs';
import { ParameterError, mulberry32, normalSampler, packedWindowSet, type WindowSet } from '@driftwatch/contracts';
import { oneFactorWindows, pairwiseAuc } from '../testing/synthetic-windows';
import { initBackend } from '../backend';
import { cholesky } from '../linalg';
import { OmniAnomaly, tfPlanarFlows, tfStateSpaceLogPdf } from './omnianomaly';

const small = { windowLength: 4, units: 8, zDim: 2, flows: 2, batchSize: 32 };

const correlated = (n: number, seed: number, anomalies = 0, W = 4, F = 4): WindowSet =>
  oneFactorWindows(n, seed, { anomalies, windowLength: W, featureCount: F });

/** the same windows with feature j mapped to a_j·x + c_j */
function affine(ws: WindowSet, a: number[], c: number[]): WindowSet {
  const F = ws.featureCount;
  const values = new Float32Array(ws.count * ws.windowLength * F);
  for (let i = 0; i < ws.count; i++) {
    const w = ws.window(i);
    for (let v = 0; v < w.length; v++) values[i * w.length + v] = a[v % F] * w[v] + c[v % F];
  }
  return packedWindowSet(values, ws.windowLength, F, new Uint8Array(ws.count), ['one']);
}

const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

/** ln|det M| of a d×d matrix by Gaussian elimination with partial pivoting, and the determinant's sign */
function logAbsDet(m: number[][]): { logAbs: number; sign: number } {
  const a = m.map((r) => [...r]);
  const d = a.length;
  let logAbs = 0;
  let sign = 1;
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
    if (piv !== c) {
      [a[c], a[piv]] = [a[piv], a[c]];
      sign = -sign;
    }
    logAbs += Math.log(Math.abs(a[c][c]));
    sign *= Math.sign(a[c][c]);
    for (let r = c + 1; r < d; r++) {
      const f = a[r][c] / a[c][c];
      for (let j = c; j < d; j++) a[r][j] -= f * a[c][j];
    }
  }
  return { logAbs, sign };
}

describe('OmniAnomaly building blocks (float64 plain-JS references)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('planar flows: outputs match the definition and log-dets match a central-difference Jacobian (≤ 1e-4)', () => {
    const k = 3;
    const normal = normalSampler(mulberry32(11));
    const w = [
      [0.8, -0.3, 0.5],
      [-0.2, 1.1, 0.4],
      [0.6, 0.2, -0.9],
    ];
    // u = −2w gives wᵀu < −1: the raw map would fold; the fix must keep it invertible
    const u = [
      [-1.6, 0.6, -1.0],
      [0.3, -0.7, 0.9],
      [0.5, 0.4, 0.3],
    ];
    const b = [0.1, -0.4, 0.25];
    const flowJs = (z0: number[]): number[] => {
      let z = [...z0];
      for (let i = 0; i < w.length; i++) {
        const wu = dot(w[i], u[i]);
        const coef = (-1 + softplus(wu) - wu) / dot(w[i], w[i]);
        const uHat = u[i].map((v, j) => v + coef * w[i][j]);
        const h = Math.tanh(dot(w[i], z) + b[i]);
        z = z.map((v, j) => v + uHat[j] * h);
      }
      return z;
    };
    const points = Array.from({ length: 8 }, () => Array.from({ length: k }, () => 1.5 * normal()));
    const { z, logDet } = tf.tidy(() => {
      const out = tfPlanarFlows(tf.tensor2d(points), tf.tensor2d(w), tf.tensor2d(u), tf.tensor1d(b));
      return { z: out.z.arraySync(), logDet: Array.from(out.logDet.dataSync()) };
    });
    const eps = 1e-5;
    points.forEach((p, n) => {
      const expected = flowJs(p);
      for (let j = 0; j < k; j++) expect(z[n][j]).toBeCloseTo(expected[j], 4);
      // J[i][j] = ∂f_i/∂z_j
      const jac = Array.from({ length: k }, () => new Array<number>(k).fill(0));
      for (let j = 0; j < k; j++) {
        const plus = flowJs(p.map((v, i) => (i === j ? v + eps : v)));
        const minus = flowJs(p.map((v, i) => (i === j ? v - eps : v)));
        for (let i = 0; i < k; i++) jac[i][j] = (plus[i] - minus[i]) / (2 * eps);
      }
      const det = logAbsDet(jac);
      expect(det.sign).toBe(1);
      expect(Math.abs(logDet[n] - det.logAbs)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(det.logAbs)));
    });
  });

  it('planar flows: no layers is the identity with log-det 0', () => {
    tf.tidy(() => {
      const z = tf.tensor2d([
        [1, -2],
        [0.5, 3],
      ]);
      const out = tfPlanarFlows(
        z,
        tf.zeros([0, 2]) as tf.Tensor2D,
        tf.zeros([0, 2]) as tf.Tensor2D,
        tf.zeros([0]) as tf.Tensor1D,
      );
      expect(out.z.arraySync()).toEqual([
        [1, -2],
        [0.5, 3],
      ]);
      expect(Array.from(out.logDet.dataSync())).toEqual([0, 0]);
    });
  });

  it(
    'the state-space prior equals the joint Gaussian density of the whole trajectory (Cholesky of its ' +
      'covariance, ≤ 1e-4 relative)',
    () => {
      const k = 3;
      const W = 5;
      const B = 4;
      const A = [
        [0.9, 0.2, -0.1],
        [-0.3, 0.7, 0.4],
        [0.1, -0.2, 1.1],
      ];
      const s = [0.5, 1.3, 0.8];
      const normal = normalSampler(mulberry32(12));
      const zs = Array.from({ length: B }, () =>
        Array.from({ length: W }, () => Array.from({ length: k }, () => 1.2 * normal())),
      );
      const got = tf.tidy(() =>
        Array.from(tfStateSpaceLogPdf(tf.tensor3d(zs), tf.tensor2d(A), tf.tensor1d(s)).dataSync()),
      );
      // covariances of the trajectory: P_0 = I, P_t = A·P_{t−1}·Aᵀ + diag s², Cov(z_t, z_r) = A^{t−r}·P_r for t ≥ r
      const mul = (x: number[][], y: number[][]) =>
        x.map((r) => y[0].map((_, j) => r.reduce((acc, v, l) => acc + v * y[l][j], 0)));
      const tr = (x: number[][]) => x[0].map((_, j) => x.map((r) => r[j]));
      const P: number[][][] = [A.map((_, i) => A.map((__, j) => (i === j ? 1 : 0)))];
      for (let t = 1; t < W; t++)
        P.push(mul(mul(A, P[t - 1]), tr(A)).map((r, i) => r.map((v, j) => v + (i === j ? s[i] * s[i] : 0))));
      const n = W * k;
      const C = new Float64Array(n * n);
      for (let r = 0; r < W; r++) {
        let block = P[r];
        for (let t = r; t < W; t++) {
          for (let i = 0; i < k; i++) {
            for (let j = 0; j < k; j++) {
              C[(t * k + i) * n + r * k + j] = block[i][j];
              C[(r * k + j) * n + t * k + i] = block[i][j];
            }
          }
          block = mul(A, block);
        }
      }
      const L = cholesky(C, n);
      let logDetC = 0;
      for (let i = 0; i < n; i++) logDetC += 2 * Math.log(L[i * n + i]);
      zs.forEach((traj, bIdx) => {
        const v = traj.flat();
        // forward substitution L·y = v, so vᵀC⁻¹v = ‖y‖²
        const y = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let acc = v[i];
          for (let j = 0; j < i; j++) acc -= L[i * n + j] * y[j];
          y[i] = acc / L[i * n + i];
        }
        const expected = -0.5 * dot(y, y) - 0.5 * logDetC - 0.5 * n * Math.log(2 * Math.PI);
        expect(Math.abs(got[bIdx] - expected)).toBeLessThanOrEqual(1e-4 * Math.abs(expected));
      });
    },
  );
});

describe('OmniAnomaly', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it(
    'learns the normal pattern: broken windows outrank normal ones (AUC-ROC ≥ 0.99 over all pairs; after one ' +
      'epoch about 0.77)',
    async () => {
      const det = new OmniAnomaly({ ...small, units: 16, epochs: 20, batchSize: 16, learningRate: 5e-3 });
      const report = await det.fit(correlated(256, 1), { seed: 1, validation: correlated(128, 2) });
      expect(report.bestValLoss!).toBeLessThan(report.valLoss![0]);
      const scores = await det.scoreWindows(correlated(40, 3, 8));
      expect(pairwiseAuc(scores, 32)).toBeGreaterThanOrEqual(0.99);
      det.dispose();
    },
    120_000,
  );

  it(
    'keeps the training windows’ per-feature min and max as state, and scores are invariant to a per-feature ' +
      'positive affine map of the inputs (≤ 1e-3 relative)',
    async () => {
      const train = correlated(128, 4);
      const test = correlated(12, 5, 3);
      const a = [2, 0.5, 10, 1];
      const c = [-1, 3, 0.5, 100];
      const scores: Float32Array[] = [];
      for (const [tr, te] of [
        [train, test],
        [affine(train, a, c), affine(test, a, c)],
      ]) {
        const det = new OmniAnomaly({ ...small, epochs: 2 });
        await det.fit(tr, { seed: 6 });
        const values = det.parameterValues();
        const F = tr.featureCount;
        const min = new Array<number>(F).fill(Infinity);
        const max = new Array<number>(F).fill(-Infinity);
        for (let i = 0; i < tr.count; i++) {
          tr.window(i).forEach((v, idx) => {
            min[idx % F] = Math.min(min[idx % F], v);
            max[idx % F] = Math.max(max[idx % F], v);
          });
        }
        expect(Array.from(values.get('minmax/min')!.values)).toEqual(min);
        expect(Array.from(values.get('minmax/max')!.values)).toEqual(max);
        scores.push(await det.scoreWindows(te));
        det.dispose();
      }
      const [raw, mapped] = scores;
      for (let i = 0; i < raw.length; i++)
        expect(Math.abs(raw[i] - mapped[i]) / Math.max(1, Math.abs(raw[i]))).toBeLessThanOrEqual(1e-3);
    },
    60_000,
  );

  it('scores and validates in slices of a few windows exactly as in one pass (≤ 1e-5 relative)', async () => {
    class Sliced extends OmniAnomaly {
      // 3 windows per pass
      protected override passValues = 3 * small.windowLength * small.units;
    }
    const train = correlated(96, 12);
    const test = correlated(20, 13, 4);
    const whole = new OmniAnomaly({ ...small, epochs: 2 });
    const sliced = new Sliced({ ...small, epochs: 2 });
    const a = await whole.fit(train, { seed: 4, validation: test });
    const b = await sliced.fit(train, { seed: 4, validation: test });
    b.valLoss!.forEach((v, i) =>
      expect(Math.abs(v - a.valLoss![i])).toBeLessThanOrEqual(1e-5 * Math.abs(a.valLoss![i])),
    );
    const [x, y] = [await whole.scoreWindows(test), await sliced.scoreWindows(test)];
    for (let i = 0; i < x.length; i++)
      expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(x[i])));
    whole.dispose();
    sliced.dispose();
  });

  it('halves the learning rate every 40 epochs', () => {
    const det = new OmniAnomaly() as unknown as { learningRateAt(epoch: number, phase: string): number };
    expect([0, 39, 40, 79, 80].map((e) => det.learningRateAt(e, 'train'))).toEqual([1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4]);
  });

  it('validates its parameters at the boundary', () => {
    expect(() => new OmniAnomaly({ zDim: 0 })).toThrow(ParameterError);
    expect(() => new OmniAnomaly({ units: 2.5 })).toThrow(/units must be a positive integer/);
    expect(() => new OmniAnomaly({ flows: 1.5 })).toThrow(/flows must be a non-negative integer/);
    expect(() => new OmniAnomaly({ flows: -1 })).toThrow(ParameterError);
    expect(() => new OmniAnomaly({ l2: -1 })).toThrow(/l2/);
    expect(() => new OmniAnomaly({ lrDecayFactor: 0 })).toThrow(/lrDecayFactor/);
    expect(() => new OmniAnomaly({ nonsense: 1 } as never)).toThrow(/unknown parameter 'nonsense'/);
    expect(new OmniAnomaly({ flows: 0 }).config.flows).toBe(0);
    expect(new OmniAnomaly().config).toMatchObject({
      windowLength: 20,
      zDim: 3,
      units: 500,
      flows: 20,
      l2: 1e-4,
      weightDecay: 0,
      learningRate: 1e-3,
      lrDecayEvery: 40,
      lrDecayFactor: 0.5,
      clipNorm: 10,
      batchSize: 50,
      epochs: 20,
    });
  });

  it('trains with a single planar flow (the gradient of a one-layer flow was once unbuildable)', async () => {
    const det = new OmniAnomaly({ ...small, flows: 1, epochs: 1 });
    const report = await det.fit(correlated(64, 7), { seed: 1 });
    expect(report.epochs).toBe(1);
    expect(Number.isFinite(report.trainLoss![0])).toBe(true);
    const scores = await det.scoreWindows(correlated(8, 8));
    expect(scores.every((s) => Number.isFinite(s))).toBe(true);
    det.dispose();
  });

  it('trains without flows (posterior_flow_type none) and gives the same scores on every call', async () => {
    const det = new OmniAnomaly({ ...small, flows: 0, epochs: 1 });
    await det.fit(correlated(64, 7), { seed: 2 });
    const test = correlated(10, 8, 3);
    const first = await det.scoreWindows(test);
    for (const s of first) expect(Number.isFinite(s)).toBe(true);
    expect(Array.from(await det.scoreWindows(test))).toEqual(Array.from(first));
    det.dispose();
  });
});

describe('OmniAnomaly on cpu and wasm', () => {
  it('trains to the same scores on both backends (relative difference ≤ 1e-3)', async () => {
    const scores: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const det = new OmniAnomaly({ ...small, epochs: 2 });
      await det.fit(correlated(128, 9), { seed: 3, validation: correlated(32, 10) });
      scores.push(await det.scoreWindows(correlated(24, 11, 4)));
      det.dispose();
    }
    const [cpu, wasm] = scores;
    for (let i = 0; i < cpu.length; i++)
      expect(Math.abs(cpu[i] - wasm[i]) / Math.max(1e-6, Math.abs(cpu[i]))).toBeLessThanOrEqual(1e-3);
  }, 60_000);
});
