import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSt } from '../src/commands/bench-st';
import { report } from '../src/commands/report';
import { runCommand } from './fixtures';

jest.setTimeout(120_000);

/** Tiny settings: a 6-node cluster of 240 steps, one epoch, W = 4, one seed per cell, cpu backend. */
const TINY = [
  '--seeds',
  '1',
  '--datasets',
  'sim',
  '--epochs',
  '1',
  '--sim-nodes',
  '6',
  '--sim-steps',
  '240',
  '--scale-steps',
  '240',
  '--window',
  '4',
  '--backend',
  'cpu',
];

async function lines(dir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, 'results.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('driftwatch bench st', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bench-st-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('compare: one line per method (two for st-dda), every metric, and --resume skips finished runs', async () => {
    const out = join(root, 'compare');
    const first = await runCommand(benchSt, ['compare', ...TINY, '--methods', 'st-dda,gbdt', '--out', out]);
    expect(first.stderr).not.toMatch(/driftwatch: /);
    expect(first.code).toBe(0);
    const rows = await lines(out);
    expect(rows.map((r) => r.method)).toEqual(['st-dda-latent', 'st-dda-forecast', 'gbdt']);
    for (const r of rows) {
      expect(r).toMatchObject({
        benchmark: 'st',
        experiment: 'compare',
        dataset: 'sim',
        variedParam: null,
        windowLength: 4,
        entities: 6,
        steps: 240,
        smoothing: 0,
        seed: 0,
      });
      for (const k of ['accuracy', 'precision', 'recall', 'f1', 'peakF1', 'vusPr', 'aucPr']) {
        expect(typeof r[k]).toBe('number');
        expect(r[k] as number).toBeGreaterThanOrEqual(0);
        expect(r[k] as number).toBeLessThanOrEqual(1);
      }
      expect(r.trainSeconds as number).toBeGreaterThan(0);
      expect(r.periods).toMatchObject({ train: [0, expect.any(Number)] });
      expect((r.cells as { testPositives: number }).testPositives).toBeGreaterThan(0);
    }
    // one model: the two st-dda lines share parameters apart from the score
    expect((rows[0].params as Record<string, unknown>).score).toBe('latent');
    expect((rows[1].params as Record<string, unknown>).score).toBe('forecast');
    expect(first.stdout).toMatch(/st-dda-forecast/);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(run).toMatchObject({ experiment: 'compare', budget: { epochs: 1, windowLength: 4 } });

    const refused = await runCommand(benchSt, ['compare', ...TINY, '--methods', 'st-dda,gbdt', '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--resume/);

    const again = await runCommand(benchSt, [
      'compare',
      ...TINY,
      '--methods',
      'st-dda,gbdt,mlp',
      '--out',
      out,
      '--resume',
    ]);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/already in .*, skipped/g)).toHaveLength(2);
    const after = await lines(out);
    expect(after.slice(0, 3)).toEqual(rows);
    expect(after.map((r) => r.method)).toEqual(['st-dda-latent', 'st-dda-forecast', 'gbdt', 'mlp']);
  });

  it('window, scale and robustness vary their parameter, one line per value', async () => {
    const window = await runCommand(benchSt, [
      'window',
      ...TINY,
      '--methods',
      'gbdt',
      '--levels',
      '4,6',
      '--out',
      join(root, 'window'),
    ]);
    expect(window.code).toBe(0);
    expect((await lines(join(root, 'window'))).map((r) => [r.variedParam, r.variedValue, r.windowLength])).toEqual([
      ['windowLength', 4, 4],
      ['windowLength', 6, 6],
    ]);
    const scale = await runCommand(benchSt, [
      'scale',
      ...TINY,
      '--methods',
      'gbdt',
      '--levels',
      '6,8',
      '--out',
      join(root, 'scale'),
    ]);
    expect(scale.code).toBe(0);
    expect((await lines(join(root, 'scale'))).map((r) => [r.variedParam, r.variedValue, r.entities])).toEqual([
      ['nodes', 6, 6],
      ['nodes', 8, 8],
    ]);
    const robust = await runCommand(benchSt, [
      'robustness',
      ...TINY,
      '--methods',
      'gbdt',
      '--knobs',
      'rewiring',
      '--out',
      join(root, 'robustness'),
    ]);
    expect(robust.code).toBe(0);
    const rows = await lines(join(root, 'robustness'));
    expect(
      rows.map((r) => [
        r.variedParam,
        r.variedValue,
        (r.dataParams as { simulation: { rewiring: number } }).simulation.rewiring,
      ]),
    ).toEqual([
      ['rewiring', 0, 0],
      ['rewiring', 0.02, 0.02],
      ['rewiring', 0.05, 0.05],
    ]);
  });

  it('refuses unknown experiments, methods and Nezha data in simulator-only experiments with one line', async () => {
    for (const argv of [
      ['nope'],
      ['compare', '--methods', 'lstm'],
      ['scale', '--datasets', 'nezha-ob'],
      ['compare', '--split', '0.5,0.6,0.3'],
      ['compare', '--seeds', '0'],
    ]) {
      const r = await runCommand(benchSt, [...argv, '--out', join(root, 'bad')]);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('the report renders the st tables, the protocol and a line chart per varied parameter', async () => {
    const md = join(root, 'st.md');
    const r = await runCommand(report, [join(root, 'compare'), join(root, 'window'), '--format', 'md', '--out', md]);
    expect(r.code).toBe(0);
    const text = await readFile(md, 'utf8');
    expect(text).toMatch(/### Spatiotemporal \(a\) method comparison/);
    expect(text).toMatch(/\| sim \| st-dda-forecast \|/);
    expect(text).toMatch(/### Spatiotemporal \(b\) window length W/);
    expect(text).toMatch(/\| sim \| gbdt \| windowLength \| 6 \|/);
    expect(text).toMatch(/data, label windows, periods and budget/);
    // the per-sequence grid tables are not drawn for st lines
    expect(text).not.toMatch(/### Per method and data set/);
    const html = join(root, 'st.html');
    expect((await runCommand(report, [join(root, 'window'), '--out', html])).code).toBe(0);
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/<section id="spatiotemporal">/);
    expect(page).toMatch(/data-figure="st-window-sim-windowLength"><svg/);
  });
});
