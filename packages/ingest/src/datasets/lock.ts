import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataRootError, InputError } from '@driftwatch/contracts';
import { findJsonSyntaxError, lineColumnAt } from '../formats/json-text';

/** Where a data set comes from: a GitHub repository at a commit, and the paths taken from it. */
export interface LockSource {
  /** owner/name on GitHub */
  repository: string;
  /** 40 hex digits */
  commit: string;
  paths: string[];
}

export interface LockedFile {
  /** relative to the data root, forward slashes */
  path: string;
  bytes: number;
  /** lower-case hex */
  sha256: string;
}

export interface LockedDataset {
  /** folder under the data root */
  name: string;
  /** one source, or several when a data set combines repositories */
  source: LockSource | LockSource[];
  licence: string;
  /** reader that understands the folder: 'omnianomaly', 'nezha', 'exathlon', … */
  layout: string;
  /** sum of the file sizes */
  bytes: number;
  /** sorted by path */
  files: LockedFile[];
  /** where `driftwatch datasets fetch` gets the files from; absent when nothing can be fetched */
  downloads?: LockDownload[];
}

/** How a downloaded file becomes files under the data root. */
export type UnpackKind = 'none' | 'gzip' | 'gunzip' | 'tar.gz' | 'zip';
export const UNPACK_KINDS: readonly UnpackKind[] = ['none', 'gzip', 'gunzip', 'tar.gz', 'zip'];

/**
 * A conversion of the downloaded bytes before they are written ('numpy-pickle-text': numpy array pickle → text rows).
 */
export type ConvertKind = 'numpy-pickle-text';
export const CONVERT_KINDS: readonly ConvertKind[] = ['numpy-pickle-text'];

/** One member of a downloaded archive and where it goes. */
export interface LockDownloadMember {
  /** path inside the archive; when no member has exactly this path, the one member with this base name */
  name: string;
  /** data-root relative path, forward slashes */
  to: string;
  /** sha256 of the member's bytes as they are in the archive (before `compress`), when published */
  sha256?: string;
  /** 'gzip': the member is compressed like `gzip -9 -n` before it is written */
  compress?: 'gzip';
}

/** One file to download for a data set. */
export interface LockDownload {
  url: string;
  /** sha256 of the downloaded bytes; absent when nobody published one (then every output is checked instead) */
  sha256?: string;
  bytes?: number;
  /** where `sha256` (or the output checksums) come from */
  published?: string;
  unpack: UnpackKind;
  convert?: ConvertKind;
  /** for 'tar.gz' and 'zip': the members to take (default: every regular file, below `to`) */
  members?: LockDownloadMember[];
  /** data-root relative target: a file, or for archives a folder ending in '/' */
  to: string;
}

/** datasets.lock (docs/architecture.md, "Data"). */
export interface DatasetsLock {
  format: 1;
  datasets: LockedDataset[];
}

export type VerifyStatus = 'ok' | 'missing' | 'size' | 'sha256';

export interface VerifyReport {
  dataset: string;
  path: string;
  status: VerifyStatus;
  expectedBytes: number;
  actualBytes?: number;
  expectedSha256: string;
  actualSha256?: string;
}

/** sha256 of a file as lower-case hex, streamed (memory stays flat for large files). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads and checks datasets.lock; InputError names the file and what is wrong. */
export async function readDatasetsLock(path: string): Promise<DatasetsLock> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DataRootError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseDatasetsLock(text, path);
}

