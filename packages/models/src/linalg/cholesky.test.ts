import { ParameterError } from '@driftwatch/contracts';
import { cholesky } from './cholesky';
import { fromSpectrum, gaussianMatrix, matmul, maxAbs, randomOrthogonal, transposed } from './test-helpers';

describe('cholesky', () => {
  it('hand-computed 2×2: [[4, 2], [2, 5]] = [[2, 0], [1, 2]]·[[2, 1], [0, 2]]', () => {
    expect(Array.from(cholesky(Float64Array.of(4, 2, 2, 5), 2))).toEqual([2, 0, 1, 2]);
  });

  it('L·Lᵀ = A with L lower triangular and a positive diagonal', () => {
    const d = 30;
    const b = gaussianMatrix(d, d, 3);
    const a = matmul(b, transposed(b, d, d), d, d, d);
    for (let i = 0; i < d; i++) a[i * d + i] += 1;
    const l = cholesky(a, d);
    for (let i = 0; i < d; i++) {
      expect(l[i * d + i]).toBeGreaterThan(0);
      for (let j = i + 1; j < d; j++) expect(l[i * d + j]).toBe(0);
    }
    const llt = matmul(l, transposed(l, d, d), d, d, d);
    const diff = llt.map((v, k) => v - a[k]);
    expect(maxAbs(diff) / maxAbs(a)).toBeLessThan(1e-14);
  });

  it('rejects matrices that are not positive definite', () => {
    expect(() => cholesky(Float64Array.of(1, 2, 2, 1), 2)).toThrow(ParameterError); // eigenvalues 3, −1
    expect(() => cholesky(Float64Array.of(-1), 1)).toThrow(/not positive definite/);
    // positive semi-definite but singular: eigenvalue exactly 0
    expect(() => cholesky(Float64Array.of(1, 1, 1, 1), 2)).toThrow(ParameterError);
    const q = randomOrthogonal(6, 2);
    expect(() => cholesky(fromSpectrum(q, [5, 4, 3, 2, 1, -0.5], 6), 6)).toThrow(ParameterError);
    expect(() => cholesky(Float64Array.of(1, 0, 0), 2)).toThrow(ParameterError);
    expect(() => cholesky(Float64Array.of(NaN), 1)).toThrow(ParameterError);
  });
});
