import { mulberry32, normalSampler } from '@driftwatch/contracts';

/** Test-only reference computations, written independently of the code under test. */

export function gaussianMatrix(rows: number, cols: number, seed: number): Float64Array {
  const normal = normalSampler(mulberry32(seed));
  return Float64Array.from({ length: rows * cols }, () => normal());
}

/** A random orthogonal d×d matrix: modified Gram–Schmidt (two passes) on the columns of a Gaussian matrix. */
export function randomOrthogonal(d: number, seed: number): Float64Array {
  const q = gaussianMatrix(d, d, seed);
  for (let j = 0; j < d; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i * d + k] * q[i * d + j];
        for (let i = 0; i < d; i++) q[i * d + j] -= dot * q[i * d + k];
      }
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += q[i * d + j] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < d; i++) q[i * d + j] /= norm;
  }
  return q;
}

/** C = A·B for row-major A (r×k) and B (k×c). */
export function matmul(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * b[t * c + j];
      out[i * c + j] = s;
    }
  return out;
}

export function transposed(a: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
  return out;
}

/** Q·diag(values)·Qᵀ */
export function fromSpectrum(q: Float64Array, values: number[], d: number): Float64Array {
  const qd = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) qd[i * d + j] = q[i * d + j] * values[j];
  return matmul(qd, transposed(q, d, d), d, d, d);
}

/** Inverse by Gauss–Jordan elimination with partial pivoting. */
export function gaussJordanInverse(a: ArrayLike<number>, d: number): Float64Array {
  const w = 2 * d;
  const m = new Float64Array(d * w);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) m[i * w + j] = a[i * d + j];
    m[i * w + d + i] = 1;
  }
  for (let col = 0; col < d; col++) {
    let piv = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r * w + col]) > Math.abs(m[piv * w + col])) piv = r;
    if (piv !== col) for (let j = 0; j < w; j++) [m[col * w + j], m[piv * w + j]] = [m[piv * w + j], m[col * w + j]];
    const p = m[col * w + col];
    for (let j = 0; j < w; j++) m[col * w + j] /= p;
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = m[r * w + col];
      for (let j = 0; j < w; j++) m[r * w + j] -= f * m[col * w + j];
    }
  }
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) inv[i * d + j] = m[i * w + d + j];
  return inv;
}

/** Two-pass sample covariance: means first, then Σ over rows of products of deviations, / (n − ddof). */
export function directCovariance(
  data: ArrayLike<number>,
  n: number,
  d: number,
  ddof = 1,
): { mean: number[]; cov: number[] } {
  const mean = Array.from({ length: d }, (_, k) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += data[i * d + k];
    return s / n;
  });
  const cov: number[] = [];
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (data[i * d + a] - mean[a]) * (data[i * d + b] - mean[b]);
      cov.push(s / (n - ddof));
    }
  return { mean, cov };
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
