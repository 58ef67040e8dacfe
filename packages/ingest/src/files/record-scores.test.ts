import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  readEpisodes,
  readRecordScores,
  writeEpisodes,
  writeRecordScores,
  type EntityRecordScores,
} from './record-scores';

const entity = (name: string, times: boolean): EntityRecordScores => ({
  entity: name,
  ...(times ? { timestamps: BigInt64Array.from([0n, 60_000n, 120_000n]) } : {}),
  warmup: Uint8Array.from([1, 0, 0]),
  score: Float64Array.from([NaN, 1.25, 3.5]),
  smoothed: Float64Array.from([NaN, 1.25, 2.5]),
  threshold: Float64Array.from([2, 2, 2]),
  alarm: Uint8Array.from([0, 0, 1]),
});

describe('record-score files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-scores-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['csv', 'arrow', 'parquet'])('reads back what it wrote as %s, empty scores as NaN', async (ext) => {
    const path = join(dir, `s.${ext}`);
    const written = [entity('web-1', true), entity('web-2', true)];
    await writeRecordScores(path, written);
    const back = await readRecordScores(path);
    expect(back.map((e) => e.entity)).toEqual(['web-1', 'web-2']);
    for (const e of back) {
      expect([...e.timestamps!]).toEqual([0n, 60_000n, 120_000n]);
      expect([...e.score]).toEqual([NaN, 1.25, 3.5]);
      expect([...e.smoothed]).toEqual([NaN, 1.25, 2.5]);
      expect([...e.warmup]).toEqual([1, 0, 0]);
      expect([...e.alarm]).toEqual([0, 0, 1]);
      expect([...e.threshold]).toEqual([2, 2, 2]);
    }
  });

  it('writes the spec columns in CSV: ISO times, empty fields for no score, no timestamp without times', async () => {
    const withTimes = join(dir, 't.csv');
    await writeRecordScores(withTimes, [entity('a', true)]);
    expect((await readFile(withTimes, 'utf8')).split('\n').slice(0, 2)).toEqual([
      'entity,timestamp,record,warmup,score,smoothed,threshold,alarm',
      'a,1970-01-01T00:00:00.000Z,0,1,,,2,0',
    ]);
    const plain = join(dir, 'p.csv');
    await writeRecordScores(plain, [entity('a', false)]);
    expect((await readFile(plain, 'utf8')).split('\n')[3]).toBe('a,2,0,3.5,2.5,2,1');
    const [back] = await readRecordScores(plain);
    expect(back.timestamps).toBeUndefined();
    expect([...back.alarm]).toEqual([0, 0, 1]);
  });

  it('refuses an unknown extension and mismatched columns, leaving nothing behind', async () => {
    const sub = await mkdtemp(join(dir, 'bad-'));
    await expect(writeRecordScores(join(sub, 's.txt'), [entity('a', true)])).rejects.toThrow(/\.csv, \.arrow/);
    const short = { ...entity('a', true), alarm: new Uint8Array(2) };
    await expect(writeRecordScores(join(sub, 's.csv'), [short])).rejects.toThrow(/columns differ/);
    expect(await readdir(sub)).toEqual([]);
  });

  it('writes episodes with ISO times and name:share features', async () => {
    const path = join(dir, 'e.csv');
    await writeFile(path, 'old');
    await writeEpisodes(path, [
      {
        entity: 'a',
        firstRecord: 3,
        lastRecord: 9,
        start: 180_000,
        end: 540_000,
        peakTime: 300_000,
        peakRecord: 5,
        peakScore: 7.5,
        topFeatures: [
          { name: 'cpu', share: 0.6666 },
          { name: 'mem', share: 0.25 },
        ],
      },
    ]);
    expect(await readFile(path, 'utf8')).toBe(
      'entity,start,end,first_record,last_record,peak_score,peak_time,top_features\n' +
        'a,1970-01-01T00:03:00.000Z,1970-01-01T00:09:00.000Z,3,9,7.5,1970-01-01T00:05:00.000Z,cpu:0.667;mem:0.250\n',
    );
    expect(existsSync(`${path}.tmp`)).toBe(false);
    expect(await readEpisodes(path)).toEqual([
      {
        entity: 'a',
        firstRecord: 3,
        lastRecord: 9,
        start: 180_000,
        end: 540_000,
        peakTime: 300_000,
        peakScore: 7.5,
        topFeatures: [
          { name: 'cpu', share: 0.667 },
          { name: 'mem', share: 0.25 },
        ],
      },
    ]);
    await writeFile(path, 'entity,start\n');
    await expect(readEpisodes(path)).rejects.toThrow(/expected the header entity,start,end/);
  });
});
