import { ParameterError } from '@driftwatch/contracts';
import { covariance } from './covariance';
import { symmetricEigen } from './eigen';

export interface PrincipalProjection {
  /** row-major n × k: the centred rows projected on the first k principal axes */
  coordinates: Float64Array;
  /** share of the total variance along each of the k axes */
  explained: Float64Array;
  k: number;
}

/**
 * Projects n rows of d columns on their first k principal axes: y_i = Vₖᵀ(x_i − x̄), Vₖ the eigenvectors of
 * the sample covariance with the k largest eigenvalues (what 2-D plots of latent encodings use). An axis's sign
 * is fixed so that its largest |coordinate| of Vₖ is positive, so the same data always give the same picture.
 */
export function projectOnPrincipalAxes(data: ArrayLike<number>, n: number, d: number, k: number): PrincipalProjection {
  if (!(Number.isInteger(k) && k >= 1 && k <= d))
    throw new ParameterError(`projectOnPrincipalAxes: k = ${k} must be an integer in [1, d = ${d}]`);
  if (n < 2) throw new ParameterError(`projectOnPrincipalAxes: need at least 2 rows, got ${n}`);
  const { mean, cov } = covariance(data, n, d);
  const { values, vectors } = symmetricEigen(cov, d);
  const total = values.reduce((a, v) => a + Math.max(v, 0), 0);
  const axes = new Float64Array(k * d); // axis j at [j·d, (j+1)·d)
  for (let j = 0; j < k; j++) {
    let sign = 1;
    let largest = 0;
    for (let i = 0; i < d; i++) {
      const v = vectors[i * d + j];
      if (Math.abs(v) > largest) [largest, sign] = [Math.abs(v), Math.sign(v) || 1];
    }
    for (let i = 0; i < d; i++) axes[j * d + i] = sign * vectors[i * d + j];
  }
  const coordinates = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += (data[r * d + i] - mean[i]) * axes[j * d + i];
      coordinates[r * k + j] = s;
    }
  }
  const explained = Float64Array.from({ length: k }, (_, j) => (total > 0 ? Math.max(values[j], 0) / total : 0));
  return { coordinates, explained, k };
}
