import {
  Data,
  DataType,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  makeData,
  makeVector,
} from 'apache-arrow';
import { InputError, ParameterError } from '@driftwatch/contracts';
import { type LineChunk, type TextInput, DEFAULT_CHUNK_BYTES, inputName, readLineChunks } from './chunks';
import { delimiterByte, parseNumberToken } from '../csv/numeric-csv';
import * as numberBytes from './number-bytes';
import { parseDecimalBytes, parseSmallIntegerBytes, scanDecimalField } from './number-bytes';
import type { OnError, RejectSink } from './rejects';
import { ByteDictionary } from './byte-dictionary';
import { parallelPlan, readCsvBatchesParallel } from './csv-parallel';
import { isDateTimeText } from './date-time-text';
import { setSourceLines } from './source-lines';
import { IndexedSchema } from '../arrow/indexed-schema';

/**
 * Arrow type of a column read from text:
 * - float32 / float64: decimals (empty field or a null token → null);
 * - int32 / int64: integers only;
 * - timestamp: Timestamp[ms] from numbers in `unit` (seconds by default) or from ISO 8601 text;
 * - dictionary: Dictionary<Utf8, Int32> for repeated labels (entity ids, pod names, statuses);
 * - utf8: any text (trace ids, log lines).
 */
export type CsvColumnType = 'float32' | 'float64' | 'int32' | 'int64' | 'timestamp' | 'dictionary' | 'utf8';
export type TimestampUnit = 's' | 'ms' | 'us' | 'ns' | 'iso';

export interface CsvColumn {
  /** name of the Arrow field */
  name: string;
  type: CsvColumnType;
  /** header name or 0-based field index in the file; default: `name` with a header, the position without */
  source?: string | number;
  /** empty fields and null tokens are allowed (default true); otherwise they are an error */
  nullable?: boolean;
  /** timestamp columns: the unit of the numbers in the file (default 's'), or 'iso' for date-time text */
  unit?: TimestampUnit;
  /**
   * the column comes from a user's mapping (`--map`): an error for text in it says which mapping key would read
   * that text (a time or entity column not named as one, ISO 8601 times without timestampUnit=iso)
   */
  mappingHints?: boolean;
}

export interface CsvProgress {
  file: string;
  bytesRead: number;
  totalBytes: number | undefined;
  rows: number;
}

export interface CsvReadOptions {
  /** the columns to read; default: every header column as float64 (needs `header`) */
  columns?: CsvColumn[];
  /** the first line holds column names (default: true when `columns` is not given, else false) */
  header?: boolean;
  /** one ASCII character (default ',') */
  delimiter?: string;
  /** fields per row when there is no header (default: the number of columns) */
  fieldCount?: number;
  /** field texts that mean "no value" (default ['']) */
  nullTokens?: string[];
  /** rows per record batch (default 65,536); memory is bounded by this, not by the file size */
  batchRows?: number;
  chunkBytes?: number;
  /** 'fail' (default): the first bad row throws an InputError; 'skip': bad rows go to `rejects` */
  onError?: OnError;
  rejects?: RejectSink;
  /** an input with no data rows is an error unless this is true */
  allowEmpty?: boolean;
  onProgress?: (progress: CsvProgress) => void;
  signal?: AbortSignal;
  /**
   * Threads for large plain files (default: the cores, at most 4; 1 = never parallel). Files of at least
   * `parallelMinBytes` (64 MiB) without quotes are split into line-aligned byte ranges parsed by workers
   * (`workerScript`, default `csv-worker.js` beside the bundle; `segmentBytes` per range, default 8 MiB);
   * the batches come out in file order
   * with the same lines, codes and errors as the one-thread reader gives.
   */
  workers?: number;
  workerScript?: string;
  parallelMinBytes?: number;
  segmentBytes?: number;
}

export const DEFAULT_BATCH_ROWS = 65_536;

/**
 * The column builders of one batch may hold this many bytes: a wide file gets fewer rows per batch. Builders are
 * allocated at full batch capacity, so 65,536 rows × 8 bytes cost 512 KiB per column before a single row was read
 * (a 50,000-column file: 26 GB); with the budget a batch costs at most ~64 MiB + 17 bytes per column whatever
 * the width.
 */
export const BATCH_BYTES = 64 * 1024 * 1024;

/** Rows per batch: `batchRows`, fewer when `columns` 8-byte builders would pass BATCH_BYTES (at least 1). */
export function rowsWithinBudget(batchRows: number, columns: number): number {
  return Math.max(1, Math.min(batchRows, Math.floor(BATCH_BYTES / (8 * Math.max(1, columns)))));
}
const LF = 10;
const CR = 13;
const QUOTE = 34;

