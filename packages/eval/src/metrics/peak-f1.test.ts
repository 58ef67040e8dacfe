import fc from 'fast-check';
import { ParameterError, mulberry32 } from '@driftwatch/contracts';
import { peakF1, type PeakF1Result } from './peak-f1';
import { rankByScoreDescending } from './rank';
import { keptRecordMask } from './record-filter';

interface Seq {
  scores: number[];
  labels: number[];
}
interface Point {
  s: number;
  y: number;
}

const L = -Number.MAX_VALUE;

/** docs/divad.md §2 item 1 read literally: split at ignored records, then mask b..min(b+w, len)−1 after each run. */
function bruteKept(seqs: Seq[], w: number, ignored: number[]): Point[] {
  const out: Point[] = [];
  for (const { scores, labels } of seqs) {
    let t = 0;
    while (t < labels.length) {
      if (ignored.includes(labels[t])) {
        t++;
        continue;
      }
      const start = t;
      while (t < labels.length && !ignored.includes(labels[t])) t++;
      const end = t;
      const dropped = new Set<number>();
      let u = start;
      while (u < end) {
        if (labels[u] > 0) {
          let b = u;
          while (b < end && labels[b] > 0) b++;
          for (let j = b; j < Math.min(b + w, end); j++) if (!(labels[j] > 0)) dropped.add(j);
          u = b;
        } else {
          u++;
        }
      }
      for (let j = start; j < end; j++) if (!dropped.has(j)) out.push({ s: scores[j], y: labels[j] });
    }
  }
  return out;
}

const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

interface BruteRow {
  tau: number;
  p: number;
  rk: number[];
  rbar: number;
  rmix: number;
}

/** Precision and recalls at one threshold, counted record by record (docs/divad.md §2 item 4). */
function countAt(kept: Point[], types: number[], tau: number): BruteRow {
  let predicted = 0;
  let tp = 0;
  const hit = types.map(() => 0);
  const size = types.map(() => 0);
  for (const { s, y } of kept) {
    if (y > 0) size[types.indexOf(y)]++;
    if (s >= tau) {
      predicted++;
      if (y > 0) {
        tp++;
        hit[types.indexOf(y)]++;
      }
    }
  }
  const rk = hit.map((h, i) => h / size[i]);
  let sum = 0;
  for (const r of rk) sum += r;
  const positives = size.reduce((a, b) => a + b, 0);
  return { tau, p: tp / predicted, rk, rbar: sum / types.length, rmix: tp / positives };
}

/** First maximum over ascending τ (numpy argmax), with τ = +∞ (P 1, R 0) last. */
function argmaxPoint(rows: BruteRow[], recallOf: (row: BruteRow) => number) {
  let best = { peakF1: 0, precision: 1, recall: 0, threshold: Infinity };
  let bestF = -1;
  for (const row of rows) {
    const f = f1(row.p, recallOf(row));
    if (f > bestF) {
      bestF = f;
      best = { peakF1: f, precision: row.p, recall: recallOf(row), threshold: row.tau };
    }
  }
  return bestF > 0 ? best : { peakF1: 0, precision: 1, recall: 0, threshold: Infinity };
}

function brutePeakF1(seqs: Seq[], w: number, ignored: number[], names: Record<number, string> = {}) {
  const kept = bruteKept(seqs, w, ignored);
  const types = [...new Set(kept.filter((k) => k.y > 0).map((k) => k.y))].sort((a, b) => a - b);
  const taus = [...new Set(kept.map((k) => k.s))].sort((a, b) => a - b);
  const rows = taus.map((tau) => countAt(kept, types, tau));
  const headline = (row: BruteRow) => (types.length > 1 ? row.rbar : row.rmix);
  const best = argmaxPoint(rows, headline);
  const key = (k: number) => names[k] ?? String(k);
  const atPeak = countAt(kept, types, best.threshold);
  // AUC-PR: ascending τ, then (0, 1), insertion-sorted by recall, trapezoids
  const pts = [...rows.map((row) => [headline(row), row.p]), [0, 1]];
  for (let i = 1; i < pts.length; i++) {
    for (let j = i; j > 0 && pts[j - 1][0] > pts[j][0]; j--) [pts[j - 1], pts[j]] = [pts[j], pts[j - 1]];
  }
  let auc = 0;
  for (let i = 1; i < pts.length; i++) auc += ((pts[i][0] - pts[i - 1][0]) * (pts[i][1] + pts[i - 1][1])) / 2;
  return {
    ...best,
    aucPr: types.length === 0 ? 0 : auc,
    mixed: argmaxPoint(rows, (row) => row.rmix),
    byEvent: Object.fromEntries(types.map((k, i) => [key(k), argmaxPoint(rows, (row) => row.rk[i])])),
    recallByEvent: Object.fromEntries(types.map((k, i) => [key(k), atPeak.rk[i]])),
    eventTypes: types,
    keptRecords: kept.length,
    positives: kept.filter((k) => k.y > 0).length,
  };
}

