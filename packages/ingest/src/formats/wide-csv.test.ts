import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@driftwatch/contracts';
import { readSequences, resolveMapping } from './read';
import { readCsvHeader, readWideCsv } from './wide-csv';

describe('wide CSV', () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-wide-'));
    path = join(dir, 'wide.csv');
    await writeFile(path, 'ts,host,cpu,mem\n0,a,1,10\n0,b,2,20\n60,a,3,\n60,b,4,40\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads batches of [entity], [timestamp], metrics with the mapped types', async () => {
    const batches = [];
    for await (const batch of readWideCsv(path, { timestamp: 'ts', entity: 'host' }, { batchRows: 3 }))
      batches.push(batch);
    expect(batches.map((b) => b.numRows)).toEqual([3, 1]);
    expect(batches[0].schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'host: Dictionary<Int32, Utf8>',
      'ts: Timestamp<MILLISECOND>',
      'cpu: Float64',
      'mem: Float64',
    ]);
  });

  it('gives one sequence per entity, every other column a metric, empty fields NaN', async () => {
    const sequences = await readSequences(path, { timestamp: 'ts', entity: 'host' });
    expect(sequences.map((s) => [s.id, s.entity, s.domain, s.features, [...s.values], [...s.timestamps!]])).toEqual([
      ['a', 'a', 'a', ['cpu', 'mem'], [1, 10, 3, NaN], [0n, 60_000n]],
      ['b', 'b', 'b', ['cpu', 'mem'], [2, 20, 4, 40], [0n, 60_000n]],
    ]);
  });

  it('keeps only the listed metrics, in the listed order', async () => {
    const [a] = await readSequences(path, {
      format: 'wide-csv',
      timestamp: 'ts',
      entity: 'host',
      metrics: ['mem', 'cpu'],
    });
    expect([a.features, [...a.values]]).toEqual([
      ['mem', 'cpu'],
      [10, 1, NaN, 3],
    ]);
  });

  it('reads ISO times and tab-separated .tsv files', async () => {
    const tsv = join(dir, 'iso.tsv');
    await writeFile(tsv, 'time\tv\n2024-01-01T00:00:00Z\t1.5\n2024-01-01T00:01:00Z\t2.5\n');
    const [all] = await readSequences(tsv, { timestamp: 'time', timestampUnit: 'iso' });
    expect([all.entity, [...all.values], [...all.timestamps!]]).toEqual([
      'all',
      [1.5, 2.5],
      [1_704_067_200_000n, 1_704_067_260_000n],
    ]);
  });

  it('names a mapped column missing from the header, and repeated header names', async () => {
    await expect(readSequences(path, { timestamp: 'time' })).rejects.toThrow(
      new InputError({ file: path, line: 1, column: 1 }, 'a header with a column named "time"', 'ts,host,cpu,mem'),
    );
    const repeated = join(dir, 'repeated.csv');
    await writeFile(repeated, 'ts,a,a\n1,2,3\n');
    await expect(readSequences(repeated, { timestamp: 'ts' })).rejects.toThrow(
      new InputError(
        { file: repeated, line: 1 },
        'distinct column names in the header (column 3 repeats an earlier name)',
        'a',
      ),
    );
  });

  it('passes on the line and column of a bad value', async () => {
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'ts,cpu\n1,0.5\n2,high\n');
    await expect(readSequences(bad, { timestamp: 'ts' })).rejects.toThrow(
      new InputError({ file: bad, line: 3, column: 3 }, 'a number in column "cpu"', 'high'),
    );
  });

  it('reads ISO 8601 text in the time column without timestampUnit, numbers still as seconds', async () => {
    const iso = join(dir, 'iso-auto.csv');
    await writeFile(iso, '\nhost,time,cpu\n\na,2026-01-05T00:00:00Z,1\na,2026-01-05 01:02:00+01:00,2\n');
    const [a] = await readSequences(iso, { timestamp: 'time', entity: 'host' });
    // Date.UTC(2026, 0, 5) = 1767571200000; 01:02 at +01:00 is 00:02 UTC
    expect([...a.timestamps!]).toEqual([1_767_571_200_000n, 1_767_571_200_000n + 120_000n]);
    const [b] = await readSequences(path, { timestamp: 'ts', entity: 'host' });
    expect([...b.timestamps!]).toEqual([0n, 60_000n]);
  });

  it('resolves the mapping of such a file with timestampUnit iso, so that a kept mapping reads it again', async () => {
    const iso = join(dir, 'iso-resolve.csv');
    await writeFile(iso, 'host,time,cpu\na,2026-01-05T00:00:00Z,1\n');
    expect(await resolveMapping(iso, { timestamp: 'time', entity: 'host' })).toEqual({
      format: 'wide-csv',
      timestamp: 'time',
      entity: 'host',
      timestampUnit: 'iso',
    });
    expect(await resolveMapping(path, { timestamp: 'ts' })).toEqual({ format: 'wide-csv', timestamp: 'ts' });
    expect(await resolveMapping(iso, { timestamp: 'time', timestampUnit: 'ms' })).toMatchObject({
      timestampUnit: 'ms',
    });
  });

  it('names the mapping key that reads text in the first record, and only there', async () => {
    const iso = join(dir, 'iso-unmapped.csv');
    await writeFile(iso, 'host,time,cpu\na,2026-01-05T00:00:00Z,1\n');
    await expect(readSequences(iso, { entity: 'host' })).rejects.toThrow(
      new InputError(
        { file: iso, line: 2, column: 3 },
        'a number in column "time" (it holds date-times: if it is the time column, name it with --map timestamp=time)',
        '2026-01-05T00:00:00Z',
      ),
    );
    await expect(readSequences(iso, { timestamp: 'time' })).rejects.toThrow(
      new InputError(
        { file: iso, line: 2, column: 1 },
        'a number in column "host" (it holds text: if it names the entity, name it with --map entity=host; ' +
          'else list the metric columns with --metrics)',
        'a',
      ),
    );
    await expect(readSequences(iso, { timestamp: 'time', entity: 'host', timestampUnit: 'ms' })).rejects.toThrow(
      new InputError(
        { file: iso, line: 2, column: 3 },
        'a time in ms in column "time" (it holds ISO 8601 text: read it with --map timestampUnit=iso)',
        '2026-01-05T00:00:00Z',
      ),
    );
    // a later record with text is a bad value, not a column in the wrong role: no hint
    const later = join(dir, 'iso-later.csv');
    await writeFile(later, 'time,cpu\n60,1\n2026-01-05T00:00:00Z,2\n');
    await expect(readSequences(later, { timestamp: 'time' })).rejects.toThrow(
      new InputError({ file: later, line: 3, column: 1 }, 'a time in s in column "time"', '2026-01-05T00:00:00Z'),
    );
  });

  it('reads a header with quotes and a byte-order mark', async () => {
    expect(await readCsvHeader({ file: 'h.csv', data: '\uFEFF\n"a,b", c ,"d""e"\n1,2,3\n' })).toEqual([
      'a,b',
      'c',
      'd"e',
    ]);
  });
});
