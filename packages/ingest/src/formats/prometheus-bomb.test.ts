import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { build } from 'esbuild';

/**
 * Gzip bombs: small `.json.gz` files that inflate to hundreds of megabytes. Read in a child process (bundled with
 * esbuild, as it runs plain Node) so that its peak resident memory is its own.
 */
const CHILD = `
const { readFileSync } = require('node:fs');
const { readPrometheusFile, DriftwatchError } = require(process.env.BUNDLE);
// VmHWM: this process's own peak. getrusage's maxRSS is not: it keeps the high-water mark of the process it was
// forked from (a test worker of several hundred MB) across exec
const peakRss = () => Number(/VmHWM:\\s*(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
(async () => {
  const outcomes = [];
  for (const path of process.argv.slice(1)) {
    try {
      const { features, frames } = await readPrometheusFile(path);
      outcomes.push({ read: { features, rows: frames.map((f) => f.timestamps.length) } });
    } catch (e) {
      outcomes.push({ error: String(e.message).slice(0, 300), clean: e instanceof DriftwatchError });
    }
  }
  process.stdout.write(JSON.stringify({ outcomes, maxRssBytes: peakRss() }));
})();
`;

const MiB = 1024 * 1024;
/** inflated size of each bomb: more than half a V8 string's limit, far more than the memory allowed below */
const BOMB_MIB = 300;
/** the child's whole peak: Node itself (~50 MB), the tokenizer's window and the samples */
const PEAK_LIMIT_BYTES = 200 * MiB;

/** Writes head, then `mib` MiB of `fill`, then tail, gzipped as it goes. */
async function writeBomb(path: string, head: string, fill: number, mib: number, tail: string): Promise<void> {
  const gzip = createGzip({ level: 1 });
  const out = gzip.pipe(createWriteStream(path));
  gzip.write(head);
  const block = Buffer.alloc(MiB, fill);
  for (let i = 0; i < mib; i++) if (!gzip.write(block)) await new Promise<void>((go) => gzip.once('drain', () => go()));
  gzip.end(tail);
  await new Promise<void>((done) => out.on('finish', () => done()));
}

describe('Prometheus JSON gzip bombs', () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-bomb-'));
    bundle = join(dir, 'prometheus.js');
    await build({
      stdin: {
        contents: "export * from './prometheus'; export { DriftwatchError } from '@driftwatch/contracts';",
        resolveDir: __dirname,
        loader: 'ts',
      },
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      conditions: ['source'],
      logLevel: 'warning',
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a file of spaces and stops an endless string, in bounded memory', async () => {
    const response = '{"status":"success","data":{"resultType":"matrix","result":[';
    const series = '{"metric":{"__name__":"cpu","instance":"a"},"values":[[1,"0.5"],[2,"0.75"]]}';
    const spaces = join(dir, 'spaces.json.gz');
    // valid JSON: the whitespace between two tokens is 300 MiB
    await writeBomb(spaces, response + series, 0x20, BOMB_MIB, ']}}');
    const string = join(dir, 'string.json.gz');
    await writeBomb(string, response + '{"metric":{"__name__":"', 0x61, BOMB_MIB, '"}}]}}');
    expect((await stat(spaces)).size).toBeLessThan(2 * MiB);

    const child = spawnSync(process.execPath, ['-e', CHILD, spaces, string], {
      env: { ...process.env, BUNDLE: bundle },
      encoding: 'utf8',
      maxBuffer: 16 * MiB,
    });
    expect(child.stderr).toBe('');
    const { outcomes, maxRssBytes } = JSON.parse(child.stdout) as {
      outcomes: { read?: { features: string[]; rows: number[] }; error?: string; clean?: boolean }[];
      maxRssBytes: number;
    };
    expect(outcomes[0]).toEqual({ read: { features: ['cpu'], rows: [2] } });
    // the endless string is named where it starts: line 1, the character after `"__name__":`
    const column = (response + '{"metric":{"__name__":').length + 1;
    expect(outcomes[1]).toEqual({
      error: `${string}:1:${column}: expected a string or number of at most ${MiB} bytes, found "\\""`,
      clean: true,
    });
    process.stdout.write(`gzip bombs: peak RSS of the child ${(maxRssBytes / 2 ** 20).toFixed(0)} MiB\n`);
    expect(maxRssBytes).toBeLessThan(PEAK_LIMIT_BYTES);
  }, 60_000);
});
