// `datasets fetch`: downloads the files of one data set listed in datasets.lock, checks them, unpacks
// them and puts every file into the data root atomically. Files already present with the locked sha256
// are left alone; a present file with other content is only replaced when asked to.
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { posix, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataRootError, InputError, IntegrityError, ParameterError } from '@driftwatch/contracts';
import {
  isArchive,
  sha256File,
  type DatasetsLock,
  type LockDownload,
  type LockDownloadMember,
  type LockedDataset,
} from '../datasets/lock';
import { downloadToPart, mirrorUrl } from './download';
import { numpyArrayToText, readNumpyPickle } from './numpy-pickle';
import { readTar } from './tar';
import { gunzippedSha256, writeVerified, type WriteCheck } from './verified-write';
import { openZipEntry, readZipDirectory, type ZipEntry } from './zip';

export interface FetchProgress {
  dataset: string;
  url: string;
  /** 1-based position among the downloads this fetch makes, and their number */
  index: number;
  count: number;
  phase: 'download' | 'unpack' | 'done';
  /** bytes of this download held so far (bytes resumed from a `.part` included) */
  received: number;
  /** its size when known (from the lock, else from the server) */
  size?: number;
}

export interface FetchOptions {
  /** replaces the origin of every URL (a mirror, or a local server in tests): see `mirrorUrl` */
  baseUrl?: string;
  onProgress?: (progress: FetchProgress) => void;
  signal?: AbortSignal;
  /** data-root paths (files or folders): only downloads that write at or below one of them */
  only?: string[];
  /** replace present files whose content differs from the lock (default: stop and name them) */
  replace?: boolean;
  /** ms without data before a download is given up (default 60 s) */
  idleTimeoutMs?: number;
}

export interface FetchReport {
  dataset: string;
  /** data-root paths written by this fetch */
  written: string[];
  /** data-root paths that were already present with the right content and were left as they were */
  present: string[];
  /** downloads continued from a `.part` of an earlier attempt, and from which byte */
  resumed: { url: string; from: number }[];
  /** bytes received over the network */
  downloadedBytes: number;
  /** remarks worth showing (content verified but gzip bytes differ, …) */
  notes: string[];
}

/** One file a download writes, with what its bytes must hash to. */
export interface PlannedOutput {
  /** data-root relative */
  path: string;
  sha256?: string;
  /** for compressed outputs: sha256 of the uncompressed content */
  contentSha256?: string;
  member?: LockDownloadMember;
}

/**
 * The files a download writes and their expected sha256: the locked file's, else the member's or the
 * download's own when the bytes are written unchanged. Undefined for an archive without a member list
 * (its files are known only once it is read).
 */
export function plannedOutputs(download: LockDownload, dataset: LockedDataset): PlannedOutput[] | undefined {
  const locked = new Map(dataset.files.map((f) => [f.path, f.sha256]));
  if (isArchive(download.unpack)) {
    return download.members?.map((member) =>
      member.compress
        ? { path: member.to, sha256: locked.get(member.to), contentSha256: member.sha256, member }
        : { path: member.to, sha256: locked.get(member.to) ?? member.sha256, member },
    );
  }
  if (download.unpack === 'gzip')
    return [{ path: download.to, sha256: locked.get(download.to), contentSha256: download.sha256 }];
  const unchanged = download.unpack === 'none' && !download.convert;
  return [{ path: download.to, sha256: locked.get(download.to) ?? (unchanged ? download.sha256 : undefined) }];
}

/** A path at or below one of `only` (a file, or a folder with or without its trailing '/'). */
export function isUnder(path: string, only: string[]): boolean {
  return only.some((o) => {
    const bare = o.replace(/\/+$/, '');
    return path === bare || path.startsWith(`${bare}/`);
  });
}

/**
 * The download is chosen by `only` when one of its outputs (an archive without a member list: its folder) lies at or
 * below one of them.
 */
export function isSelected(download: LockDownload, only: string[] | undefined): boolean {
  if (!only || only.length === 0) return true;
  const paths = download.members ? download.members.map((m) => m.to) : [download.to];
  return paths.some((p) => isUnder(p, only));
}

/** An absolute path for a data-root relative one, refusing anything that would leave the data root. */
export function insideRoot(dataRoot: string, path: string): string {
  const root = resolve(dataRoot);
  const full = resolve(root, ...path.split('/'));
  if (!full.startsWith(root + sep)) throw new InputError({}, 'a path inside the data root', path);
  return full;
}

