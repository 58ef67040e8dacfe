// A streaming tar reader: 512-byte blocks, ustar headers (POSIX.1-1988), pax extended headers
// (POSIX.1-2001: long paths, sizes over 8 GiB) and GNU long names and base-256 sizes. Memory stays at
// one chunk of the source, whatever the size of the members.
import { InputError } from '@driftwatch/contracts';

export type TarEntryType = 'file' | 'directory' | 'link' | 'other';

export interface TarEntry {
  /** path inside the archive as written there (pax or GNU long name when present, else prefix/name) */
  path: string;
  size: number;
  type: TarEntryType;
}

/** One parsed 512-byte header block. */
export interface TarHeader {
  name: string;
  size: number;
  /** the type flag character ('0', '5', 'x', 'L', …; '\0' for an old-style regular file) */
  typeflag: string;
  prefix: string;
}

const BLOCK = 512;

/** A NUL-terminated field of a header (ustar: names are NUL-padded, may fill the field). */
function field(block: Uint8Array, offset: number, length: number): string {
  const bytes = block.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end < 0 ? length : end)).toString('utf8');
}

/**
 * A numeric header field: octal digits (ustar), or big-endian base-256 when the top bit of the first byte is set (GNU,
 * for sizes ≥ 8 GiB).
 */
export function parseTarNumber(bytes: Uint8Array): number {
  if (bytes[0] & 0x80) {
    let n = BigInt(bytes[0] & 0x7f);
    for (let i = 1; i < bytes.length; i++) n = (n << 8n) | BigInt(bytes[i]);
    return Number(n);
  }
  const text = Buffer.from(bytes)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^[\0 ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new InputError({}, 'an octal number in a tar header', text);
  return parseInt(text, 8);
}

/** True for an all-zero block, which marks the end of the archive. */
export function isZeroBlock(block: Uint8Array): boolean {
  return block.every((b) => b === 0);
}

/** Parses one header block and checks its checksum (sum of the header bytes, the checksum field read as spaces). */
export function parseTarHeader(block: Uint8Array, file?: string): TarHeader {
  const stored = parseTarNumber(block.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  if (sum !== stored) throw new InputError({ file }, `a tar header with checksum ${sum}`, String(stored));
  const ustar = field(block, 257, 6) === 'ustar';
  return {
    name: field(block, 0, 100),
    size: parseTarNumber(block.subarray(124, 136)),
    typeflag: String.fromCharCode(block[156]),
    prefix: ustar ? field(block, 345, 155) : '',
  };
}

/** Records of a pax extended header: "<length> <key>=<value>\n", length counting the whole record. */
export function parsePaxRecords(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const buf = Buffer.from(data);
  let p = 0;
  while (p < buf.length && buf[p] !== 0) {
    const space = buf.indexOf(0x20, p);
    const length = Number(buf.toString('latin1', p, space));
    if (space < 0 || !Number.isInteger(length) || length <= 0 || p + length > buf.length)
      throw new InputError({}, 'a pax record "<length> <key>=<value>"');
    const record = buf.toString('utf8', space + 1, p + length - 1);
    const eq = record.indexOf('=');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    p += length;
  }
  return out;
}

function entryType(typeflag: string): TarEntryType {
  if (typeflag === '0' || typeflag === '\0' || typeflag === '7') return 'file';
  if (typeflag === '5') return 'directory';
  if (typeflag === '1' || typeflag === '2') return 'link';
  return 'other';
}

/** Reads exact byte counts from an async source of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** Buffers until `n` bytes are available or the source ends; true if they are. */
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) this.ended = true;
      else if (next.value.byteLength > 0) {
        const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
        this.chunks.push(chunk);
        this.buffered += chunk.length;
      }
    }
    return this.buffered >= n;
  }

  /** Up to `max` buffered bytes (at least one unless the source has ended). */
  private async takeSome(max: number): Promise<Buffer> {
    await this.fill(1);
    if (this.buffered === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    const part = first.length <= max ? first : first.subarray(0, max);
    if (part === first) this.chunks.shift();
    else this.chunks[0] = first.subarray(max);
    this.buffered -= part.length;
    return part;
  }

  /** Exactly `n` bytes, or fewer only at the end of the source. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const out: Buffer[] = [];
    let left = Math.min(n, this.buffered);
    while (left > 0) {
      const part = await this.takeSome(left);
      out.push(part);
      left -= part.length;
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  /** The next `n` bytes as a sequence of chunks; `remaining()` says how many are still unread. */
  body(n: number): { chunks: AsyncIterable<Buffer>; remaining: () => number } {
    let left = n;
    const take = (max: number) => this.takeSome(max);
    return {
      remaining: () => left,
      chunks: {
        async *[Symbol.asyncIterator]() {
          while (left > 0) {
            const part = await take(left);
            if (part.length === 0) throw new InputError({}, `${left} more bytes of a tar member`, 'end of archive');
            left -= part.length;
            yield part;
          }
        },
      },
    };
  }

  /** Discards `n` bytes. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const part = await this.takeSome(Math.min(left, 1 << 20));
      if (part.length === 0) throw new InputError({}, `${left} more bytes of a tar archive`, 'end of archive');
      left -= part.length;
    }
  }
}

/** Bytes of padding after a member of `size` bytes (members fill whole 512-byte blocks). */
export function tarPadding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * Reads a tar stream and calls `onEntry` for every entry with its body; the body may be read in full,
 * in part or not at all before `onEntry` resolves (the rest is skipped). Stops at the first zero block
 * or at the end of the source.
 */
export async function readTar(
  source: AsyncIterable<Uint8Array>,
  onEntry: (entry: TarEntry, body: AsyncIterable<Buffer>) => Promise<void>,
  file?: string,
): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    await readEntries(new ByteReader(iterator), onEntry, file);
  } finally {
    // a stream's iterator destroys the stream on return: no open file is left behind when a member fails
    await iterator.return?.();
  }
}

