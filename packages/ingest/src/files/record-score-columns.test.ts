import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRecordScoreFile, readRecordScoreColumns } from './record-score-columns';

describe('record-score columns', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-scores-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  const HEADER = 'entity,record,warmup,score,smoothed,threshold,alarm';

  it('reads scores per entity in file order, NaN at warm-up, without a time column', async () => {
    const path = await file(
      'a.csv',
      `${HEADER}\nweb,0,1,,,2,0\nweb,1,0,0.5,0.5,2,0\ndb,0,1,,,2,0\ndb,1,0,3,3,2,1\nweb,2,0,1e-3,0.3,2,0\n`,
    );
    expect(await isRecordScoreFile(path)).toBe(true);
    const got = await readRecordScoreColumns(path);
    expect(got.map((e) => [e.entity, Array.from(e.scores), e.timestamps])).toEqual([
      ['web', [NaN, 0.5, 0.001], undefined],
      ['db', [NaN, 3], undefined],
    ]);
  });

  it('tells a score file of bench (sequence,record,score) from a record-score file', async () => {
    expect(await isRecordScoreFile(await file('b.csv', 'sequence,record,score\nasd/omi-1,0,1\n'))).toBe(false);
  });

  it.each([
    ['a missing column', 'entity,record,score\nweb,0,1\n', /missing warmup/],
    ['a record out of order', `${HEADER}\nweb,0,0,1,1,2,0\nweb,2,0,1,1,2,0\n`, /:3: expected record 1 of entity "web"/],
    ['a warm-up flag of 2', `${HEADER}\nweb,0,2,1,1,2,0\n`, /:2:3: expected warmup 0 or 1/],
    ['no score after warm-up', `${HEADER}\nweb,0,0,,,2,0\n`, /:2: expected a finite score where warmup is 0/],
  ])('refuses %s, naming the file and line', async (_what, text, message) => {
    const path = await file('bad.csv', text);
    await expect(readRecordScoreColumns(path)).rejects.toThrow(message);
    await expect(readRecordScoreColumns(path)).rejects.toThrow(/bad\.csv/);
  });
});
