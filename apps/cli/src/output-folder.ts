import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { temporarySiblingPath } from '@driftwatch/ingest';
import { UsageError } from './cli-error';

/**
 * Writes into `fill`'s temporary folder and renames it to `out` when everything is there: readers see no
 * folder or a complete one. An existing `out` is replaced only with `replace`; on failure it stays as it was.
 */
export async function writeFolderAtomic(
  out: string,
  replace: boolean,
  fill: (dir: string) => Promise<void>,
): Promise<void> {
  const target = resolve(out);
  if (existsSync(target) && !replace) throw new UsageError(`${out} exists (use --force to replace it)`);
  const temporary = temporarySiblingPath(target);
  await mkdir(temporary, { recursive: true });
  try {
    await fill(temporary);
    if (existsSync(target)) {
      const old = `${temporary}.old`;
      await rename(target, old);
      try {
        await rename(temporary, target);
      } catch (error) {
        await rename(old, target);
        throw error;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temporary, target);
    }
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}
