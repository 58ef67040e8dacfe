import { readFile } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError, ParameterError } from '@driftwatch/contracts';
import * as numberBytes from '../stream/number-bytes';
import { scanDecimalField } from '../stream/number-bytes';

/** A numeric CSV: row-major float32 values, rowCount × columnCount. */
export interface NumericTable {
  /** header names, or null when the file has no header */
  columns: string[] | null;
  rowCount: number;
  columnCount: number;
  values: Float32Array;
}

/** The same table with float64 values (timestamps in seconds, scores): every value equals Number(field). */
export interface NumericTable64 {
  columns: string[] | null;
  rowCount: number;
  columnCount: number;
  values: Float64Array;
}

type FloatArray = Float32Array | Float64Array;
type FloatArrayConstructor<T extends FloatArray> = new (length: number) => T;
interface Parsed<T extends FloatArray> {
  columns: string[] | null;
  rowCount: number;
  columnCount: number;
  values: T;
}

export interface NumericCsvOptions {
  /** file name used in error messages */
  file?: string;
  /** the first line holds column names (default false) */
  header?: boolean;
  /** one ASCII character (default ',') */
  delimiter?: string;
  /** required width of every row; default: the header's width, else the first row's */
  expectedColumns?: number;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(?:(nan)|inf|infinity)$/i;

/**
 * The value of one CSV field: Number() of a decimal literal (surrounding white space ignored), NaN for an
 * empty field or 'NaN'/'nan', ±Infinity for 'inf'/'Infinity'; undefined when the text is no number.
 * Hexadecimal and binary literals, which Number() would accept, are rejected: they are never data.
 */
export function parseNumberToken(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return NaN;
  if (DECIMAL.test(t)) return Number(t);
  const special = SPECIAL.exec(t);
  if (special) return special[2] !== undefined ? NaN : special[1] === '-' ? -Infinity : Infinity;
  return undefined;
}

/**
 * Parses a CSV of numbers into float32, row-major. Every value equals Math.fround(Number(field)).
 * Short decimals (≤ 15 digits, |decimal exponent| ≤ 22) are read straight from the bytes as
 * mantissa · 10^e with one correctly rounded IEEE operation (exact integer times or over an exact power
 * of ten), which is what Number() gives; anything else goes through Number() on the field text.
 * Input with a double quote is handed to csv-parse instead.
 */
export function parseNumericCsv(input: Uint8Array | string, opts: NumericCsvOptions = {}): NumericTable {
  return parseCsvInto(input, opts, Float32Array);
}

/** As `parseNumericCsv`, with float64 values equal to Number(field). */
export function parseNumericCsv64(input: Uint8Array | string, opts: NumericCsvOptions = {}): NumericTable64 {
  return parseCsvInto(input, opts, Float64Array);
}

function parseCsvInto<T extends FloatArray>(
  input: Uint8Array | string,
  opts: NumericCsvOptions,
  make: FloatArrayConstructor<T>,
): Parsed<T> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const delimiter = delimiterByte(opts.delimiter);
  if (opts.expectedColumns !== undefined && !(Number.isInteger(opts.expectedColumns) && opts.expectedColumns >= 1)) {
    throw new ParameterError(`expectedColumns must be an integer ≥ 1, got ${opts.expectedColumns}`);
  }
  if (asBuffer(bytes).indexOf(QUOTE) !== -1) return parseQuotedCsv(bytes, delimiter, opts, make);
  return parseUnquotedCsv(bytes, delimiter, opts, make);
}

/** Reads a file and parses it with `parseNumericCsv`; errors name the file. */
export async function readNumericCsvFile(path: string, opts: NumericCsvOptions = {}): Promise<NumericTable> {
  const bytes = await readFile(path);
  return parseNumericCsv(bytes, { ...opts, file: opts.file ?? path });
}

