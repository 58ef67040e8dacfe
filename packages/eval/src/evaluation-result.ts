import type { EvaluationResult } from '@driftwatch/contracts';
import type { PeakF1Result } from './metrics/peak-f1';

/** One run (method × test sequence × smoothing factor) as the contracts' EvaluationResult. */
export function evaluateRun(method: string, dataset: string, testSequence: string, smoothing: number, result: PeakF1Result): EvaluationResult {
  return {
    method,
    dataset,
    testSequence,
    smoothing,
    oracle: {
      peakF1: result.peakF1,
      precision: result.precision,
      recall: result.recall,
      threshold: result.threshold,
      aucPr: result.aucPr,
      recallByEvent: { ...result.recallByEvent },
    },
  };
}
