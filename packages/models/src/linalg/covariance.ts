import { ParameterError } from '@driftwatch/contracts';
import { assertDimension } from './checks';

export interface CovarianceOptions {
  /** divisor n − ddof (default 1: the unbiased estimate, numpy's np.cov / sklearn PCA) */
  ddof?: number;
  /** subtract the column means first (default true); false gives Σ xxᵀ / (n − ddof) */
  center?: boolean;
}

export interface Covariance {
  /** column means (always the actual means, also when center is false) */
  mean: Float64Array;
  /** row-major d×d, symmetric */
  cov: Float64Array;
}

/** Reads row i (d values) of a data set; the returned array may be a view that is reused. */
export type RowReader = (i: number) => ArrayLike<number>;

/**
 * Sample covariance of n rows of d columns stored row-major in `data`:
 * Σ = Σ_i (x_i − x̄)(x_i − x̄)ᵀ / (n − ddof), accumulated in float64.
 */
export function covariance(data: ArrayLike<number>, n: number, d: number, opts: CovarianceOptions = {}): Covariance {
  assertDimension(n, 'n', 'covariance');
  assertDimension(d, 'd', 'covariance');
  if (data.length !== n * d)
    throw new ParameterError(`covariance: expected n·d = ${n}·${d} = ${n * d} values, got ${data.length}`);
  return covarianceOfRows(rowsOf(data, d), n, d, opts);
}

/** Views on consecutive rows of a flat row-major buffer (no copy for typed arrays). */
export function rowsOf(data: ArrayLike<number>, d: number): RowReader {
  if (ArrayBuffer.isView(data)) {
    const typed = data as unknown as Float64Array;
    return (i) => typed.subarray(i * d, (i + 1) * d);
  }
  return (i) => Array.prototype.slice.call(data, i * d, (i + 1) * d) as number[];
}

/** Rows handled together: each sweep over the triangle adds ROWS outer products (the code below unrolls 8). */
const ROWS = 8;

/**
 * `covariance` over rows read one at a time (e.g. windows of a WindowSet, without gathering them):
 * a float64 pass for the means, then the upper triangle of Σ (x_i − x̄)(x_i − x̄)ᵀ. Eight centred rows
 * are held transposed and two triangle rows are updated per sweep, so each accumulator element is
 * loaded and stored once per 8 rows and each loaded value feeds 2 products: scalar JavaScript is
 * bound by loads and stores here, not by the multiplications.
 */
export function covarianceOfRows(row: RowReader, n: number, d: number, opts: CovarianceOptions = {}): Covariance {
  assertDimension(n, 'n', 'covariance');
  assertDimension(d, 'd', 'covariance');
  const ddof = opts.ddof ?? 1;
  const center = opts.center ?? true;
  if (!Number.isInteger(ddof) || ddof < 0 || ddof >= n) {
    throw new ParameterError(`covariance: ddof must be an integer in [0, n) = [0, ${n}), got ${ddof}`);
  }
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const x = row(i);
    if (x.length !== d) throw new ParameterError(`covariance: row ${i} has ${x.length} values, expected ${d}`);
    for (let k = 0; k < d; k++) {
      const v = x[k];
      if (!Number.isFinite(v))
        throw new ParameterError(`covariance: value (${i}, ${k}) is ${v}, expected a finite number`);
      mean[k] += v;
    }
  }
  for (let k = 0; k < d; k++) mean[k] /= n;

  const acc = new Float64Array(d * d);
  // rt[k·ROWS + b] = centred value of column k in row b of the block; a zero row adds nothing
  const rt = new Float64Array(d * ROWS);
  for (let start = 0; start < n; start += ROWS) {
    for (let b = 0; b < ROWS; b++) {
      if (start + b >= n) {
        for (let k = 0; k < d; k++) rt[k * ROWS + b] = 0;
        continue;
      }
      const x = row(start + b);
      for (let k = 0; k < d; k++) rt[k * ROWS + b] = center ? x[k] - mean[k] : x[k];
    }
    let i = 0;
    for (; i + 1 < d; i += 2) accumulatePair(acc, rt, d, i);
    if (i < d) accumulateSingle(acc, rt, d, i);
  }
  const scale = 1 / (n - ddof);
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = acc[i * d + j] * scale;
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return { mean, cov };
}

/**
 * acc[i][j] += Σ_b r_b[i]·r_b[j] and acc[i+1][j] likewise, for j ≥ i (acc[i+1][i] lands below the diagonal, unused).
 */
function accumulatePair(acc: Float64Array, rt: Float64Array, d: number, i: number): void {
  const p = i * ROWS;
  const q = p + ROWS;
  const a0 = rt[p],
    a1 = rt[p + 1],
    a2 = rt[p + 2],
    a3 = rt[p + 3],
    a4 = rt[p + 4],
    a5 = rt[p + 5],
    a6 = rt[p + 6],
    a7 = rt[p + 7];
  const c0 = rt[q],
    c1 = rt[q + 1],
    c2 = rt[q + 2],
    c3 = rt[q + 3],
    c4 = rt[q + 4],
    c5 = rt[q + 5],
    c6 = rt[q + 6],
    c7 = rt[q + 7];
  const r0 = i * d;
  const r1 = r0 + d;
  for (let j = i; j < d; j++) {
    const o = j * ROWS;
    const w0 = rt[o],
      w1 = rt[o + 1],
      w2 = rt[o + 2],
      w3 = rt[o + 3],
      w4 = rt[o + 4],
      w5 = rt[o + 5],
      w6 = rt[o + 6],
      w7 = rt[o + 7];
    acc[r0 + j] += a0 * w0 + a1 * w1 + a2 * w2 + a3 * w3 + a4 * w4 + a5 * w5 + a6 * w6 + a7 * w7;
    acc[r1 + j] += c0 * w0 + c1 * w1 + c2 * w2 + c3 * w3 + c4 * w4 + c5 * w5 + c6 * w6 + c7 * w7;
  }
}

function accumulateSingle(acc: Float64Array, rt: Float64Array, d: number, i: number): void {
  const p = i * ROWS;
  const r0 = i * d;
  for (let j = i; j < d; j++) {
    const o = j * ROWS;
    let s = 0;
    for (let b = 0; b < ROWS; b++) s += rt[p + b] * rt[o + b];
    acc[r0 + j] += s;
  }
}