/**
 * Why the first record has text in a number column, naming the mapping that reads it: a time column not named as
 * one, or an entity (or other label) column not named as one.
 */
function textHint(column: string, text: string): string {
  return isDateTimeText(text)
    ? `it holds date-times: if it is the time column, name it with --map timestamp=${column}`
    : `it holds text: if it names the entity, name it with --map entity=${column}; ` +
        'else list the metric columns with --metrics';
}

/** One field's parse failure, turned into an InputError or a rejected row by the caller. */
class FieldProblem {
  constructor(
    readonly field: number,
    readonly expected: string,
    readonly found: string | undefined,
    /** what a mapped column's text may mean; said only when the first record fails (a column read in the wrong role) */
    readonly hint?: string,
  ) {}
}

interface ColumnPlan {
  spec: CsvColumn;
  type: CsvColumnType;
  /** float32/float64: eligible for the one-pass decimal path */
  isFloat: boolean;
  nullable: boolean;
  unitFactor: number;
  builder: ColumnBuilder;
}

/**
 * Reads a delimited text file (or gzip of one) as Arrow record batches with a typed schema, streaming:
 * only one chunk of text and one batch of rows are held at a time. Errors name the file, line and
 * column and say what was expected; with `onError: 'skip'` bad rows are logged to `rejects` instead.
 * Each batch knows the file lines of its rows (`sourceLinesOf`).
 */
