import { ParameterError } from '@driftwatch/contracts';
import { assertScores, quantileOfSorted, sortedAscending } from '../thresholds/quantile';
import { standardDeviation } from '../thresholds/spread';

export type BandwidthRule = 'silverman' | 'scott';

export interface KdeOptions {
  /** a bandwidth h > 0, or the rule that picks it (default 'silverman') */
  bandwidth?: number | BandwidthRule;
  /** evaluation points (ascending not required); default 512 equally spaced points over [min − 3h, max + 3h] */
  grid?: ArrayLike<number> | number;
}

export interface KdeResult {
  x: Float64Array;
  density: Float64Array;
  bandwidth: number;
}

/** Interquartile range Q3 − Q1, type-7 quartiles. */
function interquartileRange(samples: ArrayLike<number>): number {
  const sorted = sortedAscending(samples);
  return quantileOfSorted(sorted, 0.75) - quantileOfSorted(sorted, 0.25);
}

function assertSamples(samples: ArrayLike<number>, where: string): void {
  assertScores(samples, where);
  if (samples.length < 2) throw new ParameterError(`${where}: need at least 2 samples, got ${samples.length}`);
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) throw new ParameterError(`${where}: sample ${i} is not finite`);
  }
}

/**
 * Silverman's rule of thumb h = 0.9·min(s, IQR/1.34)·n^(−1/5), s the sample std (Silverman 1986, "Density Estimation",
 * eq. 3.31); falls back to the non-zero spread if one is 0.
 */
export function silvermanBandwidth(samples: ArrayLike<number>): number {
  assertSamples(samples, 'silvermanBandwidth');
  const s = standardDeviation(samples, 1);
  const iqrScale = interquartileRange(samples) / 1.34;
  const spread = s > 0 && iqrScale > 0 ? Math.min(s, iqrScale) : Math.max(s, iqrScale);
  if (!(spread > 0)) throw new ParameterError('silvermanBandwidth: all samples are equal');
  return 0.9 * spread * Math.pow(samples.length, -1 / 5);
}

/**
 * Scott's normal-reference rule h = 1.06·s·n^(−1/5), s the sample std (Scott 1992, "Multivariate Density Estimation",
 * eq. 6.17 with 1.06 ≈ (4/3)^(1/5)).
 */
export function scottBandwidth(samples: ArrayLike<number>): number {
  assertSamples(samples, 'scottBandwidth');
  const s = standardDeviation(samples, 1);
  if (!(s > 0)) throw new ParameterError('scottBandwidth: all samples are equal');
  return 1.06 * s * Math.pow(samples.length, -1 / 5);
}

/** Gaussian KDE at x: f̂(x) = (1/(n·h))·Σ φ((x − x_i)/h), φ the standard normal density (Silverman 1986, eq. 2.2a). */
export function gaussianKdeAt(samples: ArrayLike<number>, bandwidth: number, x: number): number {
  const norm = 1 / (samples.length * bandwidth * Math.sqrt(2 * Math.PI));
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const u = (x - samples[i]) / bandwidth;
    sum += Math.exp(-0.5 * u * u);
  }
  return norm * sum;
}

function resolveBandwidth(samples: ArrayLike<number>, bandwidth: number | BandwidthRule | undefined): number {
  if (bandwidth === undefined || bandwidth === 'silverman') return silvermanBandwidth(samples);
  if (bandwidth === 'scott') return scottBandwidth(samples);
  if (typeof bandwidth !== 'number' || !(bandwidth > 0) || !Number.isFinite(bandwidth)) {
    throw new ParameterError(
      `kde: bandwidth ${String(bandwidth)} is neither a finite number > 0 nor 'silverman' / 'scott'`,
    );
  }
  return bandwidth;
}

/** `count` equally spaced points over [min − 3h, max + 3h]. */
function defaultGrid(samples: ArrayLike<number>, bandwidth: number, count: number): Float64Array {
  if (!Number.isInteger(count) || count < 2) throw new ParameterError(`kde: grid size ${count} must be an integer ≥ 2`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    lo = Math.min(lo, samples[i]);
    hi = Math.max(hi, samples[i]);
  }
  lo -= 3 * bandwidth;
  hi += 3 * bandwidth;
  return Float64Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

/** Gaussian kernel density estimate of `samples` on a grid (Silverman 1986, eq. 2.2a). */
export function kde(samples: ArrayLike<number>, options: KdeOptions = {}): KdeResult {
  assertSamples(samples, 'kde');
  const bandwidth = resolveBandwidth(samples, options.bandwidth);
  const grid = options.grid;
  const x = typeof grid === 'object' ? Float64Array.from(grid) : defaultGrid(samples, bandwidth, grid ?? 512);
  const density = x.map((v) => gaussianKdeAt(samples, bandwidth, v));
  return { x, density, bandwidth };
}
