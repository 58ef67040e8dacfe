import { ParameterError } from '@driftwatch/contracts';
import {
  AD_LEVELS,
  type PositionalBias,
  type RangeMetricParams,
  rangeBasedMetrics,
  rangePrecisionRecall,
} from './range-based';

const ad2With = (bias: PositionalBias, cardinality: 'one' | 'reciprocal' | 'zero' = 'one'): RangeMetricParams => ({
  recall: { alpha: 0, size: 'default', bias, cardinality },
  precision: AD_LEVELS.AD2.precision,
});

describe('rangePrecisionRecall: hand examples from the definitions (Tatbul et al. 2018 §4, Exathlon AD levels)', () => {
  // real [0, 4) of type 1, predicted [2, 6): overlap = positions 2, 3 of the real range, 2 of 4 predicted records
  const real = [{ start: 0, end: 4, type: 1 }];
  const predicted = [{ start: 2, end: 6, type: 1 }];

  it('AD1–AD4 on one partial overlap', () => {
    // AD1: R = Existence = 1, P = 2/4 (flat) → F = 2·.5·1/1.5
    const ad1 = rangePrecisionRecall(predicted, real, AD_LEVELS.AD1);
    expect([ad1.precision, ad1.recall]).toEqual([0.5, 1]);
    expect(ad1.f1).toBeCloseTo(2 / 3, 12);
    // AD2: R = 2/4
    expect(rangePrecisionRecall(predicted, real, AD_LEVELS.AD2).recall).toBeCloseTo(0.5, 12);
    // AD3: rewards 3,2,1,0 (/6); covered 1/6; best 2 positions 5/6; flat share 2/4 → .5·(1/6)/(5/6) = .1
    const ad3 = rangePrecisionRecall(predicted, real, AD_LEVELS.AD3);
    expect(ad3.recall).toBeCloseTo(0.1, 12);
    expect(ad3.precision).toBeCloseTo(0.5, 12);
    expect(ad3.f1).toBeCloseTo((2 * 0.05) / 0.6, 12);
    expect(rangePrecisionRecall(predicted, real, AD_LEVELS.AD4).recall).toBeCloseTo(0.1, 12);
  });

  it("Tatbul's positional biases", () => {
    // front 4,3,2,1 (/10) → 3/10; back 1,2,3,4 → 7/10; middle 1,2,2,1 (/6) → 3/6
    expect(rangePrecisionRecall(predicted, real, ad2With('front')).recall).toBeCloseTo(0.3, 12);
    expect(rangePrecisionRecall(predicted, real, ad2With('back')).recall).toBeCloseTo(0.7, 12);
    expect(rangePrecisionRecall(predicted, real, ad2With('middle')).recall).toBeCloseTo(0.5, 12);
    // front-exathlon rewards 3,2,1,0 (/6) under the default ω: 1/6
    expect(rangePrecisionRecall(predicted, real, ad2With('front-exathlon')).recall).toBeCloseTo(1 / 6, 12);
  });

  it('cardinality: one real range split over two predictions', () => {
    // real [0, 10), predicted [1, 3) and [5, 8): flat ω = 2/10 + 3/10
    const r = [{ start: 0, end: 10, type: 1 }];
    const p = [
      { start: 1, end: 3, type: 1 },
      { start: 5, end: 8, type: 1 },
    ];
    expect(rangePrecisionRecall(p, r, ad2With('flat', 'one')).recall).toBeCloseTo(0.5, 12);
    expect(rangePrecisionRecall(p, r, ad2With('flat', 'reciprocal')).recall).toBeCloseTo(0.25, 12);
    // AD4: γ = 0 for the real range (2 overlaps) → R = 0; each prediction lies inside one real range → P = 1
    const ad4 = rangePrecisionRecall(p, r, AD_LEVELS.AD4);
    expect([ad4.precision, ad4.recall, ad4.f1]).toEqual([1, 0, 0]);
  });

  it('averages recall per event type, and uses 1 for empty sides', () => {
    // type 1: [0,2) half covered, [8,10) missed → R_1 = .25; type 2: [4,6) missed → R_2 = 0
    const r = rangeBasedMetrics([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 2, 2, 0, 0, 1, 1], AD_LEVELS.AD2);
    expect(r.recallByType).toEqual(
      new Map([
        [1, 0.25],
        [2, 0],
      ]),
    );
    expect(r.recall).toBeCloseTo(0.125, 12);
    expect(r.mixedRecall).toBeCloseTo(0.5 / 3, 12);
    expect(r.precision).toBe(1);
    const none = rangeBasedMetrics([0, 0], [0, 0], AD_LEVELS.AD1);
    expect([none.precision, none.recall]).toEqual([1, 1]);
  });

  it('rejects bad parameters and ranges', () => {
    const bad = { ...AD_LEVELS.AD1, recall: { ...AD_LEVELS.AD1.recall, alpha: 1.5 } };
    expect(() => rangePrecisionRecall([], [], bad)).toThrow(ParameterError);
    expect(() => rangePrecisionRecall([{ start: 2, end: 2, type: 1 }], [], AD_LEVELS.AD1)).toThrow(ParameterError);
    const overlapping = [
      { start: 0, end: 3, type: 1 },
      { start: 2, end: 4, type: 1 },
    ];
    expect(() => rangePrecisionRecall([], overlapping, AD_LEVELS.AD1)).toThrow(ParameterError);
    expect(() => rangeBasedMetrics([1], [1, 0], AD_LEVELS.AD1)).toThrow(ParameterError);
  });
});

