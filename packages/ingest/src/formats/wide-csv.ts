import type { RecordBatch } from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from '@driftwatch/contracts';
import { type LineChunk, type TextInput, inputName, readLineChunks } from '../stream/chunks';
import { type CsvColumn, type CsvProgress, readCsvBatches } from '../stream/csv-batches';
import type { OnError, RejectSink } from '../stream/rejects';
import type { InputMapping } from './mapping';

/** Reading options shared by the CSV inputs (passed on to `readCsvBatches`). */
export interface CsvInputOptions {
  /** rows per record batch (default 65,536) */
  batchRows?: number;
  /** field texts that mean "no value" (default ['']) */
  nullTokens?: string[];
  onError?: OnError;
  rejects?: RejectSink;
  onProgress?: (progress: CsvProgress) => void;
  signal?: AbortSignal;
}

export type CsvMapping = Omit<InputMapping, 'format'>;

/** The wide layout's columns and what they are read as. */
export interface WideCsvPlan {
  columns: CsvColumn[];
  /** the metric column names, in column order */
  metrics: string[];
}

/**
 * The header names of a CSV input (first non-blank line; quotes per RFC 4180; names trimmed as `readCsvBatches` trims
 * them).
 */
export async function readCsvHeader(input: TextInput, delimiter = ','): Promise<string[]> {
  const file = inputName(input);
  let first: LineChunk | undefined;
  for await (const chunk of readLineChunks(input, 1 << 16)) {
    first = chunk;
    if (/[^\s\uFEFF]/.test(chunk.bytes.toString('utf8'))) break;
  }
  const text = first?.bytes.toString('utf8') ?? '';
  const line = text.split('\n').find((l) => /[^\s\uFEFF]/.test(l));
  if (line === undefined) throw new InputError({ file, line: 1, column: 1 }, 'a header line', 'an empty file');
  let rows: string[][];
  try {
    rows = parseCsv(line.replace(/\r$/, ''), { delimiter, bom: true, relax_column_count: true }) as string[][];
  } catch (error) {
    throw new InputError({ file, line: 1, column: 1 }, 'a CSV header line', (error as Error).message);
  }
  return (rows[0] ?? []).map((name) => name.trim());
}

/**
 * Columns of a wide CSV: the time column (Timestamp[ms] from `timestampUnit`, 's' by default), the
 * entity column (dictionary), and the metrics as float64 — by default every other header column, in
 * file order. Names that are not in the header, and repeated header names, are InputErrors.
 */
export function planWideCsv(header: string[], mapping: CsvMapping, file: string): WideCsvPlan {
  const repeated = header.findIndex((name, i) => header.indexOf(name) !== i);
  if (repeated !== -1)
    throw new InputError(
      { file, line: 1 },
      `distinct column names in the header (column ${repeated + 1} repeats an earlier name)`,
      header[repeated],
    );
  const roles = [mapping.timestamp, mapping.entity].filter((n): n is string => n !== undefined);
  for (const name of [...roles, ...(mapping.metrics ?? [])]) {
    if (!header.includes(name))
      throw new InputError(
        { file, line: 1, column: 1 },
        `a header with a column named ${JSON.stringify(name)}`,
        header.join(','),
      );
  }
  const metrics = mapping.metrics ?? header.filter((name) => !roles.includes(name));
  if (metrics.length === 0)
    throw new InputError(
      { file, line: 1 },
      'at least one metric column besides the time and entity columns',
      header.join(','),
    );
  const columns: CsvColumn[] = [];
  if (mapping.entity !== undefined) columns.push({ name: mapping.entity, type: 'dictionary', nullable: false });
  if (mapping.timestamp !== undefined)
    columns.push({ name: mapping.timestamp, type: 'timestamp', unit: mapping.timestampUnit ?? 's', nullable: false });
  for (const name of metrics) columns.push({ name, type: 'float64' });
  return { columns, metrics };
}

/**
 * Reads a wide CSV (a time column, metric columns, optionally an entity column) as record batches:
 * [entity], [timestamp], metrics — streaming, with `readCsvBatches`'s errors (file, line, column).
 * Without `timestamp` the rows keep their file order and carry no time.
 */
export async function* readWideCsv(
  input: TextInput,
  mapping: CsvMapping = {},
  options: CsvInputOptions = {},
): AsyncGenerator<RecordBatch> {
  const plan = planWideCsv(await readCsvHeader(input, mapping.delimiter), mapping, inputName(input));
  yield* readCsvBatches(input, { ...options, header: true, columns: plan.columns, delimiter: mapping.delimiter });
}