/** Where a download is kept while it arrives: `<target>.part`, or for an archive `<folder>/<archive name>.part`. */
export function partPathOf(download: LockDownload): string {
  if (!isArchive(download.unpack)) return `${download.to}.part`;
  return `${download.to}${posix.basename(new URL(download.url).pathname)}.part`;
}

export type OutputState = 'missing' | 'present' | 'differs';

/**
 * Whether an output is in place: its sha256 (or, compressed, its content's sha256) matches; a file with no known
 * checksum counts as present.
 */
export async function outputState(
  dataRoot: string,
  output: PlannedOutput,
): Promise<{ state: OutputState; sha256?: string }> {
  const full = insideRoot(dataRoot, output.path);
  try {
    if (!(await stat(full)).isFile()) return { state: 'differs' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw error;
  }
  if (!output.sha256 && !output.contentSha256) return { state: 'present' };
  const sha256 = await sha256File(full);
  if (sha256 === output.sha256) return { state: 'present', sha256 };
  if (output.contentSha256 && (await gunzippedSha256(full)) === output.contentSha256)
    return { state: 'present', sha256 };
  return { state: 'differs', sha256 };
}

/** An archive path without a leading './' or '/'. */
export function normaliseMemberPath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, '');
}

/**
 * An archive entry stands for member `name` when its path equals it, or ends in '/<name>' (an archive with a top
 * folder).
 */
export function memberMatches(entryPath: string, name: string): 'exact' | 'suffix' | undefined {
  const p = normaliseMemberPath(entryPath);
  const n = normaliseMemberPath(name);
  if (p === n) return 'exact';
  return p.endsWith(`/${n}`) ? 'suffix' : undefined;
}

/** The zip entry for a member: the exact path, else the one entry ending in '/<name>'; ambiguity is an error. */
export function pickZipEntry(entries: ZipEntry[], name: string, file: string): ZipEntry | undefined {
  const files = entries.filter((e) => !e.name.endsWith('/'));
  const exact = files.find((e) => memberMatches(e.name, name) === 'exact');
  if (exact) return exact;
  const suffix = files.filter((e) => memberMatches(e.name, name) === 'suffix');
  if (suffix.length > 1)
    throw new InputError({ file }, `one member matching ${name}`, suffix.map((e) => e.name).join(', '));
  return suffix[0];
}

/**
 * One line naming the URL, the sha256 found and expected, and the sizes when they differ; undefined when the download
 * matches.
 */
export function downloadMismatch(
  url: string,
  download: LockDownload,
  got: { bytes: number; sha256: string },
): string | undefined {
  const wrongSha = download.sha256 !== undefined && got.sha256 !== download.sha256;
  const wrongSize = download.bytes !== undefined && got.bytes !== download.bytes;
  if (!wrongSha && !wrongSize) return undefined;
  const parts: string[] = [];
  if (download.sha256)
    parts.push(
      `sha256 ${got.sha256}, expected ${download.sha256}${download.published ? ` (${download.published})` : ''}`,
    );
  if (wrongSize) parts.push(`${got.bytes} bytes, expected ${download.bytes}`);
  return `${url}: ${parts.join('; ')}; the download was deleted and nothing was written`;
}

interface Context {
  dataset: LockedDataset;
  dataRoot: string;
  opts: FetchOptions;
  report: FetchReport;
  index: number;
  count: number;
}

/**
 * Fetches the files of data set `name` into `dataRoot`. Nothing is written until a download's checks pass;
 * a checksum mismatch deletes that download and throws an IntegrityError naming the URL and both sha256.
 */
