/** Threshold-free ("oracle") metrics of one run (divad.md §2). */
export interface OracleMetrics {
  peakF1: number;
  precision: number;
  recall: number;
  threshold: number;
  aucPr: number;
  recallByEvent: Record<string, number>;
}

export interface EvaluationResult {
  method: string;
  dataset: string;
  testSequence: string;
  smoothing: number;
  oracle: OracleMetrics;
  deployed?: { selector: string; threshold: number; precision: number; recall: number; f1: number };
}

/** One line of results.jsonl (architecture.md). */
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
  [extra: string]: unknown;
}
