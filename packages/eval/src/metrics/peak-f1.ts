import { areaUnderPrCurve } from './auc-pr';
import { rankByScoreDescending, type ScoreRanking } from './rank';
import { poolKeptRecords, type LabelledScores } from './record-filter';

export interface PeakF1Options {
  /** records dropped after each anomaly: W − 1 for windows of length W (docs/divad.md §2 item 1) */
  delayedWindow: number;
  /** labels whose records are removed before anything else (Exathlon: [7]) */
  ignoredLabels?: number[];
  /** names for event types in the keyed outputs; a type without a name is keyed by its number */
  eventNames?: Record<number, string>;
}

/** The best threshold of one F-score curve with the precision and recall there. */
export interface OperatingPoint {
  peakF1: number;
  precision: number;
  recall: number;
  threshold: number;
}

export interface PeakF1Result extends OperatingPoint {
  aucPr: number;
  /** R_k at the headline threshold, per event type present */
  recallByEvent: Record<string, number>;
  /** peak of F(P, R_mix): every anomalous record counts once, whatever its type */
  mixed: OperatingPoint;
  /** per event type k, peak of F(P, R_k) */
  byEvent: Record<string, OperatingPoint>;
  /** K: the labels > 0 among kept records, ascending */
  eventTypes: number[];
  keptRecords: number;
  /** kept records with a label > 0 */
  positives: number;
  /** set when no kept record is anomalous; the metrics are then those of τ = +∞ */
  warning?: string;
}

/** F = 2PR/(P + R), and 0 when P + R = 0 (docs/divad.md §2 item 4). */
export function f1Score(precision: number, recall: number): number {
  const s = precision + recall;
  return s === 0 ? 0 : (2 * precision * recall) / s;
}

/** The τ = +∞ operating point: nothing predicted, P := 1, R := 0, F := 0 (docs/divad.md §2 item 3). */
function noAlarmPoint(): OperatingPoint {
  return { peakF1: 0, precision: 1, recall: 0, threshold: Infinity };
}

function eventKey(k: number, names: Record<number, string> | undefined): string {
  return names?.[k] ?? String(k);
}

interface EncodedTypes {
  /** K, ascending */
  eventTypes: number[];
  /** per kept record: 0 normal, 1..K the index of its type in eventTypes, plus one */
  typeOf: Uint8Array | Uint32Array;
  /** N_k per type index (index 0: normal records) */
  total: Float64Array;
}

/** K = the labels > 0 among kept records, N_k = #{y = k} (docs/divad.md §2 item 2). */
function encodeEventTypes(labels: Int32Array): EncodedTypes {
  const eventTypes = [...new Set(labels.filter((y) => y > 0))].sort((a, b) => a - b);
  const typeIndex = new Map(eventTypes.map((k, i) => [k, i + 1]));
  const typeOf = eventTypes.length < 256 ? new Uint8Array(labels.length) : new Uint32Array(labels.length);
  const total = new Float64Array(eventTypes.length + 1);
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i] > 0 ? typeIndex.get(labels[i])! : 0;
    typeOf[i] = t;
    total[t]++;
  }
  return { eventTypes, typeOf, total };
}

function noPositivesResult(keptRecords: number): PeakF1Result {
  return {
    ...noAlarmPoint(),
    aucPr: 0,
    recallByEvent: {},
    mixed: noAlarmPoint(),
    byEvent: {},
    eventTypes: [],
    keptRecords,
    positives: 0,
    warning: `no anomalous record among the ${keptRecords} kept records: peak F1 is 0 (threshold +∞) by convention`,
  };
}

interface Sweep {
  best: OperatingPoint;
  /** records predicted anomalous at the best threshold: order[0, bestCut) */
  bestCut: number;
  mixed: OperatingPoint;
  byType: OperatingPoint[];
  /** precision and headline recall per distinct threshold, high to low */
  curvePrecision: Float64Array;
  curveRecall: Float64Array;
}

/**
 * Lowers τ through the distinct scores with running hit counts per type (docs/divad.md §2 items 3–5): at each τ,
 * P = hits/predicted, R_k = hits_k/N_k, R̄ = mean_k R_k, R_mix = hits/positives. Maxima use ≥ so that, going
 * down, a tie moves to the lower threshold.
 */
