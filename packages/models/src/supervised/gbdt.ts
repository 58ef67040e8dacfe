/**
 * The gradient-boosted trees baseline of docs/spatiotemporal.md §2 (the paper's "XGBoost"): logistic loss on the
 * entity's flattened W × F window, trees grown on second-order gradient histograms (`gbdt-trees.ts`).
 *
 * Why our own trees. The npm registry was searched for a JavaScript gradient-boosting library that is maintained,
 * typed, deterministic under a seed, serialisable to plain data and free of native code:
 * - `ml-xgboost` (mljs) is XGBoost compiled with emscripten; its last release is 1.1.2 of February 2018 (an
 *   XGBoost of that time), it has no type declarations, takes no sample weights (so no class balancing), saves the
 *   model as an opaque byte array and needs manual `free()` of wasm memory;
 * - `decision-tree` (1.0.0) grows ID3/CART trees over arrays of row objects with lodash; its "XGBoost" is not the
 *   histogram, second-order algorithm and is far too slow for 10⁵ windows × 10² features;
 * - `@fractal-solutions/xgboost-js` is not served by the registry; `xgboost-scorer` only scores models trained
 *   elsewhere.
 * None fits, and the algorithm is a few hundred lines, so it is written here with XGBoost's semantics:
 * - logistic loss on margins m: p = σ(m), g = w·(p − y), h = w·p·(1 − p) with sample weights w (positives ×
 *   `positiveWeight`); initial margin the weighted log-odds ln(Σ w·y / Σ w·(1 − y)) (XGBoost ≥ 2 also estimates
 *   its intercept from the data);
 * - histogram split search over at most `maxBins` cut points per metric, shared by the W positions of the window
 *   (they hold the same series shifted in time); missing values (NaN) get a learned default direction;
 * - depth-wise growth to `maxDepth`, `minChildWeight` on each child's hessian, λ, γ, learning rate η;
 * - row subsampling without replacement per tree and column subsampling per tree, from mulberry32(seed);
 * - early stopping on the validation log-loss after `earlyStoppingRounds` rounds without improvement, keeping the
 *   best round's trees.
 * Defaults are XGBoost's (η 0.3, depth 6, min_child_weight 1, λ 1, γ 0, subsample 1, colsample_bytree 1, 100
 * rounds as its scikit-learn wrapper) with 255 bins (XGBoost's 256 less the code kept for missing values).
 *
 * Scores are the margins (log-odds), for the same reason as the networks' logits: σ(m) rounds to 1 in float32.
 */
import { join } from 'node:path';
import {
  InputError,
  NotFittedError,
  assertSameFeatures,
  mulberry32,
  shuffleInPlace,
  type FitReport,
  type ManifestContext,
  type NodeDetector,
  type NodeFitOptions,
  type NodeSeries,
} from '@driftwatch/contracts';
import pkg from '../../package.json';
import {
  checkFlatTrees,
  decodeFloat64,
  decodeInt32,
  encodeFloat64,
  encodeInt32,
  parseJsonFile,
} from '../baselines/common';
import { openModelDir, writeModelDir } from '../model-dir';
import type { NodeDetectorDescriptor } from '../descriptor';
import {
  NON_NEGATIVE_NUMBER,
  POSITIVE_INTEGER,
  POSITIVE_NUMBER,
  resolveParameters,
  type ParameterSchema,
  type ValueConstraint,
} from '../parameters/schema';
import { SUPERVISED_PARAMETERS, type SupervisedConfig } from './config';
import { manifestFeatureNames, supervisedManifest } from './manifest';
import {
  MAX_BINS,
  TreeBuilder,
  binEdges,
  binOf,
  boostedMargin,
  growTree,
  type BinnedMatrix,
  type BoostedTrees,
  type GrowParams,
} from './gbdt-trees';
import {
  checkSupervisedSeries,
  gatherSampleWindows,
  nodeScoresOf,
  resolvePositiveWeight,
  sampleCount,
  sampleLabels,
  sampleWeights,
} from './samples';

