import type { DeployedMetrics } from '@driftwatch/contracts';
import {
  AD_LEVELS,
  affiliation,
  areaUnderRoc,
  detectionDelays,
  eventWiseMetrics,
  ewmaBySegment,
  paKCurve,
  peakF1,
  peakPointAdjustedF1,
  predictAtThreshold,
  randomScoreBaseline,
  rangeBasedMetrics,
  recordScores,
  vus,
  f1Score,
  findLengthRank,
  tsbAdVusPr,
  type PaKCurve,
} from '@driftwatch/eval';
import type { ScoreSeries, SourcedResult } from '../input';

/** The three score populations of the distribution plots. */
export interface ScorePopulations {
  /** validation windows of the training sequences (normal records only), when the benchmark kept them */
  'train normal'?: Float64Array;
  'test normal': Float64Array;
  'test anomalous': Float64Array;
}

/** Threshold-free and fixed-threshold figures of one series beyond peak F1 (the wider metric suite). */
export interface SeriesMetrics {
  peakF1: number;
  aucRoc: number;
  aucPr: number;
  vusRoc: number;
  vusPr: number;
  /** VUS buffer lengths ℓ = 0..maxBuffer */
  maxBuffer: number;
  /** the TSB-AD benchmark's VUS-PR (tsbAdVus) over buffers 0..tsbAdWindow */
  tsbAdVusPr: number;
  /** findLengthRank of the test sequence's first feature, as TSB-AD; W when the report has no data for it */
  tsbAdWindow: number;
  /** Tatbul et al. range-based F1 with Exathlon's AD2 parameters, at the oracle threshold */
  rangeF1Ad2: number;
  /** Garg et al. composite F1 and event F1 at the oracle threshold */
  compositeF1: number;
  eventF1: number;
  /** Huet et al. affiliation precision and recall at the oracle threshold */
  affiliationPrecision: number;
  affiliationRecall: number;
  /** mean records from an event's start to its first alarm, over detected events; null when none is detected */
  meanDelay: number | null;
  detectedEvents: number;
  events: number;
  /** peak point-adjusted F1 of these scores and of uniform random scores on the same labels */
  pointAdjustedF1: number;
  randomPointAdjustedF1: number;
  randomPointwiseF1: number;
  /** PA%K F1 at the oracle threshold, K = 0..100 */
  paK: PaKCurve;
}

/** One series analysed at the smoothing factor its best grid point used. */
export interface SeriesAnalysis {
  series: ScoreSeries;
  /** the grid point it is drawn at (best peak F1 over smoothing factors: an oracle choice) */
  best: SourcedResult;
  smoothing: number;
  /** smoothed record scores from record W − 1 on (the padded records dropped) */
  scores: Float64Array;
  labels: Uint8Array;
  /** record index of scores[0] */
  offset: number;
  oracleThreshold: number;
  deployed: DeployedMetrics[];
  populations: ScorePopulations;
  metrics: SeriesMetrics;
}

/** Seed of the random-score baseline, fixed so reports are reproducible. */
export const RANDOM_BASELINE_SEED = 0;

/**
 * Re-derives what a series' best results line says (peak F1 at its smoothing factor) from the scores and then
 * computes the figures and the wider metric suite at that point. The peak F1 recomputed here must equal the
 * results line's: a mismatch means the score file does not belong to those results, and is an error.
 */
export function analyseSeries(series: ScoreSeries, best: SourcedResult): SeriesAnalysis {
  const W = series.windowLength;
  const pad = W - 1;
  const windowScores = series.testScores.subarray(pad);
  const smoothing = best.smoothing;
  const padded = recordScores(windowScores, W, smoothing);
  const peak = peakF1([{ scores: padded, labels: series.labels }], { delayedWindow: pad });
  if (Math.abs(peak.peakF1 - best.peakF1) > 1e-9) {
    throw new Error(
      `${series.method} on ${series.testSequence}: peak F1 from the score file ` +
        `is ${peak.peakF1.toFixed(6)} at β = ${smoothing}, ` +
        `but ${best.source} says ${best.peakF1.toFixed(6)}; the score file does not belong to these results`,
    );
  }
  const scores = padded.slice(pad);
  const labels = Uint8Array.from({ length: scores.length }, (_, i) => (series.labels[pad + i] > 0 ? 1 : 0));
  const rawLabels = Array.from({ length: scores.length }, (_, i) => series.labels[pad + i]);
  const testNormal: number[] = [];
  const testAnomalous: number[] = [];
  scores.forEach((s, i) => (labels[i] ? testAnomalous : testNormal).push(s));
  const populations: ScorePopulations = {
    'test normal': Float64Array.from(testNormal),
    'test anomalous': Float64Array.from(testAnomalous),
  };
  if (series.calibration && series.calibration.length > 0)
    populations['train normal'] = ewmaBySegment(series.calibration, smoothing);

  const predictions = predictAtThreshold(scores, peak.threshold);
  const range = rangeBasedMetrics(predictions, rawLabels, AD_LEVELS.AD2);
  const events = eventWiseMetrics(predictions, labels);
  const aff = affiliation(labels, predictions);
  const delays = detectionDelays(predictions, labels);
  const volume = vus(scores, labels, { maxBuffer: W });
  const tsbAdWindow = series.firstChannel ? findLengthRank(series.firstChannel) : W;
  const random = randomScoreBaseline(labels, RANDOM_BASELINE_SEED);
  return {
    series,
    best,
    smoothing,
    scores,
    labels,
    offset: pad,
    oracleThreshold: peak.threshold,
    deployed: best.deployed ?? [],
    populations,
    metrics: {
      peakF1: peak.peakF1,
      aucRoc: areaUnderRoc(scores, labels),
      aucPr: peak.aucPr,
      vusRoc: volume.vusRoc,
      vusPr: volume.vusPr,
      maxBuffer: W,
      tsbAdVusPr: tsbAdVusPr(scores, labels, { slidingWindow: tsbAdWindow }),
      tsbAdWindow,
      rangeF1Ad2: f1Score(range.precision, range.recall),
      compositeF1: events.compositeF1,
      eventF1: events.eventF1,
      affiliationPrecision: aff.precision,
      affiliationRecall: aff.recall,
      meanDelay: delays.meanDelay,
      detectedEvents: events.detectedEvents,
      events: events.events,
      pointAdjustedF1: peakPointAdjustedF1(scores, labels).peakF1,
      randomPointAdjustedF1: random.pointAdjusted.peakF1,
      randomPointwiseF1: random.pointwise.peakF1,
      paK: paKCurve(predictions, labels),
    },
  };
}
