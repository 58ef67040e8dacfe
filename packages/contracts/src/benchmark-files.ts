/**
 * Shapes of the files a benchmark writes beside results.jsonl (docs/architecture.md, "Files between steps"): the
 * benchmark writes them, the report reads them.
 */

/** A data file a run read, with its sha256 and how it compares with datasets.lock (run.json `data.files`). */
export interface DataFileChecksum {
  /** relative to the data root, forward slashes */
  path: string;
  sha256: string;
  /** 'ok': as datasets.lock records it; 'changed': the lock has another hash; 'unlocked': the lock does not list it */
  lock: 'ok' | 'changed' | 'unlocked';
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

/**
 * Latent encodings of sampled validation (all training domains) and test windows (a benchmark's
 * latent/<method>/<server>.json).
 */
export interface LatentProjection {
  method: string;
  testSequence: string;
  latentDim: number;
  /** variance share of the two principal axes drawn */
  explained: { zy: number[]; zd: number[] };
  points: LatentPoint[];
}
