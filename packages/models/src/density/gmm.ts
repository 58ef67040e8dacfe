/**
 * Full-covariance Gaussian mixture fitted by EM, following sklearn's GaussianMixture (docs/divad.md §3.5,
 * AP-GM): responsibilities initialised from k-means labels, reg_covar added to every covariance
 * diagonal, stop when the mean log-likelihood changes by less than tol. No maintained JS library
 * offers this, so it is written here on top of the linalg Cholesky factorisation.
 */
import { ParameterError } from '@driftwatch/contracts';
import { mulberry32 } from '@driftwatch/contracts';
import { cholesky } from '../linalg';
import { NON_NEGATIVE_NUMBER, POSITIVE_INTEGER, resolveParameters, type ParameterSchema } from '../parameters/schema';
import { LOG_2PI } from './gaussian';

/** A fitted mixture; plain JSON (number arrays), so it can be written to a model directory as is. */
export interface GaussianMixture {
  components: number;
  dimension: number;
  /** mixture weights, sum 1 */
  weights: number[];
  /** K×d, row-major */
  means: number[];
  /** K×d×d, row-major, reg_covar included */
  covariances: number[];
  /** K×d×d: the lower-triangular inverse L_k⁻¹ of each covariance's Cholesky factor (Σ_k = L_k L_kᵀ) */
  precisionCholesky: number[];
  converged: boolean;
  iterations: number;
  /** mean log-likelihood of the training data at the last E-step */
  lowerBound: number;
}

export interface GaussianMixtureOptions {
  components: number;
  /** seeds the k-means initialisation (default 0, like random_state=0 in docs/divad.md §3.5) */
  seed?: number;
  /** convergence threshold on the change of the mean log-likelihood (default 1e-3) */
  tol?: number;
  /** added to the covariance diagonals (default 1e-6) */
  regCovar?: number;
  /** EM iterations (default 100) */
  maxIter?: number;
  /**
   * fit on a seeded uniform subsample of at most this many rows (default: all): EM costs n·K·d² per iteration,
   * and DIVAD-GM's AP mixture would otherwise be fitted to every posterior mean of a fold (~138k on ASD), a third
   * or more of the fold's time (docs/divad.md §3.5 has the measured trade-off)
   */
  maxPoints?: number;
}

/**
 * sklearn GaussianMixture's defaults (tol 1e-3, reg_covar 1e-6, max_iter 100); seed 0 as random_state=0 in
 * docs/divad.md §3.5.
 */
const GAUSSIAN_MIXTURE_OPTIONS: ParameterSchema<Required<GaussianMixtureOptions>> = {
  parameters: {
    components: { description: 'K: mixture components', accepts: [POSITIVE_INTEGER] },
    seed: { description: 'seeds the k-means initialisation', accepts: [{ type: 'integer' }], default: 0 },
    tol: {
      description: 'convergence threshold on the change of the mean log-likelihood',
      accepts: [NON_NEGATIVE_NUMBER],
      default: 1e-3,
    },
    regCovar: { description: 'added to the covariance diagonals', accepts: [NON_NEGATIVE_NUMBER], default: 1e-6 },
    maxIter: { description: 'EM iterations, at most', accepts: [POSITIVE_INTEGER], default: 100 },
    maxPoints: {
      description: 'fit on a seeded uniform subsample of at most this many rows',
      accepts: [POSITIVE_INTEGER, { type: 'literal', value: Infinity }],
      default: Infinity,
    },
  },
};

/**
 * `m` of the row indices 0 … n−1 drawn uniformly without replacement (the first m steps of a Fisher–Yates
 * shuffle), in increasing order so that the rows are read front to back; all of them when m ≥ n.
 */
export function seededSubsample(n: number, m: number, seed: number): Int32Array {
  if (m >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.subarray(0, m).sort();
}

/** The given rows of a row-major n×d buffer, as a new m×d buffer. */
function gatherRows(data: ArrayLike<number>, rows: Int32Array, d: number): Float64Array {
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) for (let j = 0; j < d; j++) out[r * d + j] = data[rows[r] * d + j];
  return out;
}

export interface KMeansResult {
  centers: Float64Array;
  labels: Int32Array;
  iterations: number;
}

