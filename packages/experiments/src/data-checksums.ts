import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { DataFileChecksum } from '@driftwatch/contracts';
import { readDatasetsLock, sha256File } from '@driftwatch/ingest';

/**
 * sha256 of every file under `root/dataset`, compared with datasets.lock: recorded beside benchmark results so a
 * report can say exactly which bytes a number came from, and whether they are the locked ones.
 */
export async function dataChecksums(root: string, dataset: string, lockPath: string): Promise<DataFileChecksum[]> {
  const lock = existsSync(lockPath) ? await readDatasetsLock(lockPath) : undefined;
  const locked = new Map((lock?.datasets.find((d) => d.name === dataset)?.files ?? []).map((f) => [f.path, f.sha256]));
  const entries = await readdir(join(root, dataset), { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
  const out: DataFileChecksum[] = [];
  for (const path of files) {
    const sha256 = await sha256File(join(root, path));
    const expected = locked.get(path);
    out.push({ path, sha256, lock: expected === undefined ? 'unlocked' : expected === sha256 ? 'ok' : 'changed' });
  }
  return out;
}
