import { ParameterError } from '@driftwatch/contracts';
import {
  eigenvalueFloor,
  fitOriginMahalanobis,
  fitOriginMahalanobisRows,
  originMahalanobisScore,
  originMahalanobisScores,
  originMahalanobisWhitened,
} from './mahalanobis';
import { directCovariance, gaussianMatrix, gaussJordanInverse } from './test-helpers';

/** Correlated data with a non-zero mean: x = z·M + shift. */
function correlated(n: number, d: number, seed: number): Float64Array {
  const z = gaussianMatrix(n, d, seed);
  const m = gaussianMatrix(d, d, seed + 1);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      let s = 1.5 + j;
      for (let k = 0; k < d; k++) s += z[i * d + k] * m[k * d + j];
      x[i * d + j] = s;
    }
  return x;
}

function quadraticForm(inv: ArrayLike<number>, x: ArrayLike<number>, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += x[i] * inv[i * d + j] * x[j];
  return s;
}

describe('origin Mahalanobis (docs/divad.md §3.5 AP-Gaussian, §4 Mahalanobis)', () => {
  it('equals xᵀΣ⁻¹x (no centring) with Σ⁻¹ from Gauss–Jordan on full-rank data', () => {
    const n = 300;
    const d = 7;
    const x = correlated(n, d, 4);
    const model = fitOriginMahalanobis(x, n, d);
    const inv = gaussJordanInverse(directCovariance(x, n, d, 1).cov, d);
    const probes = gaussianMatrix(10, d, 99).map((v, k) => 4 * v + (k % d));
    for (let p = 0; p < 10; p++) {
      const row = probes.subarray(p * d, (p + 1) * d);
      const expected = quadraticForm(inv, row, d);
      expect(originMahalanobisScore(model, row) / expected).toBeCloseTo(1, 10);
      expect(originMahalanobisScore(model, probes, p * d)).toBe(originMahalanobisScore(model, row));
    }
    // the mean itself is far from the origin, so it does not score zero
    const atMean = originMahalanobisScore(model, model.mean);
    expect(atMean / quadraticForm(inv, model.mean, d)).toBeCloseTo(1, 10);
    expect(atMean).toBeGreaterThan(0);
  });

  it('whitens with the symmetric square root of Σ⁻¹: S = Sᵀ, S·S = Σ⁻¹ (Gauss–Jordan), Σ y_i² = score', () => {
    const n = 300;
    const d = 5;
    const x = correlated(n, d, 6);
    const model = fitOriginMahalanobis(x, n, d);
    const inv = gaussJordanInverse(directCovariance(x, n, d, 1).cov, d);
    // column j of S is the whitened unit vector e_j
    const s = Array.from({ length: d }, (_, j) =>
      originMahalanobisWhitened(
        model,
        Float64Array.from({ length: d }, (_, i) => +(i === j)),
      ),
    );
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        expect(s[j][i]).toBeCloseTo(s[i][j], 10);
        let product = 0;
        for (let k = 0; k < d; k++) product += s[k][i] * s[j][k];
        expect(product).toBeCloseTo(inv[i * d + j], 8);
      }
    const probe = gaussianMatrix(1, d, 7).map((v) => 3 * v);
    const y = originMahalanobisWhitened(model, probe);
    expect(y.reduce((a, v) => a + v * v, 0) / originMahalanobisScore(model, probe)).toBeCloseTo(1, 10);
    expect(() => originMahalanobisWhitened(model, probe.subarray(1))).toThrow(ParameterError);
  });

  it('the batch scorer agrees with the single scorer (n not a multiple of 4)', () => {
    const n = 50;
    const d = 5;
    const x = correlated(n, d, 8);
    const model = fitOriginMahalanobis(x, n, d);
    const test = Float32Array.from(gaussianMatrix(11, d, 3));
    const batch = originMahalanobisScores(model, test, 11);
    for (let i = 0; i < 11; i++) expect(batch[i]).toBe(originMahalanobisScore(model, test, i * d));
    const viaRows = fitOriginMahalanobisRows((i) => x.subarray(i * d, (i + 1) * d), n, d);
    expect(viaRows).toEqual(model);
  });

  it('stays finite on rank-deficient data and weighs the null directions most', () => {
    // standardised-ASD-like: column 1 constant (0 after centring), column 3 a copy of column 0
    const n = 200;
    const d = 4;
    const z = gaussianMatrix(n, 2, 6);
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      x[i * d] = z[i * 2];
      x[i * d + 2] = z[i * 2 + 1];
      x[i * d + 3] = z[i * 2];
    }
    const model = fitOriginMahalanobis(x, n, d);
    expect(model.floor).toBe(eigenvalueFloor(model.variances[0], d));
    expect(model.floor).toBe(model.variances[0] * d * 2 ** -52);
    // two null directions (the constant column, the copy): both below the floor
    expect(Math.abs(model.variances[2])).toBeLessThan(model.floor);
    expect(Math.abs(model.variances[3])).toBeLessThan(model.floor);
    const scores = originMahalanobisScores(model, x, n);
    for (const s of scores) expect(Number.isFinite(s)).toBe(true);
    // moving off the data's span (breaking the copy) must cost far more than a 3σ move within it
    const inSpan = originMahalanobisScore(model, [3, 0, 0, 3]);
    const offSpan = originMahalanobisScore(model, [0.01, 0, 0, -0.01]);
    expect(offSpan).toBeGreaterThan(1e6 * inSpan);
    // a value in the constant column lies entirely in the null space: score = 0.5² / floor
    expect(originMahalanobisScore(model, [0, 0.5, 0, 0]) / (0.25 / model.floor)).toBeCloseTo(1, 9);
  });

  it('all-constant data: every eigenvalue is 0 and the absolute floor 2⁻⁵² applies', () => {
    const x = new Float64Array(30).fill(0.5);
    const model = fitOriginMahalanobis(x, 10, 3);
    expect(model.floor).toBe(2 ** -52);
    const s = originMahalanobisScore(model, [0.5, 0.5, 0.5]);
    expect(s).toBeCloseTo(0.75 * 2 ** 52, -2);
  });

  it('is plain JSON: a round trip scores identically', () => {
    const n = 40;
    const d = 3;
    const x = correlated(n, d, 12);
    const model = fitOriginMahalanobis(x, n, d);
    const copy = JSON.parse(JSON.stringify(model));
    const probe = [0.3, -2, 5];
    expect(originMahalanobisScore(copy, probe)).toBe(originMahalanobisScore(model, probe));
  });

  it('rejects malformed models and inputs', () => {
    const model = fitOriginMahalanobis(correlated(20, 2, 1), 20, 2);
    expect(() => originMahalanobisScore(model, [1])).toThrow(ParameterError);
    expect(() => originMahalanobisScores(model, [1, 2, 3], 2)).toThrow(ParameterError);
    expect(() => originMahalanobisScore({ ...model, axes: [1, 0] }, [1, 2])).toThrow(ParameterError);
    expect(() => fitOriginMahalanobis([1, 2], 1, 2)).toThrow(ParameterError);
  });
});