function checkData(data: ArrayLike<number>, n: number, d: number, where: string): void {
  if (!Number.isInteger(d) || d < 1)
    throw new ParameterError(`${where}: dimension must be a positive integer, got ${d}`);
  if (!Number.isInteger(n) || n < 1) throw new ParameterError(`${where}: need at least one row, got ${n}`);
  if (data.length !== n * d) throw new ParameterError(`${where}: expected n·d = ${n}·${d} values, got ${data.length}`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new ParameterError(
        `${where}: value ${i % d} of row ${Math.floor(i / d)} is ${data[i]}, expected a finite number`,
      );
  }
}

/** ‖x_i − c_k‖² for rows of two row-major buffers */
function sqDist(x: Float64Array, i: number, c: Float64Array, k: number, d: number): number {
  let s = 0;
  const xi = i * d;
  const ck = k * d;
  for (let j = 0; j < d; j++) {
    const t = x[xi + j] - c[ck + j];
    s += t * t;
  }
  return s;
}

/** index of the first cumulative weight above u·total (D² sampling of k-means++) */
function sampleByWeight(weights: Float64Array, total: number, u: number): number {
  const target = u * total;
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i];
    if (acc > target) return i;
  }
  return weights.length - 1;
}

/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, as in sklearn): each new centre is the best of
 * 2 + ⌊ln k⌋ candidates drawn with probability ∝ squared distance to the nearest chosen centre.
 */
function kMeansPlusPlus(x: Float64Array, n: number, d: number, k: number, rand: () => number): Float64Array {
  const centers = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  let first = Math.min(n - 1, Math.floor(rand() * n));
  centers.set(x.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  let potential = 0;
  for (let i = 0; i < n; i++) potential += closest[i] = sqDist(x, i, centers, 0, d);
  const candidate = new Float64Array(n);
  const best = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let bestPotential = Infinity;
    let bestIndex = 0;
    for (let t = 0; t < trials; t++) {
      const idx = potential > 0 ? sampleByWeight(closest, potential, rand()) : Math.min(n - 1, Math.floor(rand() * n));
      let pot = 0;
      const xi = idx * d;
      for (let i = 0; i < n; i++) {
        let s = 0;
        const xr = i * d;
        for (let j = 0; j < d; j++) {
          const v = x[xr + j] - x[xi + j];
          s += v * v;
        }
        const m = s < closest[i] ? s : closest[i];
        candidate[i] = m;
        pot += m;
      }
      if (pot < bestPotential) {
        bestPotential = pot;
        bestIndex = idx;
        best.set(candidate);
      }
    }
    first = bestIndex;
    centers.set(x.subarray(first * d, first * d + d), c * d);
    closest.set(best);
    potential = bestPotential;
  }
  return centers;
}

/**
 * Exact assignment of point i: labels ← nearest centre, upper ← its distance, lower ← the distance to
 * the second nearest (Euclidean, not squared: the bounds below add and subtract centre movements).
 * Returns whether the label changed.
 */
function assignOne(
  x: Float64Array,
  i: number,
  d: number,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
): boolean {
  let best = Infinity;
  let second = Infinity;
  let bestK = 0;
  for (let c = 0; c < k; c++) {
    const s = sqDist(x, i, centers, c, d);
    if (s < best) {
      second = best;
      best = s;
      bestK = c;
    } else if (s < second) {
      second = s;
    }
  }
  const changed = labels[i] !== bestK;
  labels[i] = bestK;
  upper[i] = Math.sqrt(best);
  lower[i] = Math.sqrt(second);
  return changed;
}

/**
 * Hamerly's bounds (2010): after the centres moved by delta, a point keeps its label without computing
 * any distance when the distance to its centre (upper bound) is below both its distance to any other
 * centre (lower bound) and half the gap from its centre to the nearest other one. The result is Lloyd's
 * assignment, but late iterations, where centres barely move, skip almost every point.
 * Returns the number of labels that changed.
 */