export interface GbdtConfig extends SupervisedConfig {
  /** boosting rounds (trees), at most; NodeFitOptions.epochs overrides */
  rounds: number;
  /** η: shrinkage of every tree */
  learningRate: number;
  maxDepth: number;
  /** least hessian sum in a child */
  minChildWeight: number;
  /** λ: L2 penalty on leaf weights */
  lambda: number;
  /** γ: least loss reduction of a split */
  gamma: number;
  /** fraction of the samples each tree is grown on, drawn without replacement, in (0, 1] */
  subsample: number;
  /** fraction of the W·F window features each tree may split on, in (0, 1] */
  colsampleByTree: number;
  /** cut points per metric, 2 … 255 */
  maxBins: number;
  /** stop after this many rounds without a lower validation log-loss (with a validation period) */
  earlyStoppingRounds: number;
}

const FRACTION: ValueConstraint = { type: 'number', min: 0, max: 1, exclusiveMin: true };

/**
 * XGBoost's defaults (its scikit-learn wrapper's 100 rounds) but for W and the class weight (SUPERVISED_PARAMETERS).
 */
export const GBDT_PARAMETERS: ParameterSchema<GbdtConfig> = {
  parameters: {
    ...SUPERVISED_PARAMETERS,
    rounds: {
      description: 'boosting rounds (trees), at most; the fit options’ epochs override it',
      accepts: [POSITIVE_INTEGER],
      default: 100,
    },
    learningRate: { description: 'η: shrinkage of every tree', accepts: [POSITIVE_NUMBER], default: 0.3 },
    maxDepth: { description: 'depth of every tree, at most', accepts: [POSITIVE_INTEGER], default: 6 },
    minChildWeight: { description: 'least hessian sum in a child', accepts: [NON_NEGATIVE_NUMBER], default: 1 },
    lambda: { description: 'λ: L2 penalty on leaf weights', accepts: [NON_NEGATIVE_NUMBER], default: 1 },
    gamma: { description: 'γ: least loss reduction of a split', accepts: [NON_NEGATIVE_NUMBER], default: 0 },
    subsample: {
      description: 'fraction of the samples each tree is grown on, drawn without replacement',
      accepts: [FRACTION],
      default: 1,
    },
    colsampleByTree: {
      description: 'fraction of the W·F window features each tree may split on',
      accepts: [FRACTION],
      default: 1,
    },
    maxBins: {
      description: 'cut points per metric',
      accepts: [{ type: 'integer', min: 2, max: MAX_BINS }],
      default: MAX_BINS,
    },
    earlyStoppingRounds: {
      description: 'stop after this many rounds without a lower validation log-loss (with a validation period)',
      accepts: [POSITIVE_INTEGER],
      default: 10,
    },
  },
};

const ID = 'gbdt';
const TREES_FILE = 'trees.json';
/** the loop yields to the event loop at least this often (ms), so progress can repaint and signals arrive */
const YIELD_EVERY_MS = 100;

/** Validates and completes a GBDT configuration. */
export function gbdtConfig(params: Partial<GbdtConfig> | Record<string, unknown> = {}): GbdtConfig {
  return resolveParameters(ID, GBDT_PARAMETERS, params);
}

/** σ(m) = 1/(1 + e^(−m)) */
function sigmoid(m: number): number {
  return 1 / (1 + Math.exp(-m));
}

/** ℓ(m, y) = softplus(m) − m·y, the cross-entropy of σ(m) against y, stable for large |m|. */
export function logisticLoss(margin: number, y: number): number {
  return Math.max(margin, 0) + Math.log1p(Math.exp(-Math.abs(margin))) - margin * y;
}

/** Σ_k w_k·ℓ(m_k, y_k) / n, the networks' weighted mean loss. */
function meanLoss(margins: Float64Array, labels: Uint8Array, weights: Float32Array): number {
  let s = 0;
  for (let k = 0; k < margins.length; k++) s += weights[k] * logisticLoss(margins[k], labels[k]);
  return s / margins.length;
}

