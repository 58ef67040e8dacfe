import fc from 'fast-check';
import { ParameterError } from '@driftwatch/contracts';
import { areaUnderRoc, rocCurve } from './roc';

/** Pr(s⁺ > s⁻) + ½ Pr(s⁺ = s⁻) over every (anomalous, normal) pair. */
function mannWhitneyAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!(labels[i] > 0)) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] > 0) continue;
      pairs++;
      if (scores[i] > scores[j]) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

const scoredLabels = fc
  .array(
    fc.tuple(
      fc.integer({ min: -3, max: 3 }).map((v) => v / 2),
      fc.integer({ min: 0, max: 3 }),
    ),
    { minLength: 2, maxLength: 60 },
  )
  .filter((rows) => rows.some(([, y]) => y > 0) && rows.some(([, y]) => y === 0));

describe('areaUnderRoc', () => {
  it('is 0.875 on a hand example with a tie between an anomalous and a normal record', () => {
    // pairs (.9,.8) 1, (.9,.3) 1, (.8,.8) ½, (.8,.3) 1 → 3.5/4
    expect(areaUnderRoc([0.9, 0.8, 0.8, 0.3], new Uint8Array([1, 0, 1, 0]))).toBe(0.875);
  });

  it('equals the Mann–Whitney pair count on random scores with ties and several anomaly types', () => {
    fc.assert(
      fc.property(scoredLabels, (rows) => {
        const scores = rows.map(([s]) => s);
        const labels = rows.map(([, y]) => y);
        expect(areaUnderRoc(Float64Array.from(scores), Uint8Array.from(labels))).toBeCloseTo(
          mannWhitneyAuc(scores, labels),
          12,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('is 1 for a perfect ranking, 0 for a reversed one and ½ for a constant score', () => {
    const labels = new Uint8Array([0, 1, 0, 2, 0]);
    expect(areaUnderRoc([0, 5, 1, 4, 2], labels)).toBe(1);
    expect(areaUnderRoc([5, 0, 4, 1, 3], labels)).toBe(0);
    expect(areaUnderRoc([7, 7, 7, 7, 7], labels)).toBe(0.5);
  });

  it('rejects mismatched lengths, a single class and NaN', () => {
    expect(() => areaUnderRoc([1, 2], new Uint8Array([1]))).toThrow(ParameterError);
    expect(() => areaUnderRoc([1, 2], new Uint8Array([0, 0]))).toThrow(ParameterError);
    expect(() => areaUnderRoc([1, 2], new Uint8Array([1, 3]))).toThrow(ParameterError);
    expect(() => areaUnderRoc([1, NaN], new Uint8Array([1, 0]))).toThrow(ParameterError);
  });
});

describe('rocCurve', () => {
  it('lists (0, 0) at +∞, then one point per distinct score, counted by hand', () => {
    const c = rocCurve([0.9, 0.8, 0.8, 0.3], new Uint8Array([1, 0, 1, 0]));
    expect(Array.from(c.thresholds)).toEqual([Infinity, 0.9, 0.8, 0.3]);
    expect(Array.from(c.tpr)).toEqual([0, 0.5, 1, 1]);
    expect(Array.from(c.fpr)).toEqual([0, 0, 0.5, 1]);
  });

  it('matches TP/P and FP/N counted record by record at every distinct score', () => {
    fc.assert(
      fc.property(scoredLabels, (rows) => {
        const c = rocCurve(
          rows.map(([s]) => s),
          Uint8Array.from(rows.map(([, y]) => y)),
        );
        const taus = [...new Set(rows.map(([s]) => s + 0))].sort((a, b) => b - a);
        const p = rows.filter(([, y]) => y > 0).length;
        const n = rows.length - p;
        expect(Array.from(c.thresholds.subarray(1), (x) => x + 0)).toEqual(taus);
        taus.forEach((tau, k) => {
          expect(c.tpr[k + 1]).toBe(rows.filter(([s, y]) => s >= tau && y > 0).length / p);
          expect(c.fpr[k + 1]).toBe(rows.filter(([s, y]) => s >= tau && y === 0).length / n);
        });
      }),
      { numRuns: 200 },
    );
  });
});
