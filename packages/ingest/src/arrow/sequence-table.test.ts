import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, Float64, Schema, Table } from 'apache-arrow';
import { InputError, type Sequence } from '@driftwatch/contracts';
import {
  readArrowFile,
  readSequenceFile,
  sequenceFromTable,
  sequenceToTable,
  writeArrowFile,
  writeSequenceFile,
} from './sequence-table';

const F = 3;
const T = 5;
function sample(): Sequence {
  return {
    id: 'x/e1/test',
    entity: 'e1',
    domain: 'd1',
    features: ['a', 'b', 'c'],
    values: Float32Array.from({ length: T * F }, (_, i) => i / 4 - 1),
    length: T,
    labels: Uint8Array.from([0, 1, 1, 0, 0]),
    timestamps: BigInt64Array.from([1000n, 2000n, 3000n, 4000n, 5000n]),
    ranges: [{ start: 1, end: 3, eventType: 'metric' }],
  };
}

describe('sequence tables', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-arrow-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores values as FixedSizeList<Float32>(F) without copying, labels, timestamps and metadata', () => {
    const seq = sample();
    const table = sequenceToTable(seq);
    expect(table.numRows).toBe(T);
    expect(String(table.getChild('values')!.type)).toBe('FixedSizeList[3]<Float32>');
    expect(String(table.getChild('label')!.type)).toBe('Uint8');
    expect(String(table.getChild('timestamp')!.type)).toBe('Timestamp<MILLISECOND>');
    expect(Array.from(table.getChild('values')!.get(2)!)).toEqual([0.5, 0.75, 1]);
    expect(table.schema.metadata.get('features')).toBe('["a","b","c"]');
    expect(JSON.parse(table.schema.metadata.get('ranges')!)).toEqual(seq.ranges);
    const child = table.getChild('values')!.data[0].children[0];
    expect(child.values.buffer).toBe(seq.values.buffer);
  });

  it('reads a one-batch table back as views on the Arrow buffers', () => {
    const seq = sample();
    const table = sequenceToTable(seq);
    const back = sequenceFromTable(table);
    expect(back.values.buffer).toBe(table.getChild('values')!.data[0].children[0].values.buffer);
    expect(back.labels!.buffer).toBe(table.getChild('label')!.data[0].values.buffer);
    expect(back).toEqual(seq);
  });

  it('concatenates several batches into one array', () => {
    const seq = sample();
    const a = sequenceToTable({
      ...seq,
      values: seq.values.subarray(0, 2 * F),
      length: 2,
      labels: seq.labels!.subarray(0, 2),
      timestamps: seq.timestamps!.subarray(0, 2),
    });
    const b = sequenceToTable({
      ...seq,
      values: seq.values.subarray(2 * F),
      length: 3,
      labels: seq.labels!.subarray(2),
      timestamps: seq.timestamps!.subarray(2),
    });
    const both = a.concat(b);
    expect(both.batches.length).toBe(2);
    const back = sequenceFromTable(both);
    expect(Array.from(back.values)).toEqual(Array.from(seq.values));
    expect(Array.from(back.labels!)).toEqual([0, 1, 1, 0, 0]);
    expect(Array.from(back.timestamps!)).toEqual([1000n, 2000n, 3000n, 4000n, 5000n]);
  });

  it('round-trips through an Arrow IPC file written atomically', async () => {
    const path = join(dir, 'seq.arrow');
    await writeSequenceFile(path, sample());
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await readSequenceFile(path)).toEqual(sample());
    const plain = new Table({ x: (await readArrowFile(path)).getChild('label')! });
    await writeArrowFile(join(dir, 'plain.arrow'), plain);
    expect(Array.from((await readArrowFile(join(dir, 'plain.arrow'))).getChild('x')!.toArray())).toEqual([
      0, 1, 1, 0, 0,
    ]);
  });

  it('rejects files and tables that are not sequences', async () => {
    const bad = join(dir, 'bad.arrow');
    await writeFile(bad, 'not arrow at all');
    await expect(readArrowFile(bad)).rejects.toBeInstanceOf(InputError);
    const noMeta = new Table(new Schema([new Field('values', new Float64())]));
    expect(() => sequenceFromTable(noMeta, 'f.arrow')).toThrow(/f\.arrow: expected schema metadata key "features"/);
    const wrong = sequenceToTable(sample());
    const meta = new Map(wrong.schema.metadata);
    meta.set('features', '["a","b"]');
    expect(() =>
      sequenceFromTable(new Table(new Schema(wrong.schema.fields, meta), wrong.batches.map((b) => b.data) as never)),
    ).toThrow(InputError);
  });
});
