import { ParameterError, mulberry32, normalSampler, packedWindowSet, type WindowSet } from '@driftwatch/contracts';
import { pairwiseAuc } from '../testing/synthetic-windows';
import { initBackend } from '../backend';
import { directCovariance, gaussJordanInverse } from '../linalg/test-helpers';
import { LstmAd, fitErrorGaussian } from './lstm-ad';

/**
 * Windows of W records of D phase-shifted sinusoids with a random phase per window (+ noise 0.05): the
 * first half determines the second. The last `anomalies` windows jump by half a period where the
 * forecast starts, which leaves every value in range but breaks the dynamics.
 */
function sinusoids(n: number, seed: number, anomalies = 0, W = 8, D = 3): WindowSet {
  const uniform = mulberry32(seed);
  const normal = normalSampler(mulberry32(seed + 1000));
  const omega = (2 * Math.PI) / 7;
  const values = new Float32Array(n * W * D);
  for (let i = 0; i < n; i++) {
    const phase = 2 * Math.PI * uniform();
    const broken = i >= n - anomalies;
    for (let r = 0; r < W; r++) {
      const jump = broken && r >= W / 2 ? Math.PI : 0;
      for (let j = 0; j < D; j++)
        values[(i * W + r) * D + j] = Math.sin(omega * r + phase + jump + (j * Math.PI) / 3) + 0.05 * normal();
    }
  }
  return packedWindowSet(values, W, D, new Uint8Array(n), ['one']);
}