/** ln(Σ w·y / Σ w·(1 − y)): the constant margin that minimises the weighted log-loss. */
export function priorMargin(labels: Uint8Array, weights: Float32Array): number {
  let pos = 0;
  let neg = 0;
  for (let k = 0; k < labels.length; k++) {
    if (labels[k]) pos += weights[k];
    else neg += weights[k];
  }
  return Math.log(pos / neg);
}

/** Cut points per metric from every finite value of the training series. */
export function metricEdges(series: NodeSeries, maxBins: number): Float64Array[] {
  const F = series.features.length;
  const values = series.values;
  return series.features.map((_, f) => {
    const column: number[] = [];
    for (let k = f; k < values.length; k += F) if (!Number.isNaN(values[k])) column.push(values[k]);
    return binEdges(Float64Array.from(column).sort(), maxBins);
  });
}

/** The samples' windows as bin codes, n × W·F (column r·F + f uses metric f's edges). */
export function binnedSamples(series: NodeSeries, windowLength: number, edges: readonly Float64Array[]): BinnedMatrix {
  const N = series.entities.length;
  const F = series.features.length;
  const p = windowLength * F;
  const n = sampleCount(series.length, N, windowLength);
  const binnedValues = new Uint8Array(series.values.length);
  for (let k = 0; k < series.values.length; k++) binnedValues[k] = binOf(edges[k % F], series.values[k]);
  const bins = new Uint8Array(n * p);
  for (let k = 0; k < n; k++) {
    const i = k % N;
    const first = Math.floor(k / N);
    for (let r = 0; r < windowLength; r++)
      bins.set(binnedValues.subarray(((first + r) * N + i) * F, ((first + r) * N + i + 1) * F), k * p + r * F);
  }
  return { bins, columns: p, binCounts: Int32Array.from({ length: p }, (_, j) => edges[j % F].length) };
}

interface Fitted {
  trees: BoostedTrees;
  features: string[];
  seed: number;
  metrics: { bestValLoss?: number; epochs?: number };
}

export class Gbdt implements NodeDetector<GbdtConfig> {
  readonly id = ID;
  readonly supervised = true;
  readonly config: Readonly<GbdtConfig>;
  private fitted?: Fitted;

  constructor(params: Partial<GbdtConfig> | Record<string, unknown> = {}) {
    this.config = Object.freeze(gbdtConfig(params));
  }

  get windowLength(): number {
    return this.config.windowLength;
  }

  get featureCount(): number | undefined {
    return this.fitted?.features.length;
  }

  /** The boosted trees (read-only use). */
  get trees(): BoostedTrees | undefined {
    return this.fitted?.trees;
  }

