import { ParameterError, mulberry32 } from '@driftwatch/contracts';
import {
  paKCurve,
  peakPointAdjustedF1,
  peakPointwiseF1,
  pointAdjust,
  pointAdjustedMetrics,
  pointwiseMetrics,
  randomScoreBaseline,
} from './point-adjust';

// events [1,5) (1 of 4 records predicted = 25 %) and [6,8) (2 of 2 predicted); record 9 is a false positive
const labels = [0, 1, 1, 1, 1, 0, 1, 1, 0, 0];
const pred = [0, 1, 0, 0, 0, 0, 1, 1, 0, 1];

describe('point adjustment on a hand example (Xu et al. 2018; Kim et al. 2022)', () => {
  it('point-wise and PA metrics', () => {
    // point-wise: TP 3 of 4 predicted, 6 anomalous → P .75, R .5, F .6
    const pw = pointwiseMetrics(pred, labels);
    expect([pw.precision, pw.recall]).toEqual([0.75, 0.5]);
    expect(pw.f1).toBeCloseTo(0.6, 12);
    // PA fills [1,5): TP 6 of 7 predicted → P 6/7, R 1, F 12/13
    expect(Array.from(pointAdjust(pred, labels))).toEqual([0, 1, 1, 1, 1, 0, 1, 1, 0, 1]);
    expect(pointAdjustedMetrics(pred, labels).f1).toBeCloseTo(12 / 13, 12);
    // PA%25 still fills [1,5) (25 % ≥ 25 %); PA%26 does not → back to point-wise
    expect(pointAdjustedMetrics(pred, labels, 25).f1).toBeCloseTo(12 / 13, 12);
    expect(pointAdjustedMetrics(pred, labels, 26).f1).toBeCloseTo(0.6, 12);
  });

  it('PA%K curve and its area', () => {
    const c = paKCurve(pred, labels);
    expect(c.k.length).toBe(101);
    expect(c.f1[25]).toBeCloseTo(12 / 13, 12);
    expect(c.f1[26]).toBeCloseTo(0.6, 12);
    // F = 12/13 on K/100 ∈ [0, .25], a trapezoid to .6 on [.25, .26], then .6 up to 1
    expect(c.area).toBeCloseTo((12 / 13) * 0.25 + ((12 / 13 + 0.6) / 2) * 0.01 + 0.6 * 0.74, 12);
    expect(() => paKCurve(pred, labels, [10, 5])).toThrow(ParameterError);
    expect(() => pointAdjust(pred, labels, 101)).toThrow(ParameterError);
  });
});

// reference: event id per record, adjustment by looking at every record of the same event
function bruteAdjust(p: number[], y: number[], k: number): number[] {
  const id: number[] = [];
  y.forEach((v, i) => id.push(v === 0 ? -1 : i > 0 && y[i - 1] === v ? id[i - 1] : i));
  return p.map((v, i) => {
    if (id[i] < 0) return v;
    const members = id.map((e, j) => (e === id[i] ? j : -1)).filter((j) => j >= 0);
    const hits = members.filter((j) => p[j] === 1).length;
    return hits > 0 && hits / members.length >= k / 100 - 1e-12 ? 1 : v;
  });
}
function bruteF1(p: number[], y: number[]): number {
  const tp = p.filter((v, i) => v && y[i] > 0).length;
  const np = p.filter((v) => v).length;
  const pos = y.filter((v) => v > 0).length;
  const P = np ? tp / np : 1;
  const R = pos ? tp / pos : 1;
  return P + R === 0 ? 0 : (2 * P * R) / (P + R);
}

describe('point adjustment against a brute-force reference', () => {
  it('agrees on random sequences, for fixed predictions, every K and the peak over thresholds', () => {
    const rand = mulberry32(5);
    for (let trial = 0; trial < 120; trial++) {
      const n = 1 + Math.floor(rand() * 25);
      const y: number[] = [];
      let code = 0;
      for (let i = 0; i < n; i++) {
        if (rand() < 0.25) code = rand() < 0.5 ? 0 : 1 + Math.floor(rand() * 2);
        y.push(code);
      }
      const s = Array.from({ length: n }, () => Math.round(rand() * 8) / 8);
      const p = s.map((v) => (v >= 0.5 ? 1 : 0));
      const curve = paKCurve(p, y);
      for (const k of [0, 10, 33, 50, 67, 100]) {
        expect(Array.from(pointAdjust(p, y, k))).toEqual(bruteAdjust(p, y, k));
        expect(curve.f1[k]).toBeCloseTo(bruteF1(bruteAdjust(p, y, k), y), 12);
      }
      if (!y.some((v) => v > 0)) continue;
      // peak over τ ∈ distinct scores ∪ {+∞}; ties: lowest τ
      let bestPa = { f: 0, t: Infinity };
      let bestPw = { f: 0, t: Infinity };
      for (const t of [...new Set(s)].sort((a, b) => b - a)) {
        const pt = s.map((v) => (v >= t ? 1 : 0));
        const fPa = bruteF1(bruteAdjust(pt, y, 0), y);
        const fPw = bruteF1(pt, y);
        if (fPa >= bestPa.f - 1e-12 && fPa > 0) bestPa = { f: fPa, t };
        if (fPw >= bestPw.f - 1e-12 && fPw > 0) bestPw = { f: fPw, t };
      }
      const pa = peakPointAdjustedF1(s, Uint8Array.from(y));
      expect(pa.peakF1).toBeCloseTo(bestPa.f, 12);
      expect(pa.threshold).toBe(bestPa.t);
      expect(peakPointwiseF1(s, y).peakF1).toBeCloseTo(bestPw.f, 12);
    }
  });
});

describe('randomScoreBaseline', () => {
  it('shows the PA inflation: uniform scores reach a high PA F1 on long events', () => {
    // 10 events of 50 records among 2000
    const y = new Uint8Array(2000);
    for (let e = 0; e < 10; e++) y.fill(1, 100 + e * 190, 150 + e * 190);
    const b = randomScoreBaseline(y, 42);
    // reference: the same uniform draws fed to the peak functions
    const u = mulberry32(42);
    const s = Float64Array.from({ length: y.length }, () => u());
    expect(b.pointAdjusted).toEqual(peakPointAdjustedF1(s, y));
    expect(b.pointwise).toEqual(peakPointwiseF1(s, y));
    // one threshold just under the top score of every event (≈ 1 − 1/50) flags all events with ~2 % false alarms
    expect(b.pointAdjusted.peakF1).toBeGreaterThan(0.7);
    // point-wise, random scores cannot beat the all-positive F1 2·.25/1.25 = .4 by much
    expect(b.pointwise.peakF1).toBeLessThan(0.45);
    expect(randomScoreBaseline(y, 43).pointAdjusted.peakF1).not.toBe(b.pointAdjusted.peakF1);
    expect(() => randomScoreBaseline(y, 0.5)).toThrow(ParameterError);
  });
});
