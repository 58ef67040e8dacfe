import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  DriftwatchError,
  InputError,
  IntegrityError,
  type ManifestContext,
  type ModelFileEntry,
  type ModelManifest,
} from '@driftwatch/contracts';
import { writeDirectoryAtomic } from '@driftwatch/contracts/atomic';

export const MANIFEST_FILE = 'manifest.json';
/** the manifest format this version writes and reads: 2 records bytes and sha256 of every file */
export const MANIFEST_FORMAT = 2;
/** a manifest holds settings, names and a calibration: kilobytes; anything near this is not one */
const MANIFEST_MAX_BYTES = 64 * 1024 * 1024;

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
  return { ...context, format: MANIFEST_FORMAT, ...facts, createdAt: new Date().toISOString(), files: [] };
}

/**
 * Writes a model directory atomically (contracts' `writeDirectoryAtomic`, the one helper every output folder uses):
 * the files go into a temporary sibling that is renamed into place, so a crash never leaves a half-written model,
 * an existing model at `dir` is replaced only once the new one is complete, and an interrupt removes the temporary.
 */
export async function writeModelDir(
  dir: string,
  manifest: ModelManifest,
  files: Record<string, Uint8Array | string>,
): Promise<void> {
  for (const name of [...Object.keys(files), MANIFEST_FILE])
    if (!isPlainFileName(name)) throw new DriftwatchError(`model file name not allowed: ${name}`);
  const entries = Object.entries(files).map(([name, content]) => fileEntry(name, content));
  const all = { ...files, [MANIFEST_FILE]: JSON.stringify({ ...manifest, files: entries }, null, 2) + '\n' };
  await mkdir(dirname(dir), { recursive: true });
  await writeDirectoryAtomic(dir, async (temporary) => {
    for (const [name, content] of Object.entries(all)) await writeFile(join(temporary, name), content);
  });
}