async function readEntries(
  reader: ByteReader,
  onEntry: (entry: TarEntry, body: AsyncIterable<Buffer>) => Promise<void>,
  file?: string,
): Promise<void> {
  let longPath: string | undefined;
  let paxPath: string | undefined;
  let paxSize: number | undefined;
  for (;;) {
    const block = await reader.read(BLOCK);
    if (block.length === 0) return;
    if (block.length < BLOCK)
      throw new InputError({ file }, 'a whole 512-byte tar block', `${block.length} bytes at the end`);
    if (isZeroBlock(block)) return;
    const header = parseTarHeader(block, file);
    const size = paxSize ?? header.size;
    if (header.typeflag === 'x' || header.typeflag === 'L' || header.typeflag === 'g' || header.typeflag === 'K') {
      if (size > 1 << 20) throw new InputError({ file }, 'an extended tar header under 1 MiB', `${size} bytes`);
      const data = await reader.read(size);
      await reader.skip(tarPadding(size));
      if (header.typeflag === 'x') {
        const records = parsePaxRecords(data);
        paxPath = records.path ?? paxPath;
        if (records.size !== undefined) paxSize = Number(records.size);
      } else if (header.typeflag === 'L') longPath = field(data, 0, data.length);
      continue;
    }
    const path = paxPath ?? longPath ?? (header.prefix ? `${header.prefix}/${header.name}` : header.name);
    longPath = paxPath = paxSize = undefined;
    const type = entryType(header.typeflag);
    // links and directories carry no data even when their size field is set
    const dataSize = type === 'file' || type === 'other' ? size : 0;
    const body = reader.body(dataSize);
    await onEntry({ path, size: dataSize, type }, body.chunks);
    await reader.skip(body.remaining() + tarPadding(dataSize));
  }
}