/** The byte of a one-character ASCII delimiter that cannot occur in a number (default ','). */
export function delimiterByte(delimiter: string | undefined): number {
  if (delimiter === undefined) return 44;
  const code = delimiter.charCodeAt(0);
  if (delimiter.length !== 1 || code > 127 || /[\w.+\-"\r\n]/.test(delimiter)) {
    throw new ParameterError(
      `delimiter must be one ASCII character that cannot occur in a number, got ${JSON.stringify(delimiter)}`,
    );
  }
  return code;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Where the width of a row comes from, for error messages. */
function widthSource(opts: NumericCsvOptions): string {
  if (opts.expectedColumns !== undefined) return 'as requested';
  return opts.header ? 'as in the header' : 'as in the first row';
}

function parseUnquotedCsv<T extends FloatArray>(
  bytes: Uint8Array,
  delimiter: number,
  opts: NumericCsvOptions,
  make: FloatArrayConstructor<T>,
): Parsed<T> {
  const buffer = asBuffer(bytes);
  const n = bytes.length;
  let p = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let line = 1;
  let columns: string[] | null = null;
  if (opts.header) {
    const end = lineEnd(buffer, p);
    const text = buffer.toString('utf8', p, stripCr(bytes, p, end));
    columns = text === '' ? [] : text.split(String.fromCharCode(delimiter));
    if (opts.expectedColumns !== undefined && columns.length !== opts.expectedColumns) {
      throw new InputError(
        { file: opts.file, line: 1, column: 1 },
        `a header of ${opts.expectedColumns} column names`,
        `${columns.length} names`,
      );
    }
    p = end < n ? end + 1 : n;
    line = 2;
  }
  const bodyStart = p;
  const bodyEnd = trimTrailingBlankLines(bytes, bodyStart);
  const width =
    opts.expectedColumns ?? columns?.length ?? (bodyStart < bodyEnd ? countFields(bytes, bodyStart, delimiter) : 0);
  const maxRows = countLines(buffer, bodyStart, bodyEnd);
  let values = new make(maxRows * width);
  let row = 0;

  while (p < bodyEnd) {
    const lineStart = p;
    const contentEnd = stripCr(bytes, lineStart, lineEnd(buffer, lineStart));
    const base = row * width;
    let field = 0;
    for (;;) {
      const fieldStart = p;
      let value: number = scanDecimalField(bytes, p, contentEnd, delimiter);
      if (!Number.isNaN(value)) p = numberBytes.scanStop;
      else {
        while (p < contentEnd && bytes[p] !== delimiter) p++;
        const text = buffer.toString('utf8', fieldStart, p);
        const parsed = parseNumberToken(text);
        if (parsed === undefined) {
          throw new InputError(
            { file: opts.file, line, column: characterColumn(buffer, lineStart, fieldStart) },
            `a number in field ${field + 1}`,
            text,
          );
        }
        value = parsed;
      }
      if (field >= width) throw tooManyFields(buffer, opts, line, lineStart, fieldStart, width, delimiter);
      values[base + field] = value;
      field++;
      if (p < contentEnd) {
        p++; // the delimiter
        continue;
      }
      break;
    }
    if (field < width) {
      throw new InputError(
        { file: opts.file, line, column: characterColumn(buffer, lineStart, contentEnd) },
        `${width} fields per row (${widthSource(opts)}); field ${field + 1} is missing`,
        `${field} field${field === 1 ? '' : 's'}`,
      );
    }
    // past the line terminator
    p = contentEnd < n && bytes[contentEnd] === CR ? contentEnd + 1 : contentEnd;
    if (p < n && bytes[p] === LF) p++;
    row++;
    line++;
  }
  if (row < maxRows) values = values.slice(0, row * width) as T;
  return { columns, rowCount: row, columnCount: width, values };
}

function tooManyFields(
  buffer: Buffer,
  opts: NumericCsvOptions,
  line: number,
  lineStart: number,
  fieldStart: number,
  width: number,
  delimiter: number,
): InputError {
  const end = lineEnd(buffer, lineStart);
  const found = countFields(buffer, lineStart, delimiter, end);
  return new InputError(
    { file: opts.file, line, column: characterColumn(buffer, lineStart, fieldStart) },
    `${width} fields per row (${widthSource(opts)}); field ${width + 1} starts here`,
    `${found} fields`,
  );
}

/** Index of the LF that ends the line starting at `start`, or the input length. */
function lineEnd(buffer: Buffer, start: number): number {
  const i = buffer.indexOf(LF, start);
  return i === -1 ? buffer.length : i;
}

function stripCr(bytes: Uint8Array, start: number, end: number): number {
  return end > start && bytes[end - 1] === CR ? end - 1 : end;
}

/** End of the input with trailing lines that are empty (only CR/LF) removed. */
function trimTrailingBlankLines(bytes: Uint8Array, start: number): number {
  let end = bytes.length;
  while (end > start && (bytes[end - 1] === LF || bytes[end - 1] === CR)) end--;
  return end;
}

/** Lines in [start, end) where `end` is not preceded by a terminator. */
function countLines(buffer: Buffer, start: number, end: number): number {
  if (end <= start) return 0;
  let lines = 1;
  for (let i = buffer.indexOf(LF, start); i !== -1 && i < end; i = buffer.indexOf(LF, i + 1)) lines++;
  return lines;
}

function countFields(bytes: Uint8Array, start: number, delimiter: number, end?: number): number {
  let fields = 1;
  for (let i = start; i < (end ?? bytes.length) && bytes[i] !== LF; i++) if (bytes[i] === delimiter) fields++;
  return fields;
}

/** 1-based character (code point) column of byte `offset` in the line starting at `lineStart`. */
function characterColumn(buffer: Buffer, lineStart: number, offset: number): number {
  return [...buffer.toString('utf8', lineStart, offset)].length + 1;
}

interface CsvParseRecord {
  record: string[];
  info: { lines: number };
  raw: string;
}

/** Input with quotes: csv-parse splits the fields, each field converts with `parseNumberToken`. */
function parseQuotedCsv<T extends FloatArray>(
  bytes: Uint8Array,
  delimiter: number,
  opts: NumericCsvOptions,
  make: FloatArrayConstructor<T>,
): Parsed<T> {
  const delimiterText = String.fromCharCode(delimiter);
  let records: CsvParseRecord[];
  try {
    records = parseCsv(asBuffer(bytes), {
      delimiter: delimiterText,
      relax_column_count: true,
      skip_empty_lines: false,
      info: true,
      raw: true,
      bom: true,
    }) as unknown as CsvParseRecord[];
  } catch (error) {
    const e = error as { code?: string; message?: string; lines?: number };
    throw new InputError({ file: opts.file, line: e.lines }, 'well-formed CSV quoting', e.message ?? String(error));
  }
  while (records.length > 0 && isBlankRecord(records[records.length - 1])) records.pop();
  let columns: string[] | null = null;
  let first = 0;
  if (opts.header && records.length > 0) {
    columns = records[0].record;
    first = 1;
    if (opts.expectedColumns !== undefined && columns.length !== opts.expectedColumns) {
      throw new InputError(
        { file: opts.file, line: 1, column: 1 },
        `a header of ${opts.expectedColumns} column names`,
        `${columns.length} names`,
      );
    }
  }
  const width = opts.expectedColumns ?? columns?.length ?? (records.length > first ? records[first].record.length : 0);
  const rowCount = records.length - first;
  const values = new make(rowCount * width);
  for (let r = 0; r < rowCount; r++) {
    const { record, info, raw } = records[first + r];
    const locate = (field: number) => fieldLocation(raw, info.lines, delimiterText, field, opts.file);
    if (record.length !== width) {
      const missing = record.length < width;
      const where = missing ? endLocation(raw, info.lines, opts.file) : locate(width);
      throw new InputError(
        where,
        `${width} fields per row (${widthSource(opts)}); ` +
          `field ${missing ? record.length + 1 : width + 1} ${missing ? 'is missing' : 'starts here'}`,
        `${record.length} field${record.length === 1 ? '' : 's'}`,
      );
    }
    for (let f = 0; f < width; f++) {
      const parsed = parseNumberToken(record[f]);
      if (parsed === undefined) throw new InputError(locate(f), `a number in field ${f + 1}`, record[f]);
      values[r * width + f] = parsed;
    }
  }
  return { columns, rowCount, columnCount: width, values };
}

function isBlankRecord(r: CsvParseRecord): boolean {
  return r.record.length === 1 && r.record[0] === '' && r.raw.trim() === '';
}

/** The record's raw text without its line terminator. */
function rawBody(raw: string): string {
  return raw.replace(/\r?\n?$/, '').replace(/\r$/, '');
}

/** Line and column of the start of field `field` (0-based) in a record that ends on line `lastLine`. */
function fieldLocation(raw: string, lastLine: number, delimiter: string, field: number, file?: string) {
  const body = rawBody(raw);
  let offset = 0;
  let inQuotes = false;
  for (let i = 0, k = 0; i < body.length && k < field; i++) {
    if (body[i] === '"') inQuotes = !inQuotes;
    else if (!inQuotes && body[i] === delimiter && ++k === field) offset = i + 1;
  }
  return locationAt(body, offset, lastLine, file);
}

function endLocation(raw: string, lastLine: number, file?: string) {
  const body = rawBody(raw);
  return locationAt(body, body.length, lastLine, file);
}

function locationAt(body: string, offset: number, lastLine: number, file?: string) {
  const firstLine = lastLine - (body.match(/\n/g)?.length ?? 0);
  const before = body.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return {
    file,
    line: firstLine + (before.match(/\n/g)?.length ?? 0),
    column: [...before.slice(lineStart)].length + 1,
  };
}
