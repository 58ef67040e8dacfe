// HTTP(S) GET with redirects, and a resumable download into a `.part` file: a restart asks for the missing
// bytes with `Range: bytes=<size>-` (RFC 9110, section 14) and appends them when the server answers 206.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DriftwatchError } from '@driftwatch/contracts';

/**
 * A download failed for a reason outside the data (network, HTTP status); a `.part` file, if any, is kept for a resume.
 */
export class DownloadError extends DriftwatchError {}

export interface GetOptions {
  /** first byte wanted: sends `Range: bytes=<rangeStart>-` */
  rangeStart?: number;
  signal?: AbortSignal;
  /** ms without any data before the request is given up (default 60 s) */
  idleTimeoutMs?: number;
  /** redirects followed before giving up (default 10) */
  maxRedirects?: number;
}

export interface GetResponse {
  /** the URL that answered, after redirects */
  url: string;
  response: IncomingMessage;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * `url` with its origin (and path prefix) replaced by `baseUrl`: https://host/a/b + http://127.0.0.1:8080/m →
 * http://127.0.0.1:8080/m/a/b.
 */
export function mirrorUrl(url: string, baseUrl: string | undefined): string {
  if (!baseUrl) return url;
  const original = new URL(url);
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${base.origin}${prefix}${original.pathname}${original.search}`;
}

/**
 * GET `url`, following up to `maxRedirects` redirects (301, 302, 303, 307, 308; RFC 9110 section 15.4).
 * Asks for the bytes as stored (`Accept-Encoding: identity`), so sizes and ranges count file bytes.
 */
export async function httpGet(url: string, opts: GetOptions = {}): Promise<GetResponse> {
  let current = url;
  for (let hop = 0; hop <= (opts.maxRedirects ?? 10); hop++) {
    const response = await requestOnce(current, opts);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location) return { url: current, response };
    response.resume();
    current = new URL(location, current).toString();
  }
  throw new DownloadError(`GET ${url}: more than ${opts.maxRedirects ?? 10} redirects`);
}

function requestOnce(url: string, opts: GetOptions): Promise<IncomingMessage> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
  if (!request) return Promise.reject(new DownloadError(`GET ${url}: only http and https URLs can be fetched`));
  const headers: Record<string, string> = { 'user-agent': 'driftwatch-datasets-fetch', 'accept-encoding': 'identity' };
  if (opts.rangeStart !== undefined && opts.rangeStart > 0) headers.range = `bytes=${opts.rangeStart}-`;
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'GET', headers, signal: opts.signal }, resolve);
    req.setTimeout(opts.idleTimeoutMs ?? 60_000, () =>
      req.destroy(
        new DownloadError(`GET ${url}: no answer for ${Math.round((opts.idleTimeoutMs ?? 60_000) / 1000)} s`),
      ),
    );
    req.on('error', (error) => reject(networkError(url, error)));
    req.end();
  });
}

/** A network failure as one line that names the URL (and, when aborted, says so). */
function networkError(url: string, error: Error): DriftwatchError {
  if (error instanceof DriftwatchError) return error;
  if (error.name === 'AbortError') return new DownloadError(`GET ${url}: aborted`);
  const code = (error as NodeJS.ErrnoException).code;
  const message = code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  return new DownloadError(`GET ${url}: ${message}`.replace(/\s+/g, ' ').trim());
}

/** `Content-Range: bytes <first>-<last>/<total>`, or a star for the range in a 416 answer (RFC 9110, section 14.4). */
export function parseContentRange(
  value: string | undefined,
): { first?: number; last?: number; total?: number } | undefined {
  const m = value ? /^bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(value.trim()) : null;
  if (!m) return undefined;
  const num = (s: string | undefined) => (s === undefined || s === '*' ? undefined : Number(s));
  return { first: num(m[1]), last: num(m[2]), total: num(m[3]) };
}

export interface DownloadOptions {
  /** size of the complete file, when known: a `.part` of this size is not requested again */
  expectedBytes?: number;
  signal?: AbortSignal;
  idleTimeoutMs?: number;
  /** called as bytes arrive: bytes of the file held so far (resumed bytes included) and the total when known */
  onBytes?: (received: number, total: number | undefined) => void;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** bytes that were already in the `.part` file and not downloaded again */
  resumedFrom: number;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function hashFileInto(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
}

/** Flushes a file to disk, so that a rename after it never exposes missing bytes after a crash. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Downloads `url` into `part`, continuing a `.part` left by an earlier attempt: 206 → the new bytes are
 * appended; 200 (the server ignored the range) → the file starts over; 416 → the `.part` is already whole
 * when its size equals the total the server states. The sha256 covers the whole file, resumed bytes
 * included. A broken connection throws a DownloadError and keeps the `.part` for the next attempt.
 */
export async function downloadToPart(url: string, part: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  let held = await sizeOf(part);
  if (opts.expectedBytes !== undefined && held > opts.expectedBytes) {
    await unlink(part);
    held = 0;
  }
  if (opts.expectedBytes !== undefined && held === opts.expectedBytes && held > 0) return wholePart(part, held);
  const { url: answered, response } = await httpGet(url, {
    rangeStart: held,
    signal: opts.signal,
    idleTimeoutMs: opts.idleTimeoutMs,
  });
  const status = response.statusCode ?? 0;
  if (status === 416 && held > 0) {
    response.resume();
    const range = parseContentRange(response.headers['content-range']);
    if (range?.total === held) return wholePart(part, held);
    // the .part is longer than the file now served: start over
    await unlink(part);
    return downloadToPart(url, part, opts);
  }
  if (status !== 200 && status !== 206) {
    response.resume();
    throw new DownloadError(`GET ${answered}: HTTP ${status} ${response.statusMessage ?? ''}`.trim());
  }
  const range = status === 206 ? parseContentRange(response.headers['content-range']) : undefined;
  if (status === 206 && range?.first !== held) {
    response.resume();
    throw new DownloadError(
      `GET ${answered}: asked for bytes from ${held} on, the server ` +
        `sent ${response.headers['content-range'] ?? 'no Content-Range'}`,
    );
  }
  const resumedFrom = status === 206 ? held : 0;
  const length =
    response.headers['content-length'] === undefined ? undefined : Number(response.headers['content-length']);
  const total = range?.total ?? (length === undefined ? opts.expectedBytes : resumedFrom + length);
  const hash = createHash('sha256');
  if (resumedFrom > 0) await hashFileInto(hash, part);
  let received = resumedFrom;
  opts.onBytes?.(received, total);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      opts.onBytes?.(received, total);
      done(null, chunk);
    },
  });
  try {
    await pipeline(response, count, createWriteStream(part, { flags: resumedFrom > 0 ? 'a' : 'w' }));
  } catch (error) {
    const why = networkError(answered, error as Error).message.replace(/^GET \S+: /, '');
    throw new DownloadError(
      `GET ${answered}: ${why} after ${received} of ${total ?? '?'} bytes; ${part} is kept, run the same ` +
        `fetch again to resume`,
    );
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError(
      `GET ${answered}: the connection ended after ${received} of ${total} bytes; ${part} is kept, run the ` +
        `same fetch again to resume`,
    );
  }
  await syncFile(part);
  return { bytes: received, sha256: hash.digest('hex'), resumedFrom };
}

/** A `.part` that already holds the whole file: only its hash is needed. */
async function wholePart(part: string, bytes: number): Promise<DownloadResult> {
  const hash = createHash('sha256');
  await hashFileInto(hash, part);
  return { bytes, sha256: hash.digest('hex'), resumedFrom: bytes };
}
