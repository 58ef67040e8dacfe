import { ParameterError } from '@driftwatch/contracts';
import { eventRangesOf, eventTypesOf, predictAtThreshold, rangesOf } from './ranges';

// independent reference: record i starts a range when it is nonzero and differs (as nonzero / as code) from i−1
function bruteRanges(y: number[], splitOnCode: boolean): [number, number, number][] {
  const out: [number, number, number][] = [];
  y.forEach((v, i) => {
    const prev = i > 0 ? y[i - 1] : 0;
    const startsNew = v !== 0 && (prev === 0 || (splitOnCode && prev !== v));
    if (startsNew) out.push([i, i + 1, v]);
    else if (v !== 0) out[out.length - 1][1] = i + 1;
  });
  return out;
}

describe('rangesOf / eventRangesOf', () => {
  it('finds the runs of a hand example', () => {
    const y = [0, 1, 1, 0, 2, 2, 3, 0, 0, 1];
    expect(rangesOf(y)).toEqual([
      { start: 1, end: 3, type: 1 },
      { start: 4, end: 7, type: 2 },
      { start: 9, end: 10, type: 1 },
    ]);
    expect(eventRangesOf(Uint8Array.from(y))).toEqual([
      { start: 1, end: 3, type: 1 },
      { start: 4, end: 6, type: 2 },
      { start: 6, end: 7, type: 3 },
      { start: 9, end: 10, type: 1 },
    ]);
    expect(rangesOf([])).toEqual([]);
    expect(eventTypesOf(y)).toEqual([1, 2, 3]);
  });

  it('agrees with a brute-force scan on random label sequences', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 200; trial++) {
      const y = Array.from({ length: Math.floor(next() * 30) }, () => (next() < 0.5 ? 0 : 1 + Math.floor(next() * 3)));
      expect(rangesOf(y).map((r) => [r.start, r.end, r.type])).toEqual(bruteRanges(y, false));
      expect(eventRangesOf(y).map((r) => [r.start, r.end, r.type])).toEqual(bruteRanges(y, true));
    }
  });

  it('thresholds with s ≥ τ and rejects bad input', () => {
    expect(Array.from(predictAtThreshold([0.1, 0.5, 0.9], 0.5))).toEqual([0, 1, 1]);
    expect(() => predictAtThreshold([1], NaN)).toThrow(ParameterError);
    expect(() => rangesOf([0, -1])).toThrow(ParameterError);
    expect(() => eventRangesOf([0.5])).toThrow(ParameterError);
  });
});
