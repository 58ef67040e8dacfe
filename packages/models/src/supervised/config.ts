import { ParameterError } from '@driftwatch/contracts';
import { TRAINING_CHECKS, resolveConfig } from '../neural/config';
import type { TrainingConfig } from '../neural/window-network';
import { checkPositiveWeight, type PositiveWeight } from './samples';

/** What every supervised baseline is configured with (spatiotemporal.md §2). */
export interface SupervisedConfig {
  /** W: steps per window; the sample at step t sees steps t − W + 1 … t */
  windowLength: number;
  /** weight of an anomalous sample relative to a normal one in the loss; 'balanced' = n₋/n₊ of the training labels */
  positiveWeight: PositiveWeight;
}

/** Training settings of the three tfjs classifiers (mlp, cnn1d, transformer): the window networks' (`epochs` is a maximum that NodeFitOptions.epochs overrides; `clipNorm` null = no clipping). */
export interface SupervisedNetworkConfig extends SupervisedConfig, TrainingConfig {}

/**
 * Defaults (the paper gives none, spatiotemporal.md §2): W = 12, where the paper's recall peaks over W ∈ {4 … 20};
 * Adam's usual learning rate 1e-3 with a light decoupled weight decay 1e-4; batches of 128 windows; at most 100
 * epochs with early stopping after 10 without a lower validation loss (the best weights are kept).
 */
export const SUPERVISED_NETWORK_DEFAULTS: SupervisedNetworkConfig = {
  windowLength: 12,
  positiveWeight: 'balanced',
  learningRate: 1e-3,
  weightDecay: 1e-4,
  clipNorm: null,
  batchSize: 128,
  epochs: 100,
  patience: 10,
};

/** A check of `resolveConfig` ('positive-int', 'positive', …). */
export type ConfigCheck = Parameters<typeof resolveConfig<{ value: number }>>[3]['value'];

/** The window networks' checks of the training settings. */
export const SUPERVISED_NETWORK_CHECKS = TRAINING_CHECKS satisfies Record<string, ConfigCheck>;

/**
 * Merges `params` over `defaults` and validates them: unknown keys, `positiveWeight`, string options against
 * their allowed `choices`, and every numeric key through `resolveConfig`'s `checks`. Errors are ParameterErrors
 * naming the detector and the key.
 */
export function supervisedConfig<C extends SupervisedConfig>(
  id: string,
  params: Record<string, unknown>,
  defaults: C,
  checks: Record<string, ConfigCheck>,
  choices: Record<string, readonly string[]> = {},
): C {
  const known = Object.keys(defaults);
  for (const key of Object.keys(params)) {
    if (params[key] !== undefined && !known.includes(key)) throw new ParameterError(`${id}: unknown parameter '${key}'; known: ${known.join(', ')}`);
  }
  const merged = { ...defaults } as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(params)) if (value !== undefined) merged[key] = value;
  merged.positiveWeight = checkPositiveWeight(merged.positiveWeight, id);
  for (const [key, allowed] of Object.entries(choices)) {
    if (!allowed.includes(merged[key] as string)) throw new ParameterError(`${id}: ${key} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(merged[key])}`);
  }
  const numeric = Object.fromEntries(Object.keys(checks).map((k) => [k, merged[k]]));
  resolveConfig(id, numeric, numeric, checks as Record<string, ConfigCheck>);
  return merged as C;
}