  async fit(train: NodeSeries, opts: NodeFitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const c = this.config;
    const W = c.windowLength;
    checkSupervisedSeries(train, W, ID, { labels: true });
    const validation = opts.validation;
    if (validation) {
      checkSupervisedSeries(validation, W, `${ID} (validation)`, { labels: true });
      assertSameFeatures(ID, train.features, validation);
    }
    const labels = sampleLabels(train, W);
    const positiveWeight = resolvePositiveWeight(labels, c.positiveWeight, `${ID}: ${train.id}`);
    const weights = sampleWeights(labels, positiveWeight);
    const n = labels.length;
    const edges = metricEdges(train, c.maxBins);
    const data = binnedSamples(train, W, edges);
    const p = data.columns;
    const columnEdges = Array.from({ length: p }, (_, j) => edges[j % train.features.length]);
    const baseMargin = priorMargin(labels, weights);
    const margins = new Float64Array(n).fill(baseMargin);
    const grad = new Float64Array(n);
    const hess = new Float64Array(n);
    const val =
      validation && sampleCount(validation.length, validation.entities.length, W) > 0
        ? this.validationSet(validation, positiveWeight, baseMargin)
        : undefined;

    const uniform = mulberry32(opts.seed);
    const rowPool = Int32Array.from({ length: n }, (_, k) => k);
    const columnPool = Int32Array.from({ length: p }, (_, j) => j);
    const rowsPerTree = Math.max(1, Math.round(c.subsample * n));
    const columnsPerTree = Math.max(1, Math.round(c.colsampleByTree * p));
    const grow: GrowParams = {
      maxDepth: c.maxDepth,
      learningRate: c.learningRate,
      lambda: c.lambda,
      gamma: c.gamma,
      minChildWeight: c.minChildWeight,
    };
    const builder = new TreeBuilder();
    const rounds = opts.epochs ?? c.rounds;
    const trainLoss: number[] = [];
    const valLoss: number[] = [];
    let best = { loss: Infinity, round: -1 };
    let lastYield = performance.now();
    for (let round = 0; round < rounds; round++) {
      opts.signal?.throwIfAborted();
      for (let k = 0; k < n; k++) {
        const prob = sigmoid(margins[k]);
        grad[k] = weights[k] * (prob - labels[k]);
        // a tiny floor keeps λ = 0 from dividing by zero in pure nodes
        hess[k] = Math.max(weights[k] * prob * (1 - prob), 1e-16);
      }
      // the first entries of a fresh permutation: a uniform draw without replacement
      if (rowsPerTree < n) shuffleInPlace(rowPool, uniform);
      if (columnsPerTree < p) shuffleInPlace(columnPool, uniform);
      const rows = rowPool.slice(0, rowsPerTree);
      const columns = columnPool.slice(0, columnsPerTree).sort();
      const root = growTree(data, columnEdges, rows, grad, hess, columns, grow, builder);
      for (let k = 0; k < n; k++) margins[k] += builder.value[builder.leafOfRow(root, data.bins, k * p)];
      trainLoss.push(meanLoss(margins, labels, weights));
      let current: number | undefined;
      if (val) {
        for (let k = 0; k < val.count; k++) val.margins[k] += builder.value[builder.leafOfValues(root, val.x, k * p)];
        current = meanLoss(val.margins, val.labels, val.weights);
        valLoss.push(current);
        if (current < best.loss) best = { loss: current, round };
      }
      opts.onProgress?.({
        epoch: round + 1,
        epochs: rounds,
        trainLoss: trainLoss[round],
        valLoss: current,
        phase: 'trees',
      });
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (val && round - best.round >= c.earlyStoppingRounds) break;
    }
    const kept = val ? best.round + 1 : builder.roots.length;
    this.fitted = {
      trees: builder.finish(baseMargin, kept),
      features: [...train.features],
      seed: opts.seed,
      metrics: { bestValLoss: val ? best.loss : undefined, epochs: kept },
    };
    return {
      epochs: trainLoss.length,
      bestEpoch: val ? best.round + 1 : undefined,
      bestValLoss: val ? best.loss : undefined,
      trainLoss,
      valLoss,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /**
   * Raw validation windows (n × W·F) with their labels, weights (positives × the training weight) and running margins.
   */
  private validationSet(series: NodeSeries, positiveWeight: number, baseMargin: number) {
    const W = this.config.windowLength;
    const labels = sampleLabels(series, W);
    const count = labels.length;
    const x = new Float32Array(count * W * series.features.length);
    gatherSampleWindows(
      series,
      W,
      Int32Array.from({ length: count }, (_, k) => k),
      x,
    );
    return {
      count,
      x,
      labels,
      weights: sampleWeights(labels, positiveWeight),
      margins: new Float64Array(count).fill(baseMargin),
    };
  }

  async scoreNodes(series: NodeSeries): Promise<Float32Array> {
    const fitted = this.requireFitted();
    const W = this.config.windowLength;
    assertSameFeatures(ID, fitted.features, series);
    checkSupervisedSeries(series, 1, ID, { labels: false });
    const n = sampleCount(series.length, series.entities.length, W);
    const p = W * series.features.length;
    const scores = new Float32Array(n);
    const batch = 4096;
    const buf = new Float32Array(batch * p);
    const idx = new Int32Array(batch);
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      for (let b = 0; b < count; b++) idx[b] = start + b;
      gatherSampleWindows(series, W, idx.subarray(0, count), buf);
      for (let b = 0; b < count; b++) scores[start + b] = boostedMargin(fitted.trees, buf, b * p);
    }
    return nodeScoresOf(series, W, scores);
  }

  private requireFitted(): Fitted {
    if (!this.fitted) throw new NotFittedError(ID);
    return this.fitted;
  }

  async save(dir: string, context: ManifestContext = {}): Promise<void> {
    const fitted = this.requireFitted();
    const t = fitted.trees;
    const manifest = supervisedManifest(
      {
        detector: ID,
        config: { ...this.config },
        features: fitted.features,
        windowLength: this.config.windowLength,
        seed: fitted.seed,
        metrics: fitted.metrics,
        backend: 'js',
        versions: { '@driftwatch/models': pkg.version, node: process.versions.node },
      },
      context,
    );
    const json = {
      format: 1,
      baseMargin: t.baseMargin,
      nodes: t.feature.length,
      roots: encodeInt32(t.roots),
      feature: encodeInt32(t.feature),
      threshold: encodeFloat64(t.threshold),
      defaultLeft: encodeInt32(Int32Array.from(t.defaultLeft)),
      left: encodeInt32(t.left),
      right: encodeInt32(t.right),
      value: encodeFloat64(t.value),
    };
    await writeModelDir(dir, manifest, { [TREES_FILE]: JSON.stringify(json) + '\n' });
  }

  static async load(dir: string): Promise<Gbdt> {
    const { manifest, files } = await openModelDir(dir, ID);
    const names = manifestFeatureNames(manifest, dir);
    const det = new Gbdt(manifest.config);
    const file = join(dir, TREES_FILE);
    const json = parseJsonFile((await files.bytes(TREES_FILE)).toString('utf8'), file);
    const nodes = json.nodes;
    if (
      json.format !== 1 ||
      typeof nodes !== 'number' ||
      !Number.isInteger(nodes) ||
      nodes < 0 ||
      typeof json.baseMargin !== 'number' ||
      !Number.isFinite(json.baseMargin)
    ) {
      throw new InputError({ file }, 'boosted trees of format 1 with an integer node count and a finite baseMargin');
    }
    const trees: BoostedTrees = {
      baseMargin: json.baseMargin,
      roots: decodeInt32(json.roots, 'roots', file),
      feature: decodeInt32(json.feature, 'feature', file, nodes),
      threshold: decodeFloat64(json.threshold, 'threshold', file, nodes),
      defaultLeft: Uint8Array.from(decodeInt32(json.defaultLeft, 'defaultLeft', file, nodes)),
      left: decodeInt32(json.left, 'left', file, nodes),
      right: decodeInt32(json.right, 'right', file, nodes),
      value: decodeFloat64(json.value, 'value', file, nodes),
    };
    checkFlatTrees(trees, det.config.windowLength * names.length, file);
    det.fitted = { trees, features: [...names], seed: manifest.seed, metrics: manifest.metrics ?? {} };
    return det;
  }

  dispose(): void {
    // plain arrays: nothing native to release
  }
}

export const GBDT_DESCRIPTOR: NodeDetectorDescriptor = {
  id: ID,
  kind: 'node',
  summary: 'gradient-boosted trees (histogram splits, XGBoost’s objective) on the flattened entity window',
  citation:
    'Chen & Guestrin, "XGBoost: A Scalable Tree Boosting System", KDD 2016; the GBDT baseline of ' +
    'docs/spatiotemporal.md §2',
  capabilities: { tfjs: false, supervised: true, epochs: true },
  schema: GBDT_PARAMETERS,
  datasetDefaults: {},
  testParams: { windowLength: 5 },
  create: (params) => new Gbdt(params),
  load: (dir) => Gbdt.load(dir),
};
