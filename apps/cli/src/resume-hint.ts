import { ResultsExistError } from '@driftwatch/experiments/data';
import { UsageError } from './cli-error';

/**
 * Runs a benchmark, turning the library's ResultsExistError into the usage error that names the flags:
 * `finished` says what --resume skips.
 */
export async function withResumeHint<T>(work: Promise<T>, finished: string): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (!(e instanceof ResultsExistError)) throw e;
    const hint = `pass --resume to skip ${finished}, or name another --out`;
    throw new UsageError(`${e.path} already holds ${e.lines} results lines: ${hint}`);
  }
}
