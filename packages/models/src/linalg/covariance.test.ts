import { ParameterError } from '@driftwatch/contracts';
import { covariance, covarianceOfRows } from './covariance';
import { directCovariance, gaussianMatrix } from './test-helpers';

describe('covariance', () => {
  it('hand example: rows (1, 2), (3, 6)', () => {
    const { mean, cov } = covariance([1, 2, 3, 6], 2, 2);
    expect(Array.from(mean)).toEqual([2, 4]);
    expect(Array.from(cov)).toEqual([2, 4, 4, 8]);
    expect(Array.from(covariance([1, 2, 3, 6], 2, 2, { ddof: 0 }).cov)).toEqual([1, 2, 2, 4]);
  });

  it.each([
    [13, 5],
    [8, 6],
    [37, 1],
    [3, 9],
    [101, 17],
  ])('matches the two-pass formula for n = %i, d = %i (ddof 0 and 1)', (n, d) => {
    const x = gaussianMatrix(n, d, n * 31 + d).map((v, k) => 3 * v + (k % d) - 2); // non-zero means
    for (const ddof of [0, 1]) {
      const ref = directCovariance(x, n, d, ddof);
      const { mean, cov } = covariance(Float32Array.from(x), n, d, { ddof });
      const ref32 = directCovariance(Float32Array.from(x), n, d, ddof);
      for (let k = 0; k < d; k++) expect(mean[k]).toBeCloseTo(ref32.mean[k], 12);
      for (let k = 0; k < d * d; k++) expect(cov[k]).toBeCloseTo(ref32.cov[k], 11);
      const f64 = covariance(x, n, d, { ddof }).cov;
      for (let k = 0; k < d * d; k++) expect(f64[k]).toBeCloseTo(ref.cov[k], 11);
    }
  });

  it('center: false gives Σ xxᵀ / (n − ddof) and still reports the means', () => {
    const n = 11;
    const d = 3;
    const x = Array.from(gaussianMatrix(n, d, 2));
    const { mean, cov } = covariance(x, n, d, { center: false });
    for (let a = 0; a < d; a++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += x[i * d + a];
      expect(mean[a]).toBeCloseTo(m / n, 14);
      for (let b = 0; b < d; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += x[i * d + a] * x[i * d + b];
        expect(cov[a * d + b]).toBeCloseTo(s / (n - 1), 13);
      }
    }
  });

  it('reads rows through a reader (windows) with the same result', () => {
    const n = 19;
    const d = 4;
    const x = Float32Array.from(gaussianMatrix(n, d, 8));
    const a = covariance(x, n, d).cov;
    const b = covarianceOfRows((i) => Array.from(x.subarray(i * d, (i + 1) * d)), n, d).cov;
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('a constant column has zero variance and zero covariance', () => {
    const x = [1, 0.5, 2, 0.5, 4, 0.5];
    const { cov } = covariance(x, 3, 2);
    expect(cov[1]).toBe(0);
    expect(cov[3]).toBe(0);
    expect(cov[0]).toBeCloseTo(7 / 3, 14);
  });

  it('rejects bad sizes, ddof and non-finite values', () => {
    expect(() => covariance([1, 2, 3], 2, 2)).toThrow(ParameterError);
    expect(() => covariance([1, 2], 1, 2)).toThrow(/ddof/);
    expect(() => covariance([1, 2, 3, 4], 2, 2, { ddof: 2 })).toThrow(ParameterError);
    expect(() => covariance([1, NaN, 3, 4], 2, 2)).toThrow(/finite/);
    expect(() => covariance([], 0, 2)).toThrow(ParameterError);
  });
});
