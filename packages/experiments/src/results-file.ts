/**
 * results.jsonl (docs/architecture.md, "Files between steps"): one JSON object per line. The lines of one unit (a
 * method on a test sequence with one configuration: one line per smoothing factor) are appended with one write, so
 * an interrupted run loses nothing finished and a resumed run knows what is done. A results folder is written by one
 * run at a time (a lock file holding the writer's pid), and a resumed run must have the configuration run.json
 * records.
 */
import { appendFile, link, mkdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DriftwatchError, InputError, type ResultRecord } from '@driftwatch/contracts';
import {
  checkOutputFolder,
  processAlive,
  registerTemporary,
  releaseTemporary,
  temporarySiblingPath,
  writeFileAtomic,
} from '@driftwatch/ingest';

/** Appends one complete JSON line with a single write, so an interrupted run never leaves half a line. */
export async function appendResult(path: string, record: ResultRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, resultLine(record));
}

/** Appends every line of one unit with a single write: a kill leaves the whole unit or none of it (or a torn tail). */
export async function appendResultUnit(path: string, records: readonly ResultRecord[]): Promise<void> {
  if (records.length === 0) return;
  await appendFile(path, records.map(resultLine).join(''));
}

/** One results line: JSON with non-finite numbers as null (JSON has no NaN or ∞), and a newline. */
export function resultLine(record: ResultRecord): string {
  return JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n';
}

/** Reads results.jsonl; a torn last line (no newline) is ignored, any other bad line is an error. */
export async function readResults(path: string): Promise<ResultRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const lines = text.split('\n');
  const complete = lines.slice(0, -1);
  return complete.map((line, i) => {
    try {
      return JSON.parse(line) as ResultRecord;
    } catch {
      throw new InputError({ file: path, line: i + 1, column: 1 }, 'one JSON object per line', line.slice(0, 40));
    }
  });
}

/** A results file already holds lines and the run was not asked to resume: nothing was written. */
export class ResultsExistError extends DriftwatchError {
  constructor(
    readonly path: string,
    readonly lines: number,
  ) {
    super(`${path} already holds ${lines} results lines: resume to skip the finished runs, or write elsewhere`);
  }
}

/**
 * The lines already in a results file and the keys of the runs they finished. Without `resume` a file with
 * lines is a ResultsExistError: a second run must not mix its lines into another run's file by accident.
 */
export async function resumeResults(
  path: string,
  resume: boolean,
  keyOf: (r: ResultRecord) => string,
): Promise<{ previous: ResultRecord[]; done: Set<string> }> {
  const previous = await readResults(path);
  if (previous.length > 0 && !resume) throw new ResultsExistError(path, previous.length);
  return { previous, done: new Set(previous.map(keyOf)) };
}

/** What makes a results line what it is: its unit (method, data, test sequence, configuration) and smoothing. */
function lineIdentity(r: ResultRecord): string {
  const fields = ['method', 'dataset', 'testSequence', 'gridPoint', 'experiment', 'variedParam', 'variedValue'];
  return JSON.stringify([...fields.map((k) => r[k] ?? null), r.smoothing]);
}

/** Lines that repeat an earlier one (1-based numbers): a unit written twice, by two runs on one folder at once. */
export function repeatedResultLines(lines: readonly ResultRecord[]): { line: number; first: number; unit: string }[] {
  const seen = new Map<string, number>();
  const repeated: { line: number; first: number; unit: string }[] = [];
  lines.forEach((r, i) => {
    const identity = lineIdentity(r);
    const first = seen.get(identity);
    const unit = `${r.method} ${r.testSequence}${typeof r.gridPoint === 'string' ? ` ${r.gridPoint}` : ''}`;
    if (first === undefined) seen.set(identity, i + 1);
    else repeated.push({ line: i + 1, first, unit });
  });
  return repeated;
}

/** The lock file of a results folder: it holds the pid of the run writing there. */
export const RESULTS_LOCK = 'results.lock';

/** Another live run holds the folder's lock. */
export class ResultsLockedError extends DriftwatchError {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `${dir} is being written by another run (pid ${pid}, see ${join(dir, RESULTS_LOCK)}): wait, or write elsewhere`,
    );
  }
}

/**
 * Takes the folder's lock: created complete (pid written to a temporary, then hard-linked into place, which fails if
 * the lock exists) so that nobody reads an empty one. A lock whose pid is gone was left by a killed run and is taken
 * over. Returns the release; the lock also goes on SIGINT, SIGTERM and exit.
 */
export async function lockResultsFolder(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, RESULTS_LOCK);
  const temporary = temporarySiblingPath(path);
  await writeFile(temporary, `${process.pid}\n`, { flag: 'wx' });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(temporary, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
        if (holder === process.pid || processAlive(holder) || attempt > 0) throw new ResultsLockedError(dir, holder);
        await rm(path, { force: true });
      }
    }
  } finally {
    await unlink(temporary).catch(() => undefined);
    releaseTemporary(temporary);
  }
  registerTemporary(path);
  return async () => {
    releaseTemporary(path);
    await rm(path, { force: true });
  };
}

