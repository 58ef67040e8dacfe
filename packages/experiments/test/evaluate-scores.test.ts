import { evaluateRecordScores, scoredSpan } from '../src';
import { bruteForcePeakF1 } from './brute-force';

describe('evaluateRecordScores', () => {
  it('leaves warm-up records out at both ends and masks W − 1 = all warm-up records after an anomaly', () => {
    // W = 5 with centred scores: 2 warm-up records in front, 2 at the end
    const scores = [NaN, NaN, 0.1, 0.6, 0.9, 0.2, 0.3, 0.95, 0.3, 0.1, 0.2, NaN, NaN];
    const labels = [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
    expect(scoredSpan(scores)).toEqual({ first: 2, end: 11 });
    const [point] = evaluateRecordScores(scores, labels, { grid: [0] });
    // kept: records 2–10; record 4 is anomalous, 5–8 follow it within 4 and are left out
    const kept = scores.slice(2, 11);
    expect(point.result.peakF1).toBeCloseTo(bruteForcePeakF1(kept, labels.slice(2, 11), 5), 12);
    // by hand: only record 4 (0.9) is positive among 2, 3, 4, 9, 10 → τ = 0.9 flags it alone: F1 = 1; masking
    // only the 2 leading warm-ups would keep record 7 (0.95), a false alarm above it: F1 2/3
    expect(point.result.peakF1).toBe(1);
  });

  it('reads the old padding score as warm-up; a record without a score inside the span is left out', () => {
    const pad = -Number.MAX_VALUE;
    expect(scoredSpan([pad, pad, 1, 2])).toEqual({ first: 2, end: 4 });
    // one warm-up record; record 3 has no score (a window with a missing value): neither is evaluated
    const scores = [NaN, 0.1, 0.8, NaN, 0.2, 0.3];
    const labels = [0, 0, 1, 0, 0, 0];
    const [point] = evaluateRecordScores(scores, labels, { grid: [0], delayedWindow: 0 });
    // kept: 1, 2, 4, 5 → τ = 0.8 flags record 2 alone: F1 = 1
    expect(point.result.peakF1).toBe(1);
    expect(point.result.peakF1).toBeCloseTo(bruteForcePeakF1([0.1, 0.8, 0.2, 0.3], [0, 1, 0, 0], 1), 12);
    // the EWMA carries over the gap: record 4 averages 0.1, 0.8 and 0.2 only
    const [smoothed] = evaluateRecordScores(scores, labels, { grid: [0.5] });
    const e = [0.1, (0.8 + 0.5 * 0.1) / 1.5, (0.2 + 0.5 * 0.8 + 0.25 * 0.1) / 1.75];
    expect(smoothed.scores[3]).toBeCloseTo(e[2], 12);
    expect(() => evaluateRecordScores([NaN, NaN], [0, 1])).toThrow(/no record has a score/);
    expect(() => evaluateRecordScores([1, 2], [0])).toThrow(/2 scores for 1 labelled records/);
  });
});
