import { ParameterError } from '@driftwatch/contracts';
import { assertDimension } from './checks';
import { covariance, covarianceOfRows, rowsOf, type Covariance, type RowReader } from './covariance';
import { symmetricEigen } from './eigen';

/**
 * A Gaussian seen as sklearn's PCA with all components (docs/divad.md §3.5 AP-Gaussian, §4 Mahalanobis).
 * A plain JSON-serialisable object; treat it as immutable once fitted (scoring caches typed copies).
 */
export interface OriginMahalanobis {
  dimension: number;
  /** principal axes, row-major d×d, axes[j·d + i] = i-th coordinate of axis j (sklearn's components_) */
  axes: number[];
  /** covariance eigenvalues λ_j (ddof 1, centred), descending, unfloored (sklearn's explained_variance_) */
  variances: number[];
  /** numerical-rank tolerance: scoring divides by max(λ_j, floor) */
  floor: number;
  /** training mean; kept for inspection only — the score deliberately does not subtract it */
  mean: number[];
}

/**
 * Floor for the eigenvalues, numpy's matrix-rank tolerance λ_max·d·2⁻⁵²: eigenvalues below it are
 * rounding noise of a singular covariance (constant features, collinear window positions). sklearn
 * keeps such λ_j as its SVD yields them (near 2⁻¹⁰⁴·λ_max, or exactly 0): astronomically large or infinite
 * weights; the floor keeps those directions the most heavily weighted (1/floor) while every score
 * stays finite. With no variance at all (λ_max ≤ 0) the relative tolerance is 0, so 2⁻⁵² is used.
 */
export function eigenvalueFloor(lambdaMax: number, d: number): number {
  return lambdaMax > 0 ? lambdaMax * d * Number.EPSILON : Number.EPSILON;
}

/** Fits the model to n rows of d values, row-major: eigen-decomposition of the ddof-1 covariance. */
export function fitOriginMahalanobis(data: ArrayLike<number>, n: number, d: number): OriginMahalanobis {
  return fromCovariance(covariance(data, n, d, { ddof: 1, center: true }), d);
}

/** `fitOriginMahalanobis` over rows read one at a time (windows of a WindowSet, without a copy). */
export function fitOriginMahalanobisRows(row: RowReader, n: number, d: number): OriginMahalanobis {
  return fromCovariance(covarianceOfRows(row, n, d, { ddof: 1, center: true }), d);
}

function fromCovariance({ mean, cov }: Covariance, d: number): OriginMahalanobis {
  const { values, vectors } = symmetricEigen(cov, d);
  const axes = new Array<number>(d * d);
  for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) axes[j * d + i] = vectors[i * d + j];
  return {
    dimension: d,
    axes,
    variances: Array.from(values),
    floor: eigenvalueFloor(values[0], d),
    mean: Array.from(mean),
  };
}

interface Prepared {
  d: number;
  axes: Float64Array;
  /** 1 / max(λ_j, floor) */
  weights: Float64Array;
}

const prepared = new WeakMap<OriginMahalanobis, Prepared>();

function prepare(model: OriginMahalanobis): Prepared {
  const hit = prepared.get(model);
  if (hit) return hit;
  const d = model.dimension;
  assertDimension(d, 'dimension', 'OriginMahalanobis');
  if (model.axes?.length !== d * d || model.variances?.length !== d || !(model.floor > 0)) {
    throw new ParameterError(
      `OriginMahalanobis: expected ${d * d} axis coordinates, ${d} variances and a positive floor`,
    );
  }
  const weights = new Float64Array(d);
  for (let j = 0; j < d; j++) weights[j] = 1 / Math.max(model.variances[j], model.floor);
  const p = { d, axes: Float64Array.from(model.axes), weights };
  prepared.set(model, p);
  return p;
}

/** Squared Mahalanobis distance to the origin, Σ_j (x·v_j)² / max(λ_j, floor), of x[offset .. offset+d). */
export function originMahalanobisScore(model: OriginMahalanobis, x: ArrayLike<number>, offset = 0): number {
  const { d, axes, weights } = prepare(model);
  if (offset < 0 || x.length < offset + d)
    throw new ParameterError(`originMahalanobisScore: need ${d} values from offset ${offset}, got ${x.length}`);
  let score = 0;
  for (let j = 0; j < d; j++) {
    const base = j * d;
    let proj = 0;
    for (let i = 0; i < d; i++) proj += axes[base + i] * x[offset + i];
    score += proj * proj * weights[j];
  }
  return score;
}

/** `originMahalanobisScore` of n rows of d values, row-major; four rows share each pass over the axes. */
export function originMahalanobisScores(model: OriginMahalanobis, data: ArrayLike<number>, n: number): Float64Array {
  const { d } = prepare(model);
  if (!Number.isInteger(n) || n < 0 || data.length !== n * d) {
    throw new ParameterError(`originMahalanobisScores: expected n·d = ${n}·${d} values, got ${data.length}`);
  }
  return originMahalanobisScoresOfRows(model, rowsOf(data, d), n);
}

/** `originMahalanobisScores` over rows read one at a time. */
export function originMahalanobisScoresOfRows(model: OriginMahalanobis, row: RowReader, n: number): Float64Array {
  const { d, axes, weights } = prepare(model);
  const out = new Float64Array(n);
  const x0 = new Float64Array(d);
  const x1 = new Float64Array(d);
  const x2 = new Float64Array(d);
  const x3 = new Float64Array(d);
  const bufs = [x0, x1, x2, x3];
  for (let start = 0; start < n; start += 4) {
    for (let b = 0; b < 4; b++) {
      if (start + b >= n) {
        bufs[b].fill(0);
        continue;
      }
      const x = row(start + b);
      if (x.length !== d)
        throw new ParameterError(`originMahalanobisScores: row ${start + b} has ${x.length} values, expected ${d}`);
      bufs[b].set(x);
    }
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < d; j++) {
      const base = j * d;
      let p0 = 0;
      let p1 = 0;
      let p2 = 0;
      let p3 = 0;
      for (let i = 0; i < d; i++) {
        const v = axes[base + i];
        p0 += v * x0[i];
        p1 += v * x1[i];
        p2 += v * x2[i];
        p3 += v * x3[i];
      }
      const w = weights[j];
      s0 += p0 * p0 * w;
      s1 += p1 * p1 * w;
      s2 += p2 * p2 * w;
      s3 += p3 * p3 * w;
    }
    const scores = [s0, s1, s2, s3];
    for (let b = 0; b < 4 && start + b < n; b++) out[start + b] = scores[b];
  }
  return out;
}

/**
 * The symmetric (ZCA) whitening y = Σ^(−1/2)·x = V·diag(max(λ_j, floor)^(−1/2))·Vᵀ·x, whose squares sum to the score
 * (Σ_i y_i² = Σ_j (x·v_j)²/max(λ_j, floor)) and whose coordinate i stays tied to coordinate i of x.
 */
export function originMahalanobisWhitened(
  model: OriginMahalanobis,
  x: ArrayLike<number>,
  out = new Float64Array(model.dimension),
): Float64Array {
  const { d, axes, weights } = prepare(model);
  if (x.length !== d || out.length !== d)
    throw new ParameterError(`originMahalanobisWhitened: expected ${d} values, got ${x.length} (out ${out.length})`);
  out.fill(0);
  for (let j = 0; j < d; j++) {
    const base = j * d;
    let proj = 0;
    for (let i = 0; i < d; i++) proj += axes[base + i] * x[i];
    const s = proj * Math.sqrt(weights[j]);
    for (let i = 0; i < d; i++) out[i] += s * axes[base + i];
  }
  return out;
}
