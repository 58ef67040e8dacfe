import { ParameterError, mulberry32 } from '@driftwatch/contracts';
import { recallByEventType, thresholdMetrics } from './threshold-metrics';

describe('thresholdMetrics', () => {
  it('matches a hand count', () => {
    // τ = .5 predicts records 1, 2, 4, 5; anomalous records 1, 3, 4 → TP {1,4}, FP {2,5}, FN {3}, TN {0}
    const scores = [0.1, 0.9, 0.5, 0.2, 0.7, 0.6];
    const labels = Uint8Array.from([0, 1, 0, 2, 1, 0]);
    const m = thresholdMetrics(scores, labels, 0.5);
    expect([m.truePositives, m.falsePositives, m.falseNegatives, m.trueNegatives]).toEqual([2, 2, 1, 1]);
    expect(m.accuracy).toBeCloseTo(3 / 6, 12);
    expect(m.precision).toBeCloseTo(0.5, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo((2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3), 12);
    // per type: type 1 records 1, 4 both hit; type 2 record 3 missed
    expect(recallByEventType(scores, labels, 0.5)).toEqual(
      new Map([
        [1, 1],
        [2, 0],
      ]),
    );
    // at τ = .7 record 4 (score .7) still counts: s ≥ τ
    expect(recallByEventType(scores, labels, 0.7)).toEqual(
      new Map([
        [1, 1],
        [2, 0],
      ]),
    );
    // nothing predicted: P := 1, R = 0
    const none = thresholdMetrics(scores, labels, Infinity);
    expect([none.precision, none.recall, none.f1]).toEqual([1, 0, 0]);
  });

  it('evaluates node × time matrices cell by cell, as a nested-loop reference does', () => {
    const T = 7;
    const N = 5;
    const rand = mulberry32(9);
    const scores = Float64Array.from({ length: T * N }, () => rand());
    const labels = Uint8Array.from({ length: T * N }, () => (rand() < 0.3 ? 1 + Math.floor(rand() * 3) : 0));
    for (const tau of [0, 0.25, 0.5, 0.9]) {
      let tp = 0,
        fp = 0,
        fn = 0,
        tn = 0;
      const hit = [0, 0, 0, 0];
      const all = [0, 0, 0, 0];
      for (let t = 0; t < T; t++) {
        for (let n = 0; n < N; n++) {
          const y = labels[t * N + n];
          const yhat = scores[t * N + n] >= tau;
          if (y) all[y]++;
          if (y && yhat) hit[y]++;
          if (y && yhat) tp++;
          else if (y) fn++;
          else if (yhat) fp++;
          else tn++;
        }
      }
      const m = thresholdMetrics(scores, labels, tau, { timeSteps: T, nodes: N });
      expect(m.accuracy).toBeCloseTo((tp + tn) / (T * N), 12);
      expect(m.precision).toBeCloseTo(tp + fp ? tp / (tp + fp) : 1, 12);
      expect(m.recall).toBeCloseTo(tp / (tp + fn), 12);
      const perType = recallByEventType(scores, labels, tau, { timeSteps: T, nodes: N });
      for (const k of [1, 2, 3]) if (all[k]) expect(perType.get(k)).toBeCloseTo(hit[k] / all[k], 12);
    }
  });

  it('rejects bad shapes and input', () => {
    expect(() => thresholdMetrics([1, 2], [0, 1], 0.5, { timeSteps: 3, nodes: 1 })).toThrow(ParameterError);
    expect(() => thresholdMetrics([1, 2], [0, 1], 0.5, { timeSteps: 0, nodes: 2 })).toThrow(ParameterError);
    expect(() => thresholdMetrics([1], [0, 1], 0.5)).toThrow(ParameterError);
    expect(() => thresholdMetrics([NaN], [0], 0.5)).toThrow(ParameterError);
    expect(() => thresholdMetrics([1], [0], NaN)).toThrow(ParameterError);
    expect(() => thresholdMetrics([], [], 0.5)).toThrow(ParameterError);
  });
});
