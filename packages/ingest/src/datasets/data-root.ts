import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DataRootError } from '@driftwatch/contracts';
import { describeLockSources, parseDatasetsLock } from './lock';

/** The environment variable that names the data root. */
export const DATA_ROOT_ENV = 'DRIFTWATCH_DATA';
/** File name of the lock at the repository root. */
export const DATASETS_LOCK = 'datasets.lock';

export type DataRootSource = 'flag' | 'env' | 'default';

export interface DataRootChoice {
  path: string;
  source: DataRootSource;
}

export interface ResolveDataRootOptions {
  /** value of --data-root */
  flag?: string;
  /** value of DRIFTWATCH_DATA (pass process.env.DRIFTWATCH_DATA; this function reads no environment) */
  env?: string;
  /** repository root (default: found from the current directory) */
  repoRoot?: string;
  /** datasets.lock to quote in the error message (default: <repoRoot>/datasets.lock) */
  lockPath?: string;
}

/** The nearest folder at or above `start` that contains nx.json. */
export function findRepoRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The data root (docs/architecture.md, "Data"): --data-root, else DRIFTWATCH_DATA, else ../shared/datasets
 * next to the repository root. Throws a DataRootError that says what was tried and how to fix it when the
 * chosen folder does not exist.
 */
export function resolveDataRoot(opts: ResolveDataRootOptions = {}): DataRootChoice {
  const repoRoot = opts.repoRoot ?? findRepoRoot(process.cwd());
  let choice: DataRootChoice;
  if (opts.flag) choice = { path: resolve(opts.flag), source: 'flag' };
  else if (opts.env) choice = { path: resolve(opts.env), source: 'env' };
  else if (repoRoot) choice = { path: resolve(repoRoot, '..', 'shared', 'datasets'), source: 'default' };
  else {
    throw new DataRootError(
      [
        'no data root: neither --data-root nor DRIFTWATCH_DATA is set, and no repository root (a folder ' +
          'with nx.json) was found',
        'above the current directory to look for ../shared/datasets next to it.',
        ...howToFix(opts.lockPath),
      ].join('\n'),
    );
  }
  if (!isDirectory(choice.path)) {
    const why = {
      flag: 'given with --data-root',
      env: `given by ${DATA_ROOT_ENV}`,
      default: 'the default: ../shared/datasets next to the repository root',
    }[choice.source];
    throw new DataRootError(
      [
        `data root ${choice.path} does not exist or is not a folder (${why}).`,
        ...howToFix(opts.lockPath ?? (repoRoot ? join(repoRoot, DATASETS_LOCK) : undefined)),
      ].join('\n'),
    );
  }
  return choice;
}

function howToFix(lockPath: string | undefined): string[] {
  const lines = ['Data sets are not kept in the repository.'];
  const sources = lockPath ? readSources(lockPath) : undefined;
  if (sources) lines.push(`They come from (${DATASETS_LOCK}):`, ...sources.map((s) => `  ${s}`));
  else
    lines.push(
      `Their sources are listed in ${DATASETS_LOCK} at the repository ` +
        `root${lockPath ? ` (could not read ${lockPath})` : ''}.`,
    );
  lines.push(
    `Point at a copy with --data-root DIR or ${DATA_ROOT_ENV}=DIR; \`driftwatch datasets verify\` checks ` +
      `it against ${DATASETS_LOCK}.`,
  );
  return lines;
}

function readSources(lockPath: string): string[] | undefined {
  try {
    return describeLockSources(parseDatasetsLock(readFileSync(lockPath, 'utf8'), lockPath));
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