describe('LstmAd', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it(
    'learns the dynamics: windows whose second half jumps by half a period outrank normal ones (AUC-ROC ≥ ' +
      '0.99; the initial weights reach about 0.7)',
    async () => {
      const test = sinusoids(40, 3, 8);
      // a step too small to move the weights: the Gaussian is fitted to the initial network's errors
      const untrained = new LstmAd({ windowLength: 8, lstmUnits: [10, 10], epochs: 1, learningRate: 1e-9 });
      await untrained.fit(sinusoids(512, 1), { seed: 0, validation: sinusoids(128, 2) });
      expect(pairwiseAuc(await untrained.scoreWindows(test), 32)).toBeLessThan(0.8);
      untrained.dispose();
      const det = new LstmAd({ windowLength: 8, lstmUnits: [10, 10], epochs: 20, learningRate: 3e-3 });
      const report = await det.fit(sinusoids(512, 1), { seed: 0, validation: sinusoids(128, 2) });
      expect(report.bestValLoss!).toBeLessThan(0.1 * report.valLoss![0]);
      expect(pairwiseAuc(await det.scoreWindows(test), 32)).toBeGreaterThanOrEqual(0.99);
      det.dispose();
    },
    60_000,
  );

  it.each([
    ['a regular covariance (48 validation windows)', 48],
    ['a singular covariance with the ridge (2 validation windows, l = 3)', 2],
  ])(
    'scores the Gaussian NLL of the errors of a plain-JS stacked LSTM forecast: %s',
    async (_name, validationCount) => {
      const W = 6;
      const D = 2;
      const l = 3;
      const det = new LstmAd({ windowLength: W, lstmUnits: [4, 3], epochs: 2, learningRate: 3e-3 });
      expect(det.forecastLength).toBe(l);
      const validation = sinusoids(validationCount, 5, 0, W, D);
      await det.fit(sinusoids(64, 4, 0, W, D), { seed: 1, validation });
      const w = det.parameterValues();
      const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
      /** Keras LSTM: z = x·W + h·U + b split into gates [i | f | c | o] of u columns each */
      const lstmLayer = (xs: number[][], name: string): number[][] => {
        const kernel = w.get(`${name}/kernel`)!;
        const recurrent = w.get(`${name}/recurrent_kernel`)!.values;
        const bias = w.get(`${name}/bias`)!.values;
        const [inputSize, four] = kernel.shape;
        const u = four / 4;
        let h = new Array<number>(u).fill(0);
        let c = new Array<number>(u).fill(0);
        const out: number[][] = [];
        for (const x of xs) {
          const z = Array.from({ length: four }, (_, g) => {
            let s = bias[g];
            for (let k = 0; k < inputSize; k++) s += x[k] * kernel.values[k * four + g];
            for (let k = 0; k < u; k++) s += h[k] * recurrent[k * four + g];
            return s;
          });
          c = c.map((cPrev, k) => sigmoid(z[u + k]) * cPrev + sigmoid(z[k]) * Math.tanh(z[2 * u + k]));
          h = c.map((cNow, k) => sigmoid(z[3 * u + k]) * Math.tanh(cNow));
          out.push(h);
        }
        return out;
      };
      const errorVector = (x: Float32Array): number[] => {
        const records = Array.from({ length: W - l }, (_, r) => Array.from(x.subarray(r * D, (r + 1) * D)));
        const last = lstmLayer(lstmLayer(records, 'lstm_0'), 'lstm_1').at(-1)!;
        const kernel = w.get('forecast/head/kernel')!;
        const bias = w.get('forecast/head/bias')!.values;
        const out = kernel.shape[1];
        const forecast = Array.from({ length: out }, (_, o) =>
          last.reduce((s, v, k) => s + v * kernel.values[k * out + o], bias[o]),
        );
        return Array.from({ length: l }, (_, j) => {
          let s = 0;
          for (let f = 0; f < D; f++) s += Math.abs(forecast[j * D + f] - x[(W - l + j) * D + f]);
          return s / D;
        });
      };
      const errors = Array.from({ length: validation.count }, (_, i) => errorVector(validation.window(i))).flat();
      const { mean, cov } = directCovariance(errors, validation.count, l, 1);
      if (validationCount <= l) {
        const ridge = (1e-6 * (cov[0] + cov[l + 1] + cov[2 * l + 2])) / l;
        for (let j = 0; j < l; j++) cov[j * l + j] += ridge;
      }
      const precision = gaussJordanInverse(cov, l);
      const logDet = logDeterminant(cov, l);
      const test = sinusoids(8, 6, 3, W, D);
      const scores = await det.scoreWindows(test);
      for (let i = 0; i < test.count; i++) {
        const diff = errorVector(test.window(i)).map((v, j) => v - mean[j]);
        let quad = 0;
        for (let a = 0; a < l; a++) for (let b = 0; b < l; b++) quad += diff[a] * precision[a * l + b] * diff[b];
        const nll = 0.5 * quad + 0.5 * logDet + 0.5 * l * Math.log(2 * Math.PI);
        expect(Math.abs(scores[i] - nll)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(nll)));
      }
      det.dispose();
    },
  );

  it('fits the error Gaussian as U with U·Uᵀ = (Σ + ridge·I)⁻¹, the ridge only when Σ is singular', () => {
    // rows (1, 2), (2, 4), (3, 6): Σ = [[1, 2], [2, 4]] (ddof 1), rank 1; mean diagonal 2.5
    const singular = fitErrorGaussian([1, 2, 2, 4, 3, 6], 3, 2);
    expect(singular.ridge).toBeCloseTo(2.5e-6, 12);
    expect(Array.from(singular.mean)).toEqual([2, 4]);
    const regular = fitErrorGaussian([1, 0, 0, 1, 2, 3, -1, 2], 4, 2);
    expect(regular.ridge).toBe(0);
    for (const [g, cov] of [
      [singular, [1 + 2.5e-6, 2, 2, 4 + 2.5e-6]],
      [regular, directCovariance([1, 0, 0, 1, 2, 3, -1, 2], 4, 2, 1).cov],
    ] as const) {
      const inverse = gaussJordanInverse(cov, 2);
      const u = g.precisionCholesky;
      expect(u[2]).toBe(0); // upper triangular
      for (let a = 0; a < 2; a++) {
        for (let b = 0; b < 2; b++) {
          const p = u[a * 2] * u[b * 2] + u[a * 2 + 1] * u[b * 2 + 1];
          expect(Math.abs(p - inverse[a * 2 + b])).toBeLessThanOrEqual(
            1e-9 * Math.max(1, Math.abs(inverse[a * 2 + b])),
          );
        }
      }
    }
    expect(() => fitErrorGaussian([1, 2], 1, 2)).toThrow(/at least 2 windows/);
  });

  it('validates its parameters at the boundary', () => {
    expect(new LstmAd().config).toMatchObject({
      windowLength: 20,
      forecastLength: 10,
      lstmUnits: [10, 10],
      batchSize: 32,
      weightDecay: 0,
      clipNorm: null,
    });
    expect(new LstmAd({ windowLength: 9 }).forecastLength).toBe(4);
    expect(new LstmAd({ windowLength: 9, forecastLength: 8 }).config.forecastLength).toBe(8);
    const tooLong = /forecastLength .* must be in \[1, windowLength\).*, got forecastLength = 20, windowLength = 20$/;
    expect(() => new LstmAd({ forecastLength: 20 })).toThrow(tooLong);
    expect(() => new LstmAd({ forecastLength: 0 })).toThrow(ParameterError);
    expect(() => new LstmAd({ forecastLength: 2.5 })).toThrow(ParameterError);
    expect(() => new LstmAd({ windowLength: 1 })).toThrow(/got forecastLength = null, windowLength = 1$/);
    expect(() => new LstmAd({ lstmUnits: [] })).toThrow(/lstmUnits must be a positive integer or a non-empty list/);
    const zeroUnits = /lstmUnits must be a positive integer or a non-empty list .*, got \[10,0\] \(item 1 is 0\)$/;
    expect(() => new LstmAd({ lstmUnits: [10, 0] })).toThrow(zeroUnits);
    expect(() => new LstmAd({ nonsense: 1 } as never)).toThrow(/unknown parameter 'nonsense'/);
  });
});

describe('LstmAd on cpu and wasm', () => {
  it('trains to the same scores on both backends (|difference| ≤ 1e-3·max(1, |score|))', async () => {
    const scores: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const det = new LstmAd({ windowLength: 6, lstmUnits: [6, 6], epochs: 3 });
      await det.fit(sinusoids(128, 8, 0, 6), { seed: 3, validation: sinusoids(32, 9, 0, 6) });
      scores.push(await det.scoreWindows(sinusoids(16, 10, 4, 6)));
      det.dispose();
    }
    const [cpu, wasm] = scores;
    for (let i = 0; i < cpu.length; i++)
      expect(Math.abs(cpu[i] - wasm[i])).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(cpu[i])));
  }, 60_000);
});

/** ln det A by Gaussian elimination with partial pivoting (A symmetric positive definite, so det > 0) */
function logDeterminant(a: ArrayLike<number>, d: number): number {
  const m = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => a[i * d + j]));
  let logDet = 0;
  for (let col = 0; col < d; col++) {
    let piv = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r;
    [m[col], m[piv]] = [m[piv], m[col]];
    logDet += Math.log(Math.abs(m[col][col]));
    for (let r = col + 1; r < d; r++) {
      const f = m[r][col] / m[col][col];
      for (let j = col; j < d; j++) m[r][j] -= f * m[col][j];
    }
  }
  return logDet;
}
