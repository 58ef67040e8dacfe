import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InputError, ParameterError } from '@driftwatch/contracts';

/** A text input: a file path (`.gz` is decompressed), or bytes held in memory with the name used in messages. */
export type TextInput = string | { file: string; data: Uint8Array | string };

/** Bytes that end on a line boundary (or at the end of the input), and where they sit in it. */
export interface LineChunk {
  bytes: Buffer;
  /** 1-based line number of the first byte */
  firstLine: number;
  /** bytes of the (compressed) source consumed so far, and its size when known */
  bytesRead: number;
  totalBytes: number | undefined;
}

export const DEFAULT_CHUNK_BYTES = 1 << 20;
const LF = 10;
const QUOTE = 34;

export function inputName(input: TextInput): string {
  return typeof input === 'string' ? input : input.file;
}

/**
 * Splits an input into chunks of whole lines: memory stays at one chunk plus one partial line, whatever
 * the file size. A line break inside a quoted field does not end a line (RFC 4180), so a quoted field
 * never straddles two chunks.
 */
export async function* readLineChunks(input: TextInput, chunkBytes = DEFAULT_CHUNK_BYTES): AsyncGenerator<LineChunk> {
  if (!(Number.isInteger(chunkBytes) && chunkBytes >= 16))
    throw new ParameterError(`chunkBytes must be an integer ≥ 16, got ${chunkBytes}`);
  let line = 1;
  let carry: Buffer | null = null;
  let inQuotes = false;
  let bytesRead = 0;
  const source = await openSource(input, chunkBytes);
  const totalBytes = source.totalBytes;
  for await (const raw of gzipChecked(source, inputName(input), () => line)) {
    const piece = raw as Buffer;
    bytesRead = source.position();
    const bytes: Buffer = carry ? Buffer.concat([carry, piece]) : piece;
    // the scan for quotes resumes where the carried part ended
    const scanFrom = carry ? carry.length : 0;
    const split = lastLineBreak(bytes, scanFrom, inQuotes);
    inQuotes = split.inQuotes;
    if (split.end === -1) {
      carry = bytes;
      continue;
    }
    const whole = bytes.subarray(0, split.end + 1);
    carry = split.end + 1 < bytes.length ? Buffer.from(bytes.subarray(split.end + 1)) : null;
    yield { bytes: whole, firstLine: line, bytesRead, totalBytes };
    line += countByte(whole, LF);
  }
  if (carry && carry.length > 0) yield { bytes: carry, firstLine: line, bytesRead, totalBytes };
}

/** The offset of the last LF outside quotes in `bytes` (or -1), and the quote state at the end of `bytes`. */
function lastLineBreak(bytes: Buffer, scanFrom: number, inQuotesAtScan: boolean): { end: number; inQuotes: boolean } {
  if (!inQuotesAtScan && bytes.indexOf(QUOTE, scanFrom) === -1) {
    const end = bytes.lastIndexOf(LF);
    return { end, inQuotes: false };
  }
  // quotes present: walk the bytes once, remembering the last LF seen outside quotes; the state before
  // `scanFrom` is only known for the carried part, so restart from 0 with no quotes when carry was clean
  let inQuotes = false;
  let end = -1;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (c === LF && !inQuotes) end = i;
  }
  return { end, inQuotes };
}

function countByte(bytes: Buffer, byte: number): number {
  let n = 0;
  for (let i = bytes.indexOf(byte); i !== -1; i = bytes.indexOf(byte, i + 1)) n++;
  return n;
}

/**
 * The source's pieces; a zlib error (a truncated or corrupt .gz) becomes an InputError naming the file, the line
 * reached and the compressed byte offset, instead of Node's bare "unexpected end of file".
 */
async function* gzipChecked(source: Source, file: string, line: () => number): AsyncGenerator<unknown> {
  try {
    yield* source.stream;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('Z_')) throw error;
    throw new InputError(
      { file, line: line() },
      `a complete gzip stream (decompression failed after ${source.position().toLocaleString('en-US')} ` +
        `compressed bytes; the file looks truncated or corrupt)`,
      (error as Error).message,
    );
  }
}

interface Source {
  stream: AsyncIterable<unknown>;
  totalBytes: number | undefined;
  position(): number;
}

async function openSource(input: TextInput, chunkBytes: number): Promise<Source> {
  if (typeof input !== 'string') {
    const data =
      typeof input.data === 'string'
        ? Buffer.from(input.data, 'utf8')
        : Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength);
    const pieces: Buffer[] = [];
    for (let p = 0; p < data.length; p += chunkBytes)
      pieces.push(data.subarray(p, Math.min(data.length, p + chunkBytes)));
    let consumed = 0;
    async function* iterate() {
      for (const piece of pieces) {
        consumed += piece.length;
        yield piece;
      }
    }
    return { stream: iterate(), totalBytes: data.length, position: () => consumed };
  }
  const { size } = await stat(input);
  const file = createReadStream(input, { highWaterMark: chunkBytes });
  if (!input.endsWith('.gz')) return { stream: file, totalBytes: size, position: () => file.bytesRead };
  const gunzip = createGunzip({ chunkSize: chunkBytes });
  file.on('error', (error) => gunzip.destroy(error));
  return { stream: file.pipe(gunzip), totalBytes: size, position: () => file.bytesRead };
}
