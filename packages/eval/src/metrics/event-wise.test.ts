import { ParameterError } from '@driftwatch/contracts';
import { detectionDelays, eventWiseMetrics } from './event-wise';

describe('eventWiseMetrics', () => {
  it('matches a hand-computed example', () => {
    // events: [1,4) type 1, [6,8) type 2, [8,9) type 1 (code change splits), [11,13) type 1
    const labels = [0, 1, 1, 1, 0, 0, 2, 2, 1, 0, 0, 1, 1, 0];
    const pred = [1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1];
    // detected: [1,4) (record 3) and [8,9) → R_e = 2/4; predicted records 0,3,4,8,13: TP 3,8 → P_t = 2/5
    // predicted ranges [0,1), [3,5), [8,9), [13,14): two contain an anomaly → event precision 2/4
    const m = eventWiseMetrics(pred, Uint8Array.from(labels));
    expect(m.eventRecall).toBe(0.5);
    expect(m.pointPrecision).toBe(0.4);
    expect(m.eventPrecision).toBe(0.5);
    expect(m.compositeF1).toBeCloseTo((2 * 0.4 * 0.5) / 0.9, 12);
    expect(m.eventF1).toBeCloseTo(0.5, 12);
    expect([m.events, m.detectedEvents]).toEqual([4, 2]);
    // delays: record 3 − 1 = 2, missed, 8 − 8 = 0, missed
    expect(detectionDelays(pred, labels)).toEqual({ delays: [2, null, 0, null], meanDelay: 1 });
  });

  it('agrees with an index-scanning reference on random sequences', () => {
    let seed = 3;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 200; trial++) {
      const n = Math.floor(next() * 30);
      const labels = Array.from({ length: n }, () => (next() < 0.5 ? 0 : 1));
      const pred = Array.from({ length: n }, () => (next() < 0.3 ? 1 : 0));
      // reference: an event starts where label 1 follows 0; it is detected by any prediction before its end
      let events = 0;
      let detected = 0;
      const delays: (number | null)[] = [];
      for (let i = 0; i < n; i++) {
        if (labels[i] === 1 && (i === 0 || labels[i - 1] === 0)) {
          events++;
          let j = i;
          while (j < n && labels[j] === 1 && pred[j] === 0) j++;
          const hit = j < n && labels[j] === 1;
          detected += hit ? 1 : 0;
          delays.push(hit ? j - i : null);
        }
      }
      // event precision: a predicted run starts where 1 follows 0; it hits when any of its records is anomalous
      let runs = 0;
      let hitRuns = 0;
      for (let i = 0; i < n; i++) {
        if (pred[i] === 1 && (i === 0 || pred[i - 1] === 0)) {
          runs++;
          let j = i;
          let hit = false;
          for (; j < n && pred[j] === 1; j++) if (labels[j] === 1) hit = true;
          hitRuns += hit ? 1 : 0;
        }
      }
      const tp = pred.filter((p, i) => p === 1 && labels[i] === 1).length;
      const np = pred.filter((p) => p === 1).length;
      const m = eventWiseMetrics(pred, labels);
      const re = events ? detected / events : 1;
      const pt = np ? tp / np : 1;
      expect(m.eventRecall).toBeCloseTo(re, 12);
      expect(m.pointPrecision).toBeCloseTo(pt, 12);
      expect(m.eventPrecision).toBeCloseTo(runs ? hitRuns / runs : 1, 12);
      expect(m.compositeF1).toBeCloseTo(pt + re === 0 ? 0 : (2 * pt * re) / (pt + re), 12);
      expect(detectionDelays(pred, labels).delays).toEqual(delays);
    }
  });

  it('uses 1 for empty sides and rejects bad input', () => {
    const m = eventWiseMetrics([0, 0], [0, 0]);
    expect([m.eventRecall, m.pointPrecision, m.eventPrecision]).toEqual([1, 1, 1]);
    expect(detectionDelays([0, 0], [1, 1])).toEqual({ delays: [null], meanDelay: null });
    expect(() => eventWiseMetrics([1], [1, 0])).toThrow(ParameterError);
    expect(() => eventWiseMetrics([1, 0], [1, -2])).toThrow(ParameterError);
  });
});