function expectPointClose(
  actual: { peakF1: number; precision: number; recall: number; threshold: number },
  expected: typeof actual,
) {
  expect(actual.peakF1).toBeCloseTo(expected.peakF1, 12);
  expect(actual.precision).toBeCloseTo(expected.precision, 12);
  expect(actual.recall).toBeCloseTo(expected.recall, 12);
  expect(actual.threshold).toBe(expected.threshold);
}

function expectMatchesBrute(r: PeakF1Result, b: ReturnType<typeof brutePeakF1>) {
  expectPointClose(r, b);
  expectPointClose(r.mixed, b.mixed);
  expect(r.aucPr).toBeCloseTo(b.aucPr, 12);
  expect(r.eventTypes).toEqual(b.eventTypes);
  expect(r.keptRecords).toBe(b.keptRecords);
  expect(r.positives).toBe(b.positives);
  expect(Object.keys(r.recallByEvent).sort()).toEqual(Object.keys(b.recallByEvent).sort());
  for (const [k, v] of Object.entries(b.recallByEvent)) expect(r.recallByEvent[k]).toBeCloseTo(v, 12);
  expect(Object.keys(r.byEvent).sort()).toEqual(Object.keys(b.byEvent).sort());
  for (const [k, v] of Object.entries(b.byEvent)) expectPointClose(r.byEvent[k], v);
}

describe('rankByScoreDescending', () => {
  it('orders like a comparator sort on (score desc, index asc) and groups equal scores', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }).map((v) => v / 2),
      fc.constantFrom(0, -0, L, Infinity, -Infinity),
      // neighbours that differ only in the low 32 bits of the mantissa
      fc.tuple(fc.constantFrom(-1, 1), fc.integer({ min: 0, max: 4 })).map(([sign, k]) => sign * (1 + k * 2 ** -45)),
      fc.double({ noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 60 }), (scores) => {
        const { order, thresholds, groupEnds } = rankByScoreDescending(scores);
        const expected = scores
          .map((_, i) => i)
          .sort((a, b) => (scores[a] === scores[b] ? a - b : scores[a] > scores[b] ? -1 : 1));
        expect(Array.from(order)).toEqual(expected);
        const distinct = [...new Set(scores)].sort((a, b) => (a === b ? 0 : a > b ? -1 : 1));
        // −0 and 0 are one threshold; which sign represents it does not matter (x + 0 maps −0 to 0)
        expect(Array.from(thresholds, (x) => x + 0)).toEqual(distinct.map((x) => x + 0));
        expect(Array.from(groupEnds)).toEqual(distinct.map((d) => scores.filter((x) => x >= d).length));
      }),
      { numRuns: 300 },
    );
  });
});

describe('peakF1 on the worked example of docs/divad.md §2', () => {
  const labels = [0, 0, 0, 1, 1, 0, 0, 0, 7, 2, 0, 0];
  const scores = [L, L, 0.55, 0.9, 0.6, 0.7, 0.3, 0.1, 0.8, 0.5, 0.4, 0.2];

  it('keeps {0,1,2,3,4,7,9} and peaks at .857 for τ = .5 with P = .75, R̄ = 1', () => {
    const mask = keptRecordMask(labels, 2, new Set([7]));
    expect([...mask.keys()].filter((i) => mask[i] === 1)).toEqual([0, 1, 2, 3, 4, 7, 9]);
    const r = peakF1([{ scores, labels }], { delayedWindow: 2, ignoredLabels: [7], eventNames: { 1: 'T1', 2: 'T2' } });
    expect(r.peakF1).toBeCloseTo(6 / 7, 12);
    expect(r.peakF1.toFixed(3)).toBe('0.857');
    expect(r.threshold).toBe(0.5);
    expect(r.precision).toBeCloseTo(0.75, 12);
    expect(r.recall).toBeCloseTo(1, 12);
    expect(r.recallByEvent).toEqual({ T1: 1, T2: 1 });
    expect(r.eventTypes).toEqual([1, 2]);
    expect(r.keptRecords).toBe(7);
    expect(r.positives).toBe(3);
    expect(r.warning).toBeUndefined();
    // mixed recall at τ = .5 is 3/3 too; type 1 alone peaks at τ = .6 (P = 1, R_1 = 1); type 2 at τ = .5
    expect(r.mixed.peakF1).toBeCloseTo(6 / 7, 12);
    expect(r.mixed.threshold).toBe(0.5);
    expect(r.byEvent.T1.peakF1).toBeCloseTo(1, 12);
    expect(r.byEvent.T1.threshold).toBe(0.6);
    expect(r.byEvent.T2.peakF1).toBeCloseTo(6 / 7, 12);
    expect(r.byEvent.T2.threshold).toBe(0.5);
  });

  it('without the post-anomaly mask (delayed window 0) record 5 is a false positive: .75 at τ = .5, P = .6', () => {
    const r = peakF1([{ scores, labels }], { delayedWindow: 0, ignoredLabels: [7] });
    expect(r.peakF1).toBeCloseTo(0.75, 12);
    expect(r.threshold).toBe(0.5);
    expect(r.precision).toBeCloseTo(0.6, 12);
    expect(r.recall).toBeCloseTo(1, 12);
    expect(r.keptRecords).toBe(11);
    expect(r.recallByEvent).toEqual({ '1': 1, '2': 1 });
  });
});

