import { mulberry32, ParameterError, InputError, type FitOptions, type WindowSet } from '@driftwatch/contracts';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import {
  oneOf,
  POSITIVE_INTEGER,
  resolveParameters,
  type ParameterSchema,
  type ValueConstraint,
} from '../parameters/schema';
import { checkFlatTrees, decodeFloat64, decodeInt32, encodeFloat64, encodeInt32 } from './common';
import { growIsolationTrees, isolationPathCredits, isolationScore, type IsolationTrees } from './isolation-trees';
import { ShallowDetector } from './shallow-detector';
export interface IsolationForestConfig {
  /** trees (sklearn n_estimators) */
  nEstimators: number;
  /** rows per tree: 'auto' = min(256, n); a fraction in (0, 1] of n; or a count > 1 (capped at n, as sklearn does) */
  maxSamples: 'auto' | number;
  /** features per tree: a fraction in (0, 1] of W·D (1 = all), or a count > 1 */
  maxFeatures: number;
  /** records per window; a window is flattened to W·D features */
  windowLength: number;
}

const ID = 'iforest';
const FOREST_FILE = 'forest.json';

const FRACTION: ValueConstraint = { type: 'number', min: 0, max: 1, exclusiveMin: true };
const COUNT: ValueConstraint = { type: 'integer', min: 2 };

export const ISOLATION_FOREST_PARAMETERS: ParameterSchema<IsolationForestConfig> = {
  parameters: {
    nEstimators: {
      description: 'trees (sklearn n_estimators; the paper grids 50 … 1000)',
      accepts: [POSITIVE_INTEGER],
      default: 100,
    },
    maxSamples: {
      description:
        "windows per tree: 'auto' = min(256, n), a fraction of the n training windows, or a count (capped at n, as " +
        'sklearn)',
      accepts: [oneOf('auto'), FRACTION, COUNT],
      default: 'auto',
    },
    maxFeatures: {
      description: 'features per tree: a fraction of the W·D window features (1 = all), or a count',
      accepts: [FRACTION, COUNT],
      default: 1,
    },
    windowLength: {
      description: 'W: records per window; a window is flattened to W·D features',
      accepts: [POSITIVE_INTEGER],
      default: 1,
    },
  },
};

/** Validates and completes an IsolationForest configuration. */
export function isolationForestConfig(
  params: Partial<IsolationForestConfig> | Record<string, unknown> = {},
): IsolationForestConfig {
  return resolveParameters(ID, ISOLATION_FOREST_PARAMETERS, params);
}

/** ψ for n training windows (sklearn: 'auto' → min(256, n), float → int(f·n), int → min(m, n) with a warning). */
export function resolveSampleSize(maxSamples: 'auto' | number, n: number): number {
  if (maxSamples === 'auto') return Math.min(256, n);
  if (maxSamples <= 1) return Math.floor(maxSamples * n);
  return Math.min(maxSamples, n);
}

/** Features per tree for p features (sklearn: float → max(1, int(f·p)), int → as given, ≤ p). */
export function resolveFeatureCount(maxFeatures: number, p: number): number {
  if (maxFeatures <= 1) return Math.max(1, Math.floor(maxFeatures * p));
  if (maxFeatures > p)
    throw new ParameterError(`${ID}: maxFeatures ${maxFeatures} exceeds the ${p} features of a window`);
  return maxFeatures;
}

/**
 * Isolation Forest on flattened windows (docs/divad.md §4; sklearn IsolationForest with bootstrap=False).
 * Score = 2^(−E[h(x)]/c(ψ)), higher = more anomalous.
 */
export class IsolationForest extends ShallowDetector<IsolationForestConfig, IsolationTrees> {
  readonly id = ID;
  protected readonly fitPhase = 'trees';
  protected readonly modelFile = FOREST_FILE;

  constructor(params: Partial<IsolationForestConfig> | Record<string, unknown> = {}) {
    super(isolationForestConfig(params));
  }

