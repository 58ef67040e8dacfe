import { ParameterError } from '@driftwatch/contracts';
import { findLengthRank, tsbAdVus, tsbAdVusPr, tsbAdVusRoc } from './tsb-ad-vus';
import { vus } from './vus';

// Reference values from TSB-AD's published code, repository TheDatumOrg/TSB-AD at commit
// 87630099ea8d0dafe89a957e31ed9720e88479eb: TSB_AD/evaluation/basic_metrics.py
// generate_curve(labels.astype(int), scores, slidingWindow, version, 250) for version 'opt' and 'opt_mem' (they
// agree to the last bit), taking its last two outputs (VUS-ROC, VUS-PR), as get_metrics does; and
// TSB_AD/utils/slidingWindows.py find_length_rank(series.reshape(-1, 1), rank). Run with Python 3 and numpy 2.4.
// statsmodels and scikit-learn were not installed: basic_metrics only imports sklearn.metrics (the VUS functions do
// not use it), and acf(x, nlags=400, fft=True) was replaced by a numpy transcription of statsmodels' FFT acovf
// (demeaned, not adjusted, zero-padded to the next 5-smooth length ≥ 2n + 1, divided by lag 0). The inputs are built
// by `lcg` and `labelsOf` below, transcribed to numpy; each case names its construction.

/** x_{k+1} = (1664525·x_k + 1013904223) mod 2³², u_k = x_k / 2³² (exact in doubles: the product stays below 2⁵³). */
function lcg(seed: number, n: number): number[] {
  const out: number[] = [];
  let x = seed;
  for (let k = 0; k < n; k++) {
    x = (1664525 * x + 1013904223) % 4294967296;
    out.push(x / 4294967296);
  }
  return out;
}

/** 0/1 labels with the inclusive ranges [start, end] set. */
function labelsOf(n: number, ranges: [number, number][]): number[] {
  const y = new Array<number>(n).fill(0);
  for (const [start, end] of ranges) for (let t = start; t <= end; t++) y[t] = 1;
  return y;
}

interface VusCase {
  name: string;
  scores: number[];
  labels: number[];
  slidingWindow: number;
  vusRoc: number;
  vusPr: number;
}

const RANDOM_RANGES: [number, number][] = [
  [50, 59],
  [200, 229],
  [390, 399],
];
const TIES_RANGES: [number, number][] = [
  [0, 4],
  [150, 170],
];
const CONSTANT_RANGES: [number, number][] = [
  [30, 34],
  [100, 119],
];
// at w = 6 the buffers of the first two ranges ([7, 15] and [16, 24]) touch without overlapping
const SHORT_RANGES: [number, number][] = [
  [10, 12],
  [19, 21],
  [40, 44],
];

const lifted = (u: number[], labels: number[], lift: number): number[] => u.map((x, t) => x + lift * labels[t]);
const randomLabels = labelsOf(400, RANDOM_RANGES);
const tiesLabels = labelsOf(300, TIES_RANGES);
const perfectLabels = labelsOf(200, [[80, 99]]);
const constantLabels = labelsOf(150, CONSTANT_RANGES);
const shortLabels = labelsOf(60, SHORT_RANGES);
const longLabels = labelsOf(30000, [
  [1000, 1099],
  [5000, 5019],
  [12000, 12499],
  [20000, 20004],
  [29000, 29299],
]);

const CASES: VusCase[] = [
  {
    // numpy: lcg(1, 400) + 0.5 * labels, slidingWindow 20
    name: 'random scores lifted on three ranges, one ending at the last record',
    scores: lifted(lcg(1, 400), randomLabels, 0.5),
    labels: randomLabels,
    slidingWindow: 20,
    vusRoc: 0.8801937934657366,
    vusPr: 0.6415347492979608,
  },
  {
    // numpy: np.round(lcg(2, 300) * 5) / 5 + 0.4 * labels, slidingWindow 12
    name: 'scores on a 0.2 grid (many ties), a range starting at record 0',
    scores: lifted(
      lcg(2, 300).map((u) => Math.round(u * 5) / 5),
      tiesLabels,
      0.4,
    ),
    labels: tiesLabels,
    slidingWindow: 12,
    vusRoc: 0.8675799254593675,
    vusPr: 0.5286253423668879,
  },
  {
    // numpy: labels.astype(float), slidingWindow 10
    name: 'a perfect detector',
    scores: perfectLabels,
    labels: perfectLabels,
    slidingWindow: 10,
    vusRoc: 1,
    vusPr: 1,
  },
  {
    // numpy: np.full(150, 0.5), slidingWindow 8
    name: 'a constant score',
    scores: new Array<number>(150).fill(0.5),
    labels: constantLabels,
    slidingWindow: 8,
    vusRoc: 0.5120201947178598,
    vusPr: 0.20526889761731051,
  },
  {
    // numpy: lcg(3, 60) + 0.3 * labels, slidingWindow 6
    name: 'a series shorter than the 250 thresholds, with touching buffers',
    scores: lifted(lcg(3, 60), shortLabels, 0.3),
    labels: shortLabels,
    slidingWindow: 6,
    vusRoc: 0.7980881131247302,
    vusPr: 0.517385120953021,
  },
  {
    // numpy: lcg(3, 60) + 0.3 * labels, slidingWindow 0
    name: 'the same short series without buffers (slidingWindow 0)',
    scores: lifted(lcg(3, 60), shortLabels, 0.3),
    labels: shortLabels,
    slidingWindow: 0,
    vusRoc: 0.7606679035250464,
    vusPr: 0.48205194935400214,
  },
  {
    // numpy: lcg(9, 30000) + 0.3 * labels, slidingWindow 125 (TSB-AD's default window); 4 s in TSB-AD's code
    name: '30 000 records with five ranges',
    scores: lifted(lcg(9, 30000), longLabels, 0.3),
    labels: longLabels,
    slidingWindow: 125,
    vusRoc: 0.7909233614814701,
    vusPr: 0.37025719528237716,
  },
];

