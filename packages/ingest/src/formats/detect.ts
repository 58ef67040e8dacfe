import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { InputError } from '@driftwatch/contracts';
import type { InputFormat } from './mapping';

/** How an Arrow IPC input is laid out: the random-access file format or the stream format. */
export type ArrowIpcLayout = 'file' | 'stream';

const ARROW_MAGIC = 'ARROW1';
const PARQUET_MAGIC = 'PAR1';

/**
 * Arrow IPC file format starts with "ARROW1"; the stream format with the continuation marker 0xFFFFFFFF (Arrow columnar
 * spec, "IPC").
 */
export function arrowLayoutOf(head: Uint8Array): ArrowIpcLayout | undefined {
  if (head.length >= 6 && Buffer.from(head.buffer, head.byteOffset, 6).toString('latin1') === ARROW_MAGIC)
    return 'file';
  if (head.length >= 8 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff) return 'stream';
  return undefined;
}

/** Parquet files start and end with "PAR1" (Parquet format spec, "File format"). */
export function hasParquetMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString('latin1') === PARQUET_MAGIC;
}

/** gzip members start with 1f 8b (RFC 1952, section 2.3.1). */
export function hasGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Extensions that name a format outright; `.gz` is looked through. */
const FORMAT_OF_EXTENSION: Record<string, InputFormat> = {
  '.csv': 'wide-csv',
  '.tsv': 'wide-csv',
  '.txt': 'wide-csv',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.ipc': 'arrow',
  '.feather': 'arrow',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.json': 'prometheus',
};

/** The format an extension names, looking through a final `.gz`. */
export function formatOfExtension(path: string): InputFormat | undefined {
  const inner = path.toLowerCase().endsWith('.gz') ? path.slice(0, -3) : path;
  return FORMAT_OF_EXTENSION[extname(inner).toLowerCase()];
}

/** The first bytes of a file (fewer when it is shorter). */
export async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The format of a file: magic bytes first (Arrow IPC file or stream, Parquet), then, for text, a JSON
 * object means a Prometheus response, then the extension. CSV is reported as 'wide-csv': a long table
 * looks the same from outside, so it has to be asked for (`format: 'long-csv'`, or the `metric`/`value`
 * mapping keys). Binary content with no known magic is an InputError.
 */
export async function detectFormat(path: string): Promise<InputFormat> {
  const head = await readHead(path, 4096);
  if (arrowLayoutOf(head)) return 'arrow';
  if (hasParquetMagic(head)) return 'parquet';
  const text = hasGzipMagic(head) ? gunzippedHead(head) : head;
  const byExtension = formatOfExtension(path);
  const firstChar = text
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()[0];
  if (firstChar === '{') return 'prometheus';
  if (byExtension === 'arrow' || byExtension === 'parquet') {
    throw new InputError(
      { file: path, line: 1, column: 1 },
      byExtension === 'arrow'
        ? 'an Arrow IPC file ("ARROW1" or 0xFFFFFFFF at the start)'
        : 'a Parquet file ("PAR1" at the start)',
      describeHead(head),
    );
  }
  if (byExtension) return byExtension;
  if (text.includes(0))
    throw new InputError({ file: path }, 'a CSV, JSON, Arrow IPC or Parquet file', describeHead(head));
  return 'wide-csv';
}

/** The start of a gzip member's text; a truncated member yields what could be inflated. */
function gunzippedHead(head: Buffer): Buffer {
  try {
    return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return Buffer.alloc(0);
  }
}

/** The first bytes of a file in a form fit for an error message. */
export function describeHead(head: Uint8Array): string {
  if (head.length === 0) return 'an empty file';
  const start = Buffer.from(head.buffer, head.byteOffset, Math.min(8, head.length));
  const printable = /^[\x20-\x7e]*$/.test(start.toString('latin1'));
  return printable
    ? `a file starting with ${JSON.stringify(start.toString('latin1'))}`
    : `a file starting with bytes ${start.toString('hex').replace(/(..)/g, '$1 ').trim()}`;
}
