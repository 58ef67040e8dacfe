import { ParameterError } from '@driftwatch/contracts';

/**
 * Count, mean and nearest-rank quantiles of non-negative values (call latencies) in bounded memory.
 * Values are kept exactly up to `exactLimit`; past that they are folded into a log-bucketed histogram
 * with relative accuracy α (DDSketch: Masson, Rim & Lee, "DDSketch: a fast and fully-mergeable quantile
 * sketch with relative-error guarantees", VLDB 2019, §2). Bucket i holds (γ^(i−1), γ^i] with
 * γ = (1+α)/(1−α), and its representative 2γ^i/(γ+1) lies within α·x of every x in it, so the quantile
 * read from the histogram is within α of the exact one, relatively. Memory: at most `exactLimit` numbers,
 * then one 32-bit counter per bucket between the lowest and the highest occupied one — ⌈log_γ(max/min)⌉ + 1
 * (≈ 310 for α = 1 % over 0.1 … 50 ms, ≈ 920 over 1 µs … 100 s) — whatever the number of values. Past
 * `maxBuckets` the lowest buckets are folded into one (DDSketch §2.2, collapsing): quantiles above the
 * folded values keep the guarantee; with the default 2048 and α = 1 % that takes a max/min above 10^17.
 * A class because it holds state.
 */
export class LatencySketch {
  private exact: number[] | undefined = [];
  /** counts[j] = values in bucket `low + j` */
  private counts: Uint32Array | undefined;
  private low = 0;
  private zeros = 0;
  private readonly logGamma: number;
  private readonly gamma: number;
  count = 0;
  sum = 0;

  constructor(
    readonly relativeAccuracy = 0.01,
    readonly exactLimit = 64,
    readonly maxBuckets = 2048,
  ) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1))
      throw new ParameterError(`LatencySketch: relative accuracy must lie in (0, 1), got ${relativeAccuracy}`);
    if (!(Number.isInteger(exactLimit) && exactLimit >= 0))
      throw new ParameterError(`LatencySketch: exactLimit must be a non-negative integer, got ${exactLimit}`);
    if (!(Number.isInteger(maxBuckets) && maxBuckets >= 2))
      throw new ParameterError(`LatencySketch: maxBuckets must be an integer ≥ 2, got ${maxBuckets}`);
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
  }

  /** Adds one value (finite, ≥ 0; the caller checks). */
  add(x: number): void {
    this.count++;
    this.sum += x;
    if (this.exact) {
      this.exact.push(x);
      if (this.exact.length > this.exactLimit) {
        for (const v of this.exact) this.addToBucket(v);
        this.exact = undefined;
      }
      return;
    }
    this.addToBucket(x);
  }

  /** Σx / n; NaN when empty. */
  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** Whether quantiles are exact (no more than `exactLimit` values so far). */
  get isExact(): boolean {
    return this.exact !== undefined;
  }

  /**
   * The nearest-rank q-quantile, the ⌈q·n⌉-th smallest value (at least the first; the rule ingest's
   * span statistics use): exact while `isExact`, else within `relativeAccuracy` of it. NaN when empty.
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new ParameterError(`LatencySketch: quantile must lie in [0, 1], got ${q}`);
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    if (this.exact) return [...this.exact].sort((a, b) => a - b)[rank - 1];
    if (rank <= this.zeros) return 0;
    let seen = this.zeros;
    const counts = this.counts!;
    let last = 0;
    for (let j = 0; j < counts.length; j++) {
      if (counts[j] === 0) continue;
      last = j;
      seen += counts[j];
      if (seen >= rank) break;
    }
    return (2 * this.gamma ** (this.low + last)) / (this.gamma + 1);
  }

  /**
   * Buckets held (0 while exact): the counters between the lowest and the highest occupied bucket, and the zero count.
   */
  get bucketCount(): number {
    return (this.counts?.length ?? 0) + (this.zeros > 0 ? 1 : 0);
  }

  // i = ⌈log_γ x⌉, so that x ∈ (γ^(i−1), γ^i]
  private addToBucket(x: number): void {
    if (x === 0) {
      this.zeros++;
      return;
    }
    const i = Math.ceil(Math.log(x) / this.logGamma);
    if (this.counts === undefined) {
      this.counts = new Uint32Array(1);
      this.low = i;
    }
    if (i < this.low || i >= this.low + this.counts.length) this.cover(i);
    this.counts[Math.max(0, i - this.low)]++;
  }

  /**
   * Widens the counters to reach bucket i, exactly to the occupied range; past maxBuckets the lowest are folded into
   * one.
   */
  private cover(i: number): void {
    const old = this.counts!;
    let low = Math.min(this.low, i);
    const high = Math.max(this.low + old.length - 1, i);
    if (high - low + 1 > this.maxBuckets) low = high - this.maxBuckets + 1;
    const counts = new Uint32Array(high - low + 1);
    for (let j = 0; j < old.length; j++) counts[Math.max(0, this.low + j - low)] += old[j];
    this.counts = counts;
    this.low = low;
  }
}
