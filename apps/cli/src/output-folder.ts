import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeDirectoryAtomic } from '@driftwatch/ingest';
import { UsageError } from './cli-error';

/**
 * Writes into `fill`'s temporary folder and renames it to `out` when everything is there: readers see no
 * folder or a complete one. An existing `out` is replaced only with `replace`; on failure it stays as it was.
 * Missing parents are created: a default such as bench-results/demo must work in an empty folder.
 */
export async function writeFolderAtomic(
  out: string,
  replace: boolean,
  fill: (dir: string) => Promise<void>,
): Promise<void> {
  const target = resolve(out);
  if (existsSync(target) && !replace) throw new UsageError(`${out} exists (use --force to replace it)`);
  await mkdir(dirname(target), { recursive: true });
  await writeDirectoryAtomic(target, fill);
}
