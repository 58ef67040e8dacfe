/**
 * Min-max scaling inside a detector (TranAD, OmniAnomaly: docs/divad.md §5 scales their inputs to [0, 1]): the
 * per-feature ranges of the training windows are state variables `<prefix>/min`, `<prefix>/max`, set before
 * training and saved with the model. On standardised inputs this equals min-max scaling of the raw data,
 * because standardisation is a positive affine map per feature.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherWindows, type WindowSet } from '@driftwatch/contracts';
import type { ParamSpec } from './params';
import type { PhaseRun, TrainingPhase } from './window-network';

/** Per-feature minimum and maximum over every value of every window. */
export function featureRanges(windows: WindowSet): { min: Float32Array; max: Float32Array } {
  const D = windows.featureCount;
  const min = new Float32Array(D).fill(Infinity);
  const max = new Float32Array(D).fill(-Infinity);
  const size = windows.windowLength * D;
  const chunk = Math.max(1, Math.min(windows.count, 4096));
  const buf = new Float32Array(chunk * size);
  const idx = new Int32Array(chunk);
  for (let start = 0; start < windows.count; start += chunk) {
    const count = Math.min(chunk, windows.count - start);
    for (let i = 0; i < count; i++) idx[i] = start + i;
    gatherWindows(windows, idx.subarray(0, count), buf);
    const n = count * size;
    for (let k = 0; k < n; k += D) {
      for (let j = 0; j < D; j++) {
        const v = buf[k + j];
        if (v < min[j]) min[j] = v;
        if (v > max[j]) max[j] = v;
      }
    }
  }
  return { min, max };
}

/** the two state variables of the ranges (identity scaling until set) */
export function minMaxStateSpecs(prefix: string, featureCount: number): ParamSpec[] {
  return [
    { name: `${prefix}/min`, shape: [featureCount], init: 'zeros' },
    { name: `${prefix}/max`, shape: [featureCount], init: 'ones' },
  ];
}

/** a single training phase that first sets the ranges from the training windows */
export function minMaxTrainingPhase(prefix: string): TrainingPhase {
  return {
    name: 'train',
    before: (run: PhaseRun) => {
      const { min, max } = featureRanges(run.train);
      tf.tidy(() => {
        run.setState(`${prefix}/min`, tf.tensor1d(min));
        run.setState(`${prefix}/max`, tf.tensor1d(max));
      });
    },
  };
}