/** Parses the text of datasets.lock and checks its shape. */
export function parseDatasetsLock(text: string, file?: string): DatasetsLock {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError({ file, ...jsonErrorLocation(text) }, 'valid JSON', (error as Error).message);
  }
  const fail: Fail = (where, expected, found) => {
    throw new InputError(
      { file },
      `${where} to be ${expected}`,
      found === undefined || typeof found === 'string' ? found : JSON.stringify(found),
    );
  };
  if (!isObject(value)) return fail('the top level', 'an object');
  if (value.format !== 1) fail('"format"', '1', value.format);
  if (!Array.isArray(value.datasets)) fail('"datasets"', 'an array', value.datasets);
  const names = new Set<string>();
  (value.datasets as unknown[]).forEach((d, i) => {
    const at = `datasets[${i}]`;
    if (!isObject(d)) return fail(at, 'an object');
    if (typeof d.name !== 'string' || d.name === '') fail(`${at}.name`, 'a non-empty string', d.name);
    if (names.has(d.name as string)) fail(`${at}.name`, 'unique', d.name);
    names.add(d.name as string);
    const sources = Array.isArray(d.source) ? d.source : [d.source];
    if (sources.length === 0) fail(`${at}.source`, 'a source or a non-empty array of sources');
    sources.forEach((s: unknown, k: number) => {
      const sat = Array.isArray(d.source) ? `${at}.source[${k}]` : `${at}.source`;
      if (!isObject(s)) return fail(sat, 'an object {repository, commit, paths}');
      if (typeof s.repository !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(s.repository))
        fail(`${sat}.repository`, '"owner/name"', s.repository);
      if (typeof s.commit !== 'string' || !/^[0-9a-f]{40}$/.test(s.commit))
        fail(`${sat}.commit`, '40 lower-case hex digits', s.commit);
      if (!Array.isArray(s.paths) || !s.paths.every((p) => typeof p === 'string'))
        fail(`${sat}.paths`, 'an array of strings', s.paths);
    });
    if (typeof d.licence !== 'string') fail(`${at}.licence`, 'a string', d.licence);
    if (typeof d.layout !== 'string') fail(`${at}.layout`, 'a string', d.layout);
    if (!isByteCount(d.bytes)) fail(`${at}.bytes`, 'an integer ≥ 0', d.bytes);
    if (!Array.isArray(d.files)) return fail(`${at}.files`, 'an array', d.files);
    let total = 0;
    d.files.forEach((f: unknown, k: number) => {
      const fat = `${at}.files[${k}]`;
      if (!isObject(f)) return fail(fat, 'an object {path, bytes, sha256}');
      if (typeof f.path !== 'string' || !isRelativePath(f.path)) {
        fail(`${fat}.path`, 'a relative path with forward slashes', f.path);
      }
      if (!isByteCount(f.bytes)) fail(`${fat}.bytes`, 'an integer ≥ 0', f.bytes);
      if (!isSha256(f.sha256)) fail(`${fat}.sha256`, '64 lower-case hex digits', f.sha256);
      total += f.bytes as number;
    });
    if (total !== d.bytes) fail(`${at}.bytes`, `the sum of its file sizes (${total})`, d.bytes);
    if (d.downloads !== undefined)
      checkDownloads(d.downloads, `${at}.downloads`, d.name as string, d.files as LockedFile[], fail);
  });
  return value as unknown as DatasetsLock;
}

/** One line per data set naming its sources, e.g. "asd: github.com/zhhlee/InterFusion @ 8c85d51". */
export function describeLockSources(lock: DatasetsLock): string[] {
  return lock.datasets.map((d) => {
    const sources = Array.isArray(d.source) ? d.source : [d.source];
    return `${d.name}: ${sources.map((s) => `github.com/${s.repository} @ ${s.commit.slice(0, 7)}`).join(' + ')}`;
  });
}

/**
 * Checks the files of the named data sets (default: all) against the lock: size first, then a streamed
 * sha256. Unknown names → DataRootError listing the known ones.
 */
export async function verifyDatasets(
  dataRoot: string,
  lock: DatasetsLock,
  names?: string[],
  onProgress?: (done: number, total: number, path: string) => void,
): Promise<VerifyReport[]> {
  const known = lock.datasets.map((d) => d.name);
  const unknown = (names ?? []).filter((n) => !known.includes(n));
  if (unknown.length > 0)
    throw new DataRootError(
      `unknown data set${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; datasets.lock ` +
        `lists ${known.join(', ')}`,
    );
  const chosen = names ? lock.datasets.filter((d) => names.includes(d.name)) : lock.datasets;
  const total = chosen.reduce((n, d) => n + d.files.length, 0);
  const reports: VerifyReport[] = [];
  for (const d of chosen) {
    for (const f of d.files) {
      reports.push(await verifyFile(dataRoot, d.name, f));
      onProgress?.(reports.length, total, f.path);
    }
  }
  return reports;
}

/** A file under a data set folder that datasets.lock does not list. */
export interface UnlistedFile {
  dataset: string;
  /** relative to the data root, forward slashes */
  path: string;
  /** a symbolic link (not followed: its target may lie anywhere, readers would still open it) */
  link?: true;
}

/**
 * Files inside the folders of the chosen data sets that datasets.lock does not list (a newer download, a
 * stray output), symbolic links included. Not an integrity failure by themselves, but worth telling: experiments
 * may read them (`unlistedEntities` says which they would).
 */
