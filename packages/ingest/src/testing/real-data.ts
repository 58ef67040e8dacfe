import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findRepoRoot } from '../datasets/data-root';

/**
 * The data root for tests on the real data sets (DRIFTWATCH_DATA, else ../shared/datasets next to the
 * repository), or undefined with a visible note when it is absent, so those tests skip instead of failing.
 * With `requiredInCi`, a missing data set under CI=true is an error: a number CI must check cannot pass by skipping.
 */
export function realDataRoot(dataset: string, opts: { requiredInCi?: boolean } = {}): string | undefined {
  const repoRoot = findRepoRoot(__dirname);
  const root = process.env.DRIFTWATCH_DATA || (repoRoot ? resolve(repoRoot, '..', 'shared', 'datasets') : undefined);
  if (root && existsSync(join(root, dataset))) return root;
  if (opts.requiredInCi && process.env.CI === 'true')
    throw new Error(`data set "${dataset}" not found under ${root ?? '(no data root)'}; CI must have it`);
  process.stderr.write(
    `note: data set "${dataset}" not found under ${root ?? '(no data root)'}; tests on the real data are skipped\n`,
  );
  return undefined;
}
