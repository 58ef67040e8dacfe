/**
 * `bench asd-loso --jobs`: the real CLI (its bundle and the worker script built beside it), on small generated
 * data. Two worker processes write what one process writes; a worker killed mid-run fails the run with an error
 * naming it, and --resume completes the folder.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeAsdLikeRoot } from './fixtures';

const run = promisify(execFile);
const repository = join(__dirname, '..', '..', '..');
const bin = join(repository, 'apps', 'cli', 'bin', 'driftwatch.js');

/** The lines of a results file without what differs from run to run (timings, the command naming --out), sorted. */
async function unitsOf(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'results.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.stringify({ ...JSON.parse(line), trainSeconds: 0, scoreSeconds: 0, command: '' }))
    .sort();
}

/** The pids of a process's node children (its workers). */
function workerPids(parent: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(parent)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, command]) => Number(pid) > 0 && command === 'node')
    .map(([pid]) => Number(pid));
}

describe('driftwatch bench asd-loso --jobs', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  let dir: string;
  const bench = (out: string, jobs: string, ...more: string[]) => [
    bin,
    'bench',
    'asd-loso',
    '--methods',
    'mahalanobis,iforest',
    '--params',
    '{"iforest":{"nEstimators":300}}',
    '--servers',
    'all',
    '--data-root',
    fixture.root,
    '--out',
    out,
    '--jobs',
    jobs,
    ...more,
  ];
  beforeAll(async () => {
    fixture = await makeAsdLikeRoot({ servers: 3, train: 1500, test: 400 });
    dir = await mkdtemp(join(tmpdir(), 'bench-jobs-'));
    // build the CLI bundle once, before the runs below
    await run(process.execPath, [bin, '--help'], { cwd: repository });
  }, 120_000);
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('writes with 2 workers the units 1 process writes', async () => {
    await run(process.execPath, bench(join(dir, 'one'), '1'), { cwd: repository });
    const { stderr } = await run(process.execPath, bench(join(dir, 'two'), '2'), { cwd: repository });
    const one = await unitsOf(join(dir, 'one'));
    expect(one).toHaveLength(6 * 12);
    expect(await unitsOf(join(dir, 'two'))).toEqual(one);
    // progress comes in plain lines that name their fit, one "done" per unit
    for (const server of ['omi-1', 'omi-2', 'omi-3'])
      for (const method of ['mahalanobis', 'iforest'])
        expect(stderr.split('\n').filter((l) => l.startsWith(`${method} ${server} fit done in`))).toHaveLength(1);
  }, 120_000);

  it('fails naming the killed worker, and --resume completes the folder', async () => {
    const out = join(dir, 'killed');
    const child = spawn(process.execPath, bench(out, '2'), { cwd: repository, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let killed = false;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      // the first fit under way: kill one worker while units are left
      if (!killed && stderr.includes(' fit ')) {
        killed = true;
        process.kill(workerPids(child.pid!)[0], 'SIGKILL');
      }
    });
    expect(await exited).toBe(1);
    expect(stderr).toMatch(
      /worker [12] failed (on (mahalanobis|iforest) on omi-[123]|while setting up): its process was killed by SIGKILL; [0-5] finished unit\(s\) are in .*results\.jsonl: resume to run the rest/,
    );
    expect(existsSync(join(out, 'results.lock'))).toBe(false);
    await run(process.execPath, bench(out, '2', '--resume'), { cwd: repository });
    expect(await unitsOf(out)).toEqual(await unitsOf(join(dir, 'one')));
  }, 120_000);

  it('--jobs 0 is a usage error', async () => {
    await expect(run(process.execPath, bench(join(dir, 'zero'), '0'), { cwd: repository })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--jobs expects an integer ≥ 1, got '0'/),
    });
    expect(existsSync(join(dir, 'zero'))).toBe(false);
  }, 60_000);
});