export async function unlistedFiles(dataRoot: string, lock: DatasetsLock, names?: string[]): Promise<UnlistedFile[]> {
  const chosen = names ? lock.datasets.filter((d) => names.includes(d.name)) : lock.datasets;
  const out: UnlistedFile[] = [];
  for (const d of chosen) {
    const listed = new Set(d.files.map((f) => f.path));
    const folders = new Set(d.files.map((f) => f.path.split('/')[0]));
    for (const folder of folders) {
      for (const { path, link } of await listFilesUnder(dataRoot, folder))
        if (!listed.has(path)) out.push({ dataset: d.name, path, ...(link ? { link } : {}) });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The per-entity folders of the OmniAnomaly layout: `<dataset>/<folder>/<entity>.txt`. */
const OMNI_ENTITY_FOLDERS = ['train', 'test', 'test_label', 'interpretation_label'];

/** An entity the readers would find in a data set folder although datasets.lock lists none of its files. */
export interface UnlistedEntity {
  dataset: string;
  entity: string;
  /** its unlisted files, relative to the data root */
  paths: string[];
}

/**
 * The entities among `unlisted` files: for data sets of the OmniAnomaly layout (ASD, SMD), whose readers take every
 * `<entity>.txt` of `train/` as one more server, the names of those files that no listed file has. Such an entity
 * changes what `train` and `bench` compute, unlike a stray file they never open.
 */
export function unlistedEntities(lock: DatasetsLock, unlisted: readonly UnlistedFile[]): UnlistedEntity[] {
  const out = new Map<string, UnlistedEntity>();
  for (const { dataset, path } of unlisted) {
    const d = lock.datasets.find((x) => x.name === dataset);
    if (d?.layout !== 'omnianomaly') continue;
    const parts = path.split('/');
    if (parts.length !== 3 || !OMNI_ENTITY_FOLDERS.includes(parts[1]) || !parts[2].endsWith('.txt')) continue;
    const entity = parts[2].slice(0, -'.txt'.length);
    const listed = d.files.some((f) => f.path.split('/').at(-1) === parts[2]);
    if (listed) continue;
    const key = `${dataset}/${entity}`;
    const e = out.get(key) ?? { dataset, entity, paths: [] };
    e.paths.push(path);
    out.set(key, e);
  }
  return [...out.values()];
}

/** Relative paths (forward slashes) of the files below `root/folder`, links not followed; none if it does not exist. */
async function listFilesUnder(root: string, folder: string): Promise<{ path: string; link: boolean }[]> {
  let entries;
  try {
    entries = await readdir(join(root, ...folder.split('/')), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return [];
    throw error;
  }
  const out: { path: string; link: boolean }[] = [];
  for (const e of entries) {
    const rel = `${folder}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFilesUnder(root, rel)));
    else if (e.isFile()) out.push({ path: rel, link: false });
    else if (e.isSymbolicLink()) out.push({ path: rel, link: true });
  }
  return out;
}

async function verifyFile(dataRoot: string, dataset: string, f: LockedFile): Promise<VerifyReport> {
  const base = { dataset, path: f.path, expectedBytes: f.bytes, expectedSha256: f.sha256 };
  const full = join(dataRoot, ...f.path.split('/'));
  let size: number;
  try {
    const s = await stat(full);
    if (!s.isFile()) return { ...base, status: 'missing' };
    size = s.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return { ...base, status: 'missing' };
    throw error;
  }
  if (size !== f.bytes) return { ...base, status: 'size', actualBytes: size };
  const actualSha256 = await sha256File(full);
  return { ...base, status: actualSha256 === f.sha256 ? 'ok' : 'sha256', actualBytes: size, actualSha256 };
}

type Fail = (where: string, expected: string, found?: unknown) => never;

/**
 * The checks of one data set's `downloads` (every output inside the data set's folder, each output verifiable and
 * written once).
 */
function checkDownloads(downloads: unknown, at: string, dataset: string, files: LockedFile[], fail: Fail): void {
  if (!Array.isArray(downloads)) return fail(at, 'an array', downloads);
  const locked = new Set(files.map((f) => f.path));
  const written = new Set<string>();
  downloads.forEach((dl: unknown, k: number) => {
    const dat = `${at}[${k}]`;
    if (!isObject(dl)) return fail(dat, 'an object {url, unpack, to, …}');
    if (typeof dl.url !== 'string' || !/^https?:\/\/[^/\s]+\/\S*$/.test(dl.url))
      fail(`${dat}.url`, 'an http or https URL', dl.url);
    if (dl.sha256 !== undefined && !isSha256(dl.sha256)) fail(`${dat}.sha256`, '64 lower-case hex digits', dl.sha256);
    if (dl.bytes !== undefined && !isByteCount(dl.bytes)) fail(`${dat}.bytes`, 'an integer ≥ 0', dl.bytes);
    if (dl.published !== undefined && typeof dl.published !== 'string')
      fail(`${dat}.published`, 'a string', dl.published);
    if (!UNPACK_KINDS.includes(dl.unpack as UnpackKind))
      fail(`${dat}.unpack`, `one of ${UNPACK_KINDS.join(', ')}`, dl.unpack);
    const archive = isArchive(dl.unpack as UnpackKind);
    if (dl.convert !== undefined && (!CONVERT_KINDS.includes(dl.convert as ConvertKind) || dl.unpack !== 'none')) {
      fail(`${dat}.convert`, `one of ${CONVERT_KINDS.join(', ')}, with "unpack": "none"`, dl.convert);
    }
    // an archive unpacks into a folder (the data set's own, or one below it); the other kinds write one file
    const target = archive
      ? dl.to === `${dataset}/` || (isInsideFolder(dl.to, dataset) && String(dl.to).endsWith('/'))
      : isInsideFolder(dl.to, dataset) && !String(dl.to).endsWith('/');
    if (!target) {
      fail(
        `${dat}.to`,
        `a path under "${dataset}/"${archive ? ' ending in "/" (a folder, for an archive)' : ' (a file)'}`,
        dl.to,
      );
    }
    if (dl.members !== undefined && !archive)
      fail(`${dat}.members`, 'absent unless "unpack" is tar.gz or zip', dl.members);
    const outputs: { path: string; sha256?: unknown }[] = [];
    if (dl.members === undefined) outputs.push({ path: dl.to as string });
    else if (!Array.isArray(dl.members) || dl.members.length === 0)
      fail(`${dat}.members`, 'a non-empty array', dl.members);
    else {
      dl.members.forEach((m: unknown, j: number) => {
        const mat = `${dat}.members[${j}]`;
        if (!isObject(m)) return fail(mat, 'an object {name, to}');
        if (typeof m.name !== 'string' || m.name === '') fail(`${mat}.name`, 'a non-empty string', m.name);
        if (!isInsideFolder(m.to, dl.to as string) || String(m.to).endsWith('/'))
          fail(`${mat}.to`, `a file path under "${dl.to}"`, m.to);
        if (m.sha256 !== undefined && !isSha256(m.sha256)) fail(`${mat}.sha256`, '64 lower-case hex digits', m.sha256);
        if (m.compress !== undefined && m.compress !== 'gzip') fail(`${mat}.compress`, '"gzip"', m.compress);
        outputs.push({ path: m.to as string, sha256: m.sha256 });
      });
    }
    for (const o of outputs) {
      if (written.has(o.path)) fail(`${dat}.to`, `the only download writing ${o.path}`, o.path);
      written.add(o.path);
      // nothing unverified may enter the data root: the download, the member or the locked file carries a sha256
      const verifiable =
        dl.sha256 !== undefined || o.sha256 !== undefined || (!o.path.endsWith('/') && locked.has(o.path));
      if (!verifiable) fail(`${dat}.sha256`, `given, since ${o.path} has no sha256 of its own`, dl.sha256);
    }
  });
}

/** 'tar.gz' and 'zip' hold several files; the other kinds produce exactly one. */
export function isArchive(unpack: UnpackKind): boolean {
  return unpack === 'tar.gz' || unpack === 'zip';
}

/** A relative forward-slash path below `folder` (the data set's folder, or a download's target folder). */
function isInsideFolder(path: unknown, folder: string): boolean {
  if (typeof path !== 'string' || !isRelativePath(path)) return false;
  const prefix = folder.endsWith('/') ? folder : `${folder}/`;
  return path.startsWith(prefix) && path.length > prefix.length;
}

/** Relative, forward slashes, no '..' (the rule for every path in the lock). */
function isRelativePath(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.includes('\\') && !path.split('/').includes('..');
}

function isSha256(v: unknown): boolean {
  return typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isByteCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Line and column of the first JSON syntax error (JSON.parse messages do not always carry a position). */
function jsonErrorLocation(text: string): { line: number; column: number } {
  return lineColumnAt(text, findJsonSyntaxError(text)?.offset ?? text.length);
}
