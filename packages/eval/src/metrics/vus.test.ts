import fc from 'fast-check';
import { ParameterError } from '@driftwatch/contracts';
import { areaUnderRoc } from './roc';
import { bufferWeight, continuousLabel, rangeAuc, rangeCurve, vus, type ThresholdGrid } from './vus';

type Grid = ThresholdGrid;

/** L̃_ℓ record by record: 1 on anomalies, else min(1, Σ_ranges √(1 − d/ℓ)) over ranges 1 ≤ d ≤ ⌊ℓ/2⌋ away. */
function bruteContinuousLabel(labelArray: ArrayLike<number>, ell: number): number[] {
  // a plain array: Uint8Array.map would round the weights
  const labels = Array.from(labelArray);
  const anomalous = labels.map((y) => y > 0);
  // ranges as [first, last] inclusive, from the boundaries where the label switches
  const ranges: [number, number][] = [];
  anomalous.forEach((a, t) => {
    if (a && (t === 0 || !anomalous[t - 1])) ranges.push([t, t]);
    if (a) ranges[ranges.length - 1][1] = t;
  });
  return labels.map((_, t) => {
    if (anomalous[t]) return 1;
    let w = 0;
    for (const [first, last] of ranges) {
      const d = t < first ? first - t : t - last;
      if (d >= 1 && 2 * d <= ell) w += Math.sqrt(1 - d / ell);
    }
    return Math.min(1, w);
  });
}

/** Grid thresholds: numpy linspace(0, n−1, G).astype(int) into the descending sort, or every distinct score. */
function bruteThresholds(scores: number[], grid: Grid): number[] {
  const sorted = [...scores].sort((a, b) => b - a);
  if (grid === 'all') return [...new Set(sorted)];
  const out: number[] = [];
  // numpy: linspace(0, m, 1) = [0]; otherwise k·(m/(G−1)) with the last point exactly m
  if (grid === 1) return [sorted[0]];
  for (let k = 0; k < grid; k++)
    out.push(sorted[k === grid - 1 ? sorted.length - 1 : Math.trunc(k * ((sorted.length - 1) / (grid - 1)))]);
  return out;
}

function trapezoids(points: [number, number][]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++)
    area += ((points[i][0] - points[i - 1][0]) * (points[i][1] + points[i - 1][1])) / 2;
  return area;
}

/** Range-AUC of VUS §4 counted threshold by threshold, record by record. */
function bruteRangeAuc(scores: number[], labels: ArrayLike<number>, ell: number, grid: Grid, existenceReward = true) {
  const w = bruteContinuousLabel(labels, ell);
  // existence ranges: runs of '1' in a string of w > 0
  const mask = w.map((x) => (x > 0 ? '1' : '0')).join('');
  const ranges = [...mask.matchAll(/1+/g)].map((m) => [m.index!, m.index! + m[0].length] as const);
  const positives = Array.from(labels).filter((y) => y > 0).length;
  const pEll = (positives + w.reduce((a, b) => a + b, 0)) / 2;
  const roc: [number, number][] = [[0, 0]];
  const pr: [number, number][] = [[0, 1]];
  for (const tau of bruteThresholds(scores, grid)) {
    let tp = 0;
    let fp = 0;
    let predicted = 0;
    scores.forEach((s, t) => {
      if (s >= tau) {
        tp += w[t];
        fp += 1 - w[t];
        predicted++;
      }
    });
    const hit = ranges.filter(([a, b]) => scores.slice(a, b).some((s) => s >= tau)).length;
    const tpr = Math.min(1, tp / pEll) * (existenceReward ? hit / ranges.length : 1);
    roc.push([fp / (scores.length - pEll), tpr]);
    pr.push([tpr, tp / predicted]);
  }
  roc.push([1, 1]);
  return { rocAuc: trapezoids(roc), prAuc: trapezoids(pr) };
}

