/**
 * From window scores to per-record scores, alarms and alarm episodes (`driftwatch score --input`): no sentinel
 * values — a record without a score holds NaN (written empty), and the warm-up is a flag.
 */
import { DriftwatchError } from '@driftwatch/contracts';

export type ScorePosition = 'last' | 'centre';

/** Record a window's score sits at: its last record, or its centre e − ⌊W/2⌋ (e = last record). */
export function scoreRecord(windowEnd: number, windowLength: number, position: ScorePosition): number {
  return position === 'last' ? windowEnd : windowEnd - Math.floor(windowLength / 2);
}

/**
 * Per-record scores of one entity: the score of window i at `scoreRecord(ends[i])`, NaN where no window's
 * score sits (warm-up, windows not scored because of a gap, and with 'centre' the last ⌊W/2⌋ records).
 */
export function placeWindowScores(
  length: number,
  windowEnds: ArrayLike<number>,
  scores: ArrayLike<number>,
  windowLength: number,
  position: ScorePosition,
): Float64Array {
  const out = new Float64Array(length).fill(NaN);
  for (let i = 0; i < scores.length; i++) {
    const r = scoreRecord(windowEnds[i], windowLength, position);
    if (r >= 0 && r < length) out[r] = Number.isFinite(scores[i]) ? scores[i] : NaN;
  }
  return out;
}

/**
 * 1 for records before the first record any full window can score, and with 'centre' for the last ⌊W/2⌋ records:
 * the first window ends at record W − 1 + lag (lag = 1 when counters are differenced: their first record has no
 * difference).
 */
export function warmupFlags(length: number, windowLength: number, lag: number, position: ScorePosition): Uint8Array {
  const flags = new Uint8Array(length);
  const first = scoreRecord(windowLength - 1 + lag, windowLength, position);
  flags.fill(1, 0, Math.min(length, first));
  if (position === 'centre') flags.fill(1, Math.max(0, length - Math.floor(windowLength / 2)));
  return flags;
}

/**
 * EWMA of the scores present; a record without a score stays NaN and does not reset the state.
 * Without `start`: pandas `ewm(alpha=1−β, adjust=True, ignore_na=True)`, e_t = Σ β^i a_{t−i} / Σ β^i over the
 * scored records. With `start` (a typical normal score): e_t = β·e_{t−1} + (1−β)·a_t from e = start, so the first
 * records of an entity are averaged with normal history instead of standing alone (no start-up alarms).
 */
export function smoothPresent(scores: Float64Array, beta: number, start?: number): Float64Array {
  if (!(beta >= 0 && beta < 1)) throw new DriftwatchError(`smoothing factor β must be in [0, 1), got ${beta}`);
  const out = new Float64Array(scores.length).fill(NaN);
  let num = start === undefined ? 0 : start;
  let den = start === undefined ? 0 : 1;
  for (let t = 0; t < scores.length; t++) {
    if (Number.isNaN(scores[t])) continue;
    if (start === undefined) {
      num = scores[t] + beta * num;
      den = 1 + beta * den;
    } else num = beta * num + (1 - beta) * scores[t];
    out[t] = num / den;
  }
  return out;
}

/** 1 where the smoothed score is ≥ the threshold (never where there is no score). */
export function alarmFlags(smoothed: Float64Array, threshold: number): Uint8Array {
  return Uint8Array.from(smoothed, (s) => (s >= threshold ? 1 : 0));
}

export interface EpisodeSpan {
  /** first and last alarm record, inclusive */
  first: number;
  last: number;
  /** the record with the largest smoothed score among the episode's alarm records */
  peak: number;
}

/** Maximal alarm runs, runs separated by fewer than `mergeGap` non-alarm records merged into one episode. */
export function alarmEpisodes(alarm: Uint8Array, smoothed: Float64Array, mergeGap: number): EpisodeSpan[] {
  const spans: EpisodeSpan[] = [];
  let current: EpisodeSpan | undefined;
  for (let t = 0; t < alarm.length; t++) {
    if (!alarm[t]) continue;
    if (current && t - current.last - 1 < mergeGap) {
      current.last = t;
      if (smoothed[t] > smoothed[current.peak]) current.peak = t;
    } else {
      current = { first: t, last: t, peak: t };
      spans.push(current);
    }
  }
  return spans;
}
