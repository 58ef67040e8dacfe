import fc from 'fast-check';
import { minMaxDecimate } from './decimate';

describe('minMaxDecimate', () => {
  it('keeps everything when the series is short enough', () => {
    expect(minMaxDecimate([3, 1, 2], 4)).toEqual([0, 1, 2]);
  });

  it('keeps every bucket extreme, in time order, within the point budget (checked against a direct scan)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 2, max: 60 }),
        (values, maxPoints) => {
          const kept = minMaxDecimate(values, maxPoints);
          expect([...kept].sort((a, b) => a - b)).toEqual(kept);
          expect(new Set(kept).size).toBe(kept.length);
          if (values.length <= maxPoints) return expect(kept.length).toBe(values.length);
          expect(kept.length).toBeLessThanOrEqual(maxPoints + 1);
          const bucket = Math.ceil(values.length / Math.floor(maxPoints / 2));
          for (let start = 0; start < values.length; start += bucket) {
            const slice = values.slice(start, start + bucket);
            const inBucket = kept.filter((i) => i >= start && i < start + bucket).map((i) => values[i]);
            expect(Math.max(...inBucket)).toBe(Math.max(...slice));
            expect(Math.min(...inBucket)).toBe(Math.min(...slice));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a budget below two points', () => {
    expect(() => minMaxDecimate([1, 2, 3], 1)).toThrow(/maxPoints/);
  });
});