export async function* readCsvBatches(input: TextInput, options: CsvReadOptions = {}): AsyncGenerator<RecordBatch> {
  const plan = typeof input === 'string' ? parallelPlan(input, options) : undefined;
  if (plan) {
    yield* readCsvBatchesParallel(input as string, options, plan);
    return;
  }
  const file = inputName(input);
  const delimiter = delimiterByte(options.delimiter);
  let batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!(Number.isInteger(batchRows) && batchRows >= 1))
    throw new ParameterError(`batchRows must be an integer ≥ 1, got ${batchRows}`);
  const onError = options.onError ?? 'fail';
  if (onError !== 'fail' && onError !== 'skip')
    throw new ParameterError(`onError must be "fail" or "skip", got ${JSON.stringify(onError)}`);
  if (onError === 'skip' && !options.rejects) throw new ParameterError('onError "skip" needs a rejects sink');
  const header = options.header ?? options.columns === undefined;
  if (!header && options.columns === undefined) throw new ParameterError('a file without a header needs its columns');
  const nullTokens = new Set(options.nullTokens ?? ['']);
  const emptyIsNull = nullTokens.has('');

  let plans = null as ColumnPlan[] | null;
  let fieldToPlan: Int32Array = new Int32Array(0);
  let width = 0;
  let schema: Schema | null = null;
  let line = 0;
  let rowsTotal = 0;
  let rows = 0;
  let lines = new Uint32Array(batchRows);
  let sawData = false;
  let fast: FastTargets = {
    floats: [],
    times: [],
    timeFactor: new Float64Array(0),
    keys: [],
    emptyIsNull: new Uint8Array(0),
  };

  const setUp = (headerNames: string[] | null, headerLine: string) => {
    const specs: CsvColumn[] = options.columns ?? headerNames!.map((name): CsvColumn => ({ name, type: 'float64' }));
    width = headerNames ? headerNames.length : (options.fieldCount ?? specs.length);
    const headerIndex = headerNames ? firstIndexOf(headerNames) : null;
    batchRows = rowsWithinBudget(batchRows, specs.length);
    lines = new Uint32Array(batchRows);
    fieldToPlan = new Int32Array(width).fill(-1);
    plans = specs.map((spec, k) => {
      const index = sourceIndex(spec, k, headerIndex, file, headerLine);
      if (index >= width)
        throw new ParameterError(
          `${file}: column "${spec.name}" reads field ${index + 1}, but rows have ${width} fields`,
        );
      if (fieldToPlan[index] !== -1) throw new ParameterError(`${file}: two columns read field ${index + 1}`);
      fieldToPlan[index] = k;
      const unit = spec.unit ?? 's';
      return {
        spec,
        type: spec.type,
        isFloat: spec.type === 'float32' || spec.type === 'float64',
        nullable: spec.nullable ?? true,
        unitFactor: unit === 's' ? 1000 : unit === 'ms' ? 1 : unit === 'us' ? 1e-3 : unit === 'ns' ? 1e-6 : NaN,
        builder: makeBuilder(spec.type, batchRows),
      };
    });
    schema = new IndexedSchema(
      plans.map((p) => new Field(p.spec.name, arrowType(p.type), p.nullable)),
      new Map([['source', file]]),
    );
    fast = fastTargets(width, fieldToPlan, plans, emptyIsNull);
  };

  const flush = (): RecordBatch => {
    const children = plans!.map((p) => p.builder.finish(rows));
    const struct = makeData({ type: new Struct(schema!.fields), length: rows, nullCount: 0, children });
    const batch = new RecordBatch(schema!, struct);
    setSourceLines(batch, lines.subarray(0, rows));
    for (const p of plans!) p.builder.reset(batchRows);
    fast = fastTargets(width, fieldToPlan, plans!, emptyIsNull);
    lines = new Uint32Array(batchRows);
    rows = 0;
    return batch;
  };

  if (!header) setUp(null, '');

  for await (const chunk of readLineChunks(input, options.chunkBytes ?? DEFAULT_CHUNK_BYTES)) {
    options.signal?.throwIfAborted();
    const bytes = chunk.bytes;
    const n = bytes.length;
    let p = 0;
    line = chunk.firstLine;
    // where the next double quote is: a record that reaches it may span lines
    let nextQuote = bytes.indexOf(QUOTE);
    if (chunk.firstLine === 1 && n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) p = 3;
    while (p < n) {
      const lineStart = p;
      let lineEnd = bytes.indexOf(LF, p);
      if (lineEnd === -1) lineEnd = n;
      // a quoted field may hold a line break: find the real end of this record
      if (nextQuote !== -1 && nextQuote < p) nextQuote = bytes.indexOf(QUOTE, p);
      let recordLines = 1;
      if (nextQuote !== -1 && nextQuote < lineEnd) {
        lineEnd = recordEnd(bytes, p, n);
        recordLines += countLf(bytes, lineStart, lineEnd);
      }
      const contentEnd = lineEnd > lineStart && bytes[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      p = lineEnd + 1;
      if (contentEnd === lineStart) {
        line += recordLines;
        continue; // blank line
      }
      if (plans === null) {
        const text = bytes.toString('utf8', lineStart, contentEnd);
        setUp(splitHeader(text, delimiter), text);
        line += recordLines;
        continue;
      }
      sawData = true;
      const problem = parseRow(
        bytes,
        lineStart,
        contentEnd,
        delimiter,
        width,
        fieldToPlan,
        plans,
        fast,
        rows,
        nullTokens,
        emptyIsNull,
      );
      if (problem === null) {
        lines[rows] = line;
        rows++;
        rowsTotal++;
        if (rows === batchRows) yield flush();
      } else {
        const location = problemLocation(bytes, lineStart, contentEnd, delimiter, problem, line);
        const columnName = columnNameOf(problem.field, fieldToPlan, plans);
        for (const plan of plans) plan.builder.rollback(rows);
        if (onError === 'fail') {
          const hint = header && rowsTotal === 0 && problem.hint ? ` (${problem.hint})` : '';
          throw new InputError(
            { file, line: location.line, column: location.column },
            `${problem.expected}${hint}`,
            problem.found,
          );
        }
        options.rejects!.add({
          file,
          line: location.line,
          column: location.column,
          columnName,
          expected: problem.expected,
          found: problem.found,
          text: bytes.toString('utf8', lineStart, contentEnd),
        });
      }
      line += recordLines;
    }
    options.onProgress?.({ file, bytesRead: chunk.bytesRead, totalBytes: chunk.totalBytes, rows: rowsTotal });
  }
  if (plans === null) {
    throw new InputError({ file, line: 1, column: 1 }, 'a header line', 'an empty file');
  }
  if (!sawData && !options.allowEmpty) {
    throw new InputError(
      { file, line: Math.max(1, line), column: 1 },
      'at least one data row',
      header ? 'only a header' : 'an empty file',
    );
  }
  if (rows > 0 || rowsTotal === 0) yield flush();
}

/** The Arrow schema `readCsvBatches` yields for these columns (for writers that must know it up front). */
export function csvSchema(columns: CsvColumn[], file = ''): Schema {
  return new IndexedSchema(
    columns.map((c) => new Field(c.name, arrowType(c.type), c.nullable ?? true)),
    new Map([['source', file]]),
  );
}

function arrowType(type: CsvColumnType): DataType {
  switch (type) {
    case 'float32':
      return new Float32();
    case 'float64':
      return new Float64();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'timestamp':
      return new TimestampMillisecond();
    case 'dictionary':
      return new Dictionary(new Utf8(), new Int32());
    case 'utf8':
      return new Utf8();
  }
}

