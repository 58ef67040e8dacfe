import { ParameterError, type DeployedMetrics } from '@driftwatch/contracts';
import { f1Score, type PeakF1Options } from '../metrics/peak-f1';
import { poolKeptRecords, type LabelledScores } from '../metrics/record-filter';
import { potThreshold } from './pot';
import { percentileThreshold } from './quantile';
import { iqrThreshold, madThreshold, stdThreshold } from './spread';

/** A label-free threshold rule: fitted on calibration scores (training or validation, never test labels). */
export interface NamedSelector {
  /** short id kept in results.jsonl, e.g. 'pot-1e-3' */
  id: string;
  /** what the rule is, for reports */
  description: string;
  select(calibration: Float64Array): number;
}

/**
 * The selectors a benchmark records by default (docs/divad.md §2, Exathlon's STD / MAD / IQR with k = 3, 3, 1.5;
 * the 99th percentile; POT with risk 1e-3 and initial level 0.98, Siffer et al. KDD 2017).
 */
export const DEFAULT_SELECTORS: readonly NamedSelector[] = Object.freeze([
  {
    id: 'p99',
    description: '99th percentile of the calibration scores',
    select: (s: Float64Array) => percentileThreshold(s, 99),
  },
  { id: 'mean+3std', description: 'mean + 3·std', select: (s: Float64Array) => stdThreshold(s, 3) },
  { id: 'median+3mad', description: 'median + 3·1.4826·MAD', select: (s: Float64Array) => madThreshold(s, 3) },
  { id: 'iqr-1.5', description: 'Q3 + 1.5·IQR', select: (s: Float64Array) => iqrThreshold(s, 1.5) },
  {
    id: 'pot-1e-3',
    description: 'POT, risk q = 1e-3, initial level 0.98',
    select: (s: Float64Array) => potThreshold(s, { q: 1e-3 }).threshold,
  },
]);

export interface FixedThresholdMetrics {
  threshold: number;
  precision: number;
  /** balanced over event types when there are several, mixed with one (as peakF1's headline recall) */
  recall: number;
  f1: number;
  /** R_k per event type present */
  recallByEvent: Record<string, number>;
  /** kept records predicted anomalous (s ≥ τ) */
  predicted: number;
}

/**
 * Precision, recall and F1 of ŷ = [s ≥ τ] for one fixed τ with peakF1's protocol (docs/divad.md §2 items 1–4):
 * the same records kept, mixed precision (P := 1 when nothing is predicted), recall averaged over the event
 * types present. At τ = peakF1's threshold it gives peakF1's figures.
 */
export function metricsAtThreshold(
  sequences: readonly LabelledScores[],
  threshold: number,
  opts: PeakF1Options,
): FixedThresholdMetrics {
  if (Number.isNaN(threshold)) throw new ParameterError('threshold is NaN');
  const kept = poolKeptRecords(sequences, opts.delayedWindow, opts.ignoredLabels ?? []);
  const total = new Map<number, number>();
  const hits = new Map<number, number>();
  let predicted = 0;
  let truePositives = 0;
  for (let i = 0; i < kept.scores.length; i++) {
    const y = kept.labels[i];
    const flagged = kept.scores[i] >= threshold;
    if (flagged) predicted++;
    if (y === 0) continue;
    total.set(y, (total.get(y) ?? 0) + 1);
    if (flagged) {
      hits.set(y, (hits.get(y) ?? 0) + 1);
      truePositives++;
    }
  }
  const types = [...total.keys()].sort((a, b) => a - b);
  const precision = predicted === 0 ? 1 : truePositives / predicted;
  const recallByEvent: Record<string, number> = {};
  for (const k of types) recallByEvent[opts.eventNames?.[k] ?? String(k)] = (hits.get(k) ?? 0) / total.get(k)!;
  const positives = types.reduce((n, k) => n + total.get(k)!, 0);
  const perType = Object.values(recallByEvent);
  const recall =
    positives === 0
      ? 0
      : types.length > 1
        ? perType.reduce((a, b) => a + b, 0) / types.length
        : truePositives / positives;
  return { threshold, precision, recall, f1: f1Score(precision, recall), recallByEvent, predicted };
}

/**
 * Each selector's threshold fitted on `calibration`, then evaluated on the test sequences: the figures a
 * deployment would get, kept apart from the oracle peak (docs/architecture.md, EvaluationResult.deployed).
 * A selector that cannot fit (e.g. POT with no excess) is reported with threshold NaN and an `error`.
 */
export function deployedMetrics(
  calibration: ArrayLike<number>,
  sequences: readonly LabelledScores[],
  opts: PeakF1Options,
  selectors: readonly NamedSelector[] = DEFAULT_SELECTORS,
): DeployedMetrics[] {
  const finite = Float64Array.from(calibration).filter((s) => Number.isFinite(s));
  if (finite.length === 0) throw new ParameterError('deployed thresholds need calibration scores; none is finite');
  return selectors.map((selector) => {
    let threshold: number;
    try {
      threshold = selector.select(finite);
    } catch (error) {
      return {
        selector: selector.id,
        threshold: NaN,
        precision: NaN,
        recall: NaN,
        f1: NaN,
        error: (error as Error).message,
      };
    }
    const m = metricsAtThreshold(sequences, threshold, opts);
    return { selector: selector.id, threshold, precision: m.precision, recall: m.recall, f1: m.f1 };
  });
}
