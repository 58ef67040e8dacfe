import type { DeployedMetrics } from '@driftwatch/contracts';
import { ewmaBySegment, recordScores, SMOOTHING_GRID } from './online-scorer';
import { peakF1, type PeakF1Result } from './metrics/peak-f1';
import { deployedMetrics, type NamedSelector } from './thresholds/deployed';

export interface SmoothingGridOptions {
  /** smoothing factors β (default: docs/divad.md §1's grid of 12) */
  grid?: readonly number[];
  /** window scores of normal calibration sequences (one array each): when given, deployed figures are computed */
  calibration?: readonly ArrayLike<number>[];
  selectors?: readonly NamedSelector[];
  ignoredLabels?: number[];
  eventNames?: Record<number, string>;
}

export interface SmoothingGridPoint {
  smoothing: number;
  /** record scores at this β (W − 1 padded records first) */
  scores: Float64Array;
  result: PeakF1Result;
  deployed?: DeployedMetrics[];
}

/**
 * One test sequence's window scores evaluated at every smoothing factor as the benchmarks do (docs/divad.md §1–2):
 * record scores by the online scorer, peak F1 with W − 1 records dropped after each anomaly and, with
 * calibration scores, the label-free thresholds fitted on them (smoothed with the same β, per sequence).
 */
export function evaluateOverSmoothing(
  windowScores: ArrayLike<number>,
  labels: ArrayLike<number>,
  windowLength: number,
  options: SmoothingGridOptions = {},
): SmoothingGridPoint[] {
  const protocol = {
    delayedWindow: windowLength - 1,
    ignoredLabels: options.ignoredLabels,
    eventNames: options.eventNames,
  };
  return (options.grid ?? SMOOTHING_GRID).map((smoothing) => {
    const scores = recordScores(windowScores, windowLength, smoothing);
    const result = peakF1([{ scores, labels }], protocol);
    const deployed = options.calibration
      ? deployedMetrics(
          ewmaBySegment(options.calibration, smoothing),
          [{ scores, labels }],
          protocol,
          options.selectors,
        )
      : undefined;
    return { smoothing, scores, result, ...(deployed ? { deployed } : {}) };
  });
}

/** The figures of one grid point as a results line states them (ResultRecord's smoothing … deployed fields). */
export function gridPointFields(point: SmoothingGridPoint): {
  smoothing: number;
  peakF1: number;
  precision: number;
  recall: number;
  threshold: number;
  aucPr: number;
  deployed?: DeployedMetrics[];
} {
  const r = point.result;
  return {
    smoothing: point.smoothing,
    peakF1: r.peakF1,
    precision: r.precision,
    recall: r.recall,
    threshold: r.threshold,
    aucPr: r.aucPr,
    ...(point.deployed ? { deployed: point.deployed } : {}),
  };
}
