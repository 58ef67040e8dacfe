import { ParameterError, mulberry32 } from '@driftwatch/contracts';
import { affiliation, affiliationZones, flaggedIntervals, precisionSurvival, recallSurvival } from './affiliation';

/**
 * Numerical reference: time [0, T) sampled at the midpoints of a 1/M grid; each grid point belongs to the
 * zone of its nearest event; survival probabilities are counted over the grid points of the zone.
 */
function bruteForceAffiliation(labels: number[], predictions: number[], M: number) {
  const T = labels.length;
  const grid = Array.from({ length: T * M }, (_, i) => (i + 0.5) / M);
  const record = (t: number) => Math.floor(t);
  const events: [number, number][] = [];
  labels.forEach((y, i) => {
    if (y > 0 && (i === 0 || labels[i - 1] <= 0)) events.push([i, i + 1]);
    if (y > 0 && i > 0 && labels[i - 1] > 0) events[events.length - 1][1] = i + 1;
  });
  const distToEvent = (t: number, [a, b]: [number, number]) => (t < a ? a - t : t > b ? t - b : 0);
  const zoneOf = grid.map((t) => {
    let best = 0;
    events.forEach((e, j) => {
      if (distToEvent(t, e) < distToEvent(t, events[best])) best = j;
    });
    return best;
  });
  const precisions: (number | null)[] = [];
  const recalls: number[] = [];
  events.forEach((e, j) => {
    const zone = grid.filter((_, i) => zoneOf[i] === j);
    const predicted = grid.filter((t, i) => zoneOf[i] === j && predictions[record(t)] !== 0);
    if (predicted.length === 0) precisions.push(null);
    else {
      let sum = 0;
      for (const y of predicted) {
        const d = distToEvent(y, e);
        sum += zone.filter((X) => distToEvent(X, e) >= d).length / zone.length;
      }
      precisions.push(sum / predicted.length);
    }
    const inEvent = grid.filter((t) => t >= e[0] && t < e[1]);
    let sum = 0;
    for (const x of inEvent) {
      let d = Infinity;
      for (const y of predicted) d = Math.min(d, Math.abs(x - y));
      if (d === Infinity) continue;
      sum += zone.filter((X) => Math.abs(X - x) >= d).length / zone.length;
    }
    recalls.push(sum / inEvent.length);
  });
  const defined = precisions.filter((p): p is number => p !== null);
  return {
    precision: defined.length ? defined.reduce((s, p) => s + p, 0) / defined.length : NaN,
    recall: recalls.reduce((s, r) => s + r, 0) / recalls.length,
    precisions,
    recalls,
  };
}

describe('affiliation zones', () => {
  it('splits time at the midpoints between events', () => {
    // events [0, 1) and [5, 7) in [0, 8): midpoint (1 + 5)/2 = 3
    const events = flaggedIntervals([1, 0, 0, 0, 0, 1, 1, 0]);
    expect(events).toEqual([
      { start: 0, end: 1 },
      { start: 5, end: 7 },
    ]);
    expect(affiliationZones(events, 8)).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 8 },
    ]);
  });
});

describe('survival functions', () => {
  it('match hand-worked values', () => {
    // zone [0, 10), event [4, 6): d = 1 leaves X ∈ [0, 3] ∪ [7, 10] → 6/10; d = 5 leaves nothing
    const zone = { start: 0, end: 10 };
    expect(precisionSurvival(1, zone, { start: 4, end: 6 })).toBeCloseTo(0.6, 15);
    expect(precisionSurvival(5, zone, { start: 4, end: 6 })).toBe(0);
    expect(precisionSurvival(0, zone, { start: 4, end: 6 })).toBe(1);
    // x = 1, d = 2: (−1, 3) ∩ [0, 10) has length 3 → 1 − 0.3
    expect(recallSurvival(2, 1, zone)).toBeCloseTo(0.7, 15);
  });
});

describe('affiliation', () => {
  it('perfect prediction scores 1 / 1', () => {
    const labels = [0, 0, 1, 1, 0, 0, 0, 2, 0, 0];
    const r = affiliation(
      labels,
      labels.map((y) => (y > 0 ? 1 : 0)),
    );
    expect(r.precision).toBeCloseTo(1, 14);
    expect(r.recall).toBeCloseTo(1, 14);
  });

  it('matches a hand-worked single-zone example', () => {
    // zone [0, 10), event [4, 6), prediction [0, 1).
    // precision: d(y) = 4 − y, F̄ = 2(4 − d)/10 = y/5, mean over [0, 1] = 0.1.
    // recall: d(x) = x − 1, F̄ = 1 − (2x − 2)/10 for x ≤ 5.5, 1 − 9/10 after:
    // (∫_4^5.5 (1.2 − 0.2x) dx + 0.5·0.1)/2 = (0.375 + 0.05)/2 = 0.2125
    const labels = [0, 0, 0, 0, 1, 1, 0, 0, 0, 0];
    const predictions = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const r = affiliation(labels, predictions);
    expect(r.precision).toBeCloseTo(0.1, 14);
    expect(r.recall).toBeCloseTo(0.2125, 14);
  });

  it('a prediction far from the event has low precision, a close one high', () => {
    const labels = new Array<number>(100).fill(0);
    labels[50] = 1;
    const far = new Array<number>(100).fill(0);
    far[0] = 1;
    const near = new Array<number>(100).fill(0);
    near[51] = 1;
    // zone [0, 100), event [50, 51): L = 50, R = 49, F̄(d) = ((50 − d)⁺ + (49 − d)⁺)/100
    // far [0, 1): d ∈ [49, 50], mean of (50 − d)/100 = 0.005; near [51, 52): d ∈ [0, 1], mean of (99 − 2d)/100 = 0.98
    expect(affiliation(labels, far).precision).toBeCloseTo(0.005, 14);
    expect(affiliation(labels, near).precision).toBeCloseTo(0.98, 14);
    // no prediction at all: recall 0, precision undefined
    const none = affiliation(labels, new Array<number>(100).fill(0));
    expect(none.recall).toBe(0);
    expect(Number.isNaN(none.precision)).toBe(true);
  });

  it('matches numerical integration of the survival functions on random small cases', () => {
    const rand = mulberry32(5);
    for (let trial = 0; trial < 25; trial++) {
      const T = 8 + Math.floor(rand() * 10);
      const labels = Array.from({ length: T }, () => (rand() < 0.25 ? 1 : 0));
      if (!labels.some((y) => y > 0)) labels[Math.floor(T / 2)] = 1;
      const predictions = Array.from({ length: T }, () => (rand() < 0.3 ? 1 : 0));
      const exact = affiliation(labels, predictions);
      const numeric = bruteForceAffiliation(labels, predictions, 40);
      exact.zonePrecision.forEach((p, j) => {
        if (p === null) expect(numeric.precisions[j]).toBeNull();
        else expect(Math.abs(p - numeric.precisions[j]!)).toBeLessThan(0.02);
      });
      exact.zoneRecall.forEach((r, j) => expect(Math.abs(r - numeric.recalls[j])).toBeLessThan(0.02));
      if (!Number.isNaN(exact.precision)) expect(Math.abs(exact.precision - numeric.precision)).toBeLessThan(0.02);
      expect(Math.abs(exact.recall - numeric.recall)).toBeLessThan(0.02);
    }
  });

  it('rejects bad input', () => {
    expect(() => affiliation([1, 0], [1])).toThrow(ParameterError);
    expect(() => affiliation([0, 0], [1, 0])).toThrow(ParameterError);
    expect(() => affiliation([1, NaN], [1, 0])).toThrow(ParameterError);
  });
});