/** Each name's first position: looked up per column, so a wide header stays linear. */
export function firstIndexOf(names: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  return index;
}

function sourceIndex(
  spec: CsvColumn,
  position: number,
  headerNames: Map<string, number> | null,
  file: string,
  headerLine: string,
): number {
  const source = spec.source ?? (headerNames ? spec.name : position);
  if (typeof source === 'number') {
    if (!(Number.isInteger(source) && source >= 0))
      throw new ParameterError(`column "${spec.name}": source index must be an integer ≥ 0, got ${source}`);
    return source;
  }
  if (!headerNames)
    throw new ParameterError(`column "${spec.name}": a source name (${JSON.stringify(source)}) needs a header`);
  const index = headerNames.get(source);
  if (index === undefined)
    throw new InputError(
      { file, line: 1, column: 1 },
      `a header with a column named ${JSON.stringify(source)}`,
      headerLine.slice(0, 200),
    );
  return index;
}

function splitHeader(text: string, delimiter: number): string[] {
  const names: string[] = [];
  const d = String.fromCharCode(delimiter);
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === d) {
      names.push(field.trim());
      field = '';
    } else field += c;
  }
  names.push(field.trim());
  return names;
}

/** End (the LF, or n) of the record starting at `start` when quoted fields may contain line breaks. */
function recordEnd(bytes: Uint8Array, start: number, n: number): number {
  let inQuotes = false;
  for (let i = start; i < n; i++) {
    const c = bytes[i];
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (c === LF && !inQuotes) return i;
  }
  return n;
}

function countLf(bytes: Uint8Array, start: number, end: number): number {
  let k = 0;
  for (let i = start; i < end; i++) if (bytes[i] === LF) k++;
  return k;
}

/** Per field of the file, the float array or dictionary builder the one-pass paths write to (null: none). */
interface FastTargets {
  floats: (FloatBuilder | null)[];
  /** timestamp columns given in s, ms or us, and the factor to ms */
  times: (BigIntBuilder | null)[];
  timeFactor: Float64Array;
  keys: (DictionaryBuilder | null)[];
  /** 1 where an empty field is a null of a nullable column */
  emptyIsNull: Uint8Array;
}

function fastTargets(width: number, fieldToPlan: Int32Array, plans: ColumnPlan[], emptyIsNull: boolean): FastTargets {
  const floats: (FloatBuilder | null)[] = [];
  const times: (BigIntBuilder | null)[] = [];
  const timeFactor = new Float64Array(width);
  const keys: (DictionaryBuilder | null)[] = [];
  const emptyNull = new Uint8Array(width);
  for (let f = 0; f < width; f++) {
    const k = fieldToPlan[f];
    const builder = k === -1 ? null : plans[k].builder;
    floats.push(builder instanceof FloatBuilder ? builder : null);
    // 'iso' text and 'ns' (beyond 2^53) keep the general path
    const numericTime =
      k !== -1 && plans[k].type === 'timestamp' && ['s', 'ms', 'us'].includes(plans[k].spec.unit ?? 's');
    times.push(numericTime ? (builder as BigIntBuilder) : null);
    timeFactor[f] = numericTime ? plans[k].unitFactor : NaN;
    keys.push(builder instanceof DictionaryBuilder ? builder : null);
    emptyNull[f] = k !== -1 && plans[k].nullable && emptyIsNull ? 1 : 0;
  }
  return { floats, times, timeFactor, keys, emptyIsNull: emptyNull };
}

