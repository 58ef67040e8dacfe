import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataRootError, InputError } from '@driftwatch/contracts';

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
}

/** datasets.lock (architecture.md, "Data"). */
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
  const fail = (where: string, expected: string, found?: unknown): never => {
    throw new InputError({ file }, `${where} to be ${expected}`, found === undefined || typeof found === 'string' ? found : JSON.stringify(found));
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
      if (typeof s.repository !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(s.repository)) fail(`${sat}.repository`, '"owner/name"', s.repository);
      if (typeof s.commit !== 'string' || !/^[0-9a-f]{40}$/.test(s.commit)) fail(`${sat}.commit`, '40 lower-case hex digits', s.commit);
      if (!Array.isArray(s.paths) || !s.paths.every((p) => typeof p === 'string')) fail(`${sat}.paths`, 'an array of strings', s.paths);
    });
    if (typeof d.licence !== 'string') fail(`${at}.licence`, 'a string', d.licence);
    if (typeof d.layout !== 'string') fail(`${at}.layout`, 'a string', d.layout);
    if (!isByteCount(d.bytes)) fail(`${at}.bytes`, 'an integer ≥ 0', d.bytes);
    if (!Array.isArray(d.files)) return fail(`${at}.files`, 'an array', d.files);
    let total = 0;
    d.files.forEach((f: unknown, k: number) => {
      const fat = `${at}.files[${k}]`;
      if (!isObject(f)) return fail(fat, 'an object {path, bytes, sha256}');
      if (typeof f.path !== 'string' || f.path === '' || f.path.startsWith('/') || f.path.includes('\\') || f.path.split('/').includes('..')) {
        fail(`${fat}.path`, 'a relative path with forward slashes', f.path);
      }
      if (!isByteCount(f.bytes)) fail(`${fat}.bytes`, 'an integer ≥ 0', f.bytes);
      if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) fail(`${fat}.sha256`, '64 lower-case hex digits', f.sha256);
      total += f.bytes as number;
    });
    if (total !== d.bytes) fail(`${at}.bytes`, `the sum of its file sizes (${total})`, d.bytes);
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
  if (unknown.length > 0) throw new DataRootError(`unknown data set${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; datasets.lock lists ${known.join(', ')}`);
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

/**
 * Files inside the folders of the chosen data sets that datasets.lock does not list (a newer download, a
 * stray output). Not an integrity failure, but worth telling: experiments may read them.
 */
export async function unlistedFiles(dataRoot: string, lock: DatasetsLock, names?: string[]): Promise<{ dataset: string; path: string }[]> {
  const chosen = names ? lock.datasets.filter((d) => names.includes(d.name)) : lock.datasets;
  const out: { dataset: string; path: string }[] = [];
  for (const d of chosen) {
    const listed = new Set(d.files.map((f) => f.path));
    const folders = new Set(d.files.map((f) => f.path.split('/')[0]));
    for (const folder of folders) {
      for (const path of await listFilesUnder(dataRoot, folder)) if (!listed.has(path)) out.push({ dataset: d.name, path });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Relative paths (forward slashes) of the regular files below `root/folder`; none if it does not exist. */
async function listFilesUnder(root: string, folder: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(root, ...folder.split('/')), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = `${folder}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFilesUnder(root, rel)));
    else if (e.isFile()) out.push(rel);
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
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return { ...base, status: 'missing' };
    throw error;
  }
  if (size !== f.bytes) return { ...base, status: 'size', actualBytes: size };
  const actualSha256 = await sha256File(full);
  return { ...base, status: actualSha256 === f.sha256 ? 'ok' : 'sha256', actualBytes: size, actualSha256 };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isByteCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Line and column of the first JSON syntax error (JSON.parse messages do not always carry a position). */
function jsonErrorLocation(text: string): { line: number; column: number } {
  const offset = jsonSyntaxErrorOffset(text);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const JSON_ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** Offset of the first character where `text` stops being JSON (RFC 8259 grammar); text.length if it ends early. */
function jsonSyntaxErrorOffset(text: string): number {
  let p = 0;
  const fail = (): never => {
    throw p;
  };
  const space = () => {
    while (p < text.length && ' \t\n\r'.includes(text[p])) p++;
  };
  const token = (re: RegExp) => {
    re.lastIndex = p;
    if (!re.test(text)) fail();
    p = re.lastIndex;
  };
  // a string: no raw control characters, only the escapes JSON defines
  const string = () => {
    if (text[p] !== '"') fail();
    p++;
    while (text[p] !== '"') {
      if (p >= text.length || text.charCodeAt(p) < 0x20) fail();
      if (text[p] === '\\') token(JSON_ESCAPE);
      else p++;
    }
    p++;
  };
  const value = (): void => {
    space();
    const c = text[p];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      p++;
      space();
      if (text[p] === close) {
        p++;
        return;
      }
      for (;;) {
        if (close === '}') {
          space();
          string();
          space();
          if (text[p] !== ':') fail();
          p++;
        }
        value();
        space();
        if (text[p] === ',') p++;
        else if (text[p] === close) {
          p++;
          return;
        } else fail();
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, p)) {
        p += word.length;
        return;
      }
    }
    token(JSON_NUMBER);
  };
  try {
    value();
    space();
    if (p < text.length) fail();
  } catch (offset) {
    if (typeof offset === 'number') return offset;
    throw offset;
  }
  return text.length;
}
