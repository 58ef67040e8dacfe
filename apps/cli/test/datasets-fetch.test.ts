import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDatasetsLock, type DatasetsLock } from '@driftwatch/ingest';
import { datasetsFetch } from '../src/commands/datasets-fetch';
import { datasetsLockPath, repoRoot } from '../src/workspace';
import { runCommand, serveFilesLocally } from './fixtures';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const realRoot = process.env.DRIFTWATCH_DATA || resolve(repoRoot(), '..', 'shared', 'datasets');
const describeReal = existsSync(join(realRoot, 'nezha')) ? describe : describe.skip;
const COMMIT = 'd8140101fdb4e7dfb60d3ef9f64706f382b68470';
const FILES = ['nezha/LICENSE', 'nezha/rca_data/2023-01-29/2023-01-29-fault_list.json'];

describeReal('driftwatch datasets fetch', () => {
  let lock: DatasetsLock;
  let server: Awaited<ReturnType<typeof serveFilesLocally>>;
  let target: string;
  beforeAll(async () => {
    lock = await readDatasetsLock(datasetsLockPath());
    // the real files under the paths raw.githubusercontent.com gives them: /<repository>/<commit>/<path>
    const routes = new Map(
      lock.datasets
        .find((d) => d.name === 'nezha')!
        .files.map((f) => [`/IntelligentDDS/Nezha/${COMMIT}/${f.path.slice(6)}`, join(realRoot, f.path)]),
    );
    server = await serveFilesLocally(routes);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    target = await mkdtemp(join(tmpdir(), 'driftwatch-fetch-'));
  });
  afterEach(() => rm(target, { recursive: true, force: true }));

  it('fetches into a new data root, checks against the lock, and keeps present files on a second run', async () => {
    const root = join(target, 'data');
    const args = ['nezha', '--data-root', root, '--base-url', server.origin, '--only', FILES.join(',')];
    const first = await runCommand(datasetsFetch, args);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/^nezha: 2 file\(s\) written, 0 already present; [\d.]+ kB downloaded into /);
    expect(first.stderr).toMatch(/fetch nezha done/);
    for (const path of FILES) {
      const locked = lock.datasets.find((d) => d.name === 'nezha')!.files.find((f) => f.path === path)!;
      expect(sha(await readFile(join(root, path)))).toBe(locked.sha256);
    }
    const before = server.requested.length;
    const second = await runCommand(datasetsFetch, args);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^nezha: 0 file\(s\) written, 2 already present; 0 B downloaded/);
    expect(server.requested.length).toBe(before);
  });

  it('exits 1 with one line naming the URL and both sha256 when the served bytes are wrong', async () => {
    const bad = await serveFilesLocally(
      new Map([[`/IntelligentDDS/Nezha/${COMMIT}/LICENSE`, Buffer.from('not the licence\n')]]),
    );
    try {
      const run = await runCommand(datasetsFetch, [
        'nezha',
        '--data-root',
        target,
        '--base-url',
        bad.origin,
        '--only',
        'nezha/LICENSE',
      ]);
      expect(run.code).toBe(1);
      const lines = run.stderr.split('\n').filter((l) => l.startsWith('driftwatch:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(
        `${bad.origin}/IntelligentDDS/Nezha/${COMMIT}/LICENSE: ` +
          `sha256 ${sha(Buffer.from('not the licence\n'))}, expected `,
      );
      expect(existsSync(join(target, 'nezha/LICENSE'))).toBe(false);
    } finally {
      await bad.close();
    }
  });

  it('asks for a data set name, and shows usage and examples', async () => {
    const none = await runCommand(datasetsFetch, ['--data-root', target]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/name at least one data set to fetch: alibaba-v2018, asd, exathlon, nezha, smd/);
    const help = await runCommand(datasetsFetch, ['--help']);
    expect(help.stdout).toContain('Usage: driftwatch datasets fetch <name…> [--data-root DIR] [--base-url URL]');
    expect(help.stdout).toContain('Examples:\n  driftwatch datasets fetch nezha\n');
  });
});