/** Fills row `row` of the builders from one record; returns the first problem, or null. */
function parseRow(
  bytes: Buffer,
  start: number,
  end: number,
  delimiter: number,
  width: number,
  fieldToPlan: Int32Array,
  plans: ColumnPlan[],
  fast: FastTargets,
  row: number,
  nullTokens: Set<string>,
  emptyIsNull: boolean,
): FieldProblem | null {
  let p = start;
  let field = 0;
  for (;;) {
    let fieldStart = p;
    let fieldEnd: number;
    let quoted = false;
    // set when a one-pass path below has already stored the field
    let stored = false;
    if (p < end && bytes[p] === QUOTE) {
      quoted = true;
      let q = p + 1;
      for (;;) {
        const close = bytes.indexOf(QUOTE, q);
        if (close === -1 || close >= end) return new FieldProblem(field, 'a closing double quote', undefined);
        if (close + 1 < end && bytes[close + 1] === QUOTE) {
          q = close + 2;
          continue;
        }
        fieldStart = p + 1;
        fieldEnd = close;
        p = close + 1;
        break;
      }
      if (p < end && bytes[p] !== delimiter)
        return new FieldProblem(
          field,
          `a delimiter after the closing quote of field ${field + 1}`,
          String.fromCharCode(bytes[p]),
        );
    } else {
      // the common cases in one pass, straight into the column: a plain decimal or empty float field, a
      // numeric time, a non-empty dictionary key
      const floats = field < width ? fast.floats[field] : null;
      if (floats !== null) {
        const value = scanDecimalField(bytes, p, end, delimiter);
        if (value === value && (floats.type === 'float64' || Number.isFinite(Math.fround(value)))) {
          // not NaN (parsed) and representable in the column
          floats.values[row] = value;
          p = numberBytes.scanStop;
          stored = true;
        } else if (fast.emptyIsNull[field] === 1 && (p === end || bytes[p] === delimiter)) {
          floats.setNull(row);
          stored = true;
        }
      } else if (field < width && fast.times[field] !== null) {
        const ms = Math.round(scanDecimalField(bytes, p, end, delimiter) * fast.timeFactor[field]);
        if (Math.abs(ms) <= MAX_TIME_MS) {
          fast.times[field]!.setSafeInteger(row, ms);
          p = numberBytes.scanStop;
          stored = true;
        }
      } else if (field < width && fast.keys[field] !== null) {
        while (p < end && bytes[p] !== delimiter) p++;
        if (p > fieldStart) {
          fast.keys[field]!.set(row, bytes, fieldStart, p, false);
          stored = true;
        }
      }
      if (!stored) while (p < end && bytes[p] !== delimiter) p++;
      fieldEnd = p;
    }
    if (!stored) {
      if (field >= width)
        return new FieldProblem(
          field,
          `${width} fields per row; field ${field + 1} starts here`,
          `${countFields(bytes, start, end, delimiter)} fields`,
        );
      const k = fieldToPlan[field];
      if (k !== -1) {
        const problem = parseField(bytes, fieldStart, fieldEnd, quoted, plans[k], row, nullTokens, emptyIsNull, field);
        if (problem !== null) return problem;
      }
    }
    field++;
    if (p < end) {
      p++; // the delimiter
      continue;
    }
    break;
  }
  if (field < width)
    return new FieldProblem(
      field,
      `${width} fields per row; field ${field + 1} is missing`,
      `${field} field${field === 1 ? '' : 's'}`,
    );
  return null;
}

function countFields(bytes: Uint8Array, start: number, end: number, delimiter: number): number {
  let fields = 1;
  let inQuotes = false;
  for (let i = start; i < end; i++) {
    if (bytes[i] === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes && bytes[i] === delimiter) fields++;
  }
  return fields;
}

function fieldText(bytes: Buffer, start: number, end: number, quoted: boolean): string {
  const text = bytes.toString('utf8', start, end);
  return quoted ? text.replace(/""/g, '"') : text;
}

