import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  Dictionary,
  Field,
  Float64,
  Int32,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  makeVector,
  tableToIPC,
} from 'apache-arrow';
import { InputError } from '@driftwatch/contracts';
import { inputErrorOf } from '../testing/input-error';
import { readBatches, readSequences } from './read';
import { writeBatches } from './write-batches';

/** Every batch of a file, drained (readBatches is lazy). */
async function drain(path: string): Promise<number> {
  let rows = 0;
  for await (const batch of readBatches(path)) rows += batch.numRows;
  return rows;
}

/** A wide Arrow file: entity (dictionary codes as given over `names`), one Float64 metric. */
function arrowWithCodes(names: string[], codes: number[]): Uint8Array {
  const entityType = new Dictionary(new Utf8(), new Int32());
  const fields = [new Field('entity', entityType, false), new Field('cpu', new Float64(), true)];
  const dictionary = makeData({
    type: new Utf8(),
    length: names.length,
    valueOffsets: Int32Array.from(names.reduce((o, n) => [...o, o[o.length - 1] + n.length], [0])),
    data: new TextEncoder().encode(names.join('')),
  });
  const length = codes.length;
  const children = [
    makeData({
      type: entityType,
      length,
      nullCount: 0,
      data: Int32Array.from(codes),
      dictionary: makeVector(dictionary),
    }),
    makeData({ type: new Float64(), length, nullCount: 0, data: Float64Array.from(codes, (_, i) => i) }),
  ];
  const batch = new RecordBatch(
    new Schema(fields),
    makeData({ type: new Struct(fields), length, nullCount: 0, children }),
  );
  return tableToIPC(new Table([batch]), 'file');
}

