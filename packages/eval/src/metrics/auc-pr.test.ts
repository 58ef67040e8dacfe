import fc from 'fast-check';
import { ParameterError } from '@driftwatch/contracts';
import { areaUnderPrCurve, precisionRecallCurve, trapezoidArea } from './auc-pr';
import { peakF1 } from './peak-f1';

describe('trapezoidArea', () => {
  it('is exact on a piecewise linear function', () => {
    // y = 1 on [0, 0.5], then falls linearly to 0 at 1: area 0.5 + 0.25
    expect(trapezoidArea([0, 0.5, 1], [1, 1, 0])).toBeCloseTo(0.75, 15);
    expect(trapezoidArea([0, 0.25, 0.5, 1], [0, 0.25, 0.5, 1])).toBeCloseTo(0.5, 15);
    expect(trapezoidArea([0.3], [1])).toBe(0);
  });
});

describe('precisionRecallCurve', () => {
  it('appends (0, 1) and orders the points by recall', () => {
    // ascending thresholds: (R, P) = (1, .5), (.5, 1)
    const c = precisionRecallCurve([0.5, 1], [1, 0.5]);
    expect(Array.from(c.recall)).toEqual([0, 0.5, 1]);
    expect(Array.from(c.precision)).toEqual([1, 1, 0.5]);
    // 0.5·(1 + 1)/2 + 0.5·(1 + 0.5)/2
    expect(areaUnderPrCurve([0.5, 1], [1, 0.5])).toBeCloseTo(0.875, 15);
  });

  it('keeps ascending-threshold order among equal recalls, for monotone and arbitrary input', () => {
    // reference: insertion sort, stable by construction
    const stableByRecall = (p: number[], r: number[]) => {
      const pts = [...r.map((x, i) => [x, p[i]]), [0, 1]];
      for (let i = 1; i < pts.length; i++) {
        for (let j = i; j > 0 && pts[j - 1][0] > pts[j][0]; j--) [pts[j - 1], pts[j]] = [pts[j], pts[j - 1]];
      }
      return pts;
    };
    const level = fc.integer({ min: 0, max: 4 }).map((v) => v / 4);
    fc.assert(
      fc.property(fc.array(fc.tuple(level, level), { maxLength: 30 }), fc.boolean(), (pairs, monotone) => {
        const r = pairs.map(([x]) => x);
        if (monotone) r.sort((a, b) => b - a);
        const p = pairs.map(([, y]) => y);
        const c = precisionRecallCurve(p, r);
        const expected = stableByRecall(p, r);
        expect(Array.from(c.recall)).toEqual(expected.map(([x]) => x));
        expect(Array.from(c.precision)).toEqual(expected.map(([, y]) => y));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects mismatched lengths and NaN', () => {
    expect(() => precisionRecallCurve([1], [1, 0])).toThrow(ParameterError);
    expect(() => precisionRecallCurve([NaN], [1])).toThrow(ParameterError);
  });
});

describe('aucPr of peakF1', () => {
  it('matches the hand computation on the worked example of docs/divad.md §2', () => {
    const L = -Number.MAX_VALUE;
    const labels = [0, 0, 0, 1, 1, 0, 0, 0, 7, 2, 0, 0];
    const scores = [L, L, 0.55, 0.9, 0.6, 0.7, 0.3, 0.1, 0.8, 0.5, 0.4, 0.2];
    // kept {0,1,2,3,4,7,9}; ascending τ = L, .1, .5, .55, .6, .9 give (R̄, P) = (1, 3/7), (1, .6), (1, .75),
    // (.5, 2/3), (.5, 1), (.25, 1); with (0, 1) and a stable sort by R̄ the points run (0,1), (.25,1), (.5,2/3),
    // (.5,1), (1,3/7), (1,.6), (1,.75): trapezoids .25·(1+1)/2 + .25·(1+2/3)/2 + 0 + .5·(1+3/7)/2 + 0 + 0
    const r = peakF1([{ scores, labels }], { delayedWindow: 2, ignoredLabels: [7] });
    expect(r.aucPr).toBeCloseTo(1 / 4 + 5 / 24 + 5 / 14, 12);
    expect(r.aucPr).toBeCloseTo(137 / 168, 12);
  });

  it('uses mixed recall with a single event type', () => {
    // ascending τ = 1, 2, 3 give (R, P) = (1, 2/3), (.5, .5), (.5, 1)
    const r = peakF1([{ scores: [3, 2, 1], labels: [1, 0, 1] }], { delayedWindow: 0 });
    // sorted: (0,1), (.5,.5), (.5,1), (1,2/3) → .5·(1+.5)/2 + 0 + .5·(1+2/3)/2
    expect(r.aucPr).toBeCloseTo(0.375 + 5 / 12, 12);
  });
});
