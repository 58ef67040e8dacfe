import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, type ResultRecord } from '@driftwatch/contracts';
import { appendResult, readResults, resumeResults, ResultsExistError } from '../src';

const line = (method: string, peakF1: number): ResultRecord => ({
  method,
  dataset: 'asd',
  testSequence: 'asd/omi-1',
  smoothing: 0,
  peakF1,
  precision: 1,
  recall: 1,
  threshold: Infinity,
  aucPr: NaN,
  trainSeconds: 1,
  scoreSeconds: 1,
  backend: 'js',
  seed: 0,
  params: {},
});

describe('results file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'experiments-results-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('appends one JSON line per result, non-finite numbers as null, and reads them back', async () => {
    const path = join(dir, 'sub', 'results.jsonl');
    expect(await readResults(path)).toEqual([]);
    await appendResult(path, line('iforest', 0.5));
    await appendResult(path, line('pca', 0.25));
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect(JSON.parse(text.split('\n')[0])).toMatchObject({ method: 'iforest', threshold: null, aucPr: null });
    expect((await readResults(path)).map((r) => [r.method, r.peakF1])).toEqual([
      ['iforest', 0.5],
      ['pca', 0.25],
    ]);
  });

  it('ignores a torn last line and names any other bad line', async () => {
    const torn = join(dir, 'torn.jsonl');
    await writeFile(torn, `${JSON.stringify(line('a', 1))}\n{"method": "b", "pea`);
    expect((await readResults(torn)).map((r) => r.method)).toEqual(['a']);
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, `${JSON.stringify(line('a', 1))}\nnot json\n`);
    await expect(readResults(bad)).rejects.toThrow(InputError);
    await expect(readResults(bad)).rejects.toThrow(`${bad}:2:1: expected one JSON object per line`);
  });

  it('refuses to add to a file with lines unless resuming, and then knows what is done', async () => {
    const path = join(dir, 'resume.jsonl');
    await appendResult(path, line('iforest', 0.5));
    await expect(resumeResults(path, false, (r) => r.method)).rejects.toThrow(ResultsExistError);
    await expect(resumeResults(path, false, (r) => r.method)).rejects.toMatchObject({ path, lines: 1 });
    const { previous, done } = await resumeResults(path, true, (r) => r.method);
    expect(previous).toHaveLength(1);
    expect([...done]).toEqual(['iforest']);
    expect((await resumeResults(join(dir, 'none.jsonl'), false, (r) => r.method)).previous).toEqual([]);
  });
});