/** Labels built from runs, so that ranges of several records and neighbouring ranges occur. */
const runLabels = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 })), { minLength: 2, maxLength: 10 })
  .map((runs) => runs.flatMap(([length, y], i) => new Array<number>(length).fill(i % 2 === 0 ? 0 : y)))
  .filter((labels) => labels.some((y) => y > 0) && labels.some((y) => y === 0));

const scoredSeries = runLabels.chain((labels) =>
  fc.tuple(
    fc.constant(labels),
    fc.array(
      fc.integer({ min: 0, max: 8 }).map((v) => v / 8),
      { minLength: labels.length, maxLength: labels.length },
    ),
  ),
);

const gridChoice = fc.constantFrom<Grid>('all', 1, 2, 5, 17, 250);

describe('bufferWeight', () => {
  it('is √(1 − d/ℓ) for 1 ≤ d ≤ ⌊ℓ/2⌋ and 0 elsewhere', () => {
    expect(bufferWeight(2, 5)).toBe(Math.sqrt(0.6));
    expect(bufferWeight(3, 6)).toBe(Math.sqrt(0.5));
    expect(bufferWeight(3, 5)).toBe(0);
    expect(bufferWeight(0, 5)).toBe(0);
    expect(bufferWeight(1, 1)).toBe(0);
  });
});

describe('continuousLabel', () => {
  it('puts ⌊ℓ/2⌋ records of weight √(1 − d/ℓ) on each side of a range', () => {
    const w = continuousLabel(new Uint8Array([0, 0, 0, 1, 1, 0, 0, 0]), 5);
    // ⌊5/2⌋ = 2: d = 1 → √0.8, d = 2 → √0.6
    expect(Array.from(w)).toEqual([0, Math.sqrt(0.6), Math.sqrt(0.8), 1, 1, Math.sqrt(0.8), Math.sqrt(0.6), 0]);
    expect(Array.from(continuousLabel(new Uint8Array([0, 1, 0]), 1))).toEqual([0, 1, 0]);
  });

  it('adds overlapping buffers and caps them at 1, like a record-by-record sum', () => {
    fc.assert(
      fc.property(runLabels, fc.integer({ min: 0, max: 12 }), (labels, ell) => {
        const w = continuousLabel(Uint8Array.from(labels), ell);
        bruteContinuousLabel(labels, ell).forEach((x, t) => expect(w[t]).toBeCloseTo(x, 14));
      }),
      { numRuns: 200 },
    );
  });
});

