import type { AnomalyRange, ResultRecord } from '@driftwatch/contracts';

/** One line of a results.jsonl, with where it was read (for error messages and the runs table). */
export interface SourcedResult extends ResultRecord {
  /** results file the line came from */
  source: string;
}

/** A data file a run read, with its sha256 and how it compares with datasets.lock. */
export interface DataFileChecksum {
  path: string;
  sha256: string;
  lock: 'ok' | 'changed' | 'unlocked';
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
}

/** One window in a 2-D projection of a model's latent spaces. */
export interface LatentPoint {
  domain: string;
  split: 'validation' | 'test';
  /** label of the window's last record (test windows; 0 for validation) */
  label: number;
  /** the window's q(zy|x) mean on the first two principal axes */
  zy: [number, number];
  /** the same for q(zd|x) */
  zd: [number, number];
}

/** Latent encodings of sampled validation (all training domains) and test windows (bench's latent/<method>/<server>.json). */
export interface LatentProjection {
  method: string;
  testSequence: string;
  latentDim: number;
  /** variance share of the two principal axes drawn */
  explained: { zy: number[]; zd: number[] };
  points: LatentPoint[];
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
}
