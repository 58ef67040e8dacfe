/**
 * What every neural window scorer shares (the baselines of docs/divad.md §4): a window detector whose score is a
 * tfjs function of the window, computed in batches with the scoring noise restarted for every call. A subclass
 * names its parameters, its loss and its window score; PyOD's "one interface for every detector" in tfjs form.
 */
import { assertWindowShape, type WindowSet } from '@driftwatch/contracts';
import { ensureBackend, tf } from '../backend';
import { SEED_STREAMS, type NamedParams } from './params';
import { mapBatches, type NoiseSource } from './tfjs-detector';
import { WindowTfjsDetector, windowRows, type TrainingConfig, type WindowTrainingPhase } from './window-detector';

export type { LossContext, NoiseSource } from './tfjs-detector';
export type { PhaseRun, TrainingConfig, WindowLossContext } from './window-detector';
/** one stage of a window network's training */
export type TrainingPhase = WindowTrainingPhase;

/** windows per forward pass when scoring */
const SCORE_BATCH = 2048;

export abstract class WindowNetworkDetector<Config extends TrainingConfig> extends WindowTfjsDetector<Config> {
  /** one score per window of a batch (higher = more anomalous) */
  protected abstract windowScores(p: NamedParams, x: tf.Tensor2D, noise: NoiseSource): tf.Tensor1D;

  async scoreWindows(windows: WindowSet): Promise<Float32Array> {
    const { facts } = this.requireFitted();
    assertWindowShape(windows, this.config.windowLength, facts.featureCount);
    await ensureBackend();
    const params = this.params();
    // scoring noise is seeded per call: the same windows always get the same scores
    const noise = this.fittedNoise(SEED_STREAMS.scoringNoise);
    return mapBatches(windowRows(windows), SCORE_BATCH, 1, (x) => this.windowScores(params, x, noise));
  }
}