describe('rangeAuc', () => {
  it('matches a hand computation with a buffer of one record on each side (ℓ = 2)', () => {
    // L̃ = [0, √½, 1, 1, √½, 0]; P_ℓ = (2 + 2 + √2)/2, N_ℓ = 6 − P_ℓ; one existence range [1, 5), hit from τ = .9 on
    const scores = [0.1, 0.6, 0.9, 0.8, 0.2, 0.3];
    const labels = new Uint8Array([0, 0, 1, 1, 0, 0]);
    const pEll = 2 + Math.SQRT2 / 2;
    const nEll = 6 - pEll;
    // τ = .9, .8: TPR 1/P_ℓ, 2/P_ℓ at FPR 0; τ = .6: TP = 2 + √½ = P_ℓ → TPR 1, FPR (1 − √½)/N_ℓ; lower τ stay at TPR 1
    const f1 = (1 - Math.SQRT1_2) / nEll;
    const rocAuc = (f1 * (2 / pEll + 1)) / 2 + (1 - f1);
    // PR: (0,1), (1/P_ℓ,1), (2/P_ℓ,1), (1, P_ℓ/3), then recall stays 1
    const prAuc = 2 / pEll + ((1 - 2 / pEll) * (1 + pEll / 3)) / 2;
    const r = rangeAuc(scores, labels, { bufferLength: 2, thresholds: 'all' });
    expect(r.rocAuc).toBeCloseTo(rocAuc, 14);
    expect(r.prAuc).toBeCloseTo(prAuc, 14);
  });

  it('scales the recall by the fraction of ranges hit (existence reward), by hand', () => {
    // ranges {0} and {4}; only the first is hit until τ = .05: TPR = ½·½ = ¼ instead of ½ for FPR in [0, 1]
    const scores = [0.9, 0.1, 0.2, 0.3, 0.05];
    const labels = new Uint8Array([1, 0, 0, 0, 1]);
    expect(rangeAuc(scores, labels, { bufferLength: 0, thresholds: 'all' }).rocAuc).toBeCloseTo(0.25, 15);
    expect(rangeAuc(scores, labels, { bufferLength: 0, thresholds: 'all', existenceReward: false }).rocAuc).toBeCloseTo(
      0.5,
      15,
    );
    expect(areaUnderRoc(scores, labels)).toBe(0.5);
  });

  it('matches the brute-force count on random series, buffers and threshold grids', () => {
    fc.assert(
      fc.property(
        scoredSeries,
        fc.integer({ min: 0, max: 9 }),
        gridChoice,
        fc.boolean(),
        ([labels, scores], ell, grid, existenceReward) => {
          const r = rangeAuc(Float64Array.from(scores), Uint8Array.from(labels), {
            bufferLength: ell,
            thresholds: grid,
            existenceReward,
          });
          const b = bruteRangeAuc(scores, labels, ell, grid, existenceReward);
          expect(r.rocAuc).toBeCloseTo(b.rocAuc, 12);
          expect(r.prAuc).toBeCloseTo(b.prAuc, 12);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with ℓ = 0 and no existence reward equals point AUC-ROC on the same threshold grid', () => {
    fc.assert(
      fc.property(scoredSeries, gridChoice, ([labels, scores], grid) => {
        const y = Uint8Array.from(labels);
        const r = rangeAuc(scores, y, { bufferLength: 0, thresholds: grid, existenceReward: false });
        if (grid === 'all') expect(r.rocAuc).toBeCloseTo(areaUnderRoc(scores, y), 12);
        // point ROC: (0,0), (FP/N, TP/P) at each grid τ, (1,1)
        const p = labels.filter((v) => v > 0).length;
        const n = labels.length - p;
        const points: [number, number][] = [[0, 0]];
        for (const tau of bruteThresholds(scores, grid)) {
          const flagged = scores.map((s, t) => [s >= tau, labels[t] > 0]);
          points.push([flagged.filter(([f, a]) => f && !a).length / n, flagged.filter(([f, a]) => f && a).length / p]);
        }
        points.push([1, 1]);
        expect(r.rocAuc).toBeCloseTo(trapezoids(points), 12);
      }),
      { numRuns: 200 },
    );
  });

  it('reports the grid thresholds of the reference implementation', () => {
    const scores = [5, 1, 4, 2, 3, 0, 6];
    const c = rangeCurve(scores, new Uint8Array([0, 1, 0, 0, 1, 0, 0]), { bufferLength: 0, thresholds: 4 });
    // descending [6,5,4,3,2,1,0] at linspace(0, 6, 4) = 0, 2, 4, 6
    expect(Array.from(c.thresholds)).toEqual([6, 4, 2, 0]);
    expect(Array.from(c.thresholds)).toEqual(bruteThresholds(scores, 4));
  });

  it('rejects bad parameters', () => {
    const labels = new Uint8Array([0, 1, 0]);
    expect(() => rangeAuc([1, 2, 3], labels, { bufferLength: -1 })).toThrow(ParameterError);
    expect(() => rangeAuc([1, 2, 3], labels, { bufferLength: 1.5 })).toThrow(ParameterError);
    expect(() => rangeAuc([1, 2, 3], labels, { bufferLength: 1, thresholds: 0 })).toThrow(ParameterError);
    expect(() => rangeAuc([1, 2], labels, { bufferLength: 1 })).toThrow(ParameterError);
    expect(() => rangeAuc([1, 2, 3], new Uint8Array(3), { bufferLength: 1 })).toThrow(ParameterError);
    expect(() => rangeAuc([1, NaN, 3], labels, { bufferLength: 1 })).toThrow(ParameterError);
  });
});

describe('vus', () => {
  it('is the mean of the brute-force range-AUC over ℓ = 0..L', () => {
    fc.assert(
      fc.property(scoredSeries, fc.integer({ min: 0, max: 8 }), gridChoice, ([labels, scores], maxBuffer, grid) => {
        const v = vus(scores, Uint8Array.from(labels), { maxBuffer, thresholds: grid });
        let roc = 0;
        let pr = 0;
        for (let ell = 0; ell <= maxBuffer; ell++) {
          const b = bruteRangeAuc(scores, labels, ell, grid);
          expect(v.rocAucByBuffer[ell]).toBeCloseTo(b.rocAuc, 12);
          expect(v.prAucByBuffer[ell]).toBeCloseTo(b.prAuc, 12);
          roc += b.rocAuc;
          pr += b.prAuc;
        }
        expect(v.vusRoc).toBeCloseTo(roc / (maxBuffer + 1), 12);
        expect(v.vusPr).toBeCloseTo(pr / (maxBuffer + 1), 12);
      }),
      { numRuns: 150 },
    );
  });

  it('is 1 for a perfect detector while the continuous label stays binary (L ≤ 1)', () => {
    const labels = new Uint8Array([0, 0, 1, 1, 0, 0, 0, 1, 0, 0]);
    const perfect = Array.from(labels, (y) => (y > 0 ? 0.9 : 0.1));
    for (const thresholds of ['all', 250] as const) {
      const v = vus(perfect, labels, { maxBuffer: 1, thresholds });
      expect(v.vusRoc).toBe(1);
      expect(v.vusPr).toBe(1);
    }
  });

  it('is below 1 for the perfect binary detector once buffers exist, since P_ℓ counts half the buffer mass', () => {
    const labels = new Uint8Array([0, 0, 0, 1, 1, 0, 0, 0]);
    const perfect = Array.from(labels, (y) => (y > 0 ? 1 : 0));
    // ℓ = 2: P_ℓ = (2 + 2 + √2)/2 > 2 = TP at τ = 1, so TPR reaches 1 only together with FP > 0
    const r = rangeAuc(perfect, labels, { bufferLength: 2, thresholds: 'all' });
    expect(r.rocAuc).toBeLessThan(1);
    expect(r.rocAuc).toBeCloseTo(bruteRangeAuc(perfect, labels, 2, 'all').rocAuc, 14);
  });

  it('rewards a detector that scores the buffer region above the far normal records', () => {
    const labels = new Uint8Array(60);
    labels.fill(1, 20, 26);
    labels.fill(1, 40, 43);
    const binary = Array.from(labels, (y) => (y > 0 ? 1 : 0));
    // same ranking of anomalies vs. normals, plus a score of ½ within 3 records of an anomaly
    const buffered = binary.map((s, t) =>
      s === 0 && labels.slice(Math.max(0, t - 3), t + 4).some((y) => y > 0) ? 0.5 : s,
    );
    const maxBuffer = 8;
    const a = vus(buffered, labels, { maxBuffer });
    const b = vus(binary, labels, { maxBuffer });
    expect(a.vusRoc).toBeGreaterThan(b.vusRoc);
    expect(a.vusPr).toBeGreaterThan(b.vusPr);
    // ℓ ≤ 1 has no buffer: both detectors are perfect there
    expect(a.rocAucByBuffer[1]).toBe(1);
    expect(b.rocAucByBuffer[1]).toBe(1);
    for (let ell = 2; ell <= maxBuffer; ell++) expect(a.rocAucByBuffer[ell]).toBeGreaterThan(b.rocAucByBuffer[ell]);
  });

  it('rejects a bad maximum buffer', () => {
    expect(() => vus([1, 2], new Uint8Array([0, 1]), { maxBuffer: -1 })).toThrow(ParameterError);
    expect(() => vus([1, 2], new Uint8Array([0, 1]), { maxBuffer: 2.5 })).toThrow(ParameterError);
  });
});
