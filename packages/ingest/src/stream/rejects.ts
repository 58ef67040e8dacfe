import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { describeWriteError, releaseTemporary, temporarySiblingPath } from '@driftwatch/contracts/atomic';
import { quoteCsvField } from '../formats/csv-writer';

/** What to do with a row that does not parse: stop with an error (default), or leave it out and log it. */
export type OnError = 'fail' | 'skip';

/** One rejected row, in the spirit of DuckDB's `reject_errors` table. */
export interface RejectedRow {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based character column where the problem starts */
  column: number;
  /** the column name, when the problem is in one field */
  columnName?: string;
  expected: string;
  found?: string;
  /** the line's text */
  text: string;
}

export interface RejectSink {
  add(row: RejectedRow): void;
  readonly count: number;
}

/** Rejected rows kept in memory (tests, small inputs). */
export class RejectList implements RejectSink {
  readonly rows: RejectedRow[] = [];
  add(row: RejectedRow): void {
    this.rows.push(row);
  }
  get count(): number {
    return this.rows.length;
  }
}

export const REJECTS_HEADER = 'file,line,column,column_name,expected,found,csv_line';

/**
 * Rejected rows written as CSV (`file,line,column,column_name,expected,found,csv_line`) to a temporary
 * sibling that `commit` renames into place, so an interrupted run leaves no partial rejects file; `abort`
 * removes it.
 */
export class RejectFile implements RejectSink {
  private fd: number | null;
  private readonly temporary: string;
  private rows = 0;
  constructor(readonly path: string) {
    this.temporary = temporarySiblingPath(path);
    try {
      this.fd = openSync(this.temporary, 'wx');
    } catch (error) {
      releaseTemporary(this.temporary);
      throw describeWriteError(path, error);
    }
    writeSync(this.fd, `${REJECTS_HEADER}\n`);
  }
  add(row: RejectedRow): void {
    if (this.fd === null) throw new Error(`rejects file ${this.path} is already closed`);
    const fields = [
      row.file,
      String(row.line),
      String(row.column),
      row.columnName ?? '',
      row.expected,
      row.found ?? '',
      row.text,
    ];
    writeSync(this.fd, `${fields.map((f) => quoteCsvField(f)).join(',')}\n`);
    this.rows++;
  }
  get count(): number {
    return this.rows;
  }
  commit(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.temporary, this.path);
    releaseTemporary(this.temporary);
  }
  abort(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    try {
      unlinkSync(this.temporary);
    } catch {
      // already gone
    }
    releaseTemporary(this.temporary);
  }
}
