/**
 * What the three tfjs classifiers of docs/spatiotemporal.md §2 share (mlp, cnn1d, transformer): (entity, window)
 * samples of a labelled NodeSeries, per-feature standardisation kept as state, the weighted binary cross-entropy
 * as the batch loss of `TfjsDetector`'s training protocol, and batched scoring into the T·N layout. A subclass
 * names its parameters and maps a batch of windows to one logit each.
 *
 * Scores are the logits (log-odds of "anomalous at the window's last step"), not σ(logit): the sigmoid is
 * monotone, so thresholds and rankings are the same, and float32 probabilities would tie at 1 for confident
 * samples (σ(z) rounds to 1 for z ≳ 17), which flattens precision–recall curves.
 */
import {
  assertSameFeatures,
  type FitReport,
  type ModelManifest,
  type NodeDetector,
  type NodeFitOptions,
  type NodeSeries,
} from '@driftwatch/contracts';
import { ensureBackend, tf } from '../backend';
import type { ModelFiles } from '../model-dir';
import type { NamedParams, ParamSpec } from '../neural/params';
import {
  TfjsDetector,
  forEachBatch,
  mapBatches,
  type BatchSource,
  type FitRun,
  type FittedFacts,
  type VariableSpecs,
} from '../neural/tfjs-detector';
import type { SupervisedNetworkConfig } from './config';
import { manifestFeatureNames } from './manifest';
import {
  checkSupervisedSeries,
  featureScaling,
  gatherSampleWindows,
  nodeScoresOf,
  resolvePositiveWeight,
  sampleCount,
  sampleLabels,
  sampleWeights,
  type FeatureScaling,
} from './samples';

/** windows per forward pass when scoring and for the validation loss */
const SCORE_BATCH = 2048;
/** the standardisation state: per-feature centre and scale of the training period */
const CENTER = 'input/center';
const SCALE = 'input/scale';

/**
 * Mean over the batch of w·ℓ with ℓ = softplus(z) − z·y, the cross-entropy of σ(z) against y written stably (Keras's
 * sample-weighted mean).
 */
export function weightedLogLoss(logits: tf.Tensor1D, labels: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return tf.softplus(logits).sub(logits.mul(labels)).mul(weights).mean() as tf.Scalar;
}

/** What a supervised network records about its training series: the metric names it checks scored series against. */
export interface SupervisedFacts extends FittedFacts {
  featureNames: readonly string[];
}

/** One batch of labelled samples. */
export interface SampleBatch {
  /** standardised windows [B, W·F] */
  x: tf.Tensor2D;
  labels: tf.Tensor1D;
  weights: tf.Tensor1D;
}

/** Labelled samples of one series with their weights, ready to batch. */
interface SampleSet {
  series: NodeSeries;
  count: number;
  labels: Float32Array;
  weights: Float32Array;
}

