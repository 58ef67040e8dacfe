import { ParameterError } from '@driftwatch/contracts';

/** Records grouped by distinct score, highest first; within a group, input order. */
export interface ScoreRanking {
  /** record indices, by descending score (stable) */
  order: Uint32Array;
  /** the distinct scores, descending: the thresholds τ (−0 is reported as 0) */
  thresholds: Float64Array;
  /** order[groupEnds[g−1] ?? 0 .. groupEnds[g]) are the records whose score is thresholds[g] */
  groupEnds: Uint32Array;
}

const SIGN = 0x80000000;
const DIGIT_BITS = 16;
const BUCKETS = 1 << DIGIT_BITS;

/**
 * Stable index sort by descending score: an LSD radix sort (four 16-bit digits) on the IEEE-754 bits mapped
 * so that unsigned order is descending numeric order. A comparator sort over 10⁶ records spends most of
 * its time in the callback; this is O(n) and keeps ties in input order by construction.
 */
export function rankByScoreDescending(scores: ArrayLike<number>): ScoreRanking {
  const n = scores.length;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = scores[i];
    if (Number.isNaN(x)) throw new ParameterError(`score ${i} is NaN; scores must be numbers to be ranked`);
    // x + 0 turns −0 into 0, so that both land in one group
    values[i] = x + 0;
  }
  const bits = new Uint32Array(values.buffer);
  // little-endian halves; descending key: negatives keep their bits, non-negatives get all but the sign flipped
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let order = new Uint32Array(n);
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (let i = 0; i < n; i++) {
    const h = bits[2 * i + (littleEndian ? 1 : 0)];
    const l = bits[2 * i + (littleEndian ? 0 : 1)];
    const negative = (h & SIGN) !== 0;
    hi[i] = negative ? h : (~h & ~SIGN) >>> 0;
    lo[i] = negative ? l : ~l >>> 0;
    order[i] = i;
  }
  let hiTmp = new Uint32Array(n);
  let loTmp = new Uint32Array(n);
  let orderTmp = new Uint32Array(n);
  const count = new Uint32Array(BUCKETS);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = (pass % 2) * DIGIT_BITS;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(word[i] >>> shift) & (BUCKETS - 1)]++;
    // a digit shared by every record leaves the order as it is
    if (n === 0 || count[(word[0] >>> shift) & (BUCKETS - 1)] === n) continue;
    let sum = 0;
    for (let d = 0; d < BUCKETS; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const dst = count[(word[i] >>> shift) & (BUCKETS - 1)]++;
      hiTmp[dst] = hi[i];
      loTmp[dst] = lo[i];
      orderTmp[dst] = order[i];
    }
    [hi, hiTmp] = [hiTmp, hi];
    [lo, loTmp] = [loTmp, lo];
    [order, orderTmp] = [orderTmp, order];
  }
  let groups = 0;
  const ends = hiTmp; // free scratch space, n ≥ groups
  const taus = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i > 0 && hi[i] === hi[i - 1] && lo[i] === lo[i - 1]) {
      ends[groups - 1] = i + 1;
      continue;
    }
    taus[groups] = values[order[i]];
    ends[groups] = i + 1;
    groups++;
  }
  return { order, thresholds: taus.slice(0, groups), groupEnds: ends.slice(0, groups) };
}