// ---- independent record-level reference, written from the paper's pseudo-code with 1-based positions ----
type Bias = PositionalBias;
function rawBias(bias: Bias, j: number, len: number): number {
  if (bias === 'flat') return 1;
  if (bias === 'front') return len - j + 1;
  if (bias === 'back') return j;
  if (bias === 'middle') return j <= len / 2 ? j : len - j + 1;
  return len === 1 ? 1 : len - j; // Exathlon front-end bias, 1-based
}
function indexSets(y: number[], byCode: boolean): { ids: Set<number>; type: number }[] {
  const out: { ids: Set<number>; type: number }[] = [];
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 0) continue;
    const continues = i > 0 && y[i - 1] !== 0 && (!byCode || y[i - 1] === y[i]);
    if (continues) out[out.length - 1].ids.add(i);
    else out.push({ ids: new Set([i]), type: y[i] });
  }
  return out;
}
function omega(range: Set<number>, overlap: Set<number>, bias: Bias, size: string): number {
  const ids = [...range];
  const len = ids.length;
  const raw = ids.map((_, k) => rawBias(bias, k + 1, len));
  const total = raw.reduce((a, b) => a + b, 0);
  let mine = 0;
  ids.forEach((id, k) => {
    if (overlap.has(id)) mine += raw[k];
  });
  if (size === 'default') return mine / total;
  const top = [...raw]
    .sort((a, b) => b - a)
    .slice(0, overlap.size)
    .reduce((a, b) => a + b, 0);
  return top === 0 ? 0 : ((overlap.size / len) * mine) / top;
}
function gamma(card: string, x: number): number {
  if (x <= 1 || card === 'one') return 1;
  return card === 'reciprocal' ? 1 / x : 0;
}
function overlapRef(
  range: Set<number>,
  others: Set<number>[],
  p: { size: string; bias: Bias; cardinality: string },
): number {
  const overlaps = others.map((o) => new Set([...range].filter((i) => o.has(i)))).filter((s) => s.size > 0);
  return gamma(p.cardinality, overlaps.length) * overlaps.reduce((a, s) => a + omega(range, s, p.bias, p.size), 0);
}
function reference(pred: number[], labels: number[], params: RangeMetricParams) {
  const P = indexSets(pred, false).map((r) => r.ids);
  const R = indexSets(labels, true);
  const precisions = P.map((p) =>
    overlapRef(
      p,
      R.map((r) => r.ids),
      params.precision,
    ),
  );
  const precision = precisions.length ? precisions.reduce((a, b) => a + b, 0) / precisions.length : 1;
  const perType: Record<number, number[]> = {};
  for (const r of R) {
    const exists = P.some((p) => [...r.ids].some((i) => p.has(i))) ? 1 : 0;
    const rec = params.recall.alpha * exists + (1 - params.recall.alpha) * overlapRef(r.ids, P, params.recall);
    (perType[r.type] ??= []).push(rec);
  }
  const typeMeans = Object.values(perType).map((v) => v.reduce((a, b) => a + b, 0) / v.length);
  const recall = typeMeans.length ? typeMeans.reduce((a, b) => a + b, 0) / typeMeans.length : 1;
  return { precision, recall };
}

describe('rangeBasedMetrics against the record-level reference', () => {
  it('agrees on random sequences for AD1–AD4 and the Tatbul variants', () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const variants: RangeMetricParams[] = [
      ...Object.values(AD_LEVELS),
      ad2With('front', 'reciprocal'),
      ad2With('back'),
      ad2With('middle', 'zero'),
      {
        recall: { alpha: 0.3, size: 'flat-normalised', bias: 'middle', cardinality: 'reciprocal' },
        precision: { size: 'default', bias: 'back', cardinality: 'reciprocal' },
      },
    ];
    for (let trial = 0; trial < 150; trial++) {
      const n = 1 + Math.floor(next() * 40);
      const labels: number[] = [];
      const pred: number[] = [];
      let code = 0;
      let on = 0;
      for (let i = 0; i < n; i++) {
        if (next() < 0.2) code = next() < 0.4 ? 0 : 1 + Math.floor(next() * 2);
        if (next() < 0.3) on = 1 - on;
        labels.push(code);
        pred.push(on);
      }
      for (const params of variants) {
        const got = rangeBasedMetrics(pred, Uint8Array.from(labels), params);
        const want = reference(pred, labels, params);
        expect(got.precision).toBeCloseTo(want.precision, 10);
        expect(got.recall).toBeCloseTo(want.recall, 10);
      }
    }
  });
});
