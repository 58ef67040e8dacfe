import { ParameterError } from '@driftwatch/contracts';

/**
 * EWMA smoothing factors β searched for every method and data set (docs/divad.md §1); 1/(1−β) ≈ the number of
 * recent window scores that dominate the average: 1, 5, 10, 20, 30, 40, 50, 60, 80, 120, 160, 200.
 */
export const SMOOTHING_GRID: readonly number[] = Object.freeze([
  0, 0.8, 0.9, 0.95, 0.96667, 0.975, 0.98, 0.98333, 0.9875, 0.99167, 0.99375, 0.995,
]);

/** Score given to the W−1 records before the first window: the lowest finite double (numpy's finfo.min). */
export const PADDING_SCORE = -Number.MAX_VALUE;

function assertSmoothing(beta: number): void {
  if (!(typeof beta === 'number' && beta >= 0 && beta < 1)) {
    throw new ParameterError(`smoothing factor β must be in [0, 1), got ${beta}`);
  }
}

/**
 * Exponentially weighted moving average as pandas `ewm(alpha=1−β, adjust=True).mean()` (docs/divad.md §1 step 2):
 * e_t = Σ_{i=0..t} β^i a_{t−i} / Σ_{i=0..t} β^i, computed recursively (num ← a_t + β·num, den ← 1 + β·den).
 *
 * NaN handling is deliberately simpler than pandas (which skips NaN): for β > 0 a NaN makes every later
 * value NaN, and ±∞ likewise propagate; `recordScores` then maps them with numpy's nan_to_num. β = 0 returns
 * a copy of `a`, so a NaN only affects its own position.
 */
export function ewma(a: ArrayLike<number>, beta: number): Float64Array {
  assertSmoothing(beta);
  const out = new Float64Array(a.length);
  if (beta === 0) {
    for (let t = 0; t < a.length; t++) out[t] = a[t];
    return out;
  }
  let num = 0;
  let den = 0;
  for (let t = 0; t < a.length; t++) {
    num = a[t] + beta * num;
    den = 1 + beta * den;
    out[t] = num / den;
  }
  return out;
}

/** numpy `nan_to_num`: NaN → 0, +∞ → largest finite double, −∞ → lowest finite double (docs/divad.md §1 step 3). */
export function nanToNum(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x === Infinity) return Number.MAX_VALUE;
  if (x === -Infinity) return -Number.MAX_VALUE;
  return x;
}

/**
 * The online scorer of docs/divad.md §1: window scores a_t (t = W−1..T−1) → one score per record.
 * EWMA with factor β, then W−1 copies of the lowest finite double in front (records that end no window),
 * then nan_to_num. Output length = windows + W − 1 = the sequence length T.
 */
export function recordScores(windowScores: ArrayLike<number>, windowLength: number, beta: number): Float64Array {
  if (!(Number.isInteger(windowLength) && windowLength >= 1)) {
    throw new ParameterError(`window length must be an integer ≥ 1, got ${windowLength}`);
  }
  if (windowScores.length === 0) {
    throw new ParameterError('no window scores: a sequence needs at least W records to be scored');
  }
  const smoothed = ewma(windowScores, beta);
  const pad = windowLength - 1;
  const out = new Float64Array(smoothed.length + pad);
  out.fill(PADDING_SCORE, 0, pad);
  for (let t = 0; t < smoothed.length; t++) out[pad + t] = nanToNum(smoothed[t]);
  return out;
}

/**
 * Window scores placed at their windows' last records, NaN for the W−1 records no window ends at: what score files
 * hold. A sentinel there (PADDING_SCORE) would become 1.0 for every real score under the min-max scaling other
 * tools apply; NaN is written as an empty CSV field and read back as "no score".
 */
export function scoresByRecord(windowScores: ArrayLike<number>, windowLength: number): Float64Array {
  const out = recordScores(windowScores, windowLength, 0);
  out.fill(NaN, 0, windowLength - 1);
  return out;
}

/**
 * EWMA of each segment on its own (the state restarts at every segment), concatenated: how scores of several
 * calibration sequences are smoothed so that one sequence's tail never leaks into the next.
 */
export function ewmaBySegment(segments: readonly ArrayLike<number>[], beta: number): Float64Array {
  const parts = segments.map((segment) => ewma(segment, beta));
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