/** a name that stays inside the directory, is not one of the hidden temporaries, and fits a file system (255 bytes) */
function isPlainFileName(name: string): boolean {
  return (
    name !== '' &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !name.startsWith('.') &&
    !name.includes('\0') &&
    Buffer.byteLength(name) <= 255
  );
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fileEntry(name: string, content: Uint8Array | string): ModelFileEntry {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return { name, bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}

/**
 * The bytes of a regular file, never following a symbolic link (a weights.bin linked to /dev/zero would
 * otherwise be read forever) and never more than the size allowed: `exact` bytes, or at most `max`.
 */
async function readRegularFile(path: string, size: { exact: number } | { max: number }): Promise<Buffer> {
  let handle;
  try {
    // O_NOFOLLOW makes open fail on a link itself; O_NONBLOCK keeps a FIFO from blocking the open
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK')
      throw new InputError({ file: path }, 'a regular file (a model directory holds no symbolic links)', 'a link');
    if (code === 'ENOENT') throw new InputError({ file: path }, 'a file of the model directory', 'nothing');
    throw e;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new InputError({ file: path }, 'a regular file', describeNonFile(info));
    const limit = 'exact' in size ? size.exact : size.max;
    if ('exact' in size ? info.size !== size.exact : info.size > size.max)
      throw new IntegrityError(
        `${path}: ${info.size} bytes, expected ${'exact' in size ? '' : 'at most '}${limit} ` +
          `(as ${MANIFEST_FILE} records): the file changed after the model was saved`,
      );
    const buffer = Buffer.alloc(info.size);
    let at = 0;
    while (at < buffer.length) {
      const { bytesRead } = await handle.read(buffer, at, buffer.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    if (at !== buffer.length)
      throw new IntegrityError(`${path}: ${at} bytes read of ${buffer.length}: the file changed while it was read`);
    return buffer;
  } finally {
    await handle.close();
  }
}

function describeNonFile(info: import('node:fs').Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isFIFO()) return 'a pipe';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** what a JSON value is, for "found …" in errors (never the value itself: it may be huge) */
function kindOf(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return x.length > 40 ? `${JSON.stringify(x.slice(0, 40))}…` : JSON.stringify(x);
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return typeof x === 'object' ? 'an object' : typeof x;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Checks the parsed manifest field by field: anything a loader relies on has the right kind, every file entry has
 * a plain name, a size and a sha256, and a standardisation divides by finite positive numbers only.
 */
function checkManifest(raw: unknown, file: string): ModelManifest {
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new InputError({ file }, `${field}: ${expected}`, kindOf(value));
  };
  if (!isPlainObject(raw)) return fail('the manifest', 'a JSON object', raw);
  if (raw.format === 1)
    throw new DriftwatchError(
      `${file}: this model was saved before model directories recorded the sha256 of their files (format 1), so ` +
        'its weights cannot be checked for damage or tampering: retrain it with driftwatch train',
    );
  if (raw.format !== MANIFEST_FORMAT) fail('format', `${MANIFEST_FORMAT}`, raw.format);
  if (typeof raw.detector !== 'string' || raw.detector === '') fail('detector', 'a detector id', raw.detector);
  if (!isPlainObject(raw.config)) fail('config', 'an object of settings', raw.config);
  for (const field of ['featureCount', 'windowLength'] as const) {
    const v = raw[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(field, 'a positive integer', v);
  }
  if (!Array.isArray(raw.domains) || raw.domains.some((d) => typeof d !== 'string'))
    fail('domains', 'a list of names', raw.domains);
  if (typeof raw.seed !== 'number' || !Number.isFinite(raw.seed)) fail('seed', 'a number', raw.seed);
  if (raw.metrics !== undefined && !isPlainObject(raw.metrics)) fail('metrics', 'an object', raw.metrics);
  if (
    raw.featureNames !== undefined &&
    (!Array.isArray(raw.featureNames) || raw.featureNames.some((n) => typeof n !== 'string'))
  )
    fail('featureNames', 'a list of names', raw.featureNames);
  if (!Array.isArray(raw.files)) fail('files', 'a list of {name, bytes, sha256}', raw.files);
  const seen = new Set<string>();
  (raw.files as unknown[]).forEach((f, k) => {
    const at = `files[${k}]`;
    if (!isPlainObject(f)) return fail(at, 'an object {name, bytes, sha256}', f);
    if (typeof f.name !== 'string' || !isPlainFileName(f.name) || f.name === MANIFEST_FILE || seen.has(f.name))
      fail(`${at}.name`, 'a file name inside the directory, listed once', f.name);
    seen.add(f.name as string);
    if (typeof f.bytes !== 'number' || !Number.isSafeInteger(f.bytes) || f.bytes < 0)
      fail(`${at}.bytes`, 'a size in bytes', f.bytes);
    if (typeof f.sha256 !== 'string' || !SHA256_HEX.test(f.sha256))
      fail(`${at}.sha256`, '64 lower-case hex digits', f.sha256);
  });
  if (raw.standardisation !== undefined) checkStandardisation(raw.standardisation, file);
  return raw as unknown as ModelManifest;
}

/** z = (x − mean)/std: mean finite, std finite and > 0, one of each per feature */
function checkStandardisation(raw: unknown, file: string): void {
  const at = (field: string) => `standardisation.${field}`;
  if (!isPlainObject(raw) || !Array.isArray(raw.mean) || !Array.isArray(raw.std))
    throw new InputError({ file }, 'standardisation: an object {mean: [numbers], std: [numbers]}', kindOf(raw));
  const { mean, std } = raw as { mean: unknown[]; std: unknown[] };
  if (mean.length !== std.length)
    throw new InputError({ file }, `${at('std')}: one value per mean (${mean.length})`, `${std.length} values`);
  mean.forEach((m, j) => {
    if (typeof m !== 'number' || !Number.isFinite(m))
      throw new InputError({ file }, `${at(`mean[${j}]`)}: a finite number`, kindOf(m));
  });
  std.forEach((s, j) => {
    if (typeof s !== 'number' || !Number.isFinite(s) || !(s > 0))
      throw new InputError({ file }, `${at(`std[${j}]`)}: a finite number > 0 (values are divided by it)`, kindOf(s));
  });
}

/**
 * Reads and checks `manifest.json` (only the manifest: the files it lists are checked by `openModelDir`);
 * `expectedDetector` guards against loading the wrong kind of model.
 */
export async function readManifest(dir: string, expectedDetector?: string | string[]): Promise<ModelManifest> {
  const file = join(dir, MANIFEST_FILE);
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file, { max: MANIFEST_MAX_BYTES });
  } catch (e) {
    if (e instanceof InputError && e.found === 'nothing')
      throw new DriftwatchError(`${dir} is not a model directory: ${MANIFEST_FILE} is missing`);
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new InputError({ file }, 'valid JSON', (e as Error).message);
  }
  const manifest = checkManifest(parsed, file);
  const allowed = expectedDetector === undefined ? undefined : ([] as string[]).concat(expectedDetector);
  if (allowed && !allowed.includes(manifest.detector)) {
    throw new InputError({ file }, `a model of ${allowed.join(' or ')}`, manifest.detector);
  }
  return manifest;
}

/**
 * The files of one model directory, every one already checked against its size and sha256 in the manifest: bytes,
 * or JSON with an InputError naming the file when it does not parse.
 */
export interface ModelFiles {
  dir: string;
  /** the path of a file of the directory */
  path(name: string): string;
  bytes(name: string): Promise<Buffer>;
  json<T>(name: string): Promise<T>;
}

/** The checked bytes of one listed file: a regular file of the recorded size whose sha256 is the recorded one. */
async function readListedFile(dir: string, entry: ModelFileEntry): Promise<Buffer> {
  const path = join(dir, entry.name);
  const bytes = await readRegularFile(path, { exact: entry.bytes });
  const actual = sha256Hex(bytes);
  if (actual !== entry.sha256)
    throw new IntegrityError(
      `${path}: sha256 ${actual}, but ${MANIFEST_FILE} records ${entry.sha256}: the file changed after the model ` +
        'was saved (damaged or replaced); restore it or retrain the model',
    );
  return bytes;
}

/**
 * Opens a model directory for loading: the checked manifest, then every file it lists read and compared with its
 * recorded size and sha256 before any of them is interpreted, so a damaged or swapped weight file never scores.
 */
export async function openModelDir(
  dir: string,
  expectedDetector?: string | string[],
): Promise<{ manifest: ModelManifest; files: ModelFiles }> {
  const manifest = await readManifest(dir, expectedDetector);
  const contents = new Map<string, Buffer>();
  for (const entry of manifest.files) contents.set(entry.name, await readListedFile(dir, entry));
  const bytesOf = (name: string): Buffer => {
    const bytes = contents.get(name);
    if (!bytes)
      throw new InputError(
        { file: join(dir, MANIFEST_FILE) },
        `${name} among the files (${manifest.detector} models have one)`,
        manifest.files.map((f) => f.name).join(', '),
      );
    return bytes;
  };
  const files: ModelFiles = {
    dir,
    path: (name) => join(dir, name),
    bytes: async (name) => bytesOf(name),
    async json<T>(name: string): Promise<T> {
      try {
        return JSON.parse(bytesOf(name).toString('utf8')) as T;
      } catch (e) {
        if (e instanceof DriftwatchError) throw e;
        throw new InputError({ file: join(dir, name) }, 'valid JSON', (e as Error).message);
      }
    },
  };
  return { manifest, files };
}
