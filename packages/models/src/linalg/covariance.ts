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
  if (data.length !== n * d) throw new ParameterError(`covariance: expected n·d = ${n}·${d} = ${n * d} values, got ${data.length}`);
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

/** Rows handled together in the accumulation: each pass over the triangle adds ROWS outer products. */
const ROWS = 4;

/**
 * `covariance` over rows read one at a time (e.g. windows of a WindowSet, without gathering them):
 * a float64 pass for the means, then the upper triangle of Σ (x_i − x̄)(x_i − x̄)ᵀ, four centred rows
 * per sweep so that the d²/2 accumulator is loaded and stored a quarter as often.
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
      if (!Number.isFinite(v)) throw new ParameterError(`covariance: value (${i}, ${k}) is ${v}, expected a finite number`);
      mean[k] += v;
    }
  }
  for (let k = 0; k < d; k++) mean[k] /= n;

  const acc = new Float64Array(d * d);
  const r = Array.from({ length: ROWS }, () => new Float64Array(d));
  const [r0, r1, r2, r3] = r;
  for (let start = 0; start < n; start += ROWS) {
    for (let b = 0; b < ROWS; b++) {
      const buf = r[b];
      if (start + b >= n) {
        buf.fill(0); // a zero row adds nothing to the sums
        continue;
      }
      const x = row(start + b);
      if (center) for (let k = 0; k < d; k++) buf[k] = x[k] - mean[k];
      else for (let k = 0; k < d; k++) buf[k] = x[k];
    }
    for (let i = 0; i < d; i++) {
      const a0 = r0[i];
      const a1 = r1[i];
      const a2 = r2[i];
      const a3 = r3[i];
      const base = i * d;
      for (let j = i; j < d; j++) acc[base + j] += a0 * r0[j] + a1 * r1[j] + a2 * r2[j] + a3 * r3[j];
    }
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