function parseField(
  bytes: Buffer,
  start: number,
  end: number,
  quoted: boolean,
  plan: ColumnPlan,
  row: number,
  nullTokens: Set<string>,
  emptyIsNull: boolean,
  field: number,
): FieldProblem | null {
  const builder = plan.builder;
  if (start === end && emptyIsNull) {
    if (!plan.nullable) return new FieldProblem(field, `a value in column "${plan.spec.name}"`, '');
    builder.setNull(row);
    return null;
  }
  switch (plan.type) {
    case 'float32':
    case 'float64': {
      let value = quoted ? undefined : parseDecimalBytes(bytes, start, end);
      if (value === undefined) {
        const text = fieldText(bytes, start, end, quoted);
        if (nullTokens.has(text)) return nullOrProblem(plan, row, field, text);
        value = parseNumberToken(text);
        if (value === undefined)
          return new FieldProblem(
            field,
            `a number in column "${plan.spec.name}"`,
            text,
            plan.spec.mappingHints ? textHint(plan.spec.name, text) : undefined,
          );
        if (!Number.isFinite(value))
          return new FieldProblem(field, `a finite number in column "${plan.spec.name}"`, text);
      }
      if (plan.type === 'float32' && !Number.isFinite(Math.fround(value)))
        return new FieldProblem(field, float32Expected(plan.spec.name), fieldText(bytes, start, end, quoted));
      (builder as FloatBuilder).values[row] = value;
      return null;
    }
    case 'int32':
    case 'int64': {
      const value = quoted ? undefined : parseSmallIntegerBytes(bytes, start, end);
      if (value !== undefined && plan.type === 'int32') {
        if (value < -2147483648 || value > 2147483647)
          return new FieldProblem(
            field,
            `a 32-bit integer in column "${plan.spec.name}"`,
            fieldText(bytes, start, end, quoted),
          );
        (builder as Int32Builder).values[row] = value;
        return null;
      }
      if (value !== undefined) {
        (builder as BigIntBuilder).setSafeInteger(row, value);
        return null;
      }
      const text = fieldText(bytes, start, end, quoted);
      if (nullTokens.has(text)) return nullOrProblem(plan, row, field, text);
      if (plan.type === 'int64' && /^[+-]?\d{1,19}$/.test(text.trim())) {
        const big = BigInt(text.trim());
        if (big >= -(2n ** 63n) && big < 2n ** 63n) {
          (builder as BigIntBuilder).values[row] = big;
          return null;
        }
      }
      return new FieldProblem(
        field,
        `${plan.type === 'int32' ? 'a 32-bit' : 'a 64-bit'} integer in column "${plan.spec.name}"`,
        text,
      );
    }
    case 'timestamp': {
      if (plan.spec.unit === 'iso') {
        const text = fieldText(bytes, start, end, quoted);
        if (nullTokens.has(text)) return nullOrProblem(plan, row, field, text);
        const ms = Date.parse(text);
        if (Number.isNaN(ms))
          return new FieldProblem(field, `an ISO 8601 date-time in column "${plan.spec.name}"`, text);
        (builder as BigIntBuilder).values[row] = BigInt(ms);
        return null;
      }
      let value = quoted ? undefined : parseDecimalBytes(bytes, start, end);
      let text: string | undefined;
      if (value === undefined) {
        text = fieldText(bytes, start, end, quoted);
        if (nullTokens.has(text)) return nullOrProblem(plan, row, field, text);
        value = parseNumberToken(text);
        if (value === undefined || !Number.isFinite(value))
          return new FieldProblem(
            field,
            `a time in ${plan.spec.unit ?? 's'} in column "${plan.spec.name}"`,
            text,
            plan.spec.mappingHints && isDateTimeText(text)
              ? 'it holds ISO 8601 text: read it with --map timestampUnit=iso'
              : undefined,
          );
      }
      // beyond 2^53 ms a time is no longer exact, and beyond int64 it would wrap to another time
      if (!(Math.abs(value * plan.unitFactor) <= MAX_TIME_MS))
        return new FieldProblem(
          field,
          `a time in ${plan.spec.unit ?? 's'} within ±2^53 ms of 1970 in column "${plan.spec.name}"`,
          text ?? fieldText(bytes, start, end, quoted),
        );
      if (plan.spec.unit === 'ns' && Math.abs(value) > 2 ** 53) {
        // nanosecond epoch times exceed 2^53: divide the exact integer
        text ??= fieldText(bytes, start, end, quoted);
        const t = text.trim();
        (builder as BigIntBuilder).values[row] = /^[+-]?\d+$/.test(t)
          ? BigInt(t) / 1_000_000n
          : BigInt(Math.round(value * plan.unitFactor));
        return null;
      }
      (builder as BigIntBuilder).setSafeInteger(row, Math.round(value * plan.unitFactor));
      return null;
    }
    case 'dictionary': {
      (builder as DictionaryBuilder).set(row, bytes, start, end, quoted);
      return null;
    }
    case 'utf8': {
      (builder as Utf8Builder).set(row, bytes, start, end, quoted);
      return null;
    }
  }
}

/** Times are int64 ms; up to 2^53 − 1 they are exact in a double as well (beyond, 1e301 s wrapped to 1970). */
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;

/** float32 keeps |x| ≤ 3.4028234663852886e38; a larger decimal would become ±Infinity. */
function float32Expected(column: string): string {
  return `a number within the float32 range (|x| ≤ 3.4e38) in column "${column}"`;
}

function nullOrProblem(plan: ColumnPlan, row: number, field: number, text: string): FieldProblem | null {
  if (!plan.nullable) return new FieldProblem(field, `a value in column "${plan.spec.name}"`, text);
  plan.builder.setNull(row);
  return null;
}

function columnNameOf(field: number, fieldToPlan: Int32Array, plans: ColumnPlan[]): string | undefined {
  const k = field < fieldToPlan.length ? fieldToPlan[field] : -1;
  return k === -1 ? undefined : plans[k].spec.name;
}

