import type { OmniDataset } from '@driftwatch/experiments/data';
import { UsageError } from './cli-error';

/**
 * `--dataset` of train, score and evaluate (default asd). Kept out of the command modules so that evaluate, which
 * needs no detector, does not load train's (and with it the models package and tfjs).
 */
export function parseDataset(v: string | undefined): OmniDataset {
  const d = v ?? 'asd';
  if (d !== 'asd' && d !== 'smd') throw new UsageError(`--dataset expects asd or smd, got '${d}'`);
  return d;
}