/** Cuts a last line without its newline (a write cut short: disk full, a kill); returns the bytes removed. */
export async function truncateTornTail(path: string): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return 0;
  const keep = bytes.lastIndexOf(0x0a) + 1;
  await truncate(path, keep);
  return bytes.length - keep;
}

/** What a run writes to run.json's `configuration` and a resumed run must match: whatever changes the numbers. */
export type RunConfiguration = Record<string, unknown>;

/** A stable text of a JSON value (object keys sorted), so that key order never makes two configurations differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** The keys whose values differ between two configurations. */
export function configurationDifferences(recorded: RunConfiguration, now: RunConfiguration): string[] {
  const keys = [...new Set([...Object.keys(recorded), ...Object.keys(now)])].sort();
  return keys.filter((k) => canonical(recorded[k]) !== canonical(now[k]));
}

/** Resuming needs the configuration of run.json to be this run's: else the results would mix two experiments. */
async function checkResumedConfiguration(dir: string, configuration: RunConfiguration): Promise<void> {
  const file = join(dir, 'run.json');
  let recorded: unknown;
  try {
    recorded = (JSON.parse(await readFile(file, 'utf8')) as { configuration?: unknown }).configuration;
  } catch {
    recorded = undefined;
  }
  if (!recorded || typeof recorded !== 'object')
    throw new DriftwatchError(
      `cannot resume into ${dir}: ${file} records no configuration to compare with, so the results there may be ` +
        'of other settings; write to a new folder',
    );
  const differing = configurationDifferences(recorded as RunConfiguration, configuration);
  const shown = (value: unknown) => canonical(value).slice(0, 60);
  const changes = differing.map(
    (k) => `${k}: ${shown((recorded as RunConfiguration)[k])} there, ${shown(configuration[k])} now`,
  );
  if (differing.length > 0)
    throw new DriftwatchError(
      `cannot resume into ${dir}: its results were made with other settings (${changes.join('; ')}); ` +
        'use the same settings, or write to a new folder',
    );
}

/** How `openResults` treats the lines already in the folder. */
export interface OpenResultsOptions {
  /** without it, a results file holding lines is a ResultsExistError */
  resume: boolean;
  /** the unit a line belongs to: a resumed run skips complete units */
  keyOf: (r: ResultRecord) => string;
  /** how many lines a complete unit has (unknown: every unit present is complete, as units are written whole) */
  unitSize?: number;
  /** checked against run.json's on resume; the caller writes it to run.json */
  configuration: RunConfiguration;
  /** hears what was repaired: a torn tail cut, incomplete units to run again */
  log?: (line: string) => void;
}

/** A results folder open for appending units, locked until `close`. */
export interface OpenResults {
  /** dir/results.jsonl */
  path: string;
  /** the complete units' lines already there */
  previous: ResultRecord[];
  /** the keys of the complete units */
  done: Set<string>;
  /** releases the folder's lock */
  close(): Promise<void>;
}

/**
 * Opens `dir/results.jsonl` for a run: takes the lock, cuts a torn tail, and on resume checks the configuration and
 * drops the lines of incomplete units (a file of an older version that appended line by line) so that they are run
 * again whole, never twice.
 */
export async function openResults(dir: string, options: OpenResultsOptions): Promise<OpenResults> {
  await mkdir(dir, { recursive: true });
  const release = await lockResultsFolder(dir);
  try {
    const path = join(dir, 'results.jsonl');
    const torn = await truncateTornTail(path);
    if (torn > 0) options.log?.(`${path}: cut a torn last line (${torn} bytes) left by an interrupted write`);
    const lines = await readResults(path);
    if (lines.length > 0 && !options.resume) throw new ResultsExistError(path, lines.length);
    if (lines.length > 0) await checkResumedConfiguration(dir, options.configuration);
    const counts = new Map<string, number>();
    for (const r of lines) counts.set(options.keyOf(r), (counts.get(options.keyOf(r)) ?? 0) + 1);
    const complete = (key: string) => options.unitSize === undefined || counts.get(key) === options.unitSize;
    const previous = lines.filter((r) => complete(options.keyOf(r)));
    if (previous.length < lines.length) {
      const dropped = [...counts.keys()].filter((k) => !complete(k));
      options.log?.(`${path}: ${dropped.length} incomplete unit(s) are run again: ${dropped.join(', ')}`);
      await writeFileAtomic(path, previous.map(resultLine).join(''));
    }
    return { path, previous, done: new Set(previous.map(options.keyOf)), close: release };
  } catch (e) {
    await release();
    throw e;
  }
}

/** Refuses a results --out that is a file, or a folder of other things, before any data is read. */
export function checkResultsFolder(dir: string, inputs: readonly string[] = []): void {
  checkOutputFolder(dir, {
    flag: '--out',
    what: 'benchmark results',
    isPrevious: (d) => ['results.jsonl', 'run.json', RESULTS_LOCK].some((f) => existsSync(join(d, f))),
    inputs,
    mode: 'into',
  });
}
