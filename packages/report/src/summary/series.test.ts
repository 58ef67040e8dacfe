import { ewmaBySegment, recordScores, tsbAdVus } from '@driftwatch/eval';
import { analyseSeries } from './series';
import { syntheticReportInput } from '../../test/synthetic';

/** AUC-ROC as the share of (anomalous, normal) pairs ranked right, ties counting half: the definition itself. */
function pairwiseAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!labels[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j]) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('analyseSeries', () => {
  const input = syntheticReportInput({ methods: ['m'], servers: 1, length: 300, smoothings: [0, 0.9] });
  const series = input.series[0];
  const best = input.results.reduce((a, b) => (b.peakF1 > a.peakF1 ? b : a));

  it('splits the smoothed scores after the first window into normal and anomalous populations', () => {
    const a = analyseSeries(series, best);
    const W = series.windowLength;
    const expected = recordScores(series.testScores.subarray(W - 1), W, best.smoothing).slice(W - 1);
    expect(Array.from(a.scores)).toEqual(Array.from(expected));
    const anomalous = Array.from(series.labels)
      .slice(W - 1)
      .filter((y) => y > 0).length;
    expect(a.populations['test anomalous'].length).toBe(anomalous);
    expect(a.populations['test normal'].length).toBe(expected.length - anomalous);
    expect(Array.from(a.populations['train normal']!)).toEqual(
      Array.from(ewmaBySegment(series.calibration!, best.smoothing)),
    );
  });

  it('computes AUC-ROC as the pairwise definition does', () => {
    const a = analyseSeries(series, best);
    expect(a.metrics.aucRoc).toBeCloseTo(pairwiseAuc(a.scores, a.labels), 12);
    expect(a.metrics.peakF1).toBe(best.peakF1);
    expect(a.metrics.paK.k).toHaveLength(101);
  });

  it("gives TSB-AD's VUS-PR over the window of the first channel, or over W without one", () => {
    const firstChannel = Float64Array.from({ length: series.labels.length }, (_, t) =>
      Math.sin((2 * Math.PI * t) / 24),
    );
    const a = analyseSeries({ ...series, firstChannel }, best);
    expect(a.metrics.tsbAdWindow).toBe(24);
    expect(a.metrics.tsbAdVusPr).toBe(tsbAdVus(a.scores, a.labels, { slidingWindow: 24 }).vusPr);
    const withoutData = analyseSeries(series, best);
    expect(withoutData.metrics.tsbAdWindow).toBe(series.windowLength);
    expect(withoutData.metrics.tsbAdVusPr).toBe(
      tsbAdVus(a.scores, a.labels, { slidingWindow: series.windowLength }).vusPr,
    );
  });

  it('refuses a score file whose peak F1 differs from the results line', () => {
    expect(() => analyseSeries(series, { ...best, peakF1: best.peakF1 - 0.01 })).toThrow(
      /does not belong to these results/,
    );
  });
});
