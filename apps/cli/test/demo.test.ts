import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMOOTHING_GRID } from '@driftwatch/eval';
import { readScoreFile } from '@driftwatch/ingest';
import { demo } from '../src/commands/demo';
import { main } from '../src/main';
import { readResults } from '@driftwatch/experiments';
import { captureOutput, makeAsdLikeRoot, runCommand } from './fixtures';

/**
 * Peak F1 by brute force from its definition (docs/divad.md §2): drop the W − 1 normal records after each anomaly
 * run, try every kept score as the threshold (s ≥ τ), precision over all anomalies, recall averaged over the
 * event types present (plain recall with one type), keep the best F1.
 */
function bruteForcePeakF1(scores: ArrayLike<number>, labels: readonly number[], windowLength: number): number {
  const kept: number[] = [];
  let last = -Infinity;
  labels.forEach((y, t) => {
    if (y > 0) last = t;
    if (y > 0 || t - last > windowLength - 1) kept.push(t);
  });
  const types = [...new Set(kept.map((t) => labels[t]).filter((y) => y > 0))];
  let best = 0;
  for (const tau of new Set(kept.map((t) => scores[t]))) {
    const predicted = kept.filter((t) => scores[t] >= tau);
    const hits = predicted.filter((t) => labels[t] > 0).length;
    const precision = hits / predicted.length;
    const recalls = types.map(
      (k) => predicted.filter((t) => labels[t] === k).length / kept.filter((t) => labels[t] === k).length,
    );
    const recall = recalls.reduce((a, b) => a + b, 0) / recalls.length;
    if (precision + recall > 0) best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}

describe('driftwatch demo', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-demo-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('simulates a tiny cluster, trains, scores, evaluates and writes a report with score timelines', async () => {
    const out = join(dir, 'sim');
    const r = await runCommand(demo, [
      '--simulate',
      '--nodes',
      '6',
      '--steps',
      '400',
      '--seed',
      '2',
      '--out',
      out,
      '--params',
      '{"nEstimators":25}',
    ]);
    expect(r.stderr).not.toMatch(/driftwatch:/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/simulating a cluster \(--simulate\)/);
    expect(r.stdout).toMatch(/iforest on a simulated cluster of 6 nodes × 400 steps \(seed 2\)/);
    expect(r.stdout).toContain(`report:  ${join(out, 'report.html')}`);
    expect(r.stdout).toMatch(/next:\n {2}driftwatch simulate /);
    expect((await readdir(out)).sort()).toEqual(['data', 'demo.json', 'report.html', 'results.jsonl', 'scores']);

    const rows = await readResults(join(out, 'results.jsonl'));
    const perNode = rows.filter((row) => row.pooled !== true);
    expect(perNode.length).toBeGreaterThan(0);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    for (const row of perNode.filter((x) => x.smoothing === 0))
      expect(html).toContain(`data-figure="timeline-iforest-${row.testSequence.split('/')[1]}"`);
    expect(rows.filter((row) => row.pooled === true)).toHaveLength(SMOOTHING_GRID.length);

    // each node's peak F1 at β = 0, recomputed from the files alone: its score file and the simulation's labels.csv
    const manifest = JSON.parse(await readFile(join(out, 'data', 'simulation.json'), 'utf8'));
    const split = manifest.config.faults.start;
    const labelRows = (await readFile(join(out, 'data', 'labels.csv'), 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    for (const row of perNode.filter((x) => x.smoothing === 0)) {
      const entity = row.testSequence.split('/')[1];
      const labels = labelRows
        .filter((l) => l[0] === entity && Number(l[2]) >= split)
        .map((l) => (l[3] === '1' ? manifest.series.eventTypes.indexOf(l[4]) + 1 : 0));
      const scores = (await readScoreFile(join(out, 'scores', 'iforest', `${entity}.arrow`))).get(row.testSequence)!;
      expect(scores.length).toBe(400 - split);
      expect(row.peakF1).toBeCloseTo(bruteForcePeakF1(scores, labels, 10), 12);
    }
  }, 120_000);

  it('falls back to a simulation when the data root holds no ASD, and replaces its own earlier output', async () => {
    const empty = join(dir, 'empty-root');
    await mkdir(empty);
    const out = join(dir, 'fallback');
    const args = [
      '--data-root',
      empty,
      '--nodes',
      '4',
      '--steps',
      '200',
      '--out',
      out,
      '--params',
      '{"nEstimators":10}',
    ];
    const first = await runCommand(demo, args);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/simulating a cluster \(no real data: data set "asd" not found/);
    const again = await runCommand(demo, args);
    expect(again.code).toBe(0);
    // a folder that is not a demo's is not touched without --force
    const foreign = join(dir, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'thesis.tex'), 'precious');
    const refused = await runCommand(demo, [...args.slice(0, -4), '--out', foreign]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds no earlier demo: name another --out, or pass --force/);
    expect(await readFile(join(foreign, 'thesis.tex'), 'utf8')).toBe('precious');
  }, 120_000);

  it(
    'runs the ASD leave-one-server-out fold when ASD is under the data root, as bench asd-loso does, and ' +
      'report reads its output',
    async () => {
      const fixture = await makeAsdLikeRoot({ servers: 3, train: 200, test: 160 });
      try {
        const out = join(dir, 'asd');
        const r = await runCommand(demo, [
          '--data-root',
          fixture.root,
          '--server',
          '2',
          '--out',
          out,
          '--params',
          '{"nEstimators":20}',
        ]);
        expect(r.code).toBe(0);
        expect(r.stderr).toMatch(/ASD found under .*; holding out omi-2/);
        const rows = await readResults(join(out, 'results.jsonl'));
        expect([...new Set(rows.map((row) => row.testSequence))]).toEqual(['asd/omi-2']);
        expect(existsSync(join(out, 'data'))).toBe(false);
        // the same fold through the benchmark: the same figures at every smoothing factor
        const bench = join(dir, 'bench');
        const b = await captureOutput(() =>
          main([
            'bench',
            'asd-loso',
            '--methods',
            'iforest',
            '--servers',
            '2',
            '--out',
            bench,
            '--data-root',
            fixture.root,
            '--params',
            '{"iforest":{"nEstimators":20}}',
          ]),
        );
        expect(b.result).toBe(0);
        const benchRows = await readResults(join(bench, 'results.jsonl'));
        expect(rows.map((row) => [row.smoothing, row.peakF1, row.aucPr])).toEqual(
          benchRows.map((row) => [row.smoothing, row.peakF1, row.aucPr]),
        );
        const again = await captureOutput(() =>
          main(['report', out, '--out', join(out, 'again.html'), '--data-root', fixture.root]),
        );
        expect(again.result).toBe(0);
        expect(await readFile(join(out, 'again.html'), 'utf8')).toContain('data-figure="timeline-iforest-omi-2"');
      } finally {
        await rm(fixture.root, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