function assignBounded(
  x: Float64Array,
  n: number,
  d: number,
  centers: Float64Array,
  k: number,
  delta: Float64Array,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
): number {
  let max1 = 0;
  let max2 = 0;
  let arg1 = -1;
  for (let c = 0; c < k; c++) {
    if (delta[c] > max1) {
      max2 = max1;
      max1 = delta[c];
      arg1 = c;
    } else if (delta[c] > max2) {
      max2 = delta[c];
    }
  }
  const half = new Float64Array(k).fill(Infinity);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const g = 0.5 * Math.sqrt(sqDist(centers, a, centers, b, d));
      if (g < half[a]) half[a] = g;
      if (g < half[b]) half[b] = g;
    }
  }
  let changes = 0;
  for (let i = 0; i < n; i++) {
    const a = labels[i];
    upper[i] += delta[a];
    lower[i] -= a === arg1 ? max2 : max1;
    const z = Math.max(lower[i], half[a]);
    if (upper[i] <= z) continue;
    upper[i] = Math.sqrt(sqDist(x, i, centers, a, d));
    if (upper[i] <= z) continue;
    if (assignOne(x, i, d, centers, k, labels, upper, lower)) changes++;
  }
  return changes;
}

/**
 * k-means (Lloyd) with k-means++ seeding, sklearn's defaults: at most 300 iterations, stop when the
 * labels repeat or the summed squared centre shift ≤ tol·mean feature variance. An empty cluster takes
 * the point farthest from its centre. Assignments use Hamerly's bounds (same labels, fewer distances).
 */
export function kMeans(
  data: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  opts: { seed?: number; maxIter?: number; tol?: number } = {},
): KMeansResult {
  checkData(data, n, d, 'kMeans');
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new ParameterError(`kMeans: clusters must be an integer in [1, ${n}], got ${k}`);
  const x = Float64Array.from(data as ArrayLike<number>);
  const rand = mulberry32(opts.seed ?? 0);
  const maxIter = opts.maxIter ?? 300;
  // sklearn scales tol by the mean per-feature variance
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  let meanVar = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j] - mean[j];
      meanVar += (t * t) / (n * d);
    }
  }
  const tol = (opts.tol ?? 1e-4) * meanVar;
  let centers = kMeansPlusPlus(x, n, d, k, rand);
  const labels = new Int32Array(n).fill(-1);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const delta = new Float64Array(k);
  for (let i = 0; i < n; i++) assignOne(x, i, d, centers, k, labels, upper, lower);
  let iterations = 0;
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    // strict convergence: the labels did not change
    if (it > 0 && assignBounded(x, n, d, centers, k, delta, labels, upper, lower) === 0) break;
    const next = new Float64Array(k * d);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0; j < d; j++) next[c * d + j] += x[i * d + j];
    }
    let dist: Float64Array | undefined;
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) {
        for (let j = 0; j < d; j++) next[c * d + j] /= counts[c];
        continue;
      }
      // an empty cluster takes the point farthest from its centre (exact distances, computed once)
      if (!dist) {
        const dd = new Float64Array(n);
        for (let i = 0; i < n; i++) dd[i] = sqDist(x, i, centers, labels[i], d);
        dist = dd;
      }
      let far = 0;
      for (let i = 1; i < n; i++) if (dist[i] > dist[far]) far = i;
      dist[far] = -1;
      next.set(x.subarray(far * d, far * d + d), c * d);
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      const s2 = sqDist(next, c, centers, c, d);
      delta[c] = Math.sqrt(s2);
      shift += s2;
    }
    centers = next;
    if (shift <= tol) {
      assignBounded(x, n, d, centers, k, delta, labels, upper, lower);
      break;
    }
  }
  return { centers, labels, iterations };
}

/** lower-triangular L⁻¹ by forward substitution, column by column */
function lowerInverse(l: Float64Array, d: number): Float64Array {
  const inv = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    inv[j * d + j] = 1 / l[j * d + j];
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += l[i * d + k] * inv[k * d + j];
      inv[i * d + j] = -s / l[i * d + i];
    }
  }
  return inv;
}

interface Prepared {
  k: number;
  d: number;
  logWeights: Float64Array;
  means: Float64Array;
  precChol: Float64Array;
  /** ln det L_k⁻¹ − (d/2) ln 2π per component */
  norm: Float64Array;
}

function prepareParams(
  weights: ArrayLike<number>,
  means: ArrayLike<number>,
  precChol: ArrayLike<number>,
  k: number,
  d: number,
): Prepared {
  const norm = new Float64Array(k);
  const pc = Float64Array.from(precChol as ArrayLike<number>);
  for (let c = 0; c < k; c++) {
    let logDet = 0;
    for (let j = 0; j < d; j++) logDet += Math.log(pc[c * d * d + j * d + j]);
    norm[c] = logDet - 0.5 * d * LOG_2PI;
  }
  return {
    k,
    d,
    logWeights: Float64Array.from(weights as ArrayLike<number>, (w) => Math.log(w)),
    means: Float64Array.from(means as ArrayLike<number>),
    precChol: pc,
    norm,
  };
}

