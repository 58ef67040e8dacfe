import type { AnomalyRange, DataFileChecksum, LatentProjection, ResultRecord } from '@driftwatch/contracts';

// the files a benchmark writes are contracts between it and the report
export type { DataFileChecksum, LatentPoint, LatentProjection } from '@driftwatch/contracts';

/** One line of a results.jsonl, with where it was read (for error messages and the runs table). */
export interface SourcedResult extends ResultRecord {
  /** results file the line came from */
  source: string;
}

/** What a benchmark wrote next to its results (run.json): how it was run, on what, with which data. */
export interface RunInfo {
  /** the results directory */
  source: string;
  command?: string;
  startedAt?: string;
  backend?: { name?: string; [key: string]: unknown };
  machine?: Record<string, unknown>;
  data?: { dataset: string; files: DataFileChecksum[] };
}

/**
 * Scores of one (method, test sequence): the test record scores unsmoothed (the first W − 1 records padded
 * with the lowest finite value, as score files hold them), their labels, and the validation window scores
 * of the training sequences (normal records only) when the benchmark kept them.
 */
export interface ScoreSeries {
  method: string;
  dataset: string;
  testSequence: string;
  windowLength: number;
  testScores: Float64Array;
  labels: ArrayLike<number>;
  /** event type names by label code, for legends */
  eventNames?: Record<number, string>;
  ranges?: AnomalyRange[];
  /** one array per training sequence, in time order */
  calibration?: Float64Array[];
  /** the test sequence's first feature, record by record: TSB-AD chooses its VUS window from it */
  firstChannel?: Float64Array;
}

export interface ReportInput {
  title?: string;
  /** ISO time the report was made */
  generatedAt: string;
  results: SourcedResult[];
  runs: RunInfo[];
  series: ScoreSeries[];
  /** 2-D latent projections, when the benchmark wrote them */
  latent?: LatentProjection[];
  /** things the loader could not use, shown with the caveats */
  notes?: string[];
  /**
   * method labels in the order tables list them (the CLI passes its detector registry's); others follow alphabetically
   */
  methodOrder?: string[];
}
