import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterError, type ResultRecord } from '@driftwatch/contracts';
import {
  DEFAULT_SPLIT,
  experimentRuns,
  modelSeeds,
  prepareStDataset,
  runStBenchmark,
  runStMethod,
  simOptions,
  spreadOf,
  stRunKey,
  summariseSeeds,
  withModelSeeds,
} from '../src';
import type { StBenchmarkOptions, StBudget, StDatasetOptions } from '../src';

const budget: StBudget = { epochs: 1, windowLength: 4, simNodes: 6, simSteps: 240, scaleSteps: 240 };

describe('model seeds per experiment cell', () => {
  it('gives st-dda seeds S, S + 1, S + 2 by default and the baselines S; --seeds n gives every method n', () => {
    expect(modelSeeds('st-dda', 0)).toEqual([0, 1, 2]);
    expect(modelSeeds('gbdt', 0)).toEqual([0]);
    expect(modelSeeds('st-dda', 7)).toEqual([7, 8, 9]);
    expect(modelSeeds('gbdt', 5, 2)).toEqual([5, 6]);
    expect(() => modelSeeds('st-dda', 0, 0)).toThrow(ParameterError);
    expect(() => modelSeeds('st-dda', 0.5)).toThrow(/first seed must be an integer/);
  });

  it('expands each run into one run per seed, with keys that differ only in the seed', () => {
    const cells = experimentRuns('compare', ['sim'], ['st-dda', 'gbdt'], budget);
    const runs = withModelSeeds(cells, (m) => modelSeeds(m, 0));
    expect(runs.map((r) => [r.method, r.seed])).toEqual([
      ['st-dda', 0],
      ['st-dda', 1],
      ['st-dda', 2],
      ['gbdt', 0],
    ]);
    const keys = runs.map(stRunKey);
    expect(new Set(keys).size).toBe(4);
    expect(keys[0]).toBe('compare|sim|st-dda||seed=0');
    expect(stRunKey(cells[0])).toBe('compare|sim|st-dda|');
  });

  it('summarises a cell as mean, sample sd, min and max over its seeds (hand-worked)', () => {
    // 0.5, 0.7, 0.9: mean 0.7, Σ(x − x̄)² = 0.08, sd = √(0.08/2) = 0.2
    const s = spreadOf([0.5, 0.7, 0.9]);
    expect(s.mean).toBeCloseTo(0.7, 12);
    expect(s.sd).toBeCloseTo(0.2, 12);
    expect([s.min, s.max]).toEqual([0.5, 0.9]);
    expect(spreadOf([0.4])).toEqual({ mean: 0.4, sd: 0, min: 0.4, max: 0.4 });
    expect(spreadOf([NaN, 1, 3]).mean).toBe(2);
    const line = (method: string, seed: number, f1: number): ResultRecord =>
      ({ experiment: 'scale', dataset: 'sim', method, variedParam: 'nodes', variedValue: 32, seed, f1 }) as never;
    const cells = summariseSeeds([
      line('st-dda-latent', 0, 0.5),
      line('st-dda-forecast', 0, 0.1),
      line('st-dda-latent', 1, 0.9),
      line('st-dda-forecast', 1, 0.3),
    ]);
    expect(cells.map((c) => [c.method, c.seeds, c.metrics.f1.mean])).toEqual([
      ['st-dda-latent', [0, 1], 0.7],
      ['st-dda-forecast', [0, 1], expect.closeTo(0.2, 12)],
    ]);
    expect(cells[0].metrics.vusPr.mean).toBeNaN();
  });
});

describe('seeds reach st-dda', () => {
  let dir: string;
  const data: StDatasetOptions = {
    dataRoot: () => join(dir, 'no-data'),
    labelWindow: { mode: 'recovery' },
    nezhaGraph: 'auto',
    graphWindowMinutes: 1,
    split: DEFAULT_SPLIT,
    span: 'faults',
    seed: 0,
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'experiments-st-seeds-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the same seed gives identical results, another seed other ones, on the same data', async () => {
    const prepared = await prepareStDataset('sim', simOptions(budget), data);
    const run = (seed: number) => runStMethod('st-dda', prepared, 4, { epochs: 1, seed });
    const metrics = async (seed: number) => (await run(seed)).lines.map((l) => l.metrics);
    const [a, again, other] = [await metrics(0), await metrics(0), await metrics(1)];
    expect(again).toEqual(a);
    expect(other.map((m) => m.vusPr)).not.toEqual(a.map((m) => m.vusPr));
  }, 60_000);

  it('runs st-dda with seeds 0, 1, 2 per cell by default, records each, and resumes seed by seed', async () => {
    const runs = withModelSeeds(experimentRuns('compare', ['sim'], ['st-dda'], budget), (m) => modelSeeds(m, 0));
    const options: StBenchmarkOptions = {
      experiment: 'compare',
      runs,
      datasets: ['sim'],
      budget,
      seed: 0,
      data,
      outDir: join(dir, 'compare'),
      command: 'driftwatch bench st compare (test)',
      lockPath: join(dir, 'no.lock'),
    };
    const fitted: string[] = [];
    const { rows } = await runStBenchmark(options, { fitting: (label) => (fitted.push(label), {}) });
    expect(fitted).toEqual([0, 1, 2].map((s) => `[${s + 1}/3] compare sim st-dda seed ${s}`));
    expect(rows.map((r) => [r.method, r.seed, r.dataSeed])).toEqual(
      [0, 1, 2].flatMap((s) => [
        ['st-dda-latent', s, 0],
        ['st-dda-forecast', s, 0],
      ]),
    );
    // six nodes with six faults label every step of this validation period: no early stopping, said in the lines
    for (const r of rows) {
      expect(r.validationWindows).toMatchObject({ normal: 0 });
      expect((r.warnings as string[])[0]).toMatch(/no window free of labelled steps .* without early stopping/);
      expect(r.epochs).toBe(budget.epochs);
    }
    const cells = summariseSeeds(rows);
    expect(cells.map((c) => [c.method, c.seeds])).toEqual([
      ['st-dda-latent', [0, 1, 2]],
      ['st-dda-forecast', [0, 1, 2]],
    ]);
    // a fourth seed is the only run left to do
    const more = withModelSeeds(experimentRuns('compare', ['sim'], ['st-dda'], budget), (m) => modelSeeds(m, 0, 4));
    const refitted: string[] = [];
    await runStBenchmark({ ...options, runs: more, resume: true }, { fitting: (l) => (refitted.push(l), {}) });
    expect(refitted).toEqual(['[4/4] compare sim st-dda seed 3']);
  }, 120_000);
});
