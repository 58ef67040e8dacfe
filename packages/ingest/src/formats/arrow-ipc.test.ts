import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Table,
  TimestampSecond,
  makeData,
  makeVector,
  tableFromArrays,
  tableToIPC,
  vectorFromArray,
  Utf8,
  RecordBatch,
} from 'apache-arrow';
import { sourceLinesOf } from '../stream/source-lines';
import { readArrowBatches } from './arrow-ipc';
import { readSequences } from './read';

/** Two batches of a table with a host label, a time in seconds and two metrics. */
function twoBatchTable(): Table {
  const part = (hosts: string[], seconds: bigint[], cpu: number[], mem: number[]) =>
    tableFromArrays({ cpu: Float32Array.from(cpu), mem: Float64Array.from(mem) })
      .assign(new Table({ host: vectorFromArray(hosts, new Utf8()) }))
      .assign(
        new Table({
          t: makeVector(
            makeData({ type: new TimestampSecond(), length: seconds.length, data: BigInt64Array.from(seconds) }),
          ),
        }),
      );
  const first = part(['a', 'b'], [10n, 10n], [1, 2], [10, 20]);
  const second = part(['a', 'b', 'a'], [20n, 20n, 30n], [3, 4, 5], [30, 40, 50]);
  return new Table([...first.batches, ...second.batches] as RecordBatch[]);
}

describe('readArrowBatches', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-arrow-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(['file', 'stream'] as const)('reads the IPC %s format batch by batch, with row numbers', async (layout) => {
    const path = join(dir, `t.${layout}`);
    await writeFile(path, tableToIPC(twoBatchTable(), layout));
    const batches = [];
    for await (const batch of readArrowBatches(path)) batches.push(batch);
    expect(batches.map((b) => b.numRows)).toEqual([2, 3]);
    expect(batches.flatMap((b) => [...b.getChild('cpu')!])).toEqual([1, 2, 3, 4, 5]);
    expect(batches.flatMap((b) => [...b.getChild('host')!])).toEqual(['a', 'b', 'a', 'b', 'a']);
    expect(batches.map((b) => [...sourceLinesOf(b)!])).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it('turns an Arrow file into sequences, converting the time column to ms', async () => {
    const path = join(dir, 'seq.arrow');
    await writeFile(path, tableToIPC(twoBatchTable(), 'file'));
    // no timestamp key: the only Timestamp column is the time
    const sequences = await readSequences(path, { entity: 'host' });
    expect(sequences.map((s) => [s.entity, s.features, [...s.values], [...s.timestamps!]])).toEqual([
      ['a', ['cpu', 'mem'], [1, 10, 3, 30, 5, 50], [10_000n, 20_000n, 30_000n]],
      ['b', ['cpu', 'mem'], [2, 20, 4, 40], [10_000n, 20_000n]],
    ]);
  });

  it('rejects a file that is not Arrow IPC, and one that is cut off', async () => {
    const csv = join(dir, 'not.arrow');
    await writeFile(csv, 'ts,cpu\n1,2\n');
    const read = async (path: string) => {
      for await (const batch of readArrowBatches(path)) void batch;
    };
    await expect(read(csv)).rejects.toThrow(
      'not.arrow:1:1: expected an Arrow IPC file ("ARROW1" at the start) or stream (0xFFFFFFFF at the ' +
        'start), found "a file starting with bytes 74 73 2c 63 70 75 0a 31"',
    );
    const whole = await readFile(join(dir, 'seq.arrow'));
    const cut = join(dir, 'cut.arrow');
    await writeFile(cut, whole.subarray(0, whole.length - 40));
    await expect(read(cut)).rejects.toThrow(/cut\.arrow: expected a readable Arrow IPC file \(after 0 rows\)/);
  });
});
