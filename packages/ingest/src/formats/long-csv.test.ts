import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@driftwatch/contracts';
import { pivotLongCsv } from './long-csv';
import { readBatches, readSequences } from './read';

// rows out of order, entities interleaved, one empty value; worked by hand below
const LONG = [
  'host,ts,name,v',
  'b,120,mem,5',
  'a,60,cpu,0.5',
  'a,0,cpu,0.25',
  'a,0,mem,100',
  'b,60,cpu,1.5',
  'a,120,mem,',
  'b,120,cpu,2',
].join('\n');
const MAPPING = { entity: 'host', timestamp: 'ts', metric: 'name', value: 'v' };

describe('long CSV pivot', () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-long-'));
    path = join(dir, 'long.csv');
    await writeFile(path, `${LONG}\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('pivots to one sequence per entity, metrics sorted, missing cells NaN (batches of 2 rows)', async () => {
    // b: times 60, 120 → (cpu 1.5, mem —), (cpu 2, mem 5)
    // a: times 0, 60, 120 → (0.25, 100), (0.5, —), (—, empty → NaN)
    const sequences = await readSequences(path, MAPPING, { batchRows: 2 });
    expect(sequences.map((s) => [s.entity, s.features, s.length, [...s.values], [...s.timestamps!]])).toEqual([
      ['b', ['cpu', 'mem'], 2, [1.5, NaN, 2, 5], [60_000n, 120_000n]],
      ['a', ['cpu', 'mem'], 3, [0.25, 100, 0.5, NaN, NaN, NaN], [0n, 60_000n, 120_000n]],
    ]);
  });

  it('keeps the listed metrics in the listed order, and rejects a listed metric with no rows', async () => {
    const frames = await pivotLongCsv(path, { ...MAPPING, metrics: ['mem'] });
    expect(frames.features).toEqual(['mem']);
    // b has mem only at 120; a has mem at 0 and 120
    expect(frames.frames.map((f) => [f.entity, [...f.values], [...f.timestamps]])).toEqual([
      ['b', [5], [120_000n]],
      ['a', [100, NaN], [0n, 120_000n]],
    ]);
    await expect(pivotLongCsv(path, { ...MAPPING, metrics: ['mem', 'disk'] })).rejects.toThrow(
      new InputError({ file: path }, 'rows with metric "disk" (it is listed in metrics) in column "name"', 'none'),
    );
  });

  it('names both lines of a duplicate cell, or keeps the first or last value', async () => {
    const duplicated = join(dir, 'duplicated.csv');
    await writeFile(duplicated, `${LONG}\na,0,cpu,0.3\n`);
    await expect(readSequences(duplicated, MAPPING)).rejects.toThrow(
      new InputError(
        { file: duplicated, line: 9 },
        'one value per entity, time and metric (line 4 already has metric "cpu" of entity "a" at 0 ms)',
        'a second value',
      ),
    );
    const first = await readSequences(duplicated, MAPPING, { duplicates: 'first' });
    const last = await readSequences(duplicated, MAPPING, { duplicates: 'last' });
    expect([first[1].values[0], last[1].values[0]]).toEqual([0.25, Math.fround(0.3)]);
  });

  it('reads ISO 8601 text in the time column without timestampUnit', async () => {
    const iso = join(dir, 'iso.csv');
    await writeFile(iso, 'timestamp,metric,value\n2026-01-05T00:00:00Z,x,1\n2026-01-05T00:00:30Z,x,3\n');
    const [all] = await readSequences(iso, { format: 'long-csv' });
    // Date.UTC(2026, 0, 5) = 1767571200000
    expect([...all.timestamps!]).toEqual([1_767_571_200_000n, 1_767_571_230_000n]);
  });

  it('uses the default column names and one entity when there is no entity column', async () => {
    const plain = join(dir, 'plain.csv');
    await writeFile(plain, 'timestamp,metric,value\n0,x,1\n0,y,2\n30,x,3\n');
    const [all] = await readSequences(plain, { format: 'long-csv' });
    expect([all.entity, all.features, [...all.values], [...all.timestamps!]]).toEqual([
      'all',
      ['x', 'y'],
      [1, 2, 3, NaN],
      [0n, 30_000n],
    ]);
  });

  it('hands out the pivot as wide batches for conversion', async () => {
    const batches = [];
    for await (const batch of readBatches(path, MAPPING)) batches.push(batch);
    expect(batches[0].schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'host: Dictionary<Int32, Utf8>',
      'ts: Timestamp<MILLISECOND>',
      'cpu: Float64',
      'mem: Float64',
    ]);
    expect(batches.map((b) => [b.getChild('host')!.get(0), [...b.getChild('cpu')!], [...b.getChild('mem')!]])).toEqual([
      ['b', [1.5, 2], [null, 5]],
      ['a', [0.25, 0.5, null], [100, null, null]],
    ]);
  });

  it('passes on the line and column of a row without a metric name', async () => {
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'host,ts,name,v\na,0,cpu,1\na,0,,2\n');
    await expect(readSequences(bad, MAPPING)).rejects.toThrow(
      new InputError({ file: bad, line: 3, column: 5 }, 'a value in column "name"', ''),
    );
  });
});
