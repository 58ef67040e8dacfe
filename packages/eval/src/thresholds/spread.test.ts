import { ParameterError } from '@driftwatch/contracts';
import {
  iqrThreshold,
  iteratedThreshold,
  madThreshold,
  medianAbsoluteDeviation,
  standardDeviation,
  stdThreshold,
} from './spread';

describe('spread selectors', () => {
  // x = 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population std 2 (the textbook example); median 4.5,
  // |x − 4.5| = 2.5, .5, .5, .5, .5, .5, 2.5, 4.5 → MAD 0.5; Q1 (h = 1.75) = 4, Q3 (h = 5.25) = 5 + .25·2 = 5.5
  const x = [9, 2, 4, 5, 4, 7, 4, 5];

  it('STD: mean + k·std, population std', () => {
    expect(standardDeviation(x)).toBeCloseTo(2, 14);
    expect(standardDeviation(x, 1)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(stdThreshold(x, 3)).toBeCloseTo(11, 14);
  });

  it('MAD: median + k·1.4826·MAD', () => {
    expect(medianAbsoluteDeviation(x)).toBeCloseTo(0.5, 14);
    expect(madThreshold(x, 2)).toBeCloseTo(4.5 + 2 * 1.4826 * 0.5, 14);
  });

  it('IQR: Q3 + k·IQR', () => {
    expect(iqrThreshold(x, 1.5)).toBeCloseTo(5.5 + 1.5 * 1.5, 14);
  });

  it('iterates with removal until stable', () => {
    // s = 0, 1, 2, 3, 100; STD k = 0 (= mean), removal factor 2:
    // round 1: mean 21.2, keep ≤ 42.4 → 0..3; round 2: mean 1.5, keep ≤ 3 → nothing removed, stop
    const r = iteratedThreshold([0, 1, 2, 3, 100], (s) => stdThreshold(s, 0), { removalFactor: 2 });
    expect(r.threshold).toBeCloseTo(1.5, 14);
    expect(r.iterations).toBe(2);
    expect(r.keptCount).toBe(4);
    // removal factor 1: round 2 keeps ≤ 1.5 → 0, 1; round 3: mean 0.5, keep ≤ 0.5 → 0; round 4: mean 0, stable
    const r1 = iteratedThreshold([0, 1, 2, 3, 100], (s) => stdThreshold(s, 0));
    expect(r1.threshold).toBe(0);
    expect(r1.iterations).toBe(4);
    const capped = iteratedThreshold([0, 1, 2, 3, 100], (s) => stdThreshold(s, 0), { maxIterations: 1 });
    expect(capped.threshold).toBeCloseTo(21.2, 14);
  });

  it('rejects bad parameters', () => {
    expect(() => stdThreshold([], 1)).toThrow(ParameterError);
    expect(() => madThreshold([1, 2], NaN)).toThrow(ParameterError);
    expect(() => iqrThreshold([1, NaN], 1)).toThrow(ParameterError);
    expect(() => iteratedThreshold([1], (s) => s[0], { removalFactor: 0 })).toThrow(ParameterError);
    expect(() => iteratedThreshold([1], (s) => s[0], { maxIterations: 0 })).toThrow(ParameterError);
  });
});
