import { ParameterError, mulberry32 } from '@driftwatch/contracts';
import { SMOOTHING_GRID, ewma, ewmaBySegment, nanToNum, recordScores, scoresByRecord } from './online-scorer';

/** e_t = Σ_{i=0..t} β^i a_{t−i} / Σ_{i=0..t} β^i, summed directly (docs/divad.md §1 step 2). */
function ewmaClosedForm(a: number[], beta: number): number[] {
  return a.map((_, t) => {
    let num = 0;
    let den = 0;
    for (let i = 0; i <= t; i++) {
      const w = Math.pow(beta, i);
      num += w * a[t - i];
      den += w;
    }
    return num / den;
  });
}

describe('SMOOTHING_GRID', () => {
  it('holds the 12 factors of docs/divad.md §1, whose 1/(1−β) are the listed window counts', () => {
    expect(SMOOTHING_GRID).toEqual([0, 0.8, 0.9, 0.95, 0.96667, 0.975, 0.98, 0.98333, 0.9875, 0.99167, 0.99375, 0.995]);
    expect(SMOOTHING_GRID.map((b) => Math.round(1 / (1 - b)))).toEqual([
      1, 5, 10, 20, 30, 40, 50, 60, 80, 120, 160, 200,
    ]);
  });
});

describe('ewma', () => {
  it('matches the closed form on random inputs for every grid factor and β = 0.5', () => {
    const rand = mulberry32(11);
    for (const beta of [...SMOOTHING_GRID, 0.5]) {
      for (const length of [1, 2, 17, 300]) {
        const a = Array.from({ length }, () => 10 * rand() - 5);
        const expected = ewmaClosedForm(a, beta);
        const actual = ewma(a, beta);
        expect(actual).toBeInstanceOf(Float64Array);
        expect(actual.length).toBe(length);
        expected.forEach((e, t) => expect(actual[t]).toBeCloseTo(e, 12));
      }
    }
  });

  it('gives (1, 1/3, 1/7) for a = (1, 0, 0), β = 0.5', () => {
    const e = ewma([1, 0, 0], 0.5);
    expect(e[0]).toBeCloseTo(1, 15);
    expect(e[1]).toBeCloseTo(1 / 3, 15);
    expect(e[2]).toBeCloseTo(1 / 7, 15);
  });

  it('is the identity for β = 0, a NaN staying where it is', () => {
    expect(Array.from(ewma([3, NaN, -2], 0))).toEqual([3, NaN, -2]);
  });

  it('propagates a NaN to every later value for β > 0', () => {
    expect(Array.from(ewma([1, 2, NaN, 4, 5], 0.9)).map(Number.isNaN)).toEqual([false, false, true, true, true]);
  });

  it('rejects β outside [0, 1)', () => {
    for (const beta of [-0.1, 1, 1.5, NaN]) expect(() => ewma([1], beta)).toThrow(ParameterError);
  });
});

describe('recordScores', () => {
  it('prepends W−1 lowest finite doubles to the smoothed window scores', () => {
    const windows = [0.5, 2, -1, 4];
    const W = 5;
    const out = recordScores(windows, W, 0.8);
    expect(out.length).toBe(windows.length + W - 1);
    for (let t = 0; t < W - 1; t++) expect(out[t]).toBe(-1.7976931348623157e308);
    ewmaClosedForm(windows, 0.8).forEach((e, i) => expect(out[W - 1 + i]).toBeCloseTo(e, 12));
  });

  it('adds no padding for W = 1', () => {
    expect(Array.from(recordScores([1, 2], 1, 0))).toEqual([1, 2]);
  });

  it('maps NaN to 0 and ±∞ to the extreme finite doubles (numpy nan_to_num)', () => {
    expect(Array.from(recordScores([1, NaN, Infinity, -Infinity], 2, 0))).toEqual([
      -Number.MAX_VALUE,
      1,
      0,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
    ]);
    // with β > 0 the NaN spreads through the average, so every later record gets 0
    expect(Array.from(recordScores([1, NaN, 3], 3, 0.5))).toEqual([-Number.MAX_VALUE, -Number.MAX_VALUE, 1, 0, 0]);
    expect([nanToNum(NaN), nanToNum(-0.25)]).toEqual([0, -0.25]);
  });

  it('rejects a bad window length, an empty score list and a bad β', () => {
    expect(() => recordScores([1], 0, 0)).toThrow(ParameterError);
    expect(() => recordScores([1], 2.5, 0)).toThrow(ParameterError);
    expect(() => recordScores([], 3, 0)).toThrow(ParameterError);
    expect(() => recordScores([1], 3, 1)).toThrow(ParameterError);
  });
});

describe('ewmaBySegment', () => {
  it('restarts the average at every segment (closed form e_t = Σ β^i a_{t−i} / Σ β^i within a segment)', () => {
    const out = ewmaBySegment(
      [
        [1, 3],
        [10, 20, 30],
      ],
      0.5,
    );
    // segment 1: 1, (3 + 0.5)/(1.5); segment 2 starts afresh: 10, (20 + 5)/1.5, (30 + 12.5)/1.75
    const expected = [1, 3.5 / 1.5, 10, 25 / 1.5, 42.5 / 1.75];
    expect(out).toHaveLength(5);
    expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 12));
  });
});

describe('scoresByRecord', () => {
  it('puts each window score at its last record and NaN (no score) before the first full window', () => {
    const out = scoresByRecord([0.5, Infinity, -2], 3);
    expect(Array.from(out)).toEqual([NaN, NaN, 0.5, Number.MAX_VALUE, -2]);
    expect(Array.from(scoresByRecord([7], 1))).toEqual([7]);
  });
});
