import type { WindowSet } from './sequence';
import type { Standardisation } from './sequence';

export interface FitProgress {
  /** epochs completed */
  epoch: number;
  epochs: number;
  /** batches done within the epoch in progress, for progress inside long epochs */
  batch?: number;
  batches?: number;
  trainLoss?: number;
  valLoss?: number;
  /** free-form phase name: 'train', 'fit-density', 'trees', … */
  phase?: string;
}

export interface FitOptions {
  /** windows for early stopping / model selection; detectors that do not need them ignore them */
  validation?: WindowSet;
  seed: number;
  /** upper bound on epochs for iterative detectors */
  epochs?: number;
  signal?: AbortSignal;
  onProgress?: (p: FitProgress) => void;
}

export interface FitReport {
  epochs: number;
  bestEpoch?: number;
  bestValLoss?: number;
  trainLoss?: number[];
  valLoss?: number[];
  seconds: number;
}

/** What a detector is trained on, recorded in the model directory's manifest. */
export interface TrainingProvenance {
  /** a shipped data set ('asd', 'smd'), or 'input' for files given with `train --input` */
  dataset: string;
  sequences: string[];
  datasetsLockSha256?: string;
  /** `train --input`: each input file as given and the SHA-256 of its bytes */
  inputs?: { path: string; sha256: string }[];
  /** `train --input`: the records trained on, as given (`--train-range FROM..TO` or `--train-fraction F`) */
  trainRange?: string;
}

/** How a model's own domains are named: one per entity, one for everything, or the value of a column. */
export type DomainSource = 'entity' | 'none' | { column: string };

/**
 * How input columns become model features (`train --input`), pinned so that scoring applies the same steps:
 * select `inputs` by name, difference the counters (x_t − x_{t−1}), keep `features` in this order, standardise.
 */
export interface FeaturePlan {
  /** metric columns as read, input order */
  inputs: string[];
  /** model features in model order (a subset of `inputs`) */
  features: string[];
  /** counters differenced (x_t − x_{t−1}) */
  difference: string[];
  /** inputs left out of `features`, and why (constant in training, …) */
  dropped: { name: string; reason: string }[];
  entityColumn?: string;
  timestampColumn?: string;
  /** the unit of `timestampColumn` as read ('s', 'ms', 'us', 'ns' or 'iso'), so scoring reads times the same way */
  timestampUnit?: 's' | 'ms' | 'us' | 'ns' | 'iso';
  domain: DomainSource;
}

/** The label-free threshold selectors a model can be calibrated with (ids of eval's DEFAULT_SELECTORS). */
export type CalibrationSelector = 'pot-1e-3' | 'p99' | 'mean+3std' | 'median+3mad' | 'iqr-1.5';

/** Alarm settings chosen on the validation windows after fitting, without labels. */
export interface Calibration {
  selector: CalibrationSelector;
  /** EWMA factor β of the record scores (0 = no smoothing) */
  smoothing: number;
  /**
   * where each entity's EWMA starts (e_t = β·e_{t−1} + (1−β)·a_t from e = this): the median raw validation score,
   * so an entity's first records are not judged alone; absent = pandas' adjust=True average from the first score
   */
  smoothingStart?: number;
  /** alarm when the smoothed score ≥ threshold */
  threshold: number;
  /** the selector's threshold on the validation and on the training scores; `threshold` is the larger */
  thresholds?: { validation: number; training: number };
  /** where a window's score sits: at its last record, or at its centre */
  scorePosition: 'last' | 'centre';
  /** alarm runs of one entity separated by fewer non-alarm records than this are one episode */
  mergeGap: number;
  /** smoothed validation scores the threshold was fitted on */
  validationRecords: number;
}

/** Manifest fields the caller knows and the detector does not (data, scaling, provenance). */
export interface ManifestContext {
  featureNames?: string[];
  standardisation?: Standardisation;
  trainedOn?: TrainingProvenance;
  /** models trained with `train --input` (older models have none) */
  featurePlan?: FeaturePlan;
  calibration?: Calibration;
}

/** One file of a model directory as its manifest records it: loading refuses a file of another size or hash. */
export interface ModelFileEntry {
  name: string;
  bytes: number;
  /** lower-case hex */
  sha256: string;
}

/** `manifest.json` of a model directory (docs/architecture.md, "Files between steps"). */
export interface ModelManifest extends ManifestContext {
  /** 2: `files` records the size and sha256 of each file (format 1 did not and is refused) */
  format: 2;
  detector: string;
  config: Record<string, unknown>;
  featureCount: number;
  windowLength: number;
  domains: string[];
  backend: string;
  versions: Record<string, string>;
  seed: number;
  createdAt: string;
  metrics: { bestValLoss?: number; epochs?: number };
  /** detector-specific weight files inside the directory */
  files: ModelFileEntry[];
}

/** One interface for every window scorer (PyOD-style): fit on normal windows, score windows. */
export interface Detector<Config = Record<string, unknown>> {
  /** 'dense-divad-gm', 'iforest', … */
  readonly id: string;
  readonly windowLength: number;
  /** features per record; known after fit or load */
  readonly featureCount: number | undefined;
  readonly config: Readonly<Config>;
  fit(train: WindowSet, opts: FitOptions): Promise<FitReport>;
  /** one score per window, higher = more anomalous */
  scoreWindows(windows: WindowSet): Promise<Float32Array>;
  /** writes manifest.json + weights, atomically (temporary sibling directory, then rename) */
  save(dir: string, context?: ManifestContext): Promise<void>;
  /** releases tensors and other native memory */
  dispose(): void;
}

/**
 * A detector that can split a window's score over the features that drive it (alarm explanations).
 * Families implement what their score allows exactly: reconstruction error per feature, the per-feature terms
 * of a quadratic form, path lengths; detectors without one are explained by occlusion in the models package.
 */
export interface FeatureAttributing {
  /**
   * count × F, row-major (window-major): how much each feature contributes to each window's score, ≥ 0,
   * higher = more responsible. Only the order within a window is meaningful across families.
   */
  featureAttributions(windows: WindowSet): Promise<Float32Array>;
}

export function isFeatureAttributing(detector: object): detector is FeatureAttributing {
  return typeof (detector as Partial<FeatureAttributing>).featureAttributions === 'function';
}
