import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataRootError } from '@driftwatch/contracts';
import { findRepoRoot, resolveDataRoot } from './data-root';

describe('data root', () => {
  let base: string;
  let repo: string;
  let shared: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'ingest-root-'));
    repo = join(base, 'main');
    shared = join(base, 'shared', 'datasets');
    await mkdir(join(repo, 'packages', 'x', 'src'), { recursive: true });
    await mkdir(shared, { recursive: true });
    await mkdir(join(base, 'elsewhere'));
    await writeFile(join(repo, 'nx.json'), '{}');
    const lock = {
      format: 1,
      datasets: [
        {
          name: 'asd',
          source: { repository: 'zhhlee/InterFusion', commit: '8c85d511c1f070669ba8c5cf097b8fa4a202d15b', paths: [] },
          licence: 'MIT',
          layout: 'omnianomaly',
          bytes: 0,
          files: [],
        },
        {
          name: 'smd',
          source: [
            { repository: 'zhhlee/InterFusion', commit: '8c85d511c1f070669ba8c5cf097b8fa4a202d15b', paths: [] },
            { repository: 'NetManAIOps/OmniAnomaly', commit: '7fb0e0acf89ea49908896bcc9f9e80fcfff6baf4', paths: [] },
          ],
          licence: 'MIT',
          layout: 'omnianomaly',
          bytes: 0,
          files: [],
        },
      ],
    };
    await writeFile(join(repo, 'datasets.lock'), JSON.stringify(lock));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('finds the repository root by nx.json', () => {
    expect(findRepoRoot(join(repo, 'packages', 'x', 'src'))).toBe(repo);
    expect(findRepoRoot(join(base, 'elsewhere'))).toBeUndefined();
  });

  it('takes the flag, else the environment, else ../shared/datasets', () => {
    expect(resolveDataRoot({ flag: join(base, 'elsewhere'), env: shared, repoRoot: repo })).toEqual({
      path: join(base, 'elsewhere'),
      source: 'flag',
    });
    expect(resolveDataRoot({ env: join(base, 'elsewhere'), repoRoot: repo })).toEqual({
      path: join(base, 'elsewhere'),
      source: 'env',
    });
    expect(resolveDataRoot({ repoRoot: repo })).toEqual({ path: shared, source: 'default' });
  });

  it('explains a missing data root: path, why, where data sets come from, how to point at them', () => {
    const missing = join(base, 'nope');
    let error: unknown;
    try {
      resolveDataRoot({ env: missing, repoRoot: repo });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataRootError);
    expect((error as Error).message.split('\n')).toEqual([
      `data root ${missing} does not exist or is not a folder (given by DRIFTWATCH_DATA).`,
      'Data sets are not kept in the repository.',
      'They come from (datasets.lock):',
      '  asd: github.com/zhhlee/InterFusion @ 8c85d51',
      '  smd: github.com/zhhlee/InterFusion @ 8c85d51 + github.com/NetManAIOps/OmniAnomaly @ 7fb0e0a',
      'Point at a copy with --data-root DIR or DRIFTWATCH_DATA=DIR; `driftwatch datasets verify` checks it ' +
        'against datasets.lock.',
    ]);
    expect(() => resolveDataRoot({ flag: missing, repoRoot: repo })).toThrow(/\(given with --data-root\)/);
    const lonely = join(base, 'elsewhere', 'repo');
    expect(() => resolveDataRoot({ repoRoot: lonely })).toThrow(
      /the default: \.\.\/shared\/datasets next to the repository root\)\.\n.*\n.*could not read/,
    );
  });
});
