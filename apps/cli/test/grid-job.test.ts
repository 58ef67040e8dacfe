import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { readResults } from '@driftwatch/experiments';
import { makeAsdLikeRoot } from './fixtures';

const run = promisify(execFile);
const repository = join(__dirname, '..', '..', '..');
const bin = join(repository, 'apps', 'cli', 'bin', 'driftwatch.js');
const manifest = join(repository, 'deploy', 'k8s', 'grid-job.yaml');

interface Container {
  command: string[];
  args: string[];
  env?: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}

async function jobOf(path: string) {
  const job = parse(await readFile(path, 'utf8'));
  const container = job.spec.template.spec.containers[0] as Container;
  return { job, container };
}

/** The value after `--flag` in an argument list. */
function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `args` with the values of the given flags replaced. */
function withFlags(args: readonly string[], values: Record<string, string>): string[] {
  return args.map((a, i) => {
    const name = i > 0 && args[i - 1].startsWith('--') ? args[i - 1].slice(2) : undefined;
    return name !== undefined && name in values ? values[name] : a;
  });
}

/** A results line without what differs from run to run (timings, the command line that names --out). */
const comparable = (r: Record<string, unknown>) =>
  JSON.stringify({ ...r, trainSeconds: undefined, scoreSeconds: undefined, command: undefined });

describe('deploy/k8s/grid-job.yaml', () => {
  it('is an Indexed Job whose container runs one shard per completion index', async () => {
    const { job, container } = await jobOf(manifest);
    expect([job.apiVersion, job.kind]).toEqual(['batch/v1', 'Job']);
    expect(job.spec.completionMode).toBe('Indexed');
    const n = job.spec.completions;
    expect(Number.isInteger(n) && n >= 1).toBe(true);
    expect(job.spec.parallelism).toBeLessThanOrEqual(n);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(container.command).toEqual(['driftwatch']);
    expect(container.args.slice(0, 2)).toEqual(['bench', 'asd-loso']);
    // the shard comes from the completion index, over as many shards as completions
    expect(flag(container.args, 'shard')).toBe(`auto/${n}`);
    // each shard writes its own folder, named by the index Kubernetes expands in the argument
    expect(flag(container.args, 'out')).toMatch(/\$\(JOB_COMPLETION_INDEX\)/);
    const index = container.env?.find((e) => e.name === 'JOB_COMPLETION_INDEX');
    const annotation = "metadata.annotations['batch.kubernetes.io/job-completion-index']";
    expect(index?.valueFrom?.fieldRef?.fieldPath).toBe(annotation);
    expect(container.args).toContain('--resume');
  });

  describe('its command, run as three local processes with JOB_COMPLETION_INDEX = 0, 1, 2', () => {
    let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
    let grid: string;
    beforeAll(async () => {
      fixture = await makeAsdLikeRoot({ servers: 3, train: 200, test: 160 });
      grid = join(fixture.root, 'grid.json');
      const methods = { iforest: { params: { nEstimators: [10, 20] } }, mahalanobis: {} };
      await writeFile(grid, JSON.stringify({ methods, smoothing: [0, 0.9] }));
      // build the CLI bundle once, before processes that would each build it at the same time
      await run(process.execPath, [bin, '--help'], { cwd: repository });
    }, 120_000);
    afterAll(() => rm(fixture.root, { recursive: true, force: true }));

    it('gives the lines of a single-process run between them: none twice, none missing', async () => {
      const { container } = await jobOf(manifest);
      const out = await mkdtemp(join(tmpdir(), 'grid-job-'));
      const env = { ...process.env };
      delete env.JOB_COMPLETION_INDEX;
      const local = { grid, 'data-root': fixture.root, shard: 'auto/3' };
      const args = withFlags(container.args, local);
      const single = join(out, 'single');
      const whole = withFlags(
        args.filter((a, i) => a !== '--shard' && args[i - 1] !== '--shard'),
        { out: single },
      );
      await run(process.execPath, [bin, ...whole], { cwd: repository, env });
      // what each pod runs: Kubernetes expands $(JOB_COMPLETION_INDEX) in --out and sets the variable
      const podOut = (k: number) => flag(args, 'out')!.replace('$(JOB_COMPLETION_INDEX)', String(k)).replace(/^\//, '');
      const shards = [0, 1, 2].map((k) => ({ k, out: join(out, podOut(k)) }));
      await Promise.all(
        shards.map(({ k, out: dir }) => {
          const pod = { cwd: repository, env: { ...env, JOB_COMPLETION_INDEX: String(k) } };
          return run(process.execPath, [bin, ...withFlags(args, { out: dir })], pod);
        }),
      );
      const expected = (await readResults(join(single, 'results.jsonl'))).map(comparable);
      // 3 servers × 3 configurations × 2 smoothing factors
      expect(expected).toHaveLength(18);
      const linesOf = async (dir: string) => (await readResults(join(dir, 'results.jsonl'))).map(comparable);
      const parts = await Promise.all(shards.map(({ out: dir }) => linesOf(dir)));
      // 9 (server, configuration) pairs: 3 per shard
      expect(parts.map((p) => p.length)).toEqual([6, 6, 6]);
      const union = parts.flat();
      expect(new Set(union).size).toBe(union.length);
      expect([...union].sort()).toEqual([...expected].sort());
      await rm(out, { recursive: true, force: true });
    }, 120_000);

    it('stops with one line when the completion index is missing or outside the shards', async () => {
      const { container } = await jobOf(manifest);
      const out = await mkdtemp(join(tmpdir(), 'grid-job-bad-'));
      const args = withFlags(container.args, { grid, 'data-root': fixture.root, shard: 'auto/3', out: join(out, 'x') });
      const env = { ...process.env };
      delete env.JOB_COMPLETION_INDEX;
      for (const index of [undefined, '3']) {
        const pod = { cwd: repository, env: index === undefined ? env : { ...env, JOB_COMPLETION_INDEX: index } };
        const failed = await run(process.execPath, [bin, ...args], pod).then(
          () => undefined,
          (e: { code: number; stderr: string }) => e,
        );
        expect(failed?.code).toBe(1);
        const found = index === undefined ? 'not set' : `'${index}'`;
        const expected = `takes its index from JOB_COMPLETION_INDEX, an integer 0 … 2; it is ${found}`;
        expect(failed?.stderr.trim().split('\n')).toEqual([`driftwatch: shard 'auto/3' ${expected}`]);
      }
      await rm(out, { recursive: true, force: true });
    }, 60_000);
  });
});