export async function fetchDataset(
  lock: DatasetsLock,
  name: string,
  dataRoot: string,
  opts: FetchOptions = {},
): Promise<FetchReport> {
  const dataset = lock.datasets.find((d) => d.name === name);
  if (!dataset)
    throw new DataRootError(
      `unknown data set ${name}; datasets.lock lists ${lock.datasets.map((d) => d.name).join(', ')}`,
    );
  if (!dataset.downloads || dataset.downloads.length === 0)
    throw new DataRootError(`datasets.lock lists no downloads for ${name}; the data README says where it comes from`);
  const chosen = dataset.downloads.filter((d) => isSelected(d, opts.only));
  if (chosen.length === 0) throw new ParameterError(`no download of ${name} writes ${opts.only!.join(', ')}`);
  const report: FetchReport = { dataset: name, written: [], present: [], resumed: [], downloadedBytes: 0, notes: [] };
  const work: { download: LockDownload; outputs?: PlannedOutput[]; wanted: Set<string> }[] = [];
  const differing: string[] = [];
  for (const download of chosen) {
    const outputs = plannedOutputs(download, dataset);
    const wanted = new Set<string>();
    for (const output of outputs ?? []) {
      const { state, sha256 } = await outputState(dataRoot, output);
      if (state === 'present') report.present.push(output.path);
      else wanted.add(output.path);
      if (state === 'differs' && !opts.replace)
        differing.push(`${output.path}${sha256 ? ` (sha256 ${sha256.slice(0, 12)}…)` : ''}`);
    }
    if (!outputs || wanted.size > 0) work.push({ download, outputs, wanted });
  }
  if (differing.length > 0) {
    throw new DataRootError(
      `${differing.length} file(s) of ${name} differ from datasets.lock and were left as they ` +
        `are: ${differing.slice(0, 5).join(', ')}${differing.length > 5 ? ', …' : ''}; move them away or pass ` +
        `replace (--replace)`,
    );
  }
  const context: Context = { dataset, dataRoot, opts, report, index: 0, count: work.length };
  for (const item of work) {
    context.index++;
    await fetchOne(item.download, item.outputs, item.wanted, context);
  }
  return report;
}

/** Downloads one file, checks it, and writes the outputs in `wanted` (all of them when the list is unknown). */
async function fetchOne(
  download: LockDownload,
  outputs: PlannedOutput[] | undefined,
  wanted: Set<string>,
  ctx: Context,
): Promise<void> {
  const url = mirrorUrl(download.url, ctx.opts.baseUrl);
  const part = insideRoot(ctx.dataRoot, partPathOf(download));
  await mkdir(resolve(part, '..'), { recursive: true });
  const progress = (phase: FetchProgress['phase'], received: number, size: number | undefined) =>
    ctx.opts.onProgress?.({
      dataset: ctx.dataset.name,
      url,
      index: ctx.index,
      count: ctx.count,
      phase,
      received,
      size,
    });
  const got = await downloadToPart(url, part, {
    expectedBytes: download.bytes,
    signal: ctx.opts.signal,
    idleTimeoutMs: ctx.opts.idleTimeoutMs,
    onBytes: (received, total) => progress('download', received, total ?? download.bytes),
  });
  ctx.report.downloadedBytes += got.bytes - got.resumedFrom;
  if (got.resumedFrom > 0) ctx.report.resumed.push({ url, from: got.resumedFrom });
  try {
    const mismatch = downloadMismatch(url, download, got);
    if (mismatch) throw new IntegrityError(mismatch);
    progress('unpack', got.bytes, got.bytes);
    await unpack(download, part, got.sha256, outputs, wanted, url, ctx);
    await unlink(part).catch(() => undefined);
    progress('done', got.bytes, got.bytes);
  } catch (error) {
    // wrong content makes the download useless unless it matched a published sha256 (downloading again gives the
    // same bytes); anything else (disk full, abort) keeps it for the next attempt
    const wrongContent = error instanceof IntegrityError || error instanceof InputError;
    const publishedMatch = download.sha256 !== undefined && got.sha256 === download.sha256;
    if (wrongContent && !publishedMatch) await unlink(part).catch(() => undefined);
    throw error;
  }
}

async function unpack(
  download: LockDownload,
  part: string,
  partSha256: string,
  outputs: PlannedOutput[] | undefined,
  wanted: Set<string>,
  url: string,
  ctx: Context,
): Promise<void> {
  const single = outputs?.[0];
  const write = async (
    source: AsyncIterable<Uint8Array> | Readable,
    output: PlannedOutput,
    check: Partial<WriteCheck> = {},
  ) => {
    const outcome = await writeVerified(source, insideRoot(ctx.dataRoot, output.path), {
      sha256: output.sha256,
      contentSha256: output.contentSha256,
      source: output.member ? `${url} → ${output.member.name}` : url,
      label: output.path,
      ...check,
    });
    ctx.report.written.push(output.path);
    if (outcome.note) ctx.report.notes.push(outcome.note);
  };
  switch (download.unpack) {
    case 'none':
      if (download.convert === 'numpy-pickle-text') {
        const text = numpyArrayToText(readNumpyPickle(await readFile(part), url));
        return write(Readable.from([Buffer.from(text)]), single!);
      }
      if (single!.sha256 && partSha256 !== single!.sha256) {
        throw new IntegrityError(
          `${url}: sha256 ${partSha256}, expected ${single!.sha256}; the download was deleted and nothing was written`,
        );
      }
      // the .part is complete, checked and flushed: renaming it is the atomic write
      await rename(part, insideRoot(ctx.dataRoot, single!.path));
      ctx.report.written.push(single!.path);
      return;
    case 'gunzip':
      return write(createReadStream(part).pipe(createGunzip()), single!);
    case 'gzip':
      return write(createReadStream(part), single!, { compress: 'gzip' });
    case 'tar.gz':
      return unpackTar(download, part, outputs, wanted, url, write);
    case 'zip':
      return unpackZip(download, part, outputs, wanted, url, write);
  }
}

