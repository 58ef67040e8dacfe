import { readdir, stat } from 'node:fs/promises';
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
  const files: string[] = [];
  for (const e of entries) {
    const full = join(e.parentPath, e.name);
    // readers follow links, so a linked file's bytes are data the results came from too
    if (e.isFile() || (e.isSymbolicLink() && (await isLinkToFile(full))))
      files.push(relative(root, full).split(sep).join('/'));
  }
  files.sort();
  const out: DataFileChecksum[] = [];
  for (const path of files) {
    const sha256 = await sha256File(join(root, path));
    const expected = locked.get(path);
    out.push({ path, sha256, lock: expected === undefined ? 'unlocked' : expected === sha256 ? 'ok' : 'changed' });
  }
  return out;
}

async function isLinkToFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    // a dangling link: no reader can open it either
    return false;
  }
}
