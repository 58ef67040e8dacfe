import fc from 'fast-check';
import { ParameterError } from '@driftwatch/contracts';
import { LatencySketch } from './latency-sketch';
import { overlapLength, windowOf, windowStart, windowsOverlapped, checkGrid, type WindowGrid } from './windows';

/** The ⌈q·n⌉-th smallest value (at least the first), by sorting: the definition, written out. */
function nearestRank(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

describe('window grid', () => {
  const minute: WindowGrid = { width: 60_000, origin: 0, unit: 'ms' };
  const shifted: WindowGrid = { width: 10, origin: 1000, unit: 'ms' };

  it('puts times in ⌊(t − origin)/width⌋', () => {
    expect([0, 59_999, 60_000, 119_999, -1].map((t) => windowOf(t, minute))).toEqual([0, 0, 1, 1, -1]);
    expect([1000, 1009, 1010, 999, 990, 989].map((t) => windowOf(t, shifted))).toEqual([0, 0, 1, -1, -1, -2]);
    expect(windowStart(3, shifted)).toBe(1030);
  });

  it('lists the windows an interval overlaps, an instant in its start window', () => {
    const g: WindowGrid = { width: 10, origin: 0, unit: 'ms' };
    expect(windowsOverlapped(5, 25, g)).toEqual([0, 2]);
    expect(windowsOverlapped(10, 20, g)).toEqual([1, 1]);
    expect(windowsOverlapped(0, 10, g)).toEqual([0, 0]);
    expect(windowsOverlapped(9, 11, g)).toEqual([0, 1]);
    expect(windowsOverlapped(5, 5, g)).toEqual([0, 0]);
    expect(windowsOverlapped(20, 20, g)).toEqual([2, 2]);
  });

  it('overlapLength is the length of the intersection', () => {
    expect(overlapLength(0, 10, 5, 20)).toBe(5);
    expect(overlapLength(0, 10, 10, 20)).toBe(0);
    expect(overlapLength(0, 10, 2, 3)).toBe(1);
    expect(overlapLength(5, 6, 0, 1)).toBe(0);
  });

  it('rejects a bad grid', () => {
    expect(() => checkGrid({ width: 0, origin: 0, unit: 'ms' }, 'x')).toThrow(ParameterError);
    expect(() => checkGrid({ width: 10, origin: NaN, unit: 'ms' }, 'x')).toThrow(/origin/);
    expect(() => checkGrid({ width: 2.5, origin: 0, unit: 'step' }, 'x')).toThrow(/integer/);
  });
});

describe('LatencySketch', () => {
  it('is exact up to its limit: count, mean, nearest-rank quantiles of a hand-worked list', () => {
    const s = new LatencySketch(0.01, 8);
    for (const x of [5, 1, 4, 2, 3]) s.add(x);
    expect(s.count).toBe(5);
    expect(s.mean).toBe(3);
    // ranks ⌈q·5⌉: q = 0.95 → 5th, 0.5 → 3rd, 0.2 → 1st, 0 → 1st
    expect([0.95, 0.5, 0.2, 0].map((q) => s.quantile(q))).toEqual([5, 3, 1, 1]);
    expect(s.isExact).toBe(true);
    expect(new LatencySketch().quantile(0.5)).toBeNaN();
  });

  it('past the limit stays within the relative accuracy of the exact quantile (random lists with zeros)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.constant(0), fc.double({ min: 1, max: 1e8, noNaN: true }), fc.integer({ min: 1, max: 5000 })),
          { minLength: 17, maxLength: 600, size: 'max' },
        ),
        fc.constantFrom(0.01, 0.05),
        fc.constantFrom(0, 0.1, 0.5, 0.9, 0.95, 0.99, 1),
        (values, alpha, q) => {
          const s = new LatencySketch(alpha, 16);
          for (const v of values) s.add(v);
          // more values than the exact limit: the histogram answers
          expect(s.isExact).toBe(false);
          const exact = nearestRank(values, q);
          const estimate = s.quantile(q);
          // DDSketch's guarantee |x̂ − x| ≤ α·x, plus float rounding at bucket edges
          expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(alpha * exact * (1 + 1e-9) + 1e-12);
          expect(s.count).toBe(values.length);
          expect(s.sum).toBeCloseTo(
            values.reduce((a, b) => a + b, 0),
            0,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holds one counter per occupied bucket, not one per value', () => {
    const s = new LatencySketch(0.01, 0);
    for (let i = 0; i < 100_000; i++) s.add(1000 + (i % 1000));
    // values 1000…1999 span log(2)/log((1.01)/(0.99)) ≈ 35 buckets
    expect(s.bucketCount).toBeLessThanOrEqual(Math.ceil(Math.log(2) / Math.log(1.01 / 0.99)) + 1);
    expect(s.isExact).toBe(false);
  });

  it('past maxBuckets folds the lowest buckets and keeps the high quantiles', () => {
    // bucket of x = ⌈ln x / ln γ⌉: 1, 10, 100, 1000 fall in 0, 116, 231, 346; only the top 4 (343 … 346) are kept
    const gamma = 1.01 / 0.99;
    const bucket = (x: number) => Math.ceil(Math.log(x) / Math.log(gamma));
    expect([1, 10, 100, 1000].map(bucket)).toEqual([0, 116, 231, 346]);
    const s = new LatencySketch(0.01, 0, 4);
    for (const x of [1, 10, 100, 1000]) s.add(x);
    expect(s.bucketCount).toBe(4);
    expect(Math.abs(s.quantile(1) - 1000)).toBeLessThanOrEqual(10);
    // rank 2 (10) now reads as the lowest kept bucket, 343: 2γ^343/(γ+1) ≈ 944
    expect(s.quantile(0.5)).toBeCloseTo((2 * gamma ** 343) / (gamma + 1), 6);
    expect(s.count).toBe(4);
  });

  it('rejects bad settings', () => {
    expect(() => new LatencySketch(0)).toThrow(ParameterError);
    expect(() => new LatencySketch(0.01, -1)).toThrow(ParameterError);
    expect(() => new LatencySketch().quantile(1.5)).toThrow(ParameterError);
  });
});