/**
 * ln w_c + ln N(x; μ_c, Σ_c) for every c into out[0..k): −½‖L_c⁻¹(x − μ_c)‖² + ln det L_c⁻¹ − (d/2) ln 2π
 * (sklearn's _estimate_weighted_log_prob); returns logsumexp over c = ln p(x).
 */
function weightedLogProb(
  p: Prepared,
  x: ArrayLike<number>,
  offset: number,
  diff: Float64Array,
  out: Float64Array,
): number {
  const { k, d, means, precChol, norm, logWeights } = p;
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    const mb = c * d;
    for (let j = 0; j < d; j++) diff[j] = x[offset + j] - means[mb + j];
    const pb = c * d * d;
    let q = 0;
    for (let i = 0; i < d; i++) {
      const row = pb + i * d;
      let y = 0;
      for (let j = 0; j <= i; j++) y += precChol[row + j] * diff[j];
      q += y * y;
    }
    const v = logWeights[c] + norm[c] - 0.5 * q;
    out[c] = v;
    if (v > max) max = v;
  }
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let c = 0; c < k; c++) s += Math.exp(out[c] - max);
  return max + Math.log(s);
}

/**
 * EM works on the feature vector f(x) = [x xᵀ (packed lower triangle), x, 1] of length F = d(d+1)/2 + d + 1:
 * ln(w_c·N(x; μ_c, Σ_c)) = −½ g_c·f(x) for one coefficient vector g_c per component, and the M-step
 * sums Σr·xxᵀ, Σr·x, Σr are the single sum Σ r_c·f(x). Both become long contiguous dot products, 2×
 * faster in JS than a triangular solve and an outer-product update per point and component.
 */
function featureLength(d: number): number {
  return (d * (d + 1)) / 2 + d + 1;
}

function features(x: Float64Array, offset: number, d: number, out: Float64Array, outOffset = 0, stride = 1): void {
  let t = 0;
  for (let a = 0; a < d; a++) {
    const xa = x[offset + a];
    for (let b = 0; b <= a; b++) out[outOffset + stride * t++] = xa * x[offset + b];
  }
  for (let a = 0; a < d; a++) out[outOffset + stride * t++] = x[offset + a];
  out[outOffset + stride * t] = 1;
}

/**
 * g_c such that g_c·f(x) = (x−μ)ᵀP(x−μ) − 2(ln w + ln det L⁻¹ − (d/2) ln 2π) with P = L⁻ᵀL⁻¹:
 * packed P (off-diagonals doubled), then −2Pμ, then μᵀPμ − 2(…). Exact algebra; in Float64 the
 * rounding stays far below the spread of the data.
 */
function coefficients(
  weights: Float64Array,
  means: Float64Array,
  precChol: Float64Array,
  k: number,
  d: number,
): Float64Array {
  const f = featureLength(d);
  const g = new Float64Array(k * f);
  const full = new Float64Array(d * d);
  for (let c = 0; c < k; c++) {
    const base = c * d * d;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        // (L⁻ᵀL⁻¹)_ab = Σ_r L⁻¹_ra L⁻¹_rb over rows r ≥ a (L⁻¹ is lower triangular)
        let s = 0;
        for (let r = a; r < d; r++) s += precChol[base + r * d + a] * precChol[base + r * d + b];
        full[a * d + b] = s;
        full[b * d + a] = s;
      }
    }
    let t = c * f;
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) g[t++] = a === b ? full[a * d + b] : 2 * full[a * d + b];
    let muPmu = 0;
    let logDet = 0;
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += full[a * d + b] * means[c * d + b];
      g[t++] = -2 * s;
      muPmu += s * means[c * d + a];
      logDet += Math.log(precChol[base + a * d + a]);
    }
    g[t] = muPmu - 2 * (Math.log(weights[c]) + logDet - 0.5 * d * LOG_2PI);
  }
  return g;
}

