import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriftwatchError } from '@driftwatch/contracts';
import { SMOOTHING_GRID } from '@driftwatch/eval';
import { main } from '../src/main';
import { captureOutput, makeAsdLikeRoot } from './fixtures';

/** The results lines as text, and how many lines each (method, test sequence) unit has. */
async function unitsOf(file: string): Promise<{ lines: string[]; perUnit: Map<string, number> }> {
  const text = await readFile(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.split('\n').slice(0, -1);
  const perUnit = new Map<string, number>();
  for (const line of lines) {
    const r = JSON.parse(line) as { method: string; testSequence: string };
    const key = `${r.method} ${r.testSequence}`;
    perUnit.set(key, (perUnit.get(key) ?? 0) + 1);
  }
  return { lines, perUnit };
}

describe('bench results: whole units, checked resumes, one writer', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  let dir: string;
  let n = 0;
  const args = (out: string, ...more: string[]) => [
    'bench',
    'asd-loso',
    '--methods',
    'mahalanobis,pca',
    '--servers',
    '1,2',
    '--data-root',
    fixture.root,
    '--out',
    out,
    ...more,
  ];
  /** a finished run of both methods on both servers, in a fresh folder */
  const finishedRun = async () => {
    const out = join(dir, `run-${n++}`);
    expect((await captureOutput(() => main(args(out)))).result).toBe(0);
    return { out, file: join(out, 'results.jsonl') };
  };
  const failure = (argv: string[]) =>
    captureOutput(() => main(argv)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

  beforeAll(async () => {
    fixture = await makeAsdLikeRoot({ servers: 2, features: 3, train: 150, test: 160 });
    dir = await mkdtemp(join(tmpdir(), 'cli-results-units-'));
  });
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('resume runs a unit again whole when only some of its lines were written', async () => {
    const { out, file } = await finishedRun();
    const whole = await unitsOf(file);
    expect([...whole.perUnit.values()]).toEqual(new Array(4).fill(SMOOTHING_GRID.length));
    // a run killed after the first line of its last unit (an older writer appended line by line)
    await writeFile(file, whole.lines.slice(0, 3 * SMOOTHING_GRID.length + 1).join('\n') + '\n');
    expect((await captureOutput(() => main(args(out, '--resume')))).result).toBe(0);
    const resumed = await unitsOf(file);
    expect(resumed.perUnit).toEqual(whole.perUnit);
  }, 60_000);

  it('a torn last line is cut before the next unit is appended, so the file stays readable', async () => {
    const { out, file } = await finishedRun();
    const whole = await unitsOf(file);
    const kept = whole.lines.slice(0, 2 * SMOOTHING_GRID.length);
    await writeFile(file, kept.join('\n') + '\n' + whole.lines[kept.length].slice(0, 25));
    const resumed = await captureOutput(() => main(args(out, '--resume')));
    expect(resumed.result).toBe(0);
    expect((await unitsOf(file)).perUnit).toEqual(whole.perUnit);
    expect(resumed.stderr).toMatch(/cut a torn last line \(25 bytes\)/);
  }, 60_000);

  it('resume with another --seed or --params is refused and leaves run.json as it was', async () => {
    const { out, file } = await finishedRun();
    const before = { results: await readFile(file, 'utf8'), run: await readFile(join(out, 'run.json'), 'utf8') };
    const seed = await failure(args(out, '--resume', '--seed', '7'));
    expect(seed).toBeInstanceOf(DriftwatchError);
    expect(seed!.message).toMatch(/cannot resume into .*other settings \(seed: 0 there, 7 now\)/);
    const params = await failure(args(out, '--resume', '--params', '{"pca":{"components":1}}'));
    expect(params!.message).toMatch(/other settings \(overrides: /);
    expect(await readFile(file, 'utf8')).toBe(before.results);
    expect(await readFile(join(out, 'run.json'), 'utf8')).toBe(before.run);
  }, 60_000);

  it('a folder another live run writes is refused; a lock left by a dead run is taken over', async () => {
    const { out, file } = await finishedRun();
    const results = await readFile(file, 'utf8');
    // this process is alive: its pid in the lock means the folder is in use
    await writeFile(join(out, 'results.lock'), `${process.pid}\n`);
    const busy = await failure(args(out, '--resume'));
    expect(busy).toBeInstanceOf(DriftwatchError);
    expect(busy!.message).toMatch(new RegExp(`being written by another run \\(pid ${process.pid}`));
    expect(await readFile(file, 'utf8')).toBe(results);
    // pid 2^22 + 1 is above Linux's pid_max: no process has it
    await writeFile(join(out, 'results.lock'), `${2 ** 22 + 1}\n`);
    expect((await captureOutput(() => main(args(out, '--resume')))).result).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(results);
  }, 60_000);

  it('report refuses a results file holding a unit twice (two runs wrote one folder)', async () => {
    const { file } = await finishedRun();
    const { lines } = await unitsOf(file);
    await appendFile(file, lines.slice(0, SMOOTHING_GRID.length).join('\n') + '\n');
    const e = await failure(['report', file, '--format', 'md', '--data-root', fixture.root, '--out', `${file}.md`]);
    expect(e).toBeInstanceOf(DriftwatchError);
    expect(e!.message).toMatch(
      new RegExp(`${file}:${lines.length + 1}: .*repeats a line of line 1 .*1 unit\\(s\\) twice or more`),
    );
  }, 60_000);
});
