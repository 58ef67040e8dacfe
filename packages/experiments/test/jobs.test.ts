import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { findRepoRoot, readScoreFile } from '@driftwatch/ingest';
import { methodConfigs, readResults, runLeaveOneOut, WorkerFailedError } from '../src';
import type { LeaveOneOutOptions } from '../src';
import { asdLikeRoot } from './asd-like-root';

/** A results line without what differs from run to run: its timings. */
const comparable = (r: Record<string, unknown>) => JSON.stringify({ ...r, trainSeconds: 0, scoreSeconds: 0 });

/** The pids of this process's node children (the workers of a run under way; not ps itself). */
function workerPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, command]) => Number(pid) > 0 && command === 'node')
    .map(([pid]) => Number(pid));
}

/**
 * Worker processes against one process on the same folds: the same units, line for line (order aside), the same
 * scores; and a worker killed mid-run fails the run with an error that names it, leaving whole units only, which a
 * resumed run completes.
 */
describe('runProtocol in worker processes', () => {
  let workerScript: string;
  let fixture: Awaited<ReturnType<typeof asdLikeRoot>>;
  let dir: string;
  let base: Omit<LeaveOneOutOptions, 'outDir'>;
  beforeAll(async () => {
    // the worker runs as JavaScript: bundle it as tools/build.mjs does, inside the repository so that third-party
    // packages resolve from node_modules
    const out = join(findRepoRoot(__dirname)!, 'node_modules', '.cache', 'driftwatch-test');
    mkdirSync(out, { recursive: true });
    workerScript = join(out, `protocol-worker-${process.pid}.js`);
    await build({
      entryPoints: [resolve(__dirname, '../src/jobs/protocol-worker.ts')],
      outfile: workerScript,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      conditions: ['source'],
      logLevel: 'warning',
      plugins: [
        {
          name: 'third-party-external',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith('@driftwatch/') ? undefined : { path: args.path, external: true },
            );
          },
        },
      ],
    });
    fixture = await asdLikeRoot({ servers: 3, train: 1500, test: 400 });
    dir = await mkdtemp(join(tmpdir(), 'experiments-jobs-'));
    base = {
      dataRoot: fixture.root,
      dataset: 'asd',
      servers: ['omi-1', 'omi-2', 'omi-3'],
      configs: methodConfigs(['mahalanobis', 'iforest']),
      smoothingGrid: [0, 0.9],
      seed: 0,
      epochs: 1,
      overrides: { iforest: { nEstimators: 200 } },
      command: 'driftwatch bench asd-loso (test)',
      lockPath: join(fixture.root, 'no.lock'),
      workerScript,
    };
  }, 60_000);
  afterAll(async () => {
    await rm(workerScript, { force: true });
    await rm(fixture.root, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the units one process writes, whatever order they finish in', async () => {
    const one = await runLeaveOneOut({ ...base, outDir: join(dir, 'one'), jobs: 1 });
    const fits: string[] = [];
    const two = await runLeaveOneOut(
      { ...base, outDir: join(dir, 'two'), jobs: 2 },
      { fitting: (label) => (fits.push(label), {}) },
    );
    const lines = async (run: typeof one) => (await readResults(run.resultsPath)).map(comparable).sort();
    expect(await lines(two)).toEqual(await lines(one));
    expect((await lines(one)).length).toBe(12);
    expect(two.rows.map(comparable).sort()).toEqual(one.rows.map(comparable).sort());
    // every fit of the workers reached the caller's observer
    expect(fits.sort()).toEqual(['iforest', 'mahalanobis'].flatMap((m) => [1, 2, 3].map((s) => `${m} omi-${s}`)));
    for (const method of ['mahalanobis', 'iforest'])
      for (const server of ['omi-1', 'omi-2', 'omi-3']) {
        const file = (run: string) => readScoreFile(join(dir, run, 'scores', method, `${server}.arrow`));
        expect(await file('two')).toEqual(await file('one'));
      }
  }, 120_000);

  it('fails with an error naming the killed worker, keeps whole units, and a resumed run completes', async () => {
    const outDir = join(dir, 'killed');
    let killed: number | undefined;
    const observer = {
      fitting: () => {
        // the first fit under way: both workers exist, and units are left for the one killed
        if (killed === undefined) {
          killed = workerPids()[0];
          process.kill(killed, 'SIGKILL');
        }
        return {};
      },
    };
    const failed = runLeaveOneOut({ ...base, outDir, jobs: 2 }, observer);
    await expect(failed).rejects.toThrow(WorkerFailedError);
    await expect(failed).rejects.toThrow(
      new RegExp(
        `^worker [12] failed (on (mahalanobis|iforest) on omi-[123]|while setting up): its process was killed by ` +
          `SIGKILL; [0-5] finished unit\\(s\\) are in ${join(outDir, 'results.jsonl')}: resume to run the rest$`,
      ),
    );
    const left = await readResults(join(outDir, 'results.jsonl'));
    expect(left.length % 2).toBe(0);
    expect(left.length).toBeLessThan(12);
    const resumed = await runLeaveOneOut({ ...base, outDir, jobs: 2, resume: true });
    const whole = (await readResults(join(dir, 'one', 'results.jsonl'))).map(comparable).sort();
    expect((await readResults(resumed.resultsPath)).map(comparable).sort()).toEqual(whole);
  }, 120_000);
});
