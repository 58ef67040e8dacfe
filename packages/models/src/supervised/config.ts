import { trainingParameters } from '../neural/config';
import type { TrainingConfig } from '../neural/window-network';
import { oneOf, POSITIVE_INTEGER, type ParameterSpecs } from '../parameters/schema';
import type { PositiveWeight } from './samples';

/** What every supervised baseline is configured with (docs/spatiotemporal.md §2). */
export interface SupervisedConfig {
  /** W: steps per window; the sample at step t sees steps t − W + 1 … t */
  windowLength: number;
  /** weight of an anomalous sample relative to a normal one in the loss; 'balanced' = n₋/n₊ of the training labels */
  positiveWeight: PositiveWeight;
}

/**
 * Training settings of the three tfjs classifiers (mlp, cnn1d, transformer): the window networks' (`epochs` is a
 * maximum that NodeFitOptions.epochs overrides; `clipNorm` null = no clipping).
 */
export interface SupervisedNetworkConfig extends SupervisedConfig, TrainingConfig {}

/** W = 12 by default: the paper gives none (docs/spatiotemporal.md §2); its recall peaks at 12 over W ∈ {4 … 20}. */
export const SUPERVISED_PARAMETERS: ParameterSpecs<SupervisedConfig> = {
  windowLength: {
    description: 'W: steps per window; the sample at step t sees steps t − W + 1 … t',
    accepts: [POSITIVE_INTEGER],
    default: 12,
  },
  positiveWeight: {
    description:
      "weight of an anomalous sample relative to a normal one in the loss; 'balanced' = n₋/n₊ of the training labels",
    accepts: [oneOf('balanced'), { type: 'number', min: 0, exclusiveMin: true }],
    default: 'balanced',
  },
};

/**
 * Defaults (the paper gives none, docs/spatiotemporal.md §2): Adam's usual learning rate 1e-3 with a light decoupled
 * weight decay 1e-4; batches of 128 windows; at most 100 epochs with early stopping after 10 without a lower
 * validation loss (the best weights are kept).
 */
export const SUPERVISED_NETWORK_PARAMETERS: ParameterSpecs<SupervisedNetworkConfig> = (() => {
  const training = trainingParameters({
    learningRate: 1e-3,
    weightDecay: 1e-4,
    clipNorm: null,
    batchSize: 128,
    epochs: 100,
    patience: 10,
  });
  return {
    ...SUPERVISED_PARAMETERS,
    learningRate: training.learningRate,
    weightDecay: training.weightDecay,
    clipNorm: training.clipNorm,
    batchSize: { ...training.batchSize, description: '(entity, window) samples per training batch' },
    epochs: training.epochs,
    patience: training.patience,
  };
})();