export abstract class SupervisedNetwork<Config extends SupervisedNetworkConfig>
  extends TfjsDetector<Config, SupervisedFacts, SampleBatch, FitRun>
  implements NodeDetector<Config>
{
  readonly supervised = true;

  get windowLength(): number {
    return this.config.windowLength;
  }

  /** the trainable parameters for windows of `featureCount` features, in creation order */
  protected abstract paramSpecs(featureCount: number): ParamSpec[];

  /** one logit per window of a batch of standardised windows [B, W·F] (step-major, as gathered) */
  protected abstract logits(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D;

  protected variableSpecs(facts: SupervisedFacts): VariableSpecs {
    const F = facts.featureCount;
    return {
      trainable: this.paramSpecs(F),
      state: [
        { name: CENTER, shape: [F], init: 'zeros' },
        { name: SCALE, shape: [F], init: 'ones' },
      ],
    };
  }

  protected batchLoss(p: NamedParams, batch: SampleBatch): tf.Scalar {
    return weightedLogLoss(this.logits(p, batch.x), batch.labels, batch.weights);
  }

  /** the standardised sample windows of a series as rows of W·F values */
  private sampleRows(series: NodeSeries, count: number, scaling: FeatureScaling): BatchSource {
    const W = this.config.windowLength;
    return {
      count,
      size: W * series.features.length,
      gather: (indices, out) => gatherSampleWindows(series, W, indices, out, scaling),
    };
  }

  private sampleSet(series: NodeSeries, positiveWeight: number): SampleSet {
    const labels = sampleLabels(series, this.config.windowLength);
    return {
      series,
      count: labels.length,
      labels: Float32Array.from(labels),
      weights: sampleWeights(labels, positiveWeight),
    };
  }

  async fit(train: NodeSeries, opts: NodeFitOptions): Promise<FitReport> {
    const c = this.config;
    const W = c.windowLength;
    checkSupervisedSeries(train, W, this.id, { labels: true });
    const validation = opts.validation;
    if (validation) {
      checkSupervisedSeries(validation, W, `${this.id} (validation)`, { labels: true });
      assertSameFeatures(this.id, train.features, validation);
    }
    const positiveWeight = resolvePositiveWeight(sampleLabels(train, W), c.positiveWeight, `${this.id}: ${train.id}`);
    const F = train.features.length;
    // batches are standardised with the float64 moments; the state keeps their float32 copies for scoring
    const scaling = featureScaling(train);
    const trainSet = this.sampleSet(train, positiveWeight);
    const validationSet = validation ? this.sampleSet(validation, positiveWeight) : undefined;
    const rows = this.sampleRows(train, trainSet.count, scaling);
    const xBuf = new Float32Array(c.batchSize * rows.size);
    const yBuf = new Float32Array(c.batchSize);
    const wBuf = new Float32Array(c.batchSize);
    const facts: SupervisedFacts = { featureCount: F, domains: [], featureNames: [...train.features] };
    return this.train(facts, opts, {
      examples: trainSet.count,
      initialState: new Map([
        [CENTER, Float32Array.from(scaling.center)],
        [SCALE, Float32Array.from(scaling.scale)],
      ]),
      batch: (indices) => {
        const B = indices.length;
        rows.gather(indices, xBuf);
        for (let b = 0; b < B; b++) {
          yBuf[b] = trainSet.labels[indices[b]];
          wBuf[b] = trainSet.weights[indices[b]];
        }
        return {
          x: tf.tensor2d(xBuf.subarray(0, B * rows.size), [B, rows.size]),
          labels: tf.tensor1d(yBuf.subarray(0, B)),
          weights: tf.tensor1d(wBuf.subarray(0, B)),
        };
      },
      validationLoss:
        validationSet && validationSet.count > 0 ? () => this.meanLoss(validationSet, scaling) : undefined,
      run: (core) => core,
    });
  }

  /** Σ_k w_k·ℓ_k / n over every sample of a set, in batches, the batch sums added in float64. */
  private meanLoss(set: SampleSet, scaling: FeatureScaling): number {
    const params = this.params();
    let total = 0;
    forEachBatch(this.sampleRows(set.series, set.count, scaling), SCORE_BATCH, (x, start, B) => {
      const batchLoss = tf.tidy(() => {
        const batch = {
          x,
          labels: tf.tensor1d(set.labels.subarray(start, start + B)),
          weights: tf.tensor1d(set.weights.subarray(start, start + B)),
        };
        return this.batchLoss(params, batch).mul(B);
      });
      total += batchLoss.dataSync()[0];
      batchLoss.dispose();
    });
    return total / set.count;
  }

  async scoreNodes(series: NodeSeries): Promise<Float32Array> {
    const { facts } = this.requireFitted();
    const W = this.config.windowLength;
    assertSameFeatures(this.id, facts.featureNames, series);
    checkSupervisedSeries(series, 1, this.id, { labels: false });
    await ensureBackend();
    const params = this.params();
    const scaling = {
      center: Float64Array.from(params[CENTER].dataSync()),
      scale: Float64Array.from(params[SCALE].dataSync()),
    };
    const n = sampleCount(series.length, series.entities.length, W);
    const scores = await mapBatches(this.sampleRows(series, n, scaling), SCORE_BATCH, 1, (x) => this.logits(params, x));
    return nodeScoresOf(series, W, scores);
  }

  protected factsFromManifest(manifest: ModelManifest, files: ModelFiles): SupervisedFacts {
    const names = manifestFeatureNames(manifest, files.dir);
    return { featureCount: names.length, domains: [], featureNames: names };
  }
}
