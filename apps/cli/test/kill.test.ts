/**
 * The kill suite: the real CLI, on small generated data, killed at seeded random moments (SIGKILL, SIGTERM, SIGINT)
 * and run again. Nothing finished may be lost, nothing written twice, no line torn for a reader, no temporary left.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@driftwatch/contracts';
import { makeAsdLikeRoot } from './fixtures';

const BIN = join(__dirname, '..', 'bin', 'driftwatch.js');
/** rows of the CSV that convert reads: enough for a conversion of about a second */
const CSV_ROWS = 80_000;
const SIGNALS: NodeJS.Signals[] = ['SIGKILL', 'SIGKILL', 'SIGTERM', 'SIGINT'];

interface Outcome {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

/** Runs `driftwatch …args`; with `kill`, sends its signal after its delay (if the run is still going). */
function runCli(args: string[], kill?: { afterMs: number; signal: NodeJS.Signals }): Promise<Outcome> {
  return new Promise((done, fail) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = kill ? setTimeout(() => child.kill(kill.signal), kill.afterMs) : undefined;
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ pid: child.pid!, code, signal, stderr, ms: Date.now() - started });
    });
  });
}

/** Every temporary (a hidden name ending in .tmp, or a model folder's) or lock file under `dir`, relative to it. */
async function leftovers(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => /^\..*(\.tmp|\.tmp\.old|\.(tmp|old)-\d+-.*)$/.test(e.name) || e.name === 'results.lock')
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** The leftovers of process `pid`: temporaries named with its pid, a lock holding it. */
async function leftoversOf(dir: string, pid: number): Promise<string[]> {
  const mine = [];
  for (const path of await leftovers(dir)) {
    const name = path.split('/').pop()!;
    const owner = name === 'results.lock' ? (await readFile(join(dir, path), 'utf8')).trim() : name;
    if (owner === String(pid) || name.includes(`.${pid}.`) || name.includes(`-${pid}-`)) mine.push(path);
  }
  return mine;
}

/** The complete lines of a results file by unit, and whether a torn (newline-less) tail follows them. */
async function unitsIn(file: string): Promise<{ units: Map<string, string[]>; torn: boolean; lines: string[] }> {
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  const parts = text.split('\n');
  const lines = parts.slice(0, -1);
  const units = new Map<string, string[]>();
  for (const line of lines) {
    const r = JSON.parse(line) as { method: string; testSequence: string };
    const key = `${r.method} ${r.testSequence}`;
    units.set(key, [...(units.get(key) ?? []), line]);
  }
  return { units, torn: parts[parts.length - 1] !== '', lines };
}

/** A results line without what differs from run to run (timings, the command line's --out). */
function comparable(line: string): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  for (const varying of ['trainSeconds', 'scoreSeconds', 'command']) delete record[varying];
  return JSON.stringify(record);
}