/** Line and 1-based character column of the start of field `problem.field` (or the record's end). */
function problemLocation(
  bytes: Buffer,
  start: number,
  end: number,
  delimiter: number,
  problem: FieldProblem,
  line: number,
): { line: number; column: number } {
  let offset = end;
  let inQuotes = false;
  let field = 0;
  if (problem.field === 0) offset = start;
  else {
    for (let i = start; i < end; i++) {
      if (bytes[i] === QUOTE) inQuotes = !inQuotes;
      else if (!inQuotes && bytes[i] === delimiter && ++field === problem.field) {
        offset = i + 1;
        break;
      }
    }
  }
  const before = bytes.toString('utf8', start, offset);
  const lastBreak = before.lastIndexOf('\n');
  const breaks = before.split('\n').length - 1;
  return { line: line + breaks, column: [...before.slice(lastBreak + 1)].length + 1 };
}

// ---- column builders: one typed array per batch, handed to Arrow without a copy ----

interface ColumnBuilder {
  setNull(row: number): void;
  /** forget everything written at or after `row` (a rejected row) */
  rollback(row: number): void;
  finish(length: number): Data;
  reset(capacity: number): void;
}

class Validity {
  bitmap: Uint8Array | null = null;
  nulls = 0;
  constructor(private capacity: number) {}
  setNull(row: number): void {
    if (this.bitmap === null) this.bitmap = new Uint8Array((this.capacity + 7) >> 3).fill(0xff);
    this.bitmap[row >> 3] &= ~(1 << (row & 7));
    this.nulls++;
  }
  rollback(row: number): void {
    if (this.bitmap === null) return;
    if ((this.bitmap[row >> 3] & (1 << (row & 7))) === 0) {
      this.bitmap[row >> 3] |= 1 << (row & 7);
      this.nulls--;
    }
  }
  finish(length: number): { nullBitmap?: Uint8Array; nullCount: number } {
    if (this.bitmap === null || this.nulls === 0) return { nullCount: 0 };
    return { nullBitmap: this.bitmap.subarray(0, (length + 7) >> 3), nullCount: this.nulls };
  }
}

/**
 * Float columns are parsed into a Float64Array whatever their Arrow type, so the hot store in `parseRow`
 * sees one array kind; float32 columns are narrowed once per batch (a native conversion).
 */
class FloatBuilder implements ColumnBuilder {
  values: Float64Array;
  validity: Validity;
  constructor(
    readonly type: 'float32' | 'float64',
    capacity: number,
  ) {
    this.values = new Float64Array(capacity);
    this.validity = new Validity(capacity);
  }
  setNull(row: number): void {
    this.values[row] = NaN;
    this.validity.setNull(row);
  }
  rollback(row: number): void {
    this.validity.rollback(row);
  }
  finish(length: number): Data {
    const validity = this.validity.finish(length);
    if (this.type === 'float64')
      return makeData({ type: new Float64(), length, data: this.values.subarray(0, length), ...validity });
    return makeData({
      type: new Float32(),
      length,
      data: Float32Array.from(this.values.subarray(0, length)),
      ...validity,
    });
  }
  reset(capacity: number): void {
    this.values = new Float64Array(capacity);
    this.validity = new Validity(capacity);
  }
}

