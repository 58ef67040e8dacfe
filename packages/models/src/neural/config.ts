import { ParameterError } from '@driftwatch/contracts';
import type { TrainingConfig } from './window-network';

/** Defaults of the training settings (divad.md §4: batch 32, the §3.3 protocol; the paper's Adam = AdamW with no decay). */
export const TRAINING_DEFAULTS: TrainingConfig = {
  windowLength: 20,
  learningRate: 3e-4,
  weightDecay: 0,
  clipNorm: null,
  batchSize: 32,
  epochs: 300,
  patience: 100,
};

type Check = 'positive-int' | 'positive' | 'positive-or-null' | 'non-negative' | 'layers';

/**
 * Merges `params` over `defaults`, rejecting unknown keys and values of the wrong kind with a ParameterError
 * that names the detector (scikit-learn's "parameters validated at the boundary").
 */
export function resolveConfig<C extends object>(id: string, params: Record<string, unknown>, defaults: C, checks: Record<keyof C & string, Check>): C {
  for (const k of Object.keys(params)) {
    if (!(k in defaults)) throw new ParameterError(`${id}: unknown parameter '${k}'; known: ${Object.keys(defaults).join(', ')}`);
  }
  const out = { ...defaults, ...params } as Record<string, unknown>;
  for (const [k, check] of Object.entries(checks) as [string, Check][]) {
    const v = out[k];
    const ok =
      check === 'positive-int'
        ? typeof v === 'number' && Number.isInteger(v) && v >= 1
        : check === 'positive' || check === 'positive-or-null'
          ? (typeof v === 'number' && v > 0) || (check === 'positive-or-null' && v === null)
          : check === 'non-negative'
            ? typeof v === 'number' && v >= 0
            : (typeof v === 'number' && Number.isInteger(v) && v >= 1) || (Array.isArray(v) && v.every((h) => Number.isInteger(h) && h >= 1));
    if (!ok) {
      const expected = { 'positive-int': 'a positive integer', positive: 'a number > 0', 'positive-or-null': 'a number > 0 or null', 'non-negative': 'a number ≥ 0', layers: 'a positive integer or a list of them' }[check];
      throw new ParameterError(`${id}: ${k} must be ${expected}, got ${JSON.stringify(v)}`);
    }
  }
  return out as C;
}

/** Hidden widths as a list (one number = one layer). */
export function layerWidths(hidden: number | number[]): number[] {
  return Array.isArray(hidden) ? [...hidden] : [hidden];
}

export const TRAINING_CHECKS = {
  windowLength: 'positive-int',
  learningRate: 'positive',
  weightDecay: 'non-negative',
  clipNorm: 'positive-or-null',
  batchSize: 'positive-int',
  epochs: 'positive-int',
  patience: 'positive-int',
} as const;