/** Σ_i a[aOff + i]·b[bOff + i] over n terms, four independent partial sums */
function dot(a: Float64Array, aOff: number, b: Float64Array, bOff: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[aOff + i] * b[bOff + i];
    s1 += a[aOff + i + 1] * b[bOff + i + 1];
    s2 += a[aOff + i + 2] * b[bOff + i + 2];
    s3 += a[aOff + i + 3] * b[bOff + i + 3];
  }
  for (; i < n; i++) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1 + s2 + s3;
}

/**
 * sklearn _estimate_gaussian_parameters ('full') from the sums S_c = Σ r_c·f(x): nk = Σr + 10ε,
 * μ = Σr·x / nk, Σ = Σr·(x−μ)(x−μ)ᵀ / nk + reg·I, expanded as (Σr·xxᵀ − μ(Σr·x)ᵀ − (Σr·x)μᵀ + Σr·μμᵀ) / nk.
 */
function parametersFromSums(sums: Float64Array, k: number, d: number, regCovar: number) {
  const f = featureLength(d);
  const p = (d * (d + 1)) / 2;
  const nk = new Float64Array(k);
  const means = new Float64Array(k * d);
  const covs = new Float64Array(k * d * d);
  for (let c = 0; c < k; c++) {
    const base = c * f;
    const r = sums[base + f - 1];
    nk[c] = r + 10 * Number.EPSILON;
    for (let j = 0; j < d; j++) means[c * d + j] = sums[base + p + j] / nk[c];
    let t = base;
    for (let a = 0; a < d; a++) {
      const ma = means[c * d + a];
      const sa = sums[base + p + a];
      for (let b = 0; b <= a; b++) {
        const mb = means[c * d + b];
        const v = (sums[t++] - ma * sums[base + p + b] - sa * mb + r * ma * mb) / nk[c] + (a === b ? regCovar : 0);
        covs[c * d * d + a * d + b] = v;
        covs[c * d * d + b * d + a] = v;
      }
    }
  }
  return { nk, means, covs };
}

/** points per block of the M-step sums: features are stored transposed so every sum is one dot product */
const BLOCK = 256;

function precisionCholesky(covs: Float64Array, k: number, d: number): Float64Array {
  const out = new Float64Array(k * d * d);
  for (let c = 0; c < k; c++) {
    let l: Float64Array;
    try {
      l = cholesky(covs.subarray(c * d * d, (c + 1) * d * d), d);
    } catch {
      throw new ParameterError(
        `fitGaussianMixture: the covariance of component ${c} is not positive definite (collapsed or ` +
          `duplicate points); use fewer components or a larger regCovar`,
      );
    }
    out.set(lowerInverse(l, d), c * d * d);
  }
  return out;
}

/**
 * Fits a full-covariance Gaussian mixture by EM to n rows of d values (row-major), like sklearn
 * GaussianMixture(n_components, covariance_type='full', init_params='kmeans', n_init=1); with `maxPoints` below n,
 * to a seeded subsample of the rows (lowerBound is then the subsample's).
 */
