import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLabelFile, readSequences } from '@driftwatch/ingest';
import { generateExampleMetrics } from '@driftwatch/simulate';
import { exampleMetrics } from '../src/commands/example-metrics';
import { runCommand } from './fixtures';

describe('driftwatch example-metrics', () => {
  let dir: string;
  const flags = ['--entities', '3', '--metrics', '4', '--days', '2', '--episodes', '2', '--seed', '5'];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-example-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes the files of the generator its flags describe, the same bytes each time', async () => {
    const r = await runCommand(exampleMetrics, [...flags, '--out', join(dir, 'a')]);
    expect(r.stderr).not.toMatch(/driftwatch:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 servers × 4 metrics × 2880 records \(one per 60 s, seed 5\); 6 injected episodes/);
    expect(r.stdout).toContain('training period (clean): 2026-01-05T00:00:00.000Z..2026-01-05T23:59:00.000Z');
    // the flags reach the library's options: the files hold what it generates
    const expected = generateExampleMetrics({ entities: 3, metrics: 4, days: 2, episodesPerDay: 2 }, 5);
    const [first] = await readSequences(join(dir, 'a', 'metrics.csv'), { entity: 'entity', timestamp: 'timestamp' });
    expect(first.features).toEqual(expected.metrics);
    expect([...first.values.subarray(0, 4)]).toEqual([...expected.values[0].subarray(0, 4)].map(Math.fround));
    const labels = await readLabelFile(join(dir, 'a', 'labels.csv'));
    expect(labels.map((l) => [l.entity, l.start])).toEqual(
      expected.episodes.map((e) => [e.entity, expected.times[e.first]]),
    );
    const manifest = JSON.parse(await readFile(join(dir, 'a', 'example.json'), 'utf8'));
    expect(manifest.command).toBe(`driftwatch example-metrics ${[...flags, '--out', join(dir, 'a')].join(' ')}`);
    // again, elsewhere: every file but example.json (which records --out) is the same bytes
    await runCommand(exampleMetrics, [...flags, '--out', join(dir, 'b')]);
    const names = (await readdir(join(dir, 'a'))).filter((n) => n !== 'example.json');
    expect(names).toHaveLength(4);
    for (const name of names)
      expect((await readFile(join(dir, 'a', name))).equals(await readFile(join(dir, 'b', name)))).toBe(true);
  }, 60_000);

  it('names the bad flag and writes nothing; an existing folder needs --force', async () => {
    const out = join(dir, 'bad');
    const r = await runCommand(exampleMetrics, ['--metrics', '12', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--metrics must be an integer in [1, 10], got 12');
    const training = await runCommand(exampleMetrics, ['--days', '1', '--training-days', '2', '--out', out]);
    expect(training.stderr).toContain('--training-days must be an integer in [0, 1], got 2');
    expect(existsSync(out)).toBe(false);
    const again = await runCommand(exampleMetrics, ['--out', join(dir, 'a')]);
    expect([again.code, again.stderr]).toEqual([
      2,
      `driftwatch: ${join(dir, 'a')} exists (use --force to replace it)\n`,
    ]);
  });
});
