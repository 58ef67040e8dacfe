import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ResultRecord } from '@driftwatch/contracts';
import { InputError } from '@driftwatch/contracts';

/** Appends one complete JSON line with a single write, so an interrupted run never leaves half a line. */
export async function appendResult(path: string, record: ResultRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const line = JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n';
  await appendFile(path, line);
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
  const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines.slice(0, -1);
  return complete.map((line, i) => {
    try {
      return JSON.parse(line) as ResultRecord;
    } catch {
      throw new InputError({ file: path, line: i + 1, column: 1 }, 'one JSON object per line', line.slice(0, 40));
    }
  });
}