export function fitGaussianMixture(
  data: ArrayLike<number>,
  rows: number,
  d: number,
  opts: GaussianMixtureOptions,
): GaussianMixture {
  checkData(data, rows, d, 'fitGaussianMixture');
  const {
    components: k,
    seed,
    tol,
    regCovar,
    maxIter,
    maxPoints,
  } = resolveParameters('fitGaussianMixture', GAUSSIAN_MIXTURE_OPTIONS, opts);
  if (rows < k) throw new ParameterError(`fitGaussianMixture: ${rows} points cannot fit ${k} components`);
  if (maxPoints < k)
    throw new ParameterError(`fitGaussianMixture: maxPoints ${maxPoints} cannot fit ${k} components, expected ≥ ${k}`);
  const x =
    maxPoints < rows
      ? gatherRows(data, seededSubsample(rows, maxPoints, seed), d)
      : Float64Array.from(data as ArrayLike<number>);
  const n = x.length / d;

  const { labels } = kMeans(x, n, d, k, { seed });
  const f = featureLength(d);
  const feat = new Float64Array(f);
  // f(x) of a block, transposed: featT[t·BLOCK + i]; responsibilities respT[c·BLOCK + i]
  const featT = new Float64Array(f * BLOCK);
  const respT = new Float64Array(k * BLOCK);
  const terms = new Float64Array(k);

  /**
   * One pass over the data: the sums S_c = Σ r_c·f(x) of the M-step, with r the one-hot k-means labels
   * (g undefined) or the E-step responsibilities under coefficients g; returns them and Σ ln p(x).
   */
  const pass = (g: Float64Array | undefined): { sums: Float64Array; total: number } => {
    const sums = new Float64Array(k * f);
    let total = 0;
    for (let start = 0; start < n; start += BLOCK) {
      const count = Math.min(BLOCK, n - start);
      for (let i = 0; i < count; i++) {
        features(x, (start + i) * d, d, feat);
        for (let t = 0; t < f; t++) featT[t * BLOCK + i] = feat[t];
        if (!g) {
          for (let c = 0; c < k; c++) respT[c * BLOCK + i] = c === labels[start + i] ? 1 : 0;
          continue;
        }
        let max = -Infinity;
        for (let c = 0; c < k; c++) {
          const v = -0.5 * dot(g, c * f, feat, 0, f);
          terms[c] = v;
          if (v > max) max = v;
        }
        let s = 0;
        for (let c = 0; c < k; c++) s += Math.exp(terms[c] - max);
        const lse = max + Math.log(s);
        total += lse;
        for (let c = 0; c < k; c++) respT[c * BLOCK + i] = Math.exp(terms[c] - lse);
      }
      for (let c = 0; c < k; c++)
        for (let t = 0; t < f; t++) sums[c * f + t] += dot(respT, c * BLOCK, featT, t * BLOCK, count);
    }
    return { sums, total };
  };

  let { sums } = pass(undefined);
  let { nk, means, covs } = parametersFromSums(sums, k, d, regCovar);
  let weights = Float64Array.from(nk, (v) => v / n);
  let precChol = precisionCholesky(covs, k, d);

  let lowerBound = -Infinity;
  let converged = false;
  let iterations = 0;
  for (let it = 1; it <= maxIter; it++) {
    iterations = it;
    const prev = lowerBound;
    // E-step with the current parameters and the sums of the next M-step, in one pass over the data
    let total: number;
    ({ sums, total } = pass(coefficients(weights, means, precChol, k, d)));
    ({ nk, means, covs } = parametersFromSums(sums, k, d, regCovar));
    let sum = 0;
    for (let c = 0; c < k; c++) sum += nk[c];
    weights = Float64Array.from(nk, (v) => v / sum);
    precChol = precisionCholesky(covs, k, d);
    lowerBound = total / n;
    if (Math.abs(lowerBound - prev) < tol) {
      converged = true;
      break;
    }
  }
  return {
    components: k,
    dimension: d,
    weights: Array.from(weights),
    means: Array.from(means),
    covariances: Array.from(covs),
    precisionCholesky: Array.from(precChol),
    converged,
    iterations,
    lowerBound,
  };
}

const preparedCache = new WeakMap<GaussianMixture, { p: Prepared; diff: Float64Array; terms: Float64Array }>();

function prepared(gm: GaussianMixture) {
  let hit = preparedCache.get(gm);
  if (!hit) {
    const { components: k, dimension: d } = gm;
    if (
      !(Number.isInteger(k) && k >= 1 && Number.isInteger(d) && d >= 1) ||
      gm.weights?.length !== k ||
      gm.means?.length !== k * d ||
      gm.precisionCholesky?.length !== k * d * d
    ) {
      throw new ParameterError(
        `GaussianMixture: expected ${k} weights, ${k}×${d} means and ${k}×${d}×${d} precision factors`,
      );
    }
    hit = {
      p: prepareParams(gm.weights, gm.means, gm.precisionCholesky, k, d),
      diff: new Float64Array(d),
      terms: new Float64Array(k),
    };
    preparedCache.set(gm, hit);
  }
  return hit;
}

/** ln p(x) of x[offset .. offset+d) under the mixture (sklearn score_samples); treat gm as immutable */
export function gaussianMixtureScore(gm: GaussianMixture, x: ArrayLike<number>, offset = 0): number {
  const { p, diff, terms } = prepared(gm);
  if (offset < 0 || x.length < offset + p.d)
    throw new ParameterError(`gaussianMixtureScore: need ${p.d} values from offset ${offset}, got ${x.length}`);
  return weightedLogProb(p, x, offset, diff, terms);
}
