import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLockFor, makeAsdLikeRoot } from './fixtures';

/**
 * The installed command (bin/driftwatch.js and its bundles): help, version and usage errors load nothing but the
 * start-up bundle and commander; running a command loads the full bundle and only what that command needs.
 */
describe('start-up', () => {
  let dir: string;
  let preload: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-startup-'));
    preload = join(dir, 'list-modules.js');
    // on exit, every module file the process loaded, one per line, to the file named by LOADED_MODULES
    const write = "require('fs').writeFileSync(process.env.LOADED_MODULES, Object.keys(require.cache).join('\\n'))";
    await writeFile(preload, `process.on('exit', () => ${write});\n`);
    // builds the bundles when a source is newer (that run loads esbuild too); the cases measure the built command
    spawnSync(process.execPath, [join(__dirname, '../bin/driftwatch.js'), '--version']);
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function driftwatch(argv: string[]) {
    const list = join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
    const r = spawnSync(process.execPath, ['-r', preload, join(__dirname, '../bin/driftwatch.js'), ...argv], {
      encoding: 'utf8',
      env: { ...process.env, LOADED_MODULES: list },
    });
    const loaded = (await readFile(list, 'utf8')).split('\n').filter((m) => m !== preload);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
  }

  const heavy = /@tensorflow|apache-arrow|vega|graphology|parquet|csv-parse|[\\/]dist[\\/]main\.js$/;

  it.each([
    [['--help'], 0],
    [['--version'], 0],
    [['datasets', '--help'], 0],
    [['train', '--help'], 0],
    [['trian'], 2],
    [['train', '--methd', 'x'], 2],
  ])(
    'driftwatch %j loads only the start-up bundle and commander',
    async (argv, status) => {
      const r = await driftwatch(argv);
      expect(r.status).toBe(status);
      expect(r.loaded.filter((m) => heavy.test(m))).toEqual([]);
      const own = r.loaded
        .filter((m) => !/[\\/]commander[\\/]/.test(m))
        .map((m) => m.split(/[\\/]/).slice(-2).join('/'));
      expect(own.sort()).toEqual(['bin/driftwatch.js', 'dist/start.js']);
    },
    60_000,
  );

  it('a command runs from the full bundle and loads what it needs, not tfjs', async () => {
    const fixture = await makeAsdLikeRoot({ servers: 1, train: 30, test: 30 });
    try {
      const lock = await writeLockFor(fixture.root, ['asd/train/omi-1.txt']);
      const r = await driftwatch(['datasets', 'verify', 'asd', '--lock', lock, '--data-root', fixture.root]);
      expect(r.stderr).not.toMatch(/driftwatch:/);
      expect(r.stdout).toMatch(/asd: ok \(1\/1 files ok\)/);
      expect(r.status).toBe(0);
      expect(r.loaded.some((m) => /[\\/]dist[\\/]main\.js$/.test(m))).toBe(true);
      expect(r.loaded.filter((m) => /@tensorflow/.test(m))).toEqual([]);
    } finally {
      await rm(fixture.root, { recursive: true, force: true });
    }
  }, 60_000);
});
