import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SPLIT, experimentRuns, parseShard, readResults, runStBenchmark, shardItems } from '../src';
import { ResultsExistError } from '../src';
import type { StBenchmarkOptions, StBudget, StDatasetOptions } from '../src';

describe('runStBenchmark', () => {
  let dir: string;
  const budget: StBudget = { epochs: 1, windowLength: 4, simNodes: 6, simSteps: 240, scaleSteps: 240 };
  const runs = experimentRuns('scale', ['sim'], ['gbdt'], budget, [6, 8, 10]);
  // simulated data only: the data root is never read
  const data: StDatasetOptions = {
    dataRoot: () => join(dir, 'no-data'),
    labelWindow: { mode: 'recovery' },
    nezhaGraph: 'auto',
    graphWindowMinutes: 1,
    split: DEFAULT_SPLIT,
    span: 'faults',
    seed: 0,
  };
  const base = (outDir: string): StBenchmarkOptions => ({
    experiment: 'scale',
    runs,
    datasets: ['sim'],
    budget,
    seed: 0,
    data,
    outDir,
    command: 'driftwatch bench st scale (test)',
    lockPath: join(dir, 'no.lock'),
  });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'experiments-st-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs every varied value once, one line each, and resumes without refitting', async () => {
    const out = join(dir, 'whole');
    const fitted: string[] = [];
    const { rows } = await runStBenchmark(base(out), { fitting: (label) => (fitted.push(label), {}) });
    expect(fitted).toEqual([6, 8, 10].map((n, k) => `[${k + 1}/3] scale sim gbdt nodes=${n} seed 0`));
    const shape = rows.map((r) => [r.method, r.variedParam, r.variedValue, r.entities, r.backend]);
    expect(shape).toEqual([6, 8, 10].map((n) => ['gbdt', 'nodes', n, n, 'js']));
    // TSB-AD's VUS-PR with its window from the first channel: 6 … 303, or 125 when there is no period
    for (const r of rows) {
      expect(r.tsbAdWindow === 125 || (Number(r.tsbAdWindow) >= 6 && Number(r.tsbAdWindow) <= 303)).toBe(true);
      expect(r.tsbAdVusPr).toBeGreaterThanOrEqual(0);
      expect(r.tsbAdVusPr).toBeLessThanOrEqual(1);
    }
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ experiment: 'scale', budget, backend: { name: 'js' } });
    expect(run.data).toBeUndefined();
    await expect(runStBenchmark(base(out))).rejects.toThrow(ResultsExistError);
    const logs: string[] = [];
    const refit = () => {
      throw new Error('nothing is left to fit');
    };
    const again = await runStBenchmark({ ...base(out), resume: true }, { log: (l) => logs.push(l), fitting: refit });
    expect(logs.filter((l) => l.endsWith('skipped'))).toHaveLength(3);
    expect(again.rows).toEqual(JSON.parse(JSON.stringify(rows)));
  }, 60_000);

  it('shards of the runs give the whole run between them', async () => {
    const strip = (r: Record<string, unknown>) => JSON.stringify({ ...r, trainSeconds: 0, scoreSeconds: 0 });
    const whole = (await readResults(join(dir, 'whole', 'results.jsonl'))).map(strip).sort();
    const parts: string[] = [];
    for (const i of [1, 2]) {
      const out = join(dir, `shard-${i}`);
      const { rows } = await runStBenchmark({ ...base(out), runs: shardItems(runs, parseShard(`${i}/2`)) });
      parts.push(...rows.map(strip));
    }
    expect(parts.sort()).toEqual(whole);
  }, 60_000);
});
