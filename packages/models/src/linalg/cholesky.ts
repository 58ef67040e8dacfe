import { ParameterError } from '@driftwatch/contracts';
import { assertFiniteSquare } from './checks';

/**
 * Cholesky factor L (lower triangular, row-major) with A = L·Lᵀ, from the lower triangle of A.
 * l_jj = √(a_jj − Σ_{k<j} l_jk²), l_ij = (a_ij − Σ_{k<j} l_ik·l_jk) / l_jj for i > j.
 * Throws a ParameterError when A is not (numerically) positive definite.
 */
export function cholesky(a: Float64Array, d: number): Float64Array {
  assertFiniteSquare(a, d, 'cholesky');
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const ri = i * d;
    for (let j = 0; j <= i; j++) {
      const rj = j * d;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      if (i === j) {
        // `!(s > 0)` also catches a NaN pivot
        if (!(s > 0)) throw new ParameterError(`cholesky: matrix is not positive definite (pivot ${i} is ${s})`);
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j];
      }
    }
  }
  return l;
}
