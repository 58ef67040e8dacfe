import type { RecordBatch } from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from '@driftwatch/contracts';
import { type TextInput, inputName, readLineChunks } from '../stream/chunks';
import { type CsvColumn, type CsvProgress, readCsvBatches } from '../stream/csv-batches';
import type { OnError, RejectSink } from '../stream/rejects';
import { isDateTimeText } from '../stream/date-time-text';
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

/** The first lines of a CSV input: its header names and, when there is one, its first record's fields. */
export interface CsvHead {
  header: string[];
  first?: string[];
}

/** Bytes read at most while looking for the header and the first record. */
const HEAD_BYTES = 1 << 22;

/**
 * The header names and the first record of a CSV input (the first two non-blank lines; quotes per RFC 4180; names
 * trimmed as `readCsvBatches` trims them).
 */
export async function readCsvHead(input: TextInput, delimiter = ','): Promise<CsvHead> {
  const file = inputName(input);
  let lines: string[] = [];
  let text = '';
  for await (const chunk of readLineChunks(input, 1 << 16)) {
    text += chunk.bytes.toString('utf8');
    lines = text.split('\n').filter((l) => /[^\s\uFEFF]/.test(l));
    if (lines.length >= 2 || text.length >= HEAD_BYTES) break;
  }
  if (lines.length === 0) throw new InputError({ file, line: 1, column: 1 }, 'a header line', 'an empty file');
  const parseLine = (line: string) =>
    (parseCsv(line.replace(/\r$/, ''), { delimiter, bom: true, relax_column_count: true }) as string[][])[0] ?? [];
  let header: string[];
  try {
    header = parseLine(lines[0]).map((name) => name.trim());
  } catch (error) {
    throw new InputError({ file, line: 1, column: 1 }, 'a CSV header line', (error as Error).message);
  }
  let first: string[] | undefined;
  try {
    first = lines.length > 1 ? parseLine(lines[1]) : undefined;
  } catch {
    // a record that does not parse is reported, with its line, by the reader itself
  }
  return { header, first };
}

/** The header names of a CSV input (`readCsvHead`'s header). */
export async function readCsvHeader(input: TextInput, delimiter = ','): Promise<string[]> {
  return (await readCsvHead(input, delimiter)).header;
}

/**
 * The mapping with `timestampUnit` 'iso' when it names a time column without a unit and the first record holds
 * ISO 8601 text there (`2026-01-05T00:00:00Z`), so the commonest export form needs no flag; otherwise as given
 * (numbers stay seconds by default). Later records in another form are errors at their line.
 */
export function withDetectedTimeUnit(mapping: CsvMapping, timeColumn: string | undefined, head: CsvHead): CsvMapping {
  if (mapping.timestampUnit !== undefined || timeColumn === undefined) return mapping;
  const text = head.first?.[head.header.indexOf(timeColumn)];
  return text !== undefined && isDateTimeText(text) ? { ...mapping, timestampUnit: 'iso' } : mapping;
}

/**
 * Columns of a wide CSV: the time column (Timestamp[ms] from `timestampUnit`, 's' by default), the
 * entity column (dictionary), and the metrics as float64 — by default every other header column, in
 * file order. Names that are not in the header, and repeated header names, are InputErrors.
 */
export function planWideCsv(header: string[], mapping: CsvMapping, file: string): WideCsvPlan {
  // a Set, not indexOf per name: a header may have 50,000 columns
  const seen = new Set<string>();
  const repeated = header.findIndex((name) => seen.size === seen.add(name).size);
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
    columns.push({
      name: mapping.timestamp,
      type: 'timestamp',
      unit: mapping.timestampUnit ?? 's',
      nullable: false,
      mappingHints: true,
    });
  for (const name of metrics) columns.push({ name, type: 'float64', mappingHints: true });
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
  const plan = await planWideCsvInput(input, mapping);
  yield* readCsvBatches(input, { ...options, header: true, columns: plan.columns, delimiter: mapping.delimiter });
}

/** `planWideCsv` for a file: its header, and the time unit detected from its first record when none is given. */
export async function planWideCsvInput(input: TextInput, mapping: CsvMapping): Promise<WideCsvPlan> {
  const head = await readCsvHead(input, mapping.delimiter);
  return planWideCsv(head.header, withDetectedTimeUnit(mapping, mapping.timestamp, head), inputName(input));
}
