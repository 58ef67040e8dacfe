import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Dictionary,
  Field,
  Int8,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  vectorFromArray,
} from 'apache-arrow';
import { ParameterError, type Sequence } from '@driftwatch/contracts';
import { loadParquetWasm } from './parquet';
import { readSequences } from './read';
import { readWideCsv } from './wide-csv';
import { type OutputFormat, writeBatches } from './write-batches';

// batches of 2 rows: hosts a,b | c,a | b,c — the entity dictionary grows from 2 to 3 keys mid-stream
const WIDE = 'ts,host,cpu,mem\n0,a,0.5,10\n0,b,1.25,20\n60,c,2,\n60,a,0.75,30\n120,b,,40\n120,c,3,50\n';
const EXPECTED = [
  ['a', [0.5, 10, 0.75, 30], [0n, 60_000n]],
  ['b', [1.25, 20, NaN, 40], [0n, 120_000n]],
  ['c', [2, NaN, 3, 50], [60_000n, 120_000n]],
];
const summary = (sequences: Sequence[]) => sequences.map((s) => [s.entity, [...s.values], [...s.timestamps!]]);

describe('writeBatches', () => {
  let dir: string;
  let source: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-write-'));
    source = join(dir, 'source.csv');
    await writeFile(source, WIDE);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const csvBatches = () => readWideCsv(source, { timestamp: 'ts', entity: 'host' }, { batchRows: 2 });

  it('CSV → Arrow IPC file → the same values, with a dictionary that grew between batches', async () => {
    const path = join(dir, 'out.arrow');
    expect(await writeBatches(path, csvBatches(), 'arrow')).toMatchObject({ batches: 3, rows: 6 });
    // apache-arrow's own reader sees three batches and the right host of every row
    const table = tableFromIPC(await readFile(path));
    expect([table.batches.length, [...table.getChild('host')!]]).toEqual([3, ['a', 'b', 'c', 'a', 'b', 'c']]);
    expect(summary(await readSequences(path, { entity: 'host' }))).toEqual(EXPECTED);
  });

  it('CSV → Parquet → the same values and hosts', async () => {
    const path = join(dir, 'out.parquet');
    await writeBatches(path, csvBatches(), 'parquet');
    const pq = await loadParquetWasm();
    const table = tableFromIPC(pq.readParquet(await readFile(path)).intoIPCStream());
    expect([...table.getChild('host')!]).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(summary(await readSequences(path, { entity: 'host' }))).toEqual(EXPECTED);
  });

  it('CSV → CSV with ISO times → the same values', async () => {
    const path = join(dir, 'out.csv');
    await writeBatches(path, csvBatches(), 'csv');
    expect(await readFile(path, 'utf8')).toBe(
      [
        'host,ts,cpu,mem',
        'a,1970-01-01T00:00:00.000Z,0.5,10',
        'b,1970-01-01T00:00:00.000Z,1.25,20',
        'c,1970-01-01T00:01:00.000Z,2,',
        'a,1970-01-01T00:01:00.000Z,0.75,30',
        'b,1970-01-01T00:02:00.000Z,,40',
        'c,1970-01-01T00:02:00.000Z,3,50',
        '',
      ].join('\n'),
    );
    expect(summary(await readSequences(path, { timestamp: 'ts', timestampUnit: 'iso', entity: 'host' }))).toEqual(
      EXPECTED,
    );
  });

  it('writes CSV fields per RFC 4180, float32 with its shortest digits and NaN as empty', async () => {
    const table = new Table({
      'name, quoted': vectorFromArray(['plain', 'a,b', 'say "hi"', 'two\nlines', null], new Utf8()),
      f32: makeVector(Float32Array.of(0.1, NaN, 1e-7, -2.5, 3)),
      f64: makeVector(Float64Array.of(0.1 + 0.2, 1, NaN, -0, 1e21)),
      t: makeVector(
        makeData({
          type: new TimestampMillisecond(),
          length: 5,
          data: BigInt64Array.of(-1n, 0n, 1_700_000_000_123n, 86_400_000n, 1n),
        }),
      ),
    });
    const path = join(dir, 'quoting.csv');
    await writeBatches(path, table.batches, 'csv', { timestamps: 'ms' });
    expect(await readFile(path, 'utf8')).toBe(
      [
        '"name, quoted",f32,f64,t',
        'plain,0.1,0.30000000000000004,-1',
        '"a,b",,1,0',
        '"say ""hi""",1e-7,,1700000000123',
        '"two\nlines",-2.5,0,86400000',
        ',3,1e+21,1',
        '',
      ].join('\n'),
    );
  });

  it('re-codes dictionaries that are replaced between batches, and indices narrower than Int32', async () => {
    const type = new Dictionary(new Utf8(), new Int8());
    const schema = new Schema([new Field('label', type, true)]);
    const batch = (keys: string[], codes: number[], nullAt?: number) => {
      const validity = nullAt === undefined ? undefined : Uint8Array.of(0xff & ~(1 << nullAt));
      const data = makeData({
        type,
        length: codes.length,
        data: Int8Array.from(codes),
        dictionary: vectorFromArray(keys, new Utf8()),
        ...(validity ? { nullBitmap: validity } : {}),
      });
      return new RecordBatch(
        schema,
        makeData({ type: new Struct(schema.fields), length: codes.length, nullCount: 0, children: [data] }),
      );
    };
    // second dictionary does not extend the first: "y" moves from code 1 to code 0
    const batches = [batch(['x', 'y'], [0, 1, 1]), batch(['y', 'z'], [0, 1, 0], 2)];
    const path = join(dir, 'replaced.arrow');
    await writeBatches(path, batches, 'arrow');
    const table = tableFromIPC(await readFile(path));
    expect([...table.getChild('label')!]).toEqual(['x', 'y', 'y', 'y', 'z', null]);
    expect(String(table.schema.fields[0].type)).toBe('Dictionary<Int32, Utf8>');
  });

  describe('leaves no partial output', () => {
    /** The CSV batches, failing after `good` of them. */
    async function* failingAfter(good: number) {
      let n = 0;
      for await (const batch of csvBatches()) {
        if (n++ === good) throw new Error('source failed mid-way');
        yield batch;
      }
    }
    const leftovers = async () => (await readdir(dir)).filter((name) => name.endsWith('.tmp'));

    it.each(['arrow', 'parquet', 'csv'] as OutputFormat[])(
      '%s: a source that throws leaves no file, and an existing file untouched',
      async (format) => {
        const fresh = join(dir, `fresh.${format}`);
        await expect(writeBatches(fresh, failingAfter(2), format)).rejects.toThrow('source failed mid-way');
        await expect(readFile(fresh)).rejects.toThrow(/ENOENT/);
        const existing = join(dir, `existing.${format}`);
        await writeFile(existing, 'previous content');
        await expect(writeBatches(existing, failingAfter(1), format)).rejects.toThrow('source failed mid-way');
        expect(await readFile(existing, 'utf8')).toBe('previous content');
        expect(await leftovers()).toEqual([]);
      },
    );

    it('refuses an empty stream and batches whose schema changes', async () => {
      const path = join(dir, 'refused.arrow');
      await expect(writeBatches(path, [], 'arrow')).rejects.toThrow(
        new ParameterError('no record batches to write: at least one (it carries the schema) is needed'),
      );
      const one = new Table({ a: makeVector(Float64Array.of(1)) }).batches[0];
      const other = new Table({ a: makeVector(Float32Array.of(1)) }).batches[0];
      for (const format of ['arrow', 'parquet', 'csv'] as OutputFormat[]) {
        await expect(writeBatches(path, [one, other], format)).rejects.toThrow(
          new ParameterError('record batch 2 has columns (a: Float32), but the first had (a: Float64)'),
        );
      }
      await expect(readFile(path)).rejects.toThrow(/ENOENT/);
      expect(await leftovers()).toEqual([]);
    });
  });
});
