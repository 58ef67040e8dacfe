/** Threshold-free ("oracle") metrics of one run (docs/divad.md §2). */
export interface OracleMetrics {
  peakF1: number;
  precision: number;
  recall: number;
  threshold: number;
  aucPr: number;
  recallByEvent: Record<string, number>;
}

/**
 * Figures at a threshold chosen without labels (fitted on training or validation scores): what a deployment
 * would see. `error` says why a selector could not fit; its numbers are then NaN (null in JSON).
 */
export interface DeployedMetrics {
  selector: string;
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  error?: string;
}

/** One run's figures; the oracle (labels pick the threshold) and deployed ones are never mixed. */
export interface EvaluationResult {
  method: string;
  dataset: string;
  testSequence: string;
  smoothing: number;
  oracle: OracleMetrics;
  deployed?: DeployedMetrics[];
}

/** One line of results.jsonl (docs/architecture.md). */
export interface ResultRecord {
  method: string;
  dataset: string;
  testSequence: string;
  smoothing: number;
  peakF1: number;
  precision: number;
  recall: number;
  threshold: number;
  aucPr: number;
  trainSeconds: number;
  scoreSeconds: number;
  backend: string;
  seed: number;
  params: Record<string, unknown>;
  /** label-free thresholds and their figures on the test sequence, when a calibration set was scored */
  deployed?: DeployedMetrics[];
  [extra: string]: unknown;
}