describe('hostile inputs: errors name the file and position instead of wrong values or crashes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-hostile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a truncated .gz is an InputError naming the file, not a bare zlib error', async () => {
    const rows = ['entity,timestamp,cpu', ...Array.from({ length: 400 }, (_, i) => `h1,${i + 1},${i * 0.25}`)];
    const gz = gzipSync(rows.join('\n') + '\n');
    const path = join(dir, 'cut.csv.gz');
    await writeFile(path, gz.subarray(0, Math.floor(gz.length / 2)));
    const error = await inputErrorOf(drain(path));
    expect(error.location.file).toBe(path);
    expect(error.expected).toMatch(/complete gzip stream/);
  });

  it.each([
    ['1e301', 's'],
    ['99999999999999999999', 's'],
    ['-9007199254740993', 'ms'],
  ])('a time %s (%s) beyond the representable range is an InputError at its line and column', async (time, unit) => {
    const path = join(dir, `far-${unit}-${time.length}.csv`);
    await writeFile(path, `entity,timestamp,cpu\nh1,${time},1\n`);
    const error = await inputErrorOf(readSequences(path, { timestampUnit: unit as 's' | 'ms' }));
    expect(error.location).toEqual({ file: path, line: 2, column: 4 }); // the character where the field starts
    expect(error.found).toBe(time);
  });

  it('a value beyond float32 (1e39) is an InputError at its line and column, not ±Infinity', async () => {
    const path = join(dir, 'huge.csv');
    await writeFile(path, 'entity,timestamp,cpu,mem\nh1,1,0.5,1\nh1,2,2,-1e39\n');
    const error = await inputErrorOf(readSequences(path));
    expect(error.location).toEqual({ file: path, line: 3 });
    expect(error.expected).toMatch(/float32 range .* column "mem"/);
    expect(error.found).toBe('-1e+39');
  });

  it('an error quotes at most an excerpt of a huge field', async () => {
    const field = 'x'.repeat(200_000);
    const path = join(dir, 'wide-field.csv');
    await writeFile(path, `entity,timestamp,cpu\nh1,1,${field}\n`);
    const error = await inputErrorOf(drain(path));
    expect(error.location).toEqual({ file: path, line: 2, column: 6 });
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).toContain(`"${'x'.repeat(80)}… (200,000 characters)"`);
    // re-raised with another position (as callers do), the excerpt keeps the original length
    expect(new InputError({ file: path }, 'a number', error.found).found).toBe(error.found);
  });

  it('an Arrow dictionary code outside its dictionary is an InputError, not an empty entity', async () => {
    const path = join(dir, 'codes.arrow');
    await writeFile(path, arrowWithCodes(['h1', 'h2'], [0, 1, 7]));
    const error = await inputErrorOf(drain(path));
    expect(error.location).toEqual({ file: path, line: 1 });
    expect(error.found).toBe('dictionary code 7 of a 2-entry dictionary');
  });

  it('an empty entity id in an Arrow file is an InputError at its row', async () => {
    const path = join(dir, 'empty-entity.arrow');
    await writeFile(path, arrowWithCodes(['h1', ''], [0, 0, 1]));
    const error = await inputErrorOf(readSequences(path, { entity: 'entity' }));
    expect(error.location).toEqual({ file: path, line: 3 });
    expect(error.expected).toMatch(/an entity id \(not empty\)/);
  });

  it('an Arrow file whose footer points a record batch at another message fails instead of hanging', async () => {
    const bytes = Buffer.from(arrowWithCodes(['h1', 'h2'], [0, 1, 1]));
    // the footer's Block structs hold (offset int64, metaDataLength int32, pad, bodyLength int64): point the record
    // batch block at the dictionary batch (the first message after the schema) by swapping the two offsets
    const footerLength = bytes.readInt32LE(bytes.length - 10);
    const footer = bytes.subarray(bytes.length - 10 - footerLength, bytes.length - 10);
    const offsets = blockOffsets(footer, bytes.length);
    expect(offsets).toHaveLength(2);
    footer.writeBigInt64LE(BigInt(offsets[0].value), offsets[1].at);
    const path = join(dir, 'loop.arrow');
    await writeFile(path, bytes);
    const error = await inputErrorOf(drain(path));
    expect(error.location.file).toBe(path);
  }, 10_000);
  it('a Parquet file that makes the wasm reader panic is an InputError, and the next file still reads', async () => {
    // four bytes changed in the zstd Parquet of a 199-row CSV (found by mutation; parquet-wasm panics on it)
    const csv = join(dir, 'panic-source.csv');
    await writeFile(
      csv,
      [
        'entity,timestamp,a,b',
        ...Array.from({ length: 199 }, (_, k) => `h1,${1000 * (k + 1)},${(k + 1) * 0.5},${k + 1}`),
      ].join('\n') + '\n',
    );
    const good = join(dir, 'good.parquet');
    await writeBatches(good, readBatches(csv), 'parquet');
    const bytes = await readFile(good);
    for (const [at, value] of [
      [264, 0o305],
      [670, 0o36],
      [977, 0o163],
      [1740, 0o164],
    ])
      bytes[at] = value;
    const bad = join(dir, 'panic.parquet');
    await writeFile(bad, bytes);
    const error = await inputErrorOf(drain(bad));
    expect(error.location.file).toBe(bad);
    expect(error.expected).toBe('a readable Parquet row group 1 of 1');
    expect(await drain(good)).toBe(199);
  });
});

/** Positions in a footer of int64 values that are message offsets (8-aligned, past the magic), in file order. */
function blockOffsets(footer: Buffer, size: number): { at: number; value: number }[] {
  const found: { at: number; value: number }[] = [];
  for (let at = 0; at + 24 <= footer.length; at += 8) {
    const value = Number(footer.readBigInt64LE(at));
    const metaDataLength = footer.readInt32LE(at + 8);
    const bodyLength = Number(footer.readBigInt64LE(at + 16));
    if (
      value >= 8 &&
      value % 8 === 0 &&
      value < size &&
      metaDataLength > 0 &&
      metaDataLength % 8 === 0 &&
      bodyLength >= 0 &&
      bodyLength < size
    )
      found.push({ at, value });
  }
  return found.sort((a, b) => a.value - b.value);
}