describe('peakF1 semantics', () => {
  it('reports the lowest threshold among tied maxima', () => {
    // τ = 4: P 1, R .5 → 2/3; τ = 3: .5; τ = 2: .4; τ = 1: P .5, R 1 → 2/3
    const r = peakF1([{ scores: [4, 3, 2, 1], labels: [1, 0, 0, 1] }], { delayedWindow: 0 });
    expect(r.peakF1).toBeCloseTo(2 / 3, 12);
    expect(r.threshold).toBe(1);
    expect(r.precision).toBeCloseTo(0.5, 12);
    expect(r.recall).toBe(1);
  });

  it('flips equal scores together', () => {
    // both records share τ = 1: P = 1/2 and R = 1 is the only non-trivial point
    const r = peakF1([{ scores: [1, 1], labels: [0, 1] }], { delayedWindow: 0 });
    expect(r.peakF1).toBeCloseTo(2 / 3, 12);
    expect(r.precision).toBeCloseTo(0.5, 12);
  });

  it('pools sequences and lets an ignored record stop the mask', () => {
    // sequence 0: the run at 0 masks 1 only (w = 1); sequence 1: label 7 ends the sub-period, record 2 stays
    const r = peakF1(
      [
        { scores: [5, 9, 1], labels: [1, 0, 0] },
        { scores: [2, 0, 8], labels: [3, 7, 0] },
      ],
      { delayedWindow: 1, ignoredLabels: [7] },
    );
    expect(r.keptRecords).toBe(4);
    expect(r.eventTypes).toEqual([1, 3]);
    // τ = 8: P 0; τ = 5: P 1/2, R̄ 1/2 → 1/2; τ = 2: P 2/3, R̄ 1 → 4/5; τ = 1: P 1/2, R̄ 1 → 2/3
    expect(r.peakF1).toBeCloseTo(0.8, 12);
    expect(r.threshold).toBe(2);
  });

  it('matches a brute-force count on random sequences, types, ignored labels and delays', () => {
    const label = fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 3, arbitrary: fc.constantFrom(1, 2, 3) },
      { weight: 1, arbitrary: fc.constant(7) },
    );
    const score = fc.oneof(
      fc.integer({ min: 0, max: 6 }).map((v) => v / 6),
      fc.integer({ min: -1000, max: 1000 }).map((v) => v / 1000),
      fc.constant(L),
    );
    const sequence = fc
      .array(fc.tuple(label, fc.integer({ min: 1, max: 6 })), { maxLength: 10 })
      .map((runs) => runs.flatMap(([y, len]) => Array.from({ length: len }, () => y)))
      .chain((labels) =>
        fc.array(score, { minLength: labels.length, maxLength: labels.length }).map((scores) => ({ scores, labels })),
      );
    const names = fc.constantFrom<Record<number, string> | undefined>(undefined, {
      1: 'bursty_input',
      3: 'stalled_input',
    });
    fc.assert(
      fc.property(
        fc.array(sequence, { minLength: 1, maxLength: 4 }).filter((seqs) => seqs.some((s) => s.labels.length > 0)),
        fc.integer({ min: 0, max: 5 }),
        fc.constantFrom<number[]>([], [7], [7, 3]),
        names,
        (seqs, w, ignored, eventNames) => {
          const r = peakF1(seqs, { delayedWindow: w, ignoredLabels: ignored, eventNames });
          const b = brutePeakF1(seqs, w, ignored, eventNames);
          expectMatchesBrute(r, b);
          expect(r.warning !== undefined).toBe(b.positives === 0);
        },
      ),
      { numRuns: 600 },
    );
  });
});

