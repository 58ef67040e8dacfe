import { ParameterError } from '@driftwatch/contracts';
import { assertScores, quantileOfSorted, sortedAscending } from './quantile';

/** Generalized Pareto parameters: scale σ > 0, shape γ (ξ). */
export interface GpdFit {
  sigma: number;
  gamma: number;
  logLikelihood: number;
}

/**
 * GPD log-likelihood of excesses y: −n·log σ − (1 + 1/γ)·Σ log(1 + γ·y/σ); γ = 0: −n·log σ − Σy/σ (Siffer et al. KDD
 * 2017, §3.2).
 */
export function gpdLogLikelihood(excesses: ArrayLike<number>, sigma: number, gamma: number): number {
  const n = excesses.length;
  if (!(sigma > 0)) return -Infinity;
  if (gamma === 0) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += excesses[i];
    return -n * Math.log(sigma) - sum / sigma;
  }
  let logSum = 0;
  for (let i = 0; i < n; i++) {
    const z = 1 + (gamma * excesses[i]) / sigma;
    if (!(z > 0)) return -Infinity;
    logSum += Math.log(z);
  }
  return -n * Math.log(sigma) - (1 + 1 / gamma) * logSum;
}

/** Grimshaw's v(x) = 1 + (1/n)·Σ log(1 + x·y_i) (Siffer et al. KDD 2017, §3.3). */
function grimshawV(excesses: ArrayLike<number>, x: number): number {
  let s = 0;
  for (let i = 0; i < excesses.length; i++) s += Math.log(1 + x * excesses[i]);
  return 1 + s / excesses.length;
}

/**
 * Grimshaw's equation w(x) = u(x)·v(x) − 1; its roots x* ≠ 0 give γ = v(x*) − 1, σ = γ/x* (Grimshaw 1993; Siffer et al.
 * KDD 2017, §3.3).
 */
export function grimshawEquation(excesses: ArrayLike<number>, x: number): number {
  let inverseSum = 0;
  let logSum = 0;
  for (let i = 0; i < excesses.length; i++) {
    const z = 1 + x * excesses[i];
    inverseSum += 1 / z;
    logSum += Math.log(z);
  }
  const n = excesses.length;
  return (inverseSum / n) * (1 + logSum / n) - 1;
}

/** Bisection root of f on [a, b] where f(a), f(b) have opposite signs. */
function bisect(f: (x: number) => number, a: number, b: number): number {
  let fa = f(a);
  for (let i = 0; i < 200; i++) {
    const m = 0.5 * (a + b);
    if (b - a <= 1e-13 * Math.abs(m)) break;
    const fm = f(m);
    if (fm === 0) return m;
    if (fa < 0 === fm < 0) {
      a = m;
      fa = fm;
    } else b = m;
  }
  return 0.5 * (a + b);
}

/** All sign changes of f on the points of `grid` (ascending), refined by bisection. */
function rootsOnGrid(f: (x: number) => number, grid: number[]): number[] {
  const roots: number[] = [];
  let prev = f(grid[0]);
  for (let i = 1; i < grid.length; i++) {
    const cur = f(grid[i]);
    if (Number.isFinite(prev) && Number.isFinite(cur) && prev < 0 !== cur < 0)
      roots.push(bisect(f, grid[i - 1], grid[i]));
    prev = cur;
  }
  return roots;
}

/** Geometric grid from `near` to `far` (same sign), `count` points. */
function geometricGrid(near: number, far: number, count: number): number[] {
  const ratio = Math.pow(far / near, 1 / (count - 1));
  return Array.from({ length: count }, (_, i) => near * Math.pow(ratio, i));
}

/**
 * GPD maximum likelihood by Grimshaw's trick: the roots of w(x) in (−1/Y_max, 0) and (0, 2(Ȳ−Y_min)/Y_min²]
 * plus the exponential case (γ = 0, σ = Ȳ); the candidate of highest likelihood wins (Siffer et al. KDD 2017, §3.3).
 */
export function fitGpd(excesses: ArrayLike<number>): GpdFit {
  const n = excesses.length;
  if (n === 0) throw new ParameterError('fitGpd: no excesses');
  let yMax = -Infinity;
  let yMin = Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = excesses[i];
    if (!(v > 0) || !Number.isFinite(v))
      throw new ParameterError(`fitGpd: excess ${i} = ${v} is not a finite number > 0`);
    yMax = Math.max(yMax, v);
    yMin = Math.min(yMin, v);
    sum += v;
  }
  const yMean = sum / n;
  const y = Float64Array.from(excesses);
  const candidates: { sigma: number; gamma: number }[] = [{ sigma: yMean, gamma: 0 }];
  const w = (x: number) => grimshawEquation(y, x);
  // |x*|·Ȳ ≈ |γ|: roots with |γ| below ~1e-4 (where w ≈ 0 up to rounding) are left to the exponential candidate
  const nearZero = 1e-4 / yMean;
  const gridSize = 200;
  const lower = -1 / yMax;
  const negativeRoots =
    -nearZero > lower ? rootsOnGrid(w, geometricGrid(lower * (1 - 1e-10), -nearZero, gridSize)) : [];
  const upper = (2 * (yMean - yMin)) / (yMin * yMin);
  const positiveRoots = upper > nearZero ? rootsOnGrid(w, geometricGrid(nearZero, upper, gridSize)) : [];
  for (const x of [...negativeRoots, ...positiveRoots]) {
    const gamma = grimshawV(y, x) - 1;
    const sigma = gamma / x;
    if (sigma > 0 && Number.isFinite(sigma)) candidates.push({ sigma, gamma });
  }
  let best: GpdFit = { sigma: yMean, gamma: 0, logLikelihood: -Infinity };
  for (const c of candidates) {
    const ll = gpdLogLikelihood(y, c.sigma, c.gamma);
    if (ll > best.logLikelihood) best = { ...c, logLikelihood: ll };
  }
  return best;
}

