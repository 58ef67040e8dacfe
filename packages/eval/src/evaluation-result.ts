import type { DeployedMetrics, EvaluationResult } from '@driftwatch/contracts';
import type { PeakF1Result } from './metrics/peak-f1';

/**
 * One run (method × test sequence × smoothing factor) as the contracts' EvaluationResult; deployed figures stay apart.
 */
export function evaluateRun(
  method: string,
  dataset: string,
  testSequence: string,
  smoothing: number,
  result: PeakF1Result,
  deployed?: DeployedMetrics[],
): EvaluationResult {
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
    ...(deployed ? { deployed: deployed.map((d) => ({ ...d })) } : {}),
  };
}