type Write = (
  source: AsyncIterable<Uint8Array> | Readable,
  output: PlannedOutput,
  check?: Partial<WriteCheck>,
) => Promise<void>;

/** An output for an archive entry when the lock lists no members: the entry's path below the download's folder. */
function outputForEntry(download: LockDownload, entryPath: string, file: string): PlannedOutput {
  const path = normaliseMemberPath(entryPath);
  if (path === '' || path.split('/').some((s) => s === '..'))
    throw new InputError({ file }, 'archive paths inside the archive', entryPath);
  return { path: `${download.to}${path}` };
}

function missingMembers(outputs: PlannedOutput[] | undefined, taken: Set<string>, seen: string[], url: string): void {
  const missing = (outputs ?? []).filter((o) => o.member && !taken.has(o.path)).map((o) => o.member!.name);
  if (missing.length > 0) {
    throw new InputError(
      { file: url },
      `archive member(s) ${missing.join(', ')}`,
      `only ${seen.slice(0, 10).join(', ')}${seen.length > 10 ? ', …' : ''}`,
    );
  }
}

async function unpackTar(
  download: LockDownload,
  part: string,
  outputs: PlannedOutput[] | undefined,
  wanted: Set<string>,
  url: string,
  write: Write,
): Promise<void> {
  const taken = new Set<string>();
  const seen: string[] = [];
  await readTar(
    createReadStream(part, { highWaterMark: 1 << 20 }).pipe(createGunzip()),
    async (entry, body) => {
      if (entry.type !== 'file') return;
      seen.push(entry.path);
      const output = outputs ? matchOutput(outputs, entry.path, url) : outputForEntry(download, entry.path, url);
      if (!output) return;
      if (taken.has(output.path))
        throw new InputError(
          { file: url },
          `one member matching ${output.member?.name}`,
          `a second one, ${entry.path}`,
        );
      taken.add(output.path);
      if (!outputs || wanted.has(output.path))
        await write(body, output, output.member?.compress ? { compress: 'gzip' } : {});
    },
    url,
  );
  missingMembers(outputs, taken, seen, url);
}

/** The member output an archive entry stands for: an exact match first, else a match of its last path parts. */
function matchOutput(outputs: PlannedOutput[], entryPath: string, url: string): PlannedOutput | undefined {
  const exact = outputs.find((o) => o.member && memberMatches(entryPath, o.member.name) === 'exact');
  if (exact) return exact;
  const suffix = outputs.filter((o) => o.member && memberMatches(entryPath, o.member.name) === 'suffix');
  if (suffix.length > 1)
    throw new InputError(
      { file: url },
      `one member matching ${entryPath}`,
      suffix.map((o) => o.member!.name).join(', '),
    );
  return suffix[0];
}

async function unpackZip(
  download: LockDownload,
  part: string,
  outputs: PlannedOutput[] | undefined,
  wanted: Set<string>,
  url: string,
  write: Write,
): Promise<void> {
  const entries = await readZipDirectory(part);
  const files = entries.filter((e) => !e.name.endsWith('/'));
  if (!outputs) {
    for (const entry of files) await write(await openZipEntry(part, entry), outputForEntry(download, entry.name, url));
    return;
  }
  const taken = new Set<string>();
  for (const output of outputs) {
    const entry = pickZipEntry(files, output.member!.name, url);
    if (!entry) continue;
    taken.add(output.path);
    if (wanted.has(output.path))
      await write(await openZipEntry(part, entry), output, output.member!.compress ? { compress: 'gzip' } : {});
  }
  missingMembers(
    outputs,
    taken,
    files.map((e) => e.name),
    url,
  );
}