describe('tsbAdVus', () => {
  it.each(CASES)('matches TSB-AD on $name', ({ scores, labels, slidingWindow, vusRoc, vusPr }) => {
    const result = tsbAdVus(scores, labels, { slidingWindow });
    expect(Math.abs(result.vusRoc - vusRoc)).toBeLessThan(1e-12);
    expect(Math.abs(result.vusPr - vusPr)).toBeLessThan(1e-12);
    expect(result.prAucByWindow).toHaveLength(slidingWindow + 1);
    expect(tsbAdVusPr(Float64Array.from(scores), Uint8Array.from(labels), { slidingWindow })).toBe(result.vusPr);
    expect(tsbAdVusRoc(scores, labels, { slidingWindow })).toBe(result.vusRoc);
  });

  it('differs from the PVLDB VUS of `vus` on the same scores, buffers and thresholds', () => {
    const [random] = CASES;
    const ours = vus(random.scores, random.labels, { maxBuffer: random.slidingWindow });
    const theirs = tsbAdVus(random.scores, random.labels, { slidingWindow: random.slidingWindow });
    // 0.6415 vs 0.5896. TSB-AD's RangeAUC_volume_opt edited in two places, P_w over every buffer record (N_labels
    // summed over labels_extended instead of labels) and PR trapezoids ((Precision_k + Precision_{k−1})/2 as
    // height), gives 0.589604833766181 here, ours; the first edit alone gives 0.59058, the second alone 0.64065
    expect(theirs.vusPr - ours.vusPr).toBeGreaterThan(0.05);
    expect(ours.vusPr).toBeCloseTo(0.589604833766181, 12);
    // with no buffer the continuous label is the labels themselves and only the integration differs
    const noBuffer = tsbAdVus(random.scores, random.labels, { slidingWindow: 0 });
    const oursNoBuffer = vus(random.scores, random.labels, { maxBuffer: 0 });
    expect(noBuffer.vusRoc).toBeCloseTo(oursNoBuffer.vusRoc, 12);
    expect(Math.abs(noBuffer.vusPr - oursNoBuffer.vusPr)).toBeGreaterThan(1e-4);
  });

  it('rejects bad input with the reason', () => {
    const { scores, labels } = CASES[0];
    expect(() => tsbAdVus(scores, labels, { slidingWindow: -1 })).toThrow(ParameterError);
    expect(() => tsbAdVus(scores, labels, { slidingWindow: 2.5 })).toThrow(/slidingWindow must be an integer ≥ 0/);
    expect(() => tsbAdVus(scores, labels, { slidingWindow: 4, thresholds: 0 })).toThrow(/thresholds/);
    expect(() => tsbAdVus(scores.slice(1), labels, { slidingWindow: 4 })).toThrow(/399 scores but 400 labels/);
    expect(() => tsbAdVus(scores, new Array<number>(400).fill(0), { slidingWindow: 4 })).toThrow(
      /at least one anomalous and one normal record/,
    );
  });
});

/** Σ_j a_j·sin(2πt/p_j) + trend·t + scale·(u_t − 0.5) with u = lcg(seed, n), for components [p_j, a_j]. */
function periodicSeries(n: number, components: [number, number][], trend: number, seed: number, scale: number) {
  return lcg(seed, n).map(
    (u, t) =>
      components.reduce((x, [period, amplitude]) => x + amplitude * Math.sin((2 * Math.PI * t) / period), 0) +
      trend * t +
      scale * (u - 0.5),
  );
}

describe('findLengthRank', () => {
  // numpy: t = arange(3000); sin(2πt/20) + 0.8 sin(2πt/70) + 0.2 (lcg(5, 3000) − 0.5)
  const twoPeriods = periodicSeries(
    3000,
    [
      [20, 1],
      [70, 0.8],
    ],
    0,
    5,
    0.2,
  );

  it.each([
    // numpy: t = arange(3000); sin(2πt/24) + 0.3 (lcg(4, 3000) − 0.5)
    ['a noisy sine of period 24', periodicSeries(3000, [[24, 1]], 0, 4, 0.3), 1, 24],
    ['two periods, 20 and 70: their common period', twoPeriods, 1, 140],
    ['two periods, rank 2: the next maximum at a longer lag', twoPeriods, 2, 280],
    // numpy: lcg(6, 500)
    ['uniform noise', lcg(6, 500), 1, 28],
    ['a constant series (no autocorrelation): the default 125', new Array<number>(100).fill(2), 1, 125],
    // numpy: t = arange(25000); sin(2πt/37) + 0.001 t + 0.5 (lcg(7, 25000) − 0.5): only the first 20000 records count
    ['a long trending sine of period 37', periodicSeries(25000, [[37, 1]], 0.001, 7, 0.5), 1, 37],
  ])('matches TSB-AD on %s', (_name, series, rank, expected) => {
    expect(findLengthRank(series as number[], rank as number)).toBe(expected);
  });

  it('gives 1 for rank 0 and 125 for a series too short to have a maximum', () => {
    expect(findLengthRank([1, 2, 3], 0)).toBe(1);
    expect(findLengthRank([1, 2, 3, 1], 1)).toBe(125);
  });

  it('rejects bad input with the reason', () => {
    expect(() => findLengthRank([], 1)).toThrow(/empty/);
    expect(() => findLengthRank([1, NaN, 2], 1)).toThrow(/record 1 is NaN/);
    expect(() => findLengthRank([1, 2, 3], 3)).toThrow(/rank must be 0, 1 or 2/);
  });
});
