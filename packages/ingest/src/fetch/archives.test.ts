import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { InputError, IntegrityError } from '@driftwatch/contracts';
import { parsePaxRecords, parseTarHeader, parseTarNumber, readTar, type TarEntry } from './tar';
import { tarGz, zipArchive } from './testing';
import { crc32, openZipEntry, readZipDirectory } from './zip';
import * as zlib from 'node:zlib';

async function collect(tar: Buffer, chunkSize: number): Promise<{ entry: TarEntry; body: string }[]> {
  const out: { entry: TarEntry; body: string }[] = [];
  // feed the archive in small odd-sized chunks so headers and bodies straddle chunk borders
  const chunks = Array.from({ length: Math.ceil(tar.length / chunkSize) }, (_, i) =>
    tar.subarray(i * chunkSize, (i + 1) * chunkSize),
  );
  await readTar(Readable.from(chunks), async (entry, body) => {
    const parts: Buffer[] = [];
    if (!entry.path.endsWith('skip.txt')) for await (const c of body) parts.push(c);
    out.push({ entry, body: Buffer.concat(parts).toString() });
  });
  return out;
}

async function text(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

describe('tar reader', () => {
  const long = `deep/${'x'.repeat(120)}/machine_usage.csv`;
  const members = [
    { name: 'v2018/', type: 'directory' as const },
    { name: 'v2018/machine_meta.csv', body: Buffer.from('m_1,0,1,a,96,100,USING\n') },
    { name: 'v2018/skip.txt', body: Buffer.alloc(1500, 0x41) },
    { name: long, body: Buffer.from('m_1,0,39,93,,,,,\n'.repeat(100)) },
    { name: 'empty.csv', body: Buffer.alloc(0) },
    { name: 'exact512.bin', body: Buffer.alloc(512, 0x42) },
  ];

  it.each([7, 512, 100_000])('reads every member of a tar made by hand, in chunks of %i bytes', async (chunkSize) => {
    const tar = gunzipSync(tarGz(members));
    const got = await collect(tar, chunkSize);
    expect(got.map((g) => [g.entry.path, g.entry.type, g.entry.size])).toEqual([
      ['v2018/', 'directory', 0],
      ['v2018/machine_meta.csv', 'file', 23],
      ['v2018/skip.txt', 'file', 1500],
      [long, 'file', 1700],
      ['empty.csv', 'file', 0],
      ['exact512.bin', 'file', 512],
    ]);
    expect(got[1].body).toBe('m_1,0,1,a,96,100,USING\n');
    expect(got[3].body).toBe('m_1,0,39,93,,,,,\n'.repeat(100));
    expect(got[5].body).toBe('B'.repeat(512));
  });

  it('checks header checksums and reads base-256 sizes (GNU, for members of 8 GiB and more)', () => {
    const tar = gunzipSync(tarGz([{ name: 'a.csv', body: Buffer.from('1\n') }]));
    const header = Buffer.from(tar.subarray(0, 512));
    expect(parseTarHeader(header)).toMatchObject({ name: 'a.csv', size: 2, typeflag: '0' });
    header[0] ^= 1;
    expect(() => parseTarHeader(header)).toThrow(InputError);
    const big = Buffer.alloc(12);
    big[0] = 0x80;
    big.writeUInt32BE(5, 8); // 5 × 2^0 in the low bytes …
    big[7] = 3; // … plus 3 × 2^32
    expect(parseTarNumber(big)).toBe(3 * 2 ** 32 + 5);
    expect(parseTarNumber(Buffer.from('00000001750\0'))).toBe(0o1750);
    expect(parsePaxRecords(Buffer.from('18 path=a/b/c.csv\n15 size=123456\n'))).toEqual({
      path: 'a/b/c.csv',
      size: '123456',
    });
  });

  it('fails on an archive that ends inside a member', async () => {
    const tar = gunzipSync(tarGz([{ name: 'a.csv', body: Buffer.alloc(2000, 0x31) }]));
    await expect(collect(tar.subarray(0, 1200), 100)).rejects.toThrow(InputError);
  });
});

describe('zip reader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-zip-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('computes CRC-32 like zlib', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    expect(crc32(data)).toBe(0x414fa339);
    expect(crc32(data.subarray(10), crc32(data.subarray(0, 10)))).toBe(zlib.crc32(data));
  });

  it('lists the central directory and reads stored and deflated members', async () => {
    const csv = Buffer.from('t,a,b\n'.concat('1525708950,1,2\n'.repeat(5000)));
    const path = join(dir, 'mixed.zip');
    await writeFile(
      path,
      zipArchive([
        { name: 'data/', body: Buffer.alloc(0), method: 0 },
        { name: 'data/1_0_100000_15.csv', body: csv, method: 8 },
        { name: 'ground_truth.csv', body: Buffer.from('trace_name,trace_type\n'), method: 0 },
        { name: 'empty.txt', body: Buffer.alloc(0), method: 0 },
      ]),
    );
    const entries = await readZipDirectory(path);
    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ['data/', 0, 0],
      ['data/1_0_100000_15.csv', 8, csv.length],
      ['ground_truth.csv', 0, 22],
      ['empty.txt', 0, 0],
    ]);
    expect(await text(await openZipEntry(path, entries[1]))).toBe(csv.toString());
    expect(await text(await openZipEntry(path, entries[2]))).toBe('trace_name,trace_type\n');
    expect(await text(await openZipEntry(path, entries[3]))).toBe('');
  });

  it('fails with an IntegrityError when a member does not match its CRC-32', async () => {
    const body = Buffer.from('0123456789'.repeat(10));
    const zip = zipArchive([{ name: 'a.txt', body, method: 0 }]);
    zip[30 + 'a.txt'.length + 3] ^= 0xff; // one byte of the stored data
    const path = join(dir, 'bad.zip');
    await writeFile(path, zip);
    const [entry] = await readZipDirectory(path);
    await expect(text(await openZipEntry(path, entry))).rejects.toThrow(IntegrityError);
  });

  it('says so when a file is not a zip', async () => {
    const path = join(dir, 'not.zip');
    await writeFile(path, 'hello');
    await expect(readZipDirectory(path)).rejects.toThrow(/end of central directory/);
  });
});
