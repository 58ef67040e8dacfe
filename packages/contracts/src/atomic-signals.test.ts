import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * A child process opens a temporary through the helper and waits; the test interrupts it. Bundled with esbuild
 * because the child runs plain Node.
 */
const CHILD = `
const atomic = require(process.env.BUNDLE);
const fs = require('node:fs');
(async () => {
  // a server's graceful stop, registered before any temporary exists (as \`driftwatch serve\` does)
  if (process.env.GRACEFUL)
    process.once('SIGTERM', () => {
      fs.writeFileSync(process.env.GRACEFUL, 'stopped');
      setTimeout(() => process.exit(0), 20);
    });
  const { temporary, handle } = await atomic.openTemporarySibling(process.env.TARGET);
  await handle.write('half of a file');
  process.stdout.write(temporary + '\\n');
  setInterval(() => undefined, 1000);
})();
`;

describe('temporaries on SIGINT and SIGTERM', () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contracts-signals-'));
    bundle = join(dir, 'atomic.js');
    await build({
      entryPoints: [join(__dirname, 'atomic.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      conditions: ['source'],
      logLevel: 'warning',
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Starts the child, waits for its temporary, sends `signal`; resolves with how it ended. */
  function interrupt(signal: NodeJS.Signals, name: string, graceful?: string) {
    const target = join(dir, name);
    const env = { ...process.env, BUNDLE: bundle, TARGET: target, ...(graceful ? { GRACEFUL: graceful } : {}) };
    const child = spawn(process.execPath, ['-e', CHILD], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise<{ temporary: string; code: number | null; signal: NodeJS.Signals | null; seen: boolean }>(
      (done) => {
        let temporary = '';
        let seen = false;
        child.stdout.on('data', (chunk: Buffer) => {
          temporary += chunk.toString('utf8');
          if (!temporary.endsWith('\n')) return;
          temporary = temporary.trim();
          seen = existsSync(temporary);
          child.kill(signal);
        });
        child.on('exit', (code, s) => done({ temporary, code, signal: s, seen }));
      },
    );
  }

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s removes the temporary and the process dies of the signal',
    async (s) => {
      const ended = await interrupt(s, `out-${s}.csv`);
      expect(ended.seen).toBe(true);
      expect(ended).toMatchObject({ code: null, signal: s });
      expect(existsSync(ended.temporary)).toBe(false);
    },
    20_000,
  );

  it("leaves the signal to a program's own listener, and still removes the temporary when it exits", async () => {
    const marker = join(dir, 'graceful.txt');
    const ended = await interrupt('SIGTERM', 'served.json', marker);
    expect(ended.seen).toBe(true);
    expect(ended).toMatchObject({ code: 0, signal: null });
    expect(await readFile(marker, 'utf8')).toBe('stopped');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 20_000);
});
