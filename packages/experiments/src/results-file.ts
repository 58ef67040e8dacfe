/**
 * results.jsonl (docs/architecture.md, "Files between steps"): one JSON object per line, appended with one write
 * per line, so an interrupted run loses nothing finished and a resumed run knows what is done.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DriftwatchError, InputError, type ResultRecord } from '@driftwatch/contracts';

/** Appends one complete JSON line with a single write, so an interrupted run never leaves half a line. */
export async function appendResult(path: string, record: ResultRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, resultLine(record));
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
