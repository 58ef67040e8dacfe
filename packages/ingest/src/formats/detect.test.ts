import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { arrowLayoutOf, detectFormat, formatOfExtension, hasParquetMagic } from './detect';

describe('format detection', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-detect-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const file = async (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };

  it('knows Arrow IPC files and streams and Parquet by their magic bytes, whatever the name', async () => {
    const table = tableFromArrays({ x: Float64Array.of(1, 2) });
    expect(await detectFormat(await file('a.bin', tableToIPC(table, 'file')))).toBe('arrow');
    expect(await detectFormat(await file('b.csv', tableToIPC(table, 'stream')))).toBe('arrow');
    // "PAR1" + anything: the magic is all detection looks at
    expect(await detectFormat(await file('c.dat', 'PAR1\u0000\u0001PAR1'))).toBe('parquet');
  });

  it('tells JSON from CSV by the first character, through gzip too', async () => {
    expect(await detectFormat(await file('q.txt', '  \n{"status":"success"}'))).toBe('prometheus');
    expect(await detectFormat(await file('q.json.gz', gzipSync('{"status":"success","data":{}}')))).toBe('prometheus');
    expect(await detectFormat(await file('w.csv', 'ts,a\n1,2\n'))).toBe('wide-csv');
    expect(await detectFormat(await file('w.csv.gz', gzipSync('ts,a\n1,2\n')))).toBe('wide-csv');
    expect(await detectFormat(await file('noext', 'ts,a\n1,2\n'))).toBe('wide-csv');
  });

  it('rejects a file whose name promises Arrow or Parquet but whose bytes do not, and unknown binary', async () => {
    await expect(detectFormat(await file('x.arrow', 'hello world'))).rejects.toThrow(
      'x.arrow:1:1: expected an Arrow IPC file ("ARROW1" or 0xFFFFFFFF at the start), found "a file ' +
        'starting with \\"hello wo\\""',
    );
    await expect(detectFormat(await file('y.arrow', 'ts,a\n1,2\n'))).rejects.toThrow(
      'found "a file starting with bytes 74 73 2c 61 0a 31 2c 32"',
    );
    await expect(detectFormat(await file('x.parquet', 'PAR'))).rejects.toThrow(
      'expected a Parquet file ("PAR1" at the start)',
    );
    await expect(detectFormat(await file('x.bin', Uint8Array.of(0, 1, 2, 3)))).rejects.toThrow(
      'expected a CSV, JSON, Arrow IPC or Parquet file, found "a file starting with bytes 00 01 02 03"',
    );
  });

  it('reads the magic bytes of each layout', () => {
    expect(arrowLayoutOf(Buffer.from('ARROW1\0\0'))).toBe('file');
    expect(arrowLayoutOf(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0))).toBe('stream');
    expect(arrowLayoutOf(Buffer.from('ARROW'))).toBeUndefined();
    expect(hasParquetMagic(Buffer.from('PAR1'))).toBe(true);
    expect(hasParquetMagic(Buffer.from('PAR'))).toBe(false);
    expect(formatOfExtension('m.TSV.gz')).toBe('wide-csv');
    expect(formatOfExtension('m.arrows')).toBe('arrow');
    expect(formatOfExtension('m.xlsx')).toBeUndefined();
  });
});
