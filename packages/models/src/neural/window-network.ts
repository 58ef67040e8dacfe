/**
 * What every neural window scorer shares (the baselines of docs/divad.md §4): a window detector whose score is a
 * tfjs function of the window, computed in batches with the scoring noise restarted for every call. A subclass
 * names its parameters, its loss and its window score; PyOD's "one interface for every detector" in tfjs form.
 */
import type { FeatureAttributing, WindowSet } from '@driftwatch/contracts';
import type { tf } from '../backend';
import { SEED_STREAMS, type NamedParams } from './params';
import type { NoiseSource } from './tfjs-detector';
import { WindowTfjsDetector, type TrainingConfig, type WindowTrainingPhase } from './window-detector';

export type { LossContext, NoiseSource } from './tfjs-detector';
export type { PhaseRun, TrainingConfig, WindowLossContext } from './window-detector';
export { squaredErrorShares, sumPerFeature } from './window-detector';
/** one stage of a window network's training */
export type TrainingPhase = WindowTrainingPhase;

/** windows per forward pass when scoring */
const SCORE_BATCH = 2048;

export abstract class WindowNetworkDetector<Config extends TrainingConfig> extends WindowTfjsDetector<Config> {
  /** one score per window of a batch (higher = more anomalous) */
  protected abstract windowScores(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor1D;

  /**
   * f of every batch of windows with the scoring noise, `width` values per window: scoring noise is seeded per
   * call, so the same windows always get the same scores, and an explanation sees the samples its score saw.
   */
  protected async mapWithScoringNoise(
    windows: WindowSet,
    width: number,
    f: (p: NamedParams, x: tf.Tensor2D, noise: NoiseSource) => tf.Tensor,
  ): Promise<Float32Array> {
    const noise = this.fittedNoise(SEED_STREAMS.scoringNoise);
    return this.mapWindows(windows, SCORE_BATCH, width, (p, x) => f(p, x, noise));
  }

  async scoreWindows(windows: WindowSet): Promise<Float32Array> {
    return this.mapWithScoringNoise(windows, 1, (p, x, noise) => this.windowScores(p, x, noise));
  }
}

/**
 * A window network whose score is built from per-feature errors (reconstruction, forecast): it explains a window
 * by each feature's share of that error (docs/explanations.md).
 */
export abstract class FeatureErrorNetwork<Config extends TrainingConfig>
  extends WindowNetworkDetector<Config>
  implements FeatureAttributing
{
  /** each feature's share of the error behind the score of each window of a batch, [B, D], ≥ 0 */
  protected abstract featureErrors(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor2D;

  async featureAttributions(windows: WindowSet): Promise<Float32Array> {
    const F = this.requireFitted().facts.featureCount;
    return this.mapWithScoringNoise(windows, F, (p, x, noise) => this.featureErrors(p, x, noise));
  }
}
