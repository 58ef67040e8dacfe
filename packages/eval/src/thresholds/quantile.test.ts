import { ParameterError, mulberry32 } from '@driftwatch/contracts';
import { contaminationThreshold, percentileThreshold, quantile } from './quantile';

/**
 * Reference: bubble-sorted copy, then the type-7 definition read as "the value with (n−1)·p values below it",
 * interpolated between neighbours.
 */
function bruteForceQuantile(values: number[], p: number): number {
  const s = [...values];
  for (let i = 0; i < s.length; i++)
    for (let j = 0; j + 1 < s.length - i; j++) if (s[j] > s[j + 1]) [s[j], s[j + 1]] = [s[j + 1], s[j]];
  const rank = p * (s.length - 1);
  const below = s.filter((_, i) => i <= rank).length - 1; // index of the last value at rank ≤ (n−1)p
  const weight = rank - below;
  return weight === 0 ? s[below] : (1 - weight) * s[below] + weight * s[below + 1];
}

describe('percentile selectors', () => {
  it('match hand-worked numpy values', () => {
    // numpy.percentile([1, 2, 3, 4], 40) = 1 + 0.4·3·1 = 2.2; median of [3, 1, 2] = 2; 100th = max
    expect(percentileThreshold([4, 1, 3, 2], 40)).toBeCloseTo(2.2, 14);
    expect(percentileThreshold([3, 1, 2], 50)).toBe(2);
    expect(percentileThreshold([3, 1, 2], 100)).toBe(3);
    expect(percentileThreshold([3, 1, 2], 0)).toBe(1);
    // contamination 0.25 of [0, 10, 20, 30, 40] → 75th percentile = 30
    expect(contaminationThreshold([40, 0, 30, 10, 20], 0.25)).toBe(30);
  });

  it('match a sorted-array brute force on random samples', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 30);
      const x = Array.from({ length: n }, () => Math.round(rand() * 20) - 10);
      const q = Math.round(rand() * 1000) / 10;
      expect(percentileThreshold(x, q)).toBeCloseTo(bruteForceQuantile(x, q / 100), 12);
      expect(contaminationThreshold(x, q / 100)).toBeCloseTo(bruteForceQuantile(x, 1 - q / 100), 12);
      expect(quantile(Float64Array.from(x), q / 100)).toBeCloseTo(bruteForceQuantile(x, q / 100), 12);
    }
  });

  it('rejects bad parameters', () => {
    expect(() => percentileThreshold([1], 101)).toThrow(ParameterError);
    expect(() => percentileThreshold([], 50)).toThrow(ParameterError);
    expect(() => percentileThreshold([1, NaN], 50)).toThrow(ParameterError);
    expect(() => contaminationThreshold([1], -0.1)).toThrow(ParameterError);
    expect(() => quantile([1], NaN)).toThrow(ParameterError);
  });
});
