import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readResults } from '@driftwatch/experiments';
import { main } from '../src/main';
import { captureOutput, makeAsdLikeRoot } from './fixtures';

describe('bench asd-loso --grid', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  beforeAll(async () => {
    fixture = await makeAsdLikeRoot();
  });
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
  });
  const write = async (name: string, text: string) => {
    const path = join(fixture.root, name);
    await writeFile(path, text);
    return path;
  };

  it(
    'bench runs every grid point, shards split them, ' + 'and report draws the union with a sensitivity curve',
    async () => {
      const grid = await write(
        'grid.json',
        JSON.stringify({
          methods: { iforest: { params: { nEstimators: [10, 30] } }, mahalanobis: {} },
          smoothing: [0, 0.9],
        }),
      );
      const base = ['bench', 'asd-loso', '--grid', grid, '--servers', '1,2', '--data-root', fixture.root];
      const outs = [1, 2].map((i) => join(fixture.root, `shard-${i}`));
      for (const [i, out] of outs.entries())
        expect((await captureOutput(() => main([...base, '--shard', `${i + 1}/2`, '--out', out]))).result).toBe(0);
      const rows = [
        ...(await readResults(join(outs[0], 'results.jsonl'))),
        ...(await readResults(join(outs[1], 'results.jsonl'))),
      ];
      // 2 servers × 3 configurations × 2 smoothing factors, each exactly once over the shards
      expect(rows).toHaveLength(12);
      const keys = rows.map((r) => `${r.testSequence}|${r.method}|${r.gridPoint ?? ''}|${r.smoothing}`);
      expect(new Set(keys).size).toBe(12);
      expect(
        new Set(
          rows.filter((r) => r.method === 'iforest').map((r) => (r.params as { nEstimators: number }).nEstimators),
        ),
      ).toEqual(new Set([10, 30]));
      for (const r of rows.filter((r) => r.method === 'iforest'))
        expect(r.grid).toEqual({ nEstimators: (r.params as { nEstimators: number }).nEstimators });
      const html = join(fixture.root, 'grid.html');
      expect(
        (await captureOutput(() => main(['report', ...outs, '--out', html, '--data-root', fixture.root]))).result,
      ).toBe(0);
      const page = await readFile(html, 'utf8');
      expect(page).toContain('data-figure="sensitivity-nEstimators"');
      for (const id of ['timeline-iforest-omi-1', 'timeline-iforest-omi-2', 'timeline-mahalanobis-omi-1'])
        expect(page).toContain(`data-figure="${id}"`);
    },
    120_000,
  );
});
