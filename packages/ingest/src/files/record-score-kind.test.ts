import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRecordScores } from './record-scores';
import { writeScoreFile } from './score-file';
import { isRecordScoreFile } from './record-score-kind';

describe('isRecordScoreFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-score-kind-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(['csv', 'arrow', 'parquet'])('knows a record-score file (.%s) by its columns', async (ext) => {
    const path = join(dir, `r.${ext}`);
    await writeRecordScores(path, [
      {
        entity: 'web',
        warmup: Uint8Array.from([1, 0]),
        score: Float64Array.from([NaN, 0.5]),
        smoothed: Float64Array.from([NaN, 0.5]),
        threshold: Float64Array.from([1, 1]),
        alarm: Uint8Array.from([0, 0]),
      },
    ]);
    expect(await isRecordScoreFile(path)).toBe(true);
  });

  it.each(['csv', 'arrow'])('tells a score file of bench (.%s) from a record-score file', async (ext) => {
    const path = join(dir, `s.${ext}`);
    await writeScoreFile(path, [{ sequenceId: 'asd/omi-1', scores: [1, 2] }]);
    expect(await isRecordScoreFile(path)).toBe(false);
  });

  it('says no for a CSV with other columns', async () => {
    const path = join(dir, 'other.csv');
    await writeFile(path, 'entity,record,score\nweb,0,1\n');
    expect(await isRecordScoreFile(path)).toBe(false);
  });
});
