/** Record bounds people write by hand (labels files, --train-range): ISO 8601 times or integers. */

const ISO_LIKE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An integer (`number`: ms since the epoch or a record index, as the caller decides) or an ISO 8601 time as ms
 * since the epoch (`time`; without an offset it is UTC, as everywhere in driftwatch); undefined for anything else.
 */
export function parseTimeBound(text: string): { value: number; unit: 'time' | 'number' } | undefined {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return { value: Number(t), unit: 'number' };
  if (!ISO_LIKE.test(t)) return undefined;
  const ms = Date.parse(/Z|[+-]\d{2}:?\d{2}$/.test(t) || t.length === 10 ? t : `${t.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : { value: ms, unit: 'time' };
}

/** The first index i with times[i] ≥ t (times increasing); times.length when there is none. */
export function firstAtOrAfter(times: BigInt64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Number(times[mid]) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