class Int32Builder implements ColumnBuilder {
  values: Int32Array;
  validity: Validity;
  constructor(capacity: number) {
    this.values = new Int32Array(capacity);
    this.validity = new Validity(capacity);
  }
  setNull(row: number): void {
    this.values[row] = 0;
    this.validity.setNull(row);
  }
  rollback(row: number): void {
    this.validity.rollback(row);
  }
  finish(length: number): Data {
    return makeData({
      type: new Int32(),
      length,
      data: this.values.subarray(0, length),
      ...this.validity.finish(length),
    });
  }
  reset(capacity: number): void {
    this.values = new Int32Array(capacity);
    this.validity = new Validity(capacity);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_POW_32 = 4294967296;

/**
 * int64 / timestamp columns. Integers below 2^53 are written as two 32-bit words of the int64 (no BigInt
 * per row, which would cost an allocation); larger ones go through BigInt.
 */
class BigIntBuilder implements ColumnBuilder {
  values: BigInt64Array;
  words: Int32Array;
  validity: Validity;
  constructor(
    private readonly type: 'int64' | 'timestamp',
    capacity: number,
  ) {
    this.values = new BigInt64Array(capacity);
    this.words = new Int32Array(this.values.buffer);
    this.validity = new Validity(capacity);
  }
  /** x_row ← v for an integer v with |v| ≤ 2^53: low word v − hi·2^32, high word ⌊v / 2^32⌋ (two's complement) */
  setSafeInteger(row: number, v: number): void {
    if (!LITTLE_ENDIAN) {
      this.values[row] = BigInt(v);
      return;
    }
    const hi = Math.floor(v / TWO_POW_32);
    this.words[2 * row] = (v - hi * TWO_POW_32) | 0;
    this.words[2 * row + 1] = hi;
  }
  setNull(row: number): void {
    this.values[row] = 0n;
    this.validity.setNull(row);
  }
  rollback(row: number): void {
    this.validity.rollback(row);
  }
  finish(length: number): Data {
    return makeData({
      type: arrowType(this.type) as Int64,
      length,
      data: this.values.subarray(0, length),
      ...this.validity.finish(length),
    });
  }
  reset(capacity: number): void {
    this.values = new BigInt64Array(capacity);
    this.words = new Int32Array(this.values.buffer);
    this.validity = new Validity(capacity);
  }
}

/**
 * Dictionary codes against one dictionary for the whole stream (a ByteDictionary); each batch carries the
 * dictionary as it stands, so earlier codes keep their meaning. A run of the same key skips the hash.
 */
class DictionaryBuilder implements ColumnBuilder {
  codes: Int32Array;
  validity: Validity;
  private readonly keys = new ByteDictionary();
  private previousCode = -1;
  constructor(capacity: number) {
    this.codes = new Int32Array(capacity);
    this.validity = new Validity(capacity);
  }
  set(row: number, bytes: Uint8Array, start: number, end: number, quoted: boolean): void {
    if (quoted) {
      const key = Buffer.from(fieldText(bytes as Buffer, start, end, true), 'utf8');
      this.codes[row] = this.previousCode = this.keys.codeOf(key, 0, key.length);
      return;
    }
    const previous = this.previousCode;
    this.codes[row] =
      previous !== -1 && this.keys.keyEquals(previous, bytes, start, end)
        ? previous
        : (this.previousCode = this.keys.codeOf(bytes, start, end));
  }
  setNull(row: number): void {
    this.codes[row] = 0;
    this.validity.setNull(row);
  }
  rollback(row: number): void {
    this.validity.rollback(row);
  }
  finish(length: number): Data {
    return makeData({
      type: new Dictionary(new Utf8(), new Int32()),
      length,
      data: this.codes.subarray(0, length),
      dictionary: makeVector(this.keys.toUtf8()),
      ...this.validity.finish(length),
    });
  }
  reset(capacity: number): void {
    this.codes = new Int32Array(capacity);
    this.validity = new Validity(capacity);
  }
}

class Utf8Builder implements ColumnBuilder {
  offsets: Int32Array;
  data: Uint8Array;
  validity: Validity;
  private used = 0;
  constructor(capacity: number) {
    this.offsets = new Int32Array(capacity + 1);
    this.data = new Uint8Array(capacity * 16);
    this.validity = new Validity(capacity);
  }
  set(row: number, bytes: Buffer, start: number, end: number, quoted: boolean): void {
    const text = quoted ? Buffer.from(fieldText(bytes, start, end, true), 'utf8') : bytes.subarray(start, end);
    this.offsets[row] = this.used;
    this.append(text);
    this.offsets[row + 1] = this.used;
  }
  private append(text: Uint8Array): void {
    if (this.used + text.length > this.data.length) {
      const grown = new Uint8Array(Math.max(this.data.length * 2, this.used + text.length));
      grown.set(this.data.subarray(0, this.used));
      this.data = grown;
    }
    this.data.set(text, this.used);
    this.used += text.length;
  }
  setNull(row: number): void {
    this.offsets[row] = this.used;
    this.offsets[row + 1] = this.used;
    this.validity.setNull(row);
  }
  rollback(row: number): void {
    this.used = this.offsets[row];
    this.offsets[row + 1] = this.used;
    this.validity.rollback(row);
  }
  finish(length: number): Data {
    return makeData({
      type: new Utf8(),
      length,
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.data.subarray(0, this.used),
      ...this.validity.finish(length),
    });
  }
  reset(capacity: number): void {
    this.offsets = new Int32Array(capacity + 1);
    this.data = new Uint8Array(capacity * 16);
    this.used = 0;
    this.validity = new Validity(capacity);
  }
}

function makeBuilder(type: CsvColumnType, capacity: number): ColumnBuilder {
  switch (type) {
    case 'float32':
    case 'float64':
      return new FloatBuilder(type, capacity);
    case 'int32':
      return new Int32Builder(capacity);
    case 'int64':
    case 'timestamp':
      return new BigIntBuilder(type, capacity);
    case 'dictionary':
      return new DictionaryBuilder(capacity);
    case 'utf8':
      return new Utf8Builder(capacity);
  }
}

export type { LineChunk };
