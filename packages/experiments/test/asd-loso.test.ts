import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScoreFile } from '@driftwatch/ingest';
import { methodConfigs, parseShard, readResults, runLeaveOneOut, ResultsExistError } from '../src';
import type { LeaveOneOutOptions } from '../src';
import { asdLikeRoot } from './asd-like-root';
import { bruteForcePeakF1 } from './brute-force';

describe('runLeaveOneOut', () => {
  let fixture: Awaited<ReturnType<typeof asdLikeRoot>>;
  let dir: string;
  let base: Omit<LeaveOneOutOptions, 'outDir'>;
  beforeAll(async () => {
    fixture = await asdLikeRoot({ servers: 3, train: 200, test: 160 });
    dir = await mkdtemp(join(tmpdir(), 'experiments-loso-'));
    base = {
      dataRoot: fixture.root,
      dataset: 'asd',
      servers: ['omi-1', 'omi-3'],
      configs: methodConfigs(['mahalanobis', 'iforest']),
      smoothingGrid: [0, 0.9],
      seed: 0,
      epochs: 1,
      overrides: { iforest: { nEstimators: 20 } },
      command: 'driftwatch bench asd-loso (test)',
      lockPath: join(fixture.root, 'no.lock'),
    };
  });
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one line per (method, server, smoothing) whose peak F1 the score file and labels give again', async () => {
    const outDir = join(dir, 'whole');
    const logs: string[] = [];
    const fits: string[] = [];
    const observer = { log: (l: string) => logs.push(l), fitting: (label: string) => (fits.push(label), {}) };
    const { resultsPath, rows } = await runLeaveOneOut({ ...base, outDir }, observer);
    expect(resultsPath).toBe(join(outDir, 'results.jsonl'));
    expect(await readResults(resultsPath)).toEqual(JSON.parse(JSON.stringify(rows)));
    expect(rows.map((r) => `${r.testSequence} ${r.method} ${r.smoothing}`)).toEqual(
      ['asd/omi-1', 'asd/omi-3'].flatMap((s) =>
        ['mahalanobis', 'iforest'].flatMap((m) => [0, 0.9].map((b) => `${s} ${m} ${b}`)),
      ),
    );
    expect(logs[0]).toBe(`reading ASD from ${fixture.root} …`);
    expect(fits).toEqual(['mahalanobis omi-1', 'iforest omi-1', 'mahalanobis omi-3', 'iforest omi-3']);
    const common = { dataset: 'asd', backend: 'js', seed: 0, command: base.command, params: { windowLength: 20 } };
    for (const r of rows) expect(r).toMatchObject(common);
    // β = 0: the record scores of the score file are the line's scores; labels straight from the fixture
    for (const r of rows.filter((x) => x.smoothing === 0)) {
      const server = r.testSequence.split('/')[1];
      const scores = (await readScoreFile(join(outDir, 'scores', r.method, `${server}.arrow`))).get(r.testSequence)!;
      const labels = [...new Array<number>(fixture.trainRows).fill(0), ...fixture.values[server].labels];
      expect(scores.length).toBe(labels.length);
      expect(r.peakF1).toBeCloseTo(bruteForcePeakF1(scores, labels, 20), 12);
    }
    // the planted shifts are easy: a working pipeline finds them
    expect(Math.max(...rows.filter((r) => r.method === 'mahalanobis').map((r) => r.peakF1))).toBeGreaterThan(0.5);
    const run = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
    expect(Object.keys(run)).toEqual(['command', 'startedAt', 'configuration', 'backend', 'machine', 'data']);
    // what a resumed run must match: the knobs given above, and every smoothing factor a unit has a line of
    expect(run.configuration).toMatchObject({ seed: base.seed, epochs: 1, trainStride: 1, overrides: base.overrides });
    expect(run.configuration.smoothingGrid).toEqual([...new Set(rows.map((r) => r.smoothing))]);
    const file = run.data.files.find((f: { path: string }) => f.path === 'asd/test/omi-2.txt');
    const sha256 = createHash('sha256')
      .update(await readFile(join(fixture.root, 'asd/test/omi-2.txt')))
      .digest('hex');
    expect(file).toEqual({ path: 'asd/test/omi-2.txt', sha256, lock: 'unlocked' });
  }, 60_000);

  it('refuses an existing results file without resume, and skips finished runs with it', async () => {
    const outDir = join(dir, 'whole');
    const before = await readFile(join(outDir, 'results.jsonl'), 'utf8');
    await expect(runLeaveOneOut({ ...base, outDir })).rejects.toThrow(ResultsExistError);
    const logs: string[] = [];
    const refit = () => {
      throw new Error('nothing is left to fit');
    };
    const observer = { log: (l: string) => logs.push(l), fitting: refit };
    const { rows } = await runLeaveOneOut({ ...base, outDir, resume: true }, observer);
    expect(logs.filter((l) => l.endsWith('skipped'))).toHaveLength(4);
    expect(rows).toHaveLength(8);
    expect(await readFile(join(outDir, 'results.jsonl'), 'utf8')).toBe(before);
  }, 60_000);

  it('shards split the pairs: their union is the whole run, line for line', async () => {
    const strip = (r: Record<string, unknown>) => JSON.stringify({ ...r, trainSeconds: 0, scoreSeconds: 0 });
    const whole = (await readResults(join(dir, 'whole', 'results.jsonl'))).map(strip).sort();
    const parts: string[] = [];
    for (const i of [1, 2, 3]) {
      const { rows } = await runLeaveOneOut({ ...base, outDir: join(dir, `shard-${i}`), shard: parseShard(`${i}/3`) });
      parts.push(...rows.map(strip));
    }
    expect(parts.sort()).toEqual(whole);
  }, 60_000);
});
