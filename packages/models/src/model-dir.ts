import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DriftwatchError, InputError, type ManifestContext, type ModelManifest } from '@driftwatch/contracts';

export const MANIFEST_FILE = 'manifest.json';

/** What a detector knows about itself when it saves (the rest of `ModelManifest` is the caller's context or fixed). */
export type ManifestFacts = Pick<
  ModelManifest,
  'detector' | 'config' | 'featureCount' | 'windowLength' | 'domains' | 'backend' | 'versions' | 'seed' | 'metrics'
> &
  Pick<ManifestContext, 'featureNames'>;

/**
 * `manifest.json` of a model directory (docs/architecture.md, "Files between steps"): the caller's context, then the
 * detector's facts, which win.
 */
export function modelManifest(facts: ManifestFacts, context: ManifestContext = {}): ModelManifest {
  return { ...context, format: 1, ...facts, createdAt: new Date().toISOString(), files: [] };
}

/**
 * Writes a model directory atomically: everything goes into a temporary sibling directory that is
 * renamed into place, so a crash never leaves a half-written model and an existing model at `dir`
 * is replaced only once the new one is complete.
 */
export async function writeModelDir(
  dir: string,
  manifest: ModelManifest,
  files: Record<string, Uint8Array | string>,
): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(parent, `.${basename(dir)}.tmp-${stamp}`);
  const old = join(parent, `.${basename(dir)}.old-${stamp}`);
  await mkdir(tmp);
  try {
    const all = {
      ...files,
      [MANIFEST_FILE]: JSON.stringify({ ...manifest, files: Object.keys(files) }, null, 2) + '\n',
    };
    for (const [name, content] of Object.entries(all)) {
      if (name.includes('/') || name.includes('\\') || name.startsWith('.'))
        throw new DriftwatchError(`model file name not allowed: ${name}`);
      await writeFile(join(tmp, name), content);
    }
    let hadOld = false;
    try {
      await rename(dir, old);
      hadOld = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await rename(tmp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Reads and checks `manifest.json`; `expectedDetector` guards against loading the wrong kind of model. */
export async function readManifest(dir: string, expectedDetector?: string | string[]): Promise<ModelManifest> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new DriftwatchError(`${dir} is not a model directory: ${MANIFEST_FILE} is missing`);
    throw e;
  }
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(text) as ModelManifest;
  } catch (e) {
    throw new InputError({ file }, 'valid JSON', (e as Error).message);
  }
  if (manifest.format !== 1) throw new InputError({ file }, 'manifest format 1', String(manifest.format));
  const allowed = expectedDetector === undefined ? undefined : ([] as string[]).concat(expectedDetector);
  if (allowed && !allowed.includes(manifest.detector)) {
    throw new InputError({ file }, `a model of ${allowed.join(' or ')}`, manifest.detector);
  }
  return manifest;
}

/** Reads one weight file of a model directory. */
export async function readModelFile(dir: string, name: string): Promise<Buffer> {
  return readFile(join(dir, name));
}

/**
 * The files of one model directory, read on demand: bytes, or JSON with an InputError naming the file when it does not
 * parse.
 */
export interface ModelFiles {
  dir: string;
  /** the path of a file of the directory */
  path(name: string): string;
  bytes(name: string): Promise<Buffer>;
  json<T>(name: string): Promise<T>;
}

export function modelFiles(dir: string): ModelFiles {
  return {
    dir,
    path: (name) => join(dir, name),
    bytes: (name) => readModelFile(dir, name),
    async json<T>(name: string): Promise<T> {
      const text = (await readModelFile(dir, name)).toString('utf8');
      try {
        return JSON.parse(text) as T;
      } catch (e) {
        throw new InputError({ file: join(dir, name) }, 'valid JSON', (e as Error).message);
      }
    },
  };
}
