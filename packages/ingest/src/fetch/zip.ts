// A zip reader for files on disk: the central directory (with ZIP64 sizes and offsets) lists the members,
// a member is read from its local header on, stored (method 0) or deflated (method 8, zlib.inflateRaw),
// and its CRC-32 and size are checked at the end. Layout: PKWARE APPNOTE.TXT, sections 4.3 and 4.4.
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { InputError, IntegrityError } from '@driftwatch/contracts';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** the end record is 22 bytes plus a comment of at most 65,535 bytes */
const EOCD_SEARCH = 22 + 0xffff;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, the polynomial of zip and gzip), continued from `crc` over `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const out = Buffer.alloc(length);
    const { bytesRead } = await handle.read(out, 0, length, position);
    return out.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Position of the last end-of-central-directory signature in `tail`, or -1. */
export function findEndRecord(tail: Buffer): number {
  for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD) return i;
  return -1;
}

/** The members listed in the central directory of the zip file at `path`. */
export async function readZipDirectory(path: string): Promise<ZipEntry[]> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } finally {
    await handle.close();
  }
  const tailStart = Math.max(0, size - EOCD_SEARCH);
  const tail = await readAt(path, tailStart, size - tailStart);
  const at = findEndRecord(tail);
  if (at < 0) throw new InputError({ file: path }, 'a zip file (end of central directory record)', 'none');
  let count = tail.readUInt16LE(at + 10);
  let directorySize = tail.readUInt32LE(at + 12);
  let directoryOffset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    // ZIP64: a locator just before the end record points at the ZIP64 end record with 8-byte fields
    const locator = at >= 20 ? tail.subarray(at - 20, at) : await readAt(path, tailStart + at - 20, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR)
      throw new InputError({ file: path }, 'a ZIP64 end of central directory locator');
    const record = await readAt(path, Number(locator.readBigUInt64LE(8)), 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD)
      throw new InputError({ file: path }, 'a ZIP64 end of central directory record');
    count = Number(record.readBigUInt64LE(32));
    directorySize = Number(record.readBigUInt64LE(40));
    directoryOffset = Number(record.readBigUInt64LE(48));
  }
  return parseCentralDirectory(await readAt(path, directoryOffset, directorySize), count, path);
}

/** The `count` file headers of a central directory (APPNOTE 4.3.12), ZIP64 extra fields applied. */
export function parseCentralDirectory(dir: Buffer, count: number, file?: string): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL)
      throw new InputError({ file }, `central directory header ${i + 1} of ${count}`);
    const nameLength = dir.readUInt16LE(p + 28);
    const extraLength = dir.readUInt16LE(p + 30);
    const commentLength = dir.readUInt16LE(p + 32);
    const flags = dir.readUInt16LE(p + 8);
    // bit 11: the name is UTF-8; otherwise IBM code page 437, identical to ASCII for the names met here
    const name = dir.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLength);
    const entry: ZipEntry = {
      name,
      method: dir.readUInt16LE(p + 10),
      flags,
      crc32: dir.readUInt32LE(p + 16),
      compressedSize: dir.readUInt32LE(p + 20),
      size: dir.readUInt32LE(p + 24),
      localHeaderOffset: dir.readUInt32LE(p + 42),
    };
    applyZip64Extra(entry, dir.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength));
    entries.push(entry);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * ZIP64 extra field (id 1): 8-byte size, compressed size, offset, each present only where the 4-byte field is
 * 0xFFFFFFFF.
 */
function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (id === 1) {
      let q = p + 4;
      const next = () => {
        const v = Number(extra.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
    }
    p += 4 + length;
  }
}

/**
 * The uncompressed bytes of one member. The stream fails with an IntegrityError when the CRC-32 or the
 * size differs from the central directory.
 */
export async function openZipEntry(path: string, entry: ZipEntry): Promise<Readable> {
  if (entry.flags & 1) throw new InputError({ file: path }, `an unencrypted member`, entry.name);
  if (entry.method !== 0 && entry.method !== 8)
    throw new InputError(
      { file: path },
      `member ${entry.name} stored or deflated (method 0 or 8)`,
      `method ${entry.method}`,
    );
  const local = await readAt(path, entry.localHeaderOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL)
    throw new InputError({ file: path }, `a local file header for ${entry.name}`);
  const start = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  // an empty stored member has no bytes to read (a read stream cannot end before it starts)
  const source =
    entry.compressedSize === 0
      ? Readable.from([])
      : createReadStream(path, { start, end: start + entry.compressedSize - 1, highWaterMark: 1 << 20 });
  let crc = 0;
  let size = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (size !== entry.size || crc !== entry.crc32) {
        done(
          new IntegrityError(
            `${path}: zip member ${entry.name} has ${size} bytes and CRC-32 ${hex8(crc)}, ` +
              `expected ${entry.size} bytes and ${hex8(entry.crc32)}`,
          ),
        );
      } else done();
    },
  });
  const inflated = entry.method === 8 ? source.pipe(createInflateRaw()) : source;
  source.on('error', (e: Error) => check.destroy(e));
  if (inflated !== source) inflated.on('error', (e: Error) => check.destroy(e));
  return inflated.pipe(check);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
