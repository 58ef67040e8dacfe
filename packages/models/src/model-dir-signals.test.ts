import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * A model directory being written when the process is interrupted: its temporary is one of the registered
 * temporaries of contracts' atomic helpers, removed before the process dies of the signal. Bundled with esbuild
 * because the child runs plain Node.
 */
const CHILD = `
const { writeModelDir, modelManifest } = require(process.env.BUNDLE);
const files = {};
// many files, so that the write spans many turns of the event loop and the signal lands in the middle
for (let i = 0; i < 400; i++) files['part-' + i + '.bin'] = new Uint8Array(256 * 1024).fill(i % 251);
const manifest = modelManifest({
  detector: 'mahalanobis', config: {}, featureCount: 1, windowLength: 1, domains: [], backend: 'cpu',
  versions: {}, seed: 1,
});
writeModelDir(process.env.TARGET, manifest, files).then(() => process.stdout.write('done\\n'));
`;

describe('writeModelDir under SIGTERM and SIGINT', () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'models-signals-'));
    bundle = join(dir, 'model-dir.js');
    await build({
      entryPoints: [join(__dirname, 'model-dir.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      conditions: ['source'],
      logLevel: 'warning',
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s while the model is written leaves no temporary',
    async (signal) => {
      const parent = join(dir, signal);
      const child = spawn(process.execPath, ['-e', CHILD], {
        env: { ...process.env, BUNDLE: bundle, TARGET: join(parent, 'model') },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, s) => done(s)));
      // wait for the temporary folder, then interrupt
      let seen: string[] = [];
      for (let i = 0; i < 1000 && seen.length === 0 && child.exitCode === null; i++) {
        await new Promise((done) => setTimeout(done, 5));
        seen = await readdir(parent).catch(() => []);
      }
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(/^\.model\./);
      child.kill(signal);
      expect(await exited).toBe(signal);
      expect(await readdir(parent)).toEqual([]);
    },
    30_000,
  );
});