function sweepThresholds(ranking: ScoreRanking, types: EncodedTypes): Sweep {
  const { order, thresholds, groupEnds } = ranking;
  const { typeOf, total } = types;
  const K = types.eventTypes.length;
  const positives = order.length - total[0];
  const groups = thresholds.length;
  const hits = new Float64Array(K + 1);
  let predicted = 0;
  let truePositives = 0;
  const sweep: Sweep = {
    best: noAlarmPoint(),
    bestCut: 0,
    mixed: noAlarmPoint(),
    byType: types.eventTypes.map(noAlarmPoint),
    curvePrecision: new Float64Array(groups),
    curveRecall: new Float64Array(groups),
  };
  let i = 0;
  for (let g = 0; g < groups; g++) {
    const tau = thresholds[g];
    // every record with score τ flips to "predicted" together
    for (; i < groupEnds[g]; i++) {
      const t = typeOf[order[i]];
      hits[t]++;
      predicted++;
      if (t > 0) truePositives++;
    }
    const precision = truePositives / predicted;
    const mixedRecall = truePositives / positives;
    let recallSum = 0;
    for (let k = 1; k <= K; k++) {
      const rk = hits[k] / total[k];
      recallSum += rk;
      const fk = f1Score(precision, rk);
      if (fk >= sweep.byType[k - 1].peakF1) sweep.byType[k - 1] = { peakF1: fk, precision, recall: rk, threshold: tau };
    }
    const recall = K > 1 ? recallSum / K : mixedRecall;
    const f = f1Score(precision, recall);
    if (f >= sweep.best.peakF1) {
      sweep.best = { peakF1: f, precision, recall, threshold: tau };
      sweep.bestCut = i;
    }
    const fMixed = f1Score(precision, mixedRecall);
    if (fMixed >= sweep.mixed.peakF1) sweep.mixed = { peakF1: fMixed, precision, recall: mixedRecall, threshold: tau };
    sweep.curvePrecision[g] = precision;
    sweep.curveRecall[g] = recall;
  }
  return sweep;
}

/**
 * Point-based peak F1 of docs/divad.md §2 over the records of all test sequences.
 *
 * Records are filtered per sequence (ignored labels, then `delayedWindow` normal records after each anomaly
 * run) and pooled. Each distinct kept score τ is a threshold (prediction s ≥ τ). Precision is mixed (all
 * anomaly types positive); the headline recall is balanced — the mean of R_k over the types present — when
 * there are several types, and mixed recall with one type. The reported threshold is the lowest among tied
 * maxima (numpy argmax over ascending thresholds). AUC-PR uses the headline recall.
 *
 * One stable radix sort of the scores, then one sweep over the G distinct thresholds from high to low:
 * O(n + G·|K|).
 *
 * Degenerate input: when no kept record is anomalous the result is the τ = +∞ point (peak F1 0, P 1,
 * R 0, AUC-PR 0) with a `warning`, so that benchmark loops keep going. Empty input, NaN scores, labels
 * that are not integers ≥ 0 and score/label length mismatches throw a ParameterError naming the sequence.
 */
export function peakF1(sequences: readonly LabelledScores[], opts: PeakF1Options): PeakF1Result {
  const kept = poolKeptRecords(sequences, opts.delayedWindow, opts.ignoredLabels ?? []);
  const types = encodeEventTypes(kept.labels);
  const { eventTypes, total } = types;
  const keptRecords = kept.scores.length;
  const positives = keptRecords - total[0];
  if (positives === 0) return noPositivesResult(keptRecords);

  const ranking = rankByScoreDescending(kept.scores);
  const sweep = sweepThresholds(ranking, types);
  // sklearn's order is ascending τ
  const aucPr = areaUnderPrCurve(sweep.curvePrecision.reverse(), sweep.curveRecall.reverse());

  const hitsAtPeak = new Float64Array(eventTypes.length + 1);
  for (let j = 0; j < sweep.bestCut; j++) hitsAtPeak[types.typeOf[ranking.order[j]]]++;
  const recallByEvent: Record<string, number> = {};
  const byEvent: Record<string, OperatingPoint> = {};
  eventTypes.forEach((k, idx) => {
    const key = eventKey(k, opts.eventNames);
    recallByEvent[key] = hitsAtPeak[idx + 1] / total[idx + 1];
    byEvent[key] = sweep.byType[idx];
  });
  return { ...sweep.best, aucPr, recallByEvent, mixed: sweep.mixed, byEvent, eventTypes, keptRecords, positives };
}
