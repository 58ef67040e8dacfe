import {
  NULL,
  POSITIVE_INTEGER,
  POSITIVE_NUMBER,
  NON_NEGATIVE_NUMBER,
  type ParameterSpecs,
} from '../parameters/schema';
import type { TrainingConfig } from './window-network';

/**
 * Defaults of the training settings (docs/divad.md §4: batch 32, the §3.3 protocol; the paper's Adam = AdamW with no
 * decay).
 */
export const TRAINING_DEFAULTS: TrainingConfig = {
  windowLength: 20,
  learningRate: 3e-4,
  weightDecay: 0,
  clipNorm: null,
  batchSize: 32,
  epochs: 300,
  patience: 100,
};

/** The training settings every window network takes, with a detector's own defaults. */
export function trainingParameters(defaults: Partial<TrainingConfig> = {}): ParameterSpecs<TrainingConfig> {
  const d = { ...TRAINING_DEFAULTS, ...defaults };
  return {
    windowLength: { description: 'W: records per window', accepts: [POSITIVE_INTEGER], default: d.windowLength },
    learningRate: { description: 'AdamW learning rate', accepts: [POSITIVE_NUMBER], default: d.learningRate },
    weightDecay: {
      description: 'AdamW decoupled weight decay',
      accepts: [NON_NEGATIVE_NUMBER],
      default: d.weightDecay,
    },
    clipNorm: {
      description: 'per-variable gradient norm clip; null for none',
      accepts: [POSITIVE_NUMBER, NULL],
      default: d.clipNorm,
    },
    batchSize: { description: 'windows per training batch', accepts: [POSITIVE_INTEGER], default: d.batchSize },
    epochs: {
      description: 'maximum training epochs (the fit options’ epochs override it)',
      accepts: [POSITIVE_INTEGER],
      default: d.epochs,
    },
    patience: {
      description: 'early stopping: epochs without a lower validation loss before training stops',
      accepts: [POSITIVE_INTEGER],
      default: d.patience,
    },
  };
}

/** Hidden widths as a list (one number = one layer). */
export function layerWidths(hidden: number | number[]): number[] {
  return Array.isArray(hidden) ? [...hidden] : [hidden];
}