describe('kill suite: interrupted runs resume without loss, duplicates, torn lines or leftovers', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  let dir: string;
  const random = mulberry32(20);

  beforeAll(async () => {
    fixture = await makeAsdLikeRoot({ servers: 3, features: 3, train: 300, test: 200 });
    dir = await mkdtemp(join(tmpdir(), 'cli-kill-'));
    const lines = ['ts,host,cpu,mem'];
    for (let i = 0; i < CSV_ROWS; i++) lines.push(`${1e9 + i},h${i % 3},${(i % 97) / 97},${(i % 13) / 13}`);
    await writeFile(join(dir, 'metrics.csv'), lines.join('\n') + '\n');
    // the bundle is rebuilt when stale: once here, not inside a timed run
    await runCli(['--version']);
  }, 60_000);
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  const bench = (out: string) => [
    'bench',
    'asd-loso',
    '--methods',
    'mahalanobis,pca,iforest',
    '--params',
    '{"iforest":{"nEstimators":10}}',
    '--servers',
    'all',
    '--data-root',
    fixture.root,
    '--out',
    out,
    '--resume',
  ];
  let referenceRun: Promise<{ outcome: Outcome; expected: Awaited<ReturnType<typeof unitsIn>> }> | undefined;
  /** one uninterrupted bench run, shared by the cases below */
  function referenceBench() {
    referenceRun ??= (async () => {
      const outcome = await runCli(bench(join(dir, 'reference')));
      return { outcome, expected: await unitsIn(join(dir, 'reference', 'results.jsonl')) };
    })();
    return referenceRun;
  }

  it('bench asd-loso killed at random points and resumed ends with every unit once, whole', async () => {
    const { outcome: reference, expected } = await referenceBench();
    expect(reference).toMatchObject({ code: 0 });
    expect(expected.units.size).toBe(9);

    const out = join(dir, 'killed');
    const file = join(out, 'results.jsonl');
    const counts = { runs: 0, killed: 0, finishedUnitsSeen: 0, lost: 0, tornTails: 0, leftBySigkill: 0 };
    let finished = new Map<string, string[]>();
    for (let round = 0; round < 12; round++) {
      const signal = SIGNALS[Math.floor(random() * SIGNALS.length)];
      const outcome = await runCli(bench(out), { afterMs: random() * reference.ms * 0.9, signal });
      counts.runs++;
      const state = await unitsIn(file);
      // every unit complete before this run is still there, line for line
      for (const [key, lines] of finished) if (state.units.get(key)?.join('\n') !== lines.join('\n')) counts.lost++;
      if (state.torn) counts.tornTails++;
      finished = new Map([...state.units].filter(([, lines]) => lines.length === 12));
      counts.finishedUnitsSeen = finished.size;
      if (outcome.code === 0) break;
      expect(outcome.signal).toBe(signal);
      counts.killed++;
      // an interrupt cleans up after itself; a SIGKILL cannot: a later run sweeps what it left
      if (signal !== 'SIGKILL') expect(await leftoversOf(out, outcome.pid)).toEqual([]);
      else if ((await leftoversOf(out, outcome.pid)).length > 0) counts.leftBySigkill++;
    }
    const final = await runCli(bench(out));
    expect(final).toMatchObject({ code: 0 });
    const result = await unitsIn(file);
    process.stdout.write(`kill suite, bench: ${JSON.stringify(counts)}\n`);
    expect(counts.lost).toBe(0);
    expect(counts.killed).toBeGreaterThan(0);
    expect(result.torn).toBe(false);
    expect(new Set(result.lines).size).toBe(result.lines.length);
    expect([...result.units.keys()].sort()).toEqual([...expected.units.keys()].sort());
    for (const [key, lines] of expected.units)
      expect(result.units.get(key)!.map(comparable)).toEqual(lines.map(comparable));
    expect(await leftovers(out)).toEqual([]);
    // 14 runs, each starting two worker processes (--jobs defaults to 2 on 2 cores)
  }, 180_000);

  it('bench resumed after a kill tore its results file inside a unit runs that unit again, once, whole', async () => {
    // what a kill in the middle of writing a unit leaves (or a full disk): the file cut inside a unit, at a line's
    // end (an older version appended a unit line by line) or inside a line (a torn tail, no newline)
    const { outcome, expected } = await referenceBench();
    expect(outcome).toMatchObject({ code: 0 });
    const whole = await readFile(join(dir, 'reference', 'results.jsonl'), 'utf8');
    const lineEnds = [...whole.matchAll(/\n/g)].map((m) => m.index + 1);
    const unitSize = expected.lines.length / expected.units.size;
    const cuts = [
      lineEnds[unitSize + 4], // one whole unit and five whole lines of the second
      lineEnds[2 * unitSize + 6] - 1 - Math.floor(random() * 40), // inside the 7th line of the third unit
      lineEnds[Math.floor(random() * (lineEnds.length - 1))] + 1 + Math.floor(random() * 30), // anywhere
    ];
    const counts = { resumes: 0, units: 0, missing: 0, doubled: 0, differing: 0, torn: 0 };
    for (const [k, cut] of cuts.entries()) {
      const out = join(dir, `torn-${k}`);
      await cp(join(dir, 'reference'), out, { recursive: true });
      await writeFile(join(out, 'results.jsonl'), whole.slice(0, cut));
      const resumed = await runCli(bench(out));
      expect(resumed).toMatchObject({ code: 0 });
      counts.resumes++;
      const text = await readFile(join(out, 'results.jsonl'), 'utf8');
      if (!text.endsWith('\n')) counts.torn++;
      // parsed line by line here, so a line glued to a torn one is counted, not thrown
      const units = new Map<string, string[]>();
      for (const line of text.split('\n').filter((l) => l !== '')) {
        let key = 'unreadable';
        try {
          const r = JSON.parse(line) as { method: string; testSequence: string };
          key = `${r.method} ${r.testSequence}`;
        } catch {
          counts.torn++;
        }
        units.set(key, [...(units.get(key) ?? []), line]);
      }
      for (const [key, lines] of expected.units) {
        const got = units.get(key) ?? [];
        counts.units++;
        if (got.length < lines.length) counts.missing++;
        else if (got.length > lines.length) counts.doubled++;
        else if (got.map(comparable).join() !== lines.map(comparable).join()) counts.differing++;
      }
      expect(await leftovers(out)).toEqual([]);
    }
    process.stdout.write(`kill suite, torn results: ${JSON.stringify(counts)}\n`);
    expect(counts).toEqual({ resumes: 3, units: 27, missing: 0, doubled: 0, differing: 0, torn: 0 });
  }, 60_000);

  it('convert killed at random points leaves the old output or the new one, and no temporary', async () => {
    const input = join(dir, 'metrics.csv');
    const out = join(dir, 'converted', 'metrics.csv');
    await mkdir(join(dir, 'converted'));
    const convert = ['convert', input, '--to', 'csv', '--out', out, '--force', '--map', 'entity=host'];
    const first = await runCli(convert);
    expect(first).toMatchObject({ code: 0 });
    const whole = await readFile(out, 'utf8');
    expect(whole.split('\n')).toHaveLength(CSV_ROWS + 2);
    const counts = { runs: 0, killed: 0, finished: 0, partialOutputs: 0, leftAfterInterrupt: 0, leftBySigkill: 0 };
    for (let round = 0; round < 6; round++) {
      const signal = SIGNALS[round % SIGNALS.length];
      const outcome = await runCli(convert, { afterMs: 300 + random() * first.ms, signal });
      counts.runs++;
      if (outcome.code === 0) counts.finished++;
      else {
        expect(outcome.signal).toBe(signal);
        counts.killed++;
      }
      if ((await readFile(out, 'utf8')) !== whole) counts.partialOutputs++;
      const left = await leftoversOf(join(dir, 'converted'), outcome.pid);
      if (signal !== 'SIGKILL') counts.leftAfterInterrupt += left.length;
      else if (left.length > 0) counts.leftBySigkill++;
    }
    expect((await runCli(convert)).code).toBe(0);
    process.stdout.write(`kill suite, convert: ${JSON.stringify(counts)}\n`);
    expect(counts.killed).toBeGreaterThan(0);
    expect(counts.partialOutputs).toBe(0);
    expect(counts.leftAfterInterrupt).toBe(0);
    expect(await leftovers(join(dir, 'converted'))).toEqual([]);
  }, 60_000);

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s while convert writes its temporary removes it',
    async (signal) => {
      const input = join(dir, 'metrics.csv');
      const folder = join(dir, `converted-${signal}`);
      await mkdir(folder);
      const child = spawn(
        process.execPath,
        [BIN, 'convert', input, '--to', 'parquet', '--out', join(folder, 'm.parquet')],
        {
          stdio: 'ignore',
        },
      );
      const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, s) => done(s)));
      // wait until the temporary is there, then interrupt
      let seen: string[] = [];
      for (let i = 0; i < 400 && seen.length === 0 && child.exitCode === null; i++) {
        await new Promise((done) => setTimeout(done, 10));
        seen = await leftovers(folder);
      }
      expect(seen).toHaveLength(1);
      child.kill(signal);
      expect(await exited).toBe(signal);
      expect(await readdir(folder)).toEqual([]);
    },
    30_000,
  );
});