  /** The grown trees (read-only use). */
  get trees(): IsolationTrees | undefined {
    return this.fitted?.model;
  }

  protected fitModel(train: WindowSet, opts: FitOptions): IsolationTrees {
    const n = train.count;
    const p = train.windowLength * train.featureCount;
    const psi = resolveSampleSize(this.config.maxSamples, n);
    if (psi < 2)
      throw new ParameterError(`${ID}: needs at least 2 windows per tree, got ψ = ${psi} from ${n} training windows`);
    return growIsolationTrees((i) => train.window(i), n, p, {
      count: this.config.nEstimators,
      sampleSize: psi,
      featuresPerTree: resolveFeatureCount(this.config.maxFeatures, p),
      uniform: mulberry32(opts.seed),
      beforeTree: () => opts.signal?.throwIfAborted(),
    });
  }

  protected scoreModel(trees: IsolationTrees, windows: WindowSet): Float32Array {
    const out = new Float32Array(windows.count);
    for (let i = 0; i < windows.count; i++) out[i] = isolationScore(trees, windows.window(i));
    return out;
  }

  /**
   * The window's path credits (`isolationPathCredits`): the score has no additive split, so this ranks what
   * isolates the window rather than dividing its score.
   */
  protected valueTerms(trees: IsolationTrees): (window: Float32Array) => Float64Array {
    const credits = new Float64Array(this.featureCount! * this.windowLength);
    return (window) => isolationPathCredits(trees, window, credits);
  }

  protected modelToJson(t: IsolationTrees): Record<string, unknown> {
    return {
      format: 1,
      sampleSize: t.sampleSize,
      nodes: t.feature.length,
      roots: encodeInt32(t.roots),
      feature: encodeInt32(t.feature),
      threshold: encodeFloat64(t.threshold),
      left: encodeInt32(t.left),
      right: encodeInt32(t.right),
      leafPath: encodeFloat64(t.leafPath),
    };
  }

  static load(dir: string): Promise<IsolationForest> {
    return ShallowDetector.loadShallow(
      dir,
      ID,
      FOREST_FILE,
      (config) => new IsolationForest(config),
      (json, file, dimension) => {
        const nodes = json.nodes;
        const psi = json.sampleSize;
        if (
          json.format !== 1 ||
          typeof nodes !== 'number' ||
          !Number.isInteger(nodes) ||
          nodes < 1 ||
          typeof psi !== 'number' ||
          !Number.isInteger(psi) ||
          psi < 2
        ) {
          throw new InputError({ file }, 'an isolation forest of format 1 with integer nodes ≥ 1 and sampleSize ≥ 2');
        }
        const trees: IsolationTrees = {
          roots: decodeInt32(json.roots, 'roots', file),
          feature: decodeInt32(json.feature, 'feature', file, nodes),
          threshold: decodeFloat64(json.threshold, 'threshold', file, nodes),
          left: decodeInt32(json.left, 'left', file, nodes),
          right: decodeInt32(json.right, 'right', file, nodes),
          leafPath: decodeFloat64(json.leafPath, 'leafPath', file, nodes),
          sampleSize: psi,
        };
        checkFlatTrees(trees, dimension, file);
        return trees;
      },
    );
  }
}

export const ISOLATION_FOREST_DESCRIPTOR: WindowDetectorDescriptor = {
  id: ID,
  kind: 'window',
  summary: 'isolation forest on flattened windows: windows isolated by few random splits score high',
  citation: 'Liu, Ting & Zhou, "Isolation Forest", ICDM 2008 (sklearn IsolationForest, bootstrap off)',
  capabilities: { tfjs: false, supervised: false, epochs: false },
  schema: ISOLATION_FOREST_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { nEstimators: 50, windowLength: 3 },
  create: (params) => new IsolationForest(params),
  load: (dir) => IsolationForest.load(dir),
};