/**
 * POT quantile z_q = t + σ/γ·((q·n/N_t)^(−γ) − 1), and t − σ·log(q·n/N_t) when γ = 0 (Siffer et al. KDD 2017, eq. 1 /
 * §3.2).
 */
export function potQuantile(
  initialThreshold: number,
  sigma: number,
  gamma: number,
  q: number,
  count: number,
  excessCount: number,
): number {
  if (!(q > 0 && q < 1)) throw new ParameterError(`potQuantile: risk q = ${q} is not in (0, 1)`);
  if (!(sigma > 0)) throw new ParameterError(`potQuantile: sigma = ${sigma} must be > 0`);
  if (!(excessCount > 0 && count >= excessCount))
    throw new ParameterError(`potQuantile: need 0 < N_t = ${excessCount} ≤ n = ${count}`);
  const r = (q * count) / excessCount;
  return gamma === 0
    ? initialThreshold - sigma * Math.log(r)
    : initialThreshold + (sigma / gamma) * (Math.pow(r, -gamma) - 1);
}

export interface PotOptions {
  /** risk: probability that a normal score exceeds the returned threshold, in (0, 1) */
  q: number;
  /** level of the initial threshold t, in (0, 1) (default 0.98) */
  initialLevel?: number;
}

export interface PotResult extends GpdFit {
  /** z_q */
  threshold: number;
  /** t */
  initialThreshold: number;
  /** n: scores used */
  count: number;
  /** excesses y_i = s_i − t > 0 */
  excesses: Float64Array;
}

/** Excesses over t: {s − t : s > t}. */
export function excessesOver(scores: ArrayLike<number>, t: number): Float64Array {
  return Float64Array.from(scores)
    .filter((s) => s > t)
    .map((s) => s - t);
}

function assertPotOptions(options: PotOptions, where: string): number {
  if (!(options.q > 0 && options.q < 1)) throw new ParameterError(`${where}: risk q = ${options.q} is not in (0, 1)`);
  const level = options.initialLevel ?? 0.98;
  if (!(level > 0 && level < 1)) throw new ParameterError(`${where}: initialLevel = ${level} is not in (0, 1)`);
  return level;
}

/**
 * POT: t = type-7 quantile at initialLevel, GPD fit to the excesses, threshold z_q (Siffer et al. KDD 2017, Algorithm
 * "POT", §3.2–3.3).
 */
export function potThreshold(scores: ArrayLike<number>, options: PotOptions): PotResult {
  const level = assertPotOptions(options, 'potThreshold');
  assertScores(scores, 'potThreshold');
  const initialThreshold = quantileOfSorted(sortedAscending(scores), level);
  const excesses = excessesOver(scores, initialThreshold);
  if (excesses.length === 0) throw new ParameterError('potThreshold: no score exceeds the initial threshold');
  const fit = fitGpd(excesses);
  const threshold = potQuantile(initialThreshold, fit.sigma, fit.gamma, options.q, scores.length, excesses.length);
  return { ...fit, threshold, initialThreshold, count: scores.length, excesses };
}

export interface SpotResult {
  /** z_q in force when each stream score arrived */
  thresholds: Float64Array;
  /** 1 where the stream score exceeded its threshold */
  alarms: Uint8Array;
  /** the state after the last score */
  final: PotResult;
}

/**
 * SPOT over a stream: calibrate POT on `calibration`, then for each x: x > z_q → alarm (not learnt);
 * t < x ≤ z_q → x − t joins the excesses, n+1, refit, new z_q; otherwise n+1 only, z_q kept until the next peak
 * (Siffer et al. KDD 2017, Algorithm 1 "SPOT").
 */
export function spot(calibration: ArrayLike<number>, stream: ArrayLike<number>, options: PotOptions): SpotResult {
  for (let i = 0; i < stream.length; i++) {
    if (Number.isNaN(stream[i])) throw new ParameterError(`spot: stream score ${i} is NaN`);
  }
  let state = potThreshold(calibration, options);
  const excesses = Array.from(state.excesses);
  let count = state.count;
  const thresholds = new Float64Array(stream.length);
  const alarms = new Uint8Array(stream.length);
  for (let i = 0; i < stream.length; i++) {
    const x = stream[i];
    thresholds[i] = state.threshold;
    if (x > state.threshold) {
      alarms[i] = 1;
      continue;
    }
    count++;
    if (x > state.initialThreshold) {
      excesses.push(x - state.initialThreshold);
      const fit = fitGpd(excesses);
      const threshold = potQuantile(state.initialThreshold, fit.sigma, fit.gamma, options.q, count, excesses.length);
      state = {
        ...fit,
        threshold,
        initialThreshold: state.initialThreshold,
        count,
        excesses: Float64Array.from(excesses),
      };
    } else {
      state = { ...state, count };
    }
  }
  return { thresholds, alarms, final: { ...state, excesses: Float64Array.from(excesses) } };
}
