import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, makeVector, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { InputError, ParameterError } from '@driftwatch/contracts';
import { readScoreFile, writeScoreFile } from './score-file';

const entries = [
  { sequenceId: 'asd/omi-1/test', scores: [-Number.MAX_VALUE, -Number.MAX_VALUE, 0.1, 1e-300, 3.5, NaN, Infinity] },
  { sequenceId: 'needs "quotes", and a comma', scores: Float32Array.from([0.25, -2]) },
  { sequenceId: 'empty', scores: [] },
];

describe('score files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-scores-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const expected = new Map(
    entries.filter((e) => e.scores.length > 0).map((e) => [e.sequenceId, Float64Array.from(e.scores)]),
  );

  it('round-trips through Arrow with sequence/record/score columns', async () => {
    const path = join(dir, 'scores.arrow');
    await writeScoreFile(path, entries);
    const table = tableFromIPC(await readFile(path));
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'sequence:Dictionary<Int32, Utf8>',
      'record:Int32',
      'score:Float64',
    ]);
    expect(table.numRows).toBe(9);
    expect(table.getChild('record')!.get(8)).toBe(1);
    expect(await readScoreFile(path)).toEqual(expected);
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('round-trips through CSV with a header and exact doubles', async () => {
    const path = join(dir, 'scores.csv');
    await writeScoreFile(path, entries);
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines[0]).toBe('sequence,record,score');
    expect(lines[1]).toBe('asd/omi-1/test,0,-1.7976931348623157e+308');
    expect(lines[8]).toBe('"needs ""quotes"", and a comma",0,0.25');
    expect(await readScoreFile(path)).toEqual(expected);
    await writeScoreFile(join(dir, 'other.txt'), entries, { format: 'csv' });
    expect(await readScoreFile(join(dir, 'other.txt'))).toEqual(expected);
  });

  it('needs a known format and unique sequences', async () => {
    await expect(writeScoreFile(join(dir, 'x.bin'), entries)).rejects.toBeInstanceOf(ParameterError);
    await expect(writeScoreFile(join(dir, 'x.csv'), [entries[0], entries[0]])).rejects.toBeInstanceOf(ParameterError);
  });

  it('names the file and row of missing or out-of-order records', async () => {
    const path = join(dir, 'gap.csv');
    await writeFile(path, 'sequence,record,score\na,0,1\na,1,2\nb,0,3\na,3,4\n');
    const e = await readScoreFile(path).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).location).toEqual({ file: path, line: 5, column: 3 });
    expect((e as InputError).message).toContain('expected record 2 of sequence "a"');
    await writeFile(path, 'sequence,record,score\na,0,x\n');
    await expect(readScoreFile(path)).rejects.toMatchObject({ location: { file: path, line: 2, column: 5 } });
    const arrowPath = join(dir, 'gap.arrow');
    const table = new Table({
      sequence: vectorFromArray(['a', 'a', 'a']),
      record: makeVector(Int32Array.from([0, 2, 1])),
      score: makeVector(Float64Array.from([1, 2, 3])),
    });
    await writeFile(arrowPath, tableToIPC(table, 'file'));
    await expect(readScoreFile(arrowPath)).rejects.toThrow(
      `${arrowPath}: expected record 1 of sequence "a" (records start at 0 and increase by 1) in row 2, found "2"`,
    );
    await writeFile(path, 'seq,rec\n');
    await expect(readScoreFile(path)).rejects.toMatchObject({ location: { file: path, line: 1, column: 1 } });
  });
});
