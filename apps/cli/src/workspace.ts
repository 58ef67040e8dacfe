import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot, resolveDataRoot, sha256File } from '@driftwatch/ingest';
import type { OptionValues } from './command';

/** The repository the CLI runs from (it holds datasets.lock), falling back to the working directory. */
export function repoRoot(): string {
  return findRepoRoot(__dirname) ?? findRepoRoot(process.cwd()) ?? process.cwd();
}

export function datasetsLockPath(): string {
  return join(repoRoot(), 'datasets.lock');
}

/**
 * --data-root, else $DRIFTWATCH_DATA, else ../shared/datasets; throws a DataRootError explaining where data comes from.
 */
export function dataRoot(values: OptionValues): string {
  const flag = typeof values['data-root'] === 'string' ? (values['data-root'] as string) : undefined;
  return resolveDataRoot({ flag, env: process.env.DRIFTWATCH_DATA, repoRoot: repoRoot() }).path;
}

/** sha256 of datasets.lock, recorded in model manifests so a model names the exact data it saw. */
export async function datasetsLockSha256(): Promise<string | undefined> {
  const p = datasetsLockPath();
  return existsSync(p) ? sha256File(p) : undefined;
}
