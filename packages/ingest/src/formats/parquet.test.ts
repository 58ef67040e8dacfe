import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { sourceLinesOf } from '../stream/source-lines';
import { loadParquetWasm, readParquetBatches } from './parquet';

describe('readParquetBatches', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-parquet-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** A Parquet file written by parquet-wasm directly, with row groups of `groupRows` rows. */
  async function parquetFile(name: string, groupRows: number): Promise<string> {
    const pq = await loadParquetWasm();
    const table = tableFromArrays({ id: Int32Array.of(1, 2, 3, 4, 5), x: Float64Array.of(0.5, 1.5, 2.5, 3.5, 4.5) });
    const properties = new pq.WriterPropertiesBuilder().setMaxRowGroupSize(groupRows).build();
    const path = join(dir, name);
    await writeFile(path, pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(table, 'stream')), properties));
    return path;
  }

  const readAll = async (path: string) => {
    const batches = [];
    for await (const batch of readParquetBatches(path)) batches.push(batch);
    return batches;
  };

  it('yields one record batch per row group, with row numbers', async () => {
    const batches = await readAll(await parquetFile('groups.parquet', 2));
    expect(batches.map((b) => b.numRows)).toEqual([2, 2, 1]);
    expect(batches.flatMap((b) => [...b.getChild('x')!])).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
    expect(batches.flatMap((b) => [...b.getChild('id')!])).toEqual([1, 2, 3, 4, 5]);
    expect(batches.map((b) => [...sourceLinesOf(b)!])).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects a file that is not Parquet, and a truncated one', async () => {
    const csv = join(dir, 'not.parquet');
    await writeFile(csv, 'id,x\n1,0.5\n');
    await expect(readAll(csv)).rejects.toThrow(
      'not.parquet:1:1: expected a Parquet file ("PAR1" at the start), found "a file starting with bytes ' +
        '69 64 2c 78 0a 31 2c 30"',
    );
    const whole = await parquetFile('whole.parquet', 5);
    const bytes = await readFile(whole);
    const cut = join(dir, 'cut.parquet');
    await writeFile(cut, bytes.subarray(0, bytes.length - 10));
    await expect(readAll(cut)).rejects.toThrow(
      `cut.parquet: expected a complete Parquet file ("PAR1" at the end; the file looks truncated), found ` +
        `"${bytes.length - 10} bytes"`,
    );
    // the magic at both ends but garbage between: the wasm reader's own error comes through
    const fake = join(dir, 'fake.parquet');
    await writeFile(fake, 'PAR1 not really parquet PAR1');
    await expect(readAll(fake)).rejects.toThrow(
      /fake\.parquet: expected a readable Parquet file, found "EOF: file size of 28 is less than footer/,
    );
  });
});