describe('peakF1 degenerate input', () => {
  it('returns peak F1 0 with a warning when no kept record is anomalous', () => {
    for (const [labels, ignoredLabels] of [
      [[0, 0, 0], []],
      [[0, 7, 7], [7]],
    ] as [number[], number[]][]) {
      const r = peakF1([{ scores: [0.1, 0.9, 0.5], labels }], { delayedWindow: 1, ignoredLabels });
      expect(r.peakF1).toBe(0);
      expect(r.recall).toBe(0);
      expect(r.threshold).toBe(Infinity);
      expect(r.positives).toBe(0);
      expect(r.eventTypes).toEqual([]);
      expect(r.warning).toMatch(/no anomalous record/);
    }
  });

  it('throws a ParameterError on empty input', () => {
    expect(() => peakF1([], { delayedWindow: 0 })).toThrow(ParameterError);
    expect(() => peakF1([{ scores: [], labels: [] }], { delayedWindow: 0 })).toThrow(ParameterError);
  });

  it('names the sequence whose scores and labels differ in length', () => {
    const seqs = [
      { scores: [1, 2], labels: [0, 1] },
      { scores: [1, 2, 3], labels: [0, 1] },
    ];
    expect(() => peakF1(seqs, { delayedWindow: 0 })).toThrow(ParameterError);
    expect(() => peakF1(seqs, { delayedWindow: 0 })).toThrow(/sequence 1: 3 scores but 2 labels/);
  });

  it('rejects NaN scores, bad labels and a bad delayed window', () => {
    expect(() => peakF1([{ scores: [NaN], labels: [1] }], { delayedWindow: 0 })).toThrow(/sequence 0, record 0/);
    expect(() => peakF1([{ scores: [1, 2], labels: [0, -1] }], { delayedWindow: 0 })).toThrow(ParameterError);
    expect(() => peakF1([{ scores: [1], labels: [0.5] }], { delayedWindow: 0 })).toThrow(ParameterError);
    expect(() => peakF1([{ scores: [1], labels: [1] }], { delayedWindow: -1 })).toThrow(ParameterError);
    expect(() => peakF1([{ scores: [1], labels: [1] }], { delayedWindow: 1.5 })).toThrow(ParameterError);
  });
});

describe('peakF1 at scale', () => {
  it('handles 1e6 records; the peak agrees with direct counts at its threshold and beats sampled thresholds', () => {
    const rand = mulberry32(2024);
    const seqs: Seq[] = [];
    for (let s = 0; s < 4; s++) {
      const n = 250_000;
      const labels = new Array<number>(n).fill(0);
      for (let e = 0; e < 60; e++) {
        const start = Math.floor(rand() * (n - 500));
        const len = 20 + Math.floor(rand() * 400);
        const type = e % 10 === 9 ? 7 : 1 + Math.floor(rand() * 3);
        for (let t = start; t < start + len; t++) labels[t] = type;
      }
      // quantised scores (ties); anomalies score higher on average
      const scores = labels.map((y) => Math.round((rand() + (y > 0 && y !== 7 ? 0.4 * rand() : 0)) * 2000) / 2000);
      seqs.push({ scores, labels });
    }
    const r = peakF1(seqs, { delayedWindow: 19, ignoredLabels: [7] });
    const kept = bruteKept(seqs, 19, [7]);
    expect(r.keptRecords).toBe(kept.length);
    expect(r.eventTypes).toEqual([1, 2, 3]);
    const atPeak = countAt(kept, r.eventTypes, r.threshold);
    expect(r.precision).toBeCloseTo(atPeak.p, 12);
    expect(r.recall).toBeCloseTo(atPeak.rbar, 12);
    expect(r.peakF1).toBeCloseTo(f1(atPeak.p, atPeak.rbar), 12);
    const sample = mulberry32(5);
    for (let i = 0; i < 40; i++) {
      const tau = kept[Math.floor(sample() * kept.length)].s;
      const row = countAt(kept, r.eventTypes, tau);
      const f = f1(row.p, row.rbar);
      // a lower threshold never reaches the peak (lowest τ among ties is reported), a higher one at most ties it
      if (tau < r.threshold) expect(f).toBeLessThan(r.peakF1);
      else expect(f).toBeLessThanOrEqual(r.peakF1);
    }
  });
});
