import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  Dictionary,
  Int32,
  Table,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError, ParameterError } from '@driftwatch/contracts';
import { parseNumberToken } from '../csv/numeric-csv';
import { writeFileAtomic } from '@driftwatch/contracts/atomic';
import { quoteCsvField } from '../formats/csv-writer';
import { arrowLayoutOf } from '../formats/detect';

export type ScoreFileFormat = 'arrow' | 'csv';

export interface ScoreEntry {
  sequenceId: string;
  /** one score per record, record 0 first */
  scores: ArrayLike<number>;
}

/** The format a path's extension names (.arrow / .csv), or undefined. */
export function scoreFormatOf(path: string): ScoreFileFormat | undefined {
  const ext = extname(path).toLowerCase();
  return ext === '.arrow' ? 'arrow' : ext === '.csv' ? 'csv' : undefined;
}

/**
 * Writes record scores (docs/architecture.md, "Files between steps"): Arrow IPC file with columns `sequence`
 * (Dictionary<Utf8>), `record` (Int32), `score` (Float64), or CSV `sequence,record,score`. The format
 * comes from `opts.format`, else the extension. Written atomically.
 */
export async function writeScoreFile(
  path: string,
  entries: ScoreEntry[],
  opts: { format?: ScoreFileFormat } = {},
): Promise<void> {
  const format = opts.format ?? scoreFormatOf(path);
  if (!format)
    throw new ParameterError(`cannot tell the score file format of ${path}: use a .arrow or .csv name, or pass format`);
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.sequenceId))
      throw new ParameterError(`score file ${path}: sequence ${JSON.stringify(e.sequenceId)} given twice`);
    seen.add(e.sequenceId);
  }
  await writeFileAtomic(path, format === 'arrow' ? scoresToArrow(entries) : scoresToCsv(entries));
}

function scoresToArrow(entries: ScoreEntry[]): Uint8Array {
  const total = entries.reduce((n, e) => n + e.scores.length, 0);
  const sequence = new Int32Array(total);
  const record = new Int32Array(total);
  const score = new Float64Array(total);
  let row = 0;
  entries.forEach((e, k) => {
    for (let r = 0; r < e.scores.length; r++, row++) {
      sequence[row] = k;
      record[row] = r;
      score[row] = e.scores[r];
    }
  });
  const names = vectorFromArray(
    entries.map((e) => e.sequenceId),
    new Utf8(),
  );
  const table = new Table({
    sequence: makeVector(
      makeData({
        type: new Dictionary(new Utf8(), new Int32()),
        length: total,
        nullCount: 0,
        data: sequence,
        dictionary: names,
      }),
    ),
    record: makeVector(record),
    score: makeVector(score),
  });
  return tableToIPC(table, 'file');
}

function scoresToCsv(entries: ScoreEntry[]): string {
  const lines = ['sequence,record,score'];
  for (const e of entries) {
    const id = quoteCsvField(e.sequenceId);
    // String(x) is the shortest text that reads back to the same double; no score (NaN) is an empty field
    for (let r = 0; r < e.scores.length; r++)
      lines.push(`${id},${r},${Number.isNaN(e.scores[r]) ? '' : String(e.scores[r])}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Reads a score file written by `writeScoreFile` (format from the content: Arrow's magic bytes, else CSV).
 * Records of each sequence must be 0, 1, 2, … in file order; otherwise an InputError names the row.
 */
export async function readScoreFile(path: string): Promise<Map<string, Float64Array>> {
  const bytes = await readFile(path);
  return arrowLayoutOf(bytes) !== undefined ? scoresFromArrow(bytes, path) : scoresFromCsv(bytes, path);
}

/** Collects per-sequence scores and checks that records arrive as 0, 1, 2, … */
class ScoreCollector {
  private readonly scores = new Map<string, number[]>();
  add(id: string, record: number, score: number, where: () => InputError['location'], rowText: string): void {
    let list = this.scores.get(id);
    if (!list) this.scores.set(id, (list = []));
    if (record !== list.length) {
      throw new InputError(
        where(),
        `record ${list.length} of sequence ${JSON.stringify(id)} (records start at 0 and increase by 1) in ${rowText}`,
        String(record),
      );
    }
    list.push(score);
  }
  result(): Map<string, Float64Array> {
    return new Map([...this.scores].map(([id, list]) => [id, Float64Array.from(list)]));
  }
}

function scoresFromArrow(bytes: Buffer, path: string): Map<string, Float64Array> {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new InputError({ file: path }, 'an Arrow IPC score file', (error as Error).message);
  }
  const sequence = table.getChild('sequence');
  const record = table.getChild('record');
  const score = table.getChild('score');
  if (!sequence || !record || !score) {
    throw new InputError(
      { file: path },
      'columns sequence, record, score',
      table.schema.fields.map((f) => f.name).join(','),
    );
  }
  const collector = new ScoreCollector();
  for (let row = 0; row < table.numRows; row++) {
    const id = sequence.get(row);
    const r = record.get(row);
    const s = score.get(row);
    if (
      typeof id !== 'string' ||
      (typeof r !== 'number' && typeof r !== 'bigint') ||
      (typeof s !== 'number' && s !== null)
    ) {
      throw new InputError(
        { file: path },
        `a string, an integer and a number in row ${row + 1}`,
        `${String(id)},${String(r)},${String(s)}`,
      );
    }
    collector.add(id, Number(r), s ?? NaN, () => ({ file: path }), `row ${row + 1}`);
  }
  return collector.result();
}

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

function scoresFromCsv(bytes: Buffer, path: string): Map<string, Float64Array> {
  let rows: CsvRecord[];
  try {
    rows = parseCsv(bytes, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
    }) as unknown as CsvRecord[];
  } catch (error) {
    const e = error as { message?: string; lines?: number };
    throw new InputError({ file: path, line: e.lines }, 'a CSV score file', e.message ?? String(error));
  }
  if (rows.length === 0 || rows[0].record.join(',') !== 'sequence,record,score') {
    throw new InputError(
      { file: path, line: 1, column: 1 },
      'the header "sequence,record,score"',
      rows[0]?.record.join(',') ?? '',
    );
  }
  const collector = new ScoreCollector();
  for (let k = 1; k < rows.length; k++) {
    const { record: fields, info } = rows[k];
    const line = info.lines;
    if (fields.length !== 3)
      throw new InputError(
        { file: path, line, column: 1 },
        '3 fields: sequence,record,score',
        `${fields.length} fields`,
      );
    const record = /^\d+$/.test(fields[1]) ? Number(fields[1]) : NaN;
    const recordColumn = quoteCsvField(fields[0]).length + 2;
    if (!Number.isSafeInteger(record))
      throw new InputError(
        { file: path, line, column: recordColumn },
        'a record index (integer ≥ 0) in field 2',
        fields[1],
      );
    const score = parseNumberToken(fields[2]);
    if (score === undefined)
      throw new InputError(
        { file: path, line, column: recordColumn + fields[1].length + 1 },
        'a score (number) in field 3',
        fields[2],
      );
    collector.add(fields[0], record, score, () => ({ file: path, line, column: recordColumn }), `line ${line}`);
  }
  return collector.result();
}
