import type { RecordBatch } from 'apache-arrow';
import { InputError, ParameterError } from '@driftwatch/contracts';
import { type TextInput, inputName, readLineChunks } from '../../stream/chunks';
import { type CsvColumn, type CsvReadOptions, readCsvBatches } from '../../stream/csv-batches';
import { maskSentinels, withColumns } from './batch-columns';
import { ALIBABA_TABLES, type AlibabaTableName } from './schema';

export interface ReadAlibabaOptions extends Pick<
  CsvReadOptions,
  'batchRows' | 'chunkBytes' | 'onError' | 'rejects' | 'allowEmpty' | 'onProgress' | 'signal'
> {
  /** read −1 and 101 in the [0, 100] columns (schema.ts, `invalidSentinels`) as missing; default true */
  invalidAsMissing?: boolean;
  /** adds, per "table.column", how many −1/101 values were read as missing */
  invalidCounts?: Record<string, number>;
}

/**
 * Streams one table of the trace as Arrow record batches typed by its schema.txt columns: header-less
 * CSV (a first line that names the first column is taken as a header and skipped), empty fields → null,
 * −1/101 → null in the normalised and percent columns. Times are Timestamp[ms] from the trace start.
 * Bad rows throw an InputError naming file, line and column (or go to `rejects` with onError 'skip').
 */
export async function* readAlibabaTable(
  table: AlibabaTableName,
  input: TextInput,
  options: ReadAlibabaOptions = {},
): AsyncGenerator<RecordBatch> {
  const specs = ALIBABA_TABLES[table];
  if (!specs)
    throw new ParameterError(
      `unknown Alibaba table ${JSON.stringify(table)}; expected one of ${Object.keys(ALIBABA_TABLES).join(', ')}`,
    );
  const header = await startsWithHeader(input, specs[0].name);
  const columns: CsvColumn[] = specs.map(({ name, type, unit }, index) => ({
    name,
    type,
    source: index,
    ...(unit ? { unit } : {}),
  }));
  const masked =
    options.invalidAsMissing === false ? [] : specs.flatMap((c, index) => (c.invalidSentinels ? [index] : []));
  const batches = readCsvBatches(input, {
    columns,
    header,
    fieldCount: specs.length,
    batchRows: options.batchRows,
    chunkBytes: options.chunkBytes,
    onError: options.onError,
    rejects: options.rejects,
    allowEmpty: options.allowEmpty,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  for await (const batch of batches)
    yield masked.length === 0 ? batch : maskInvalid(batch, table, masked, options.invalidCounts);
}

/**
 * The batch with −1/101 nulled in the given columns, counting them per "table.column" (schema.txt, "General facts").
 */
function maskInvalid(
  batch: RecordBatch,
  table: AlibabaTableName,
  columns: number[],
  counts: Record<string, number> | undefined,
): RecordBatch {
  let changed = false;
  const children = batch.data.children.map((child, index) => {
    if (!columns.includes(index)) return child;
    const { data, masked } = maskSentinels(child);
    if (masked > 0) {
      changed = true;
      const key = `${table}.${ALIBABA_TABLES[table][index].name}`;
      if (counts) counts[key] = (counts[key] ?? 0) + masked;
    }
    return data;
  });
  return changed ? withColumns(batch, children) : batch;
}

/**
 * Whether the first line is a header: its first field is the table's first column name. schema.txt
 * leaves open whether the files have one, so both forms are read.
 */
async function startsWithHeader(input: TextInput, firstColumn: string): Promise<boolean> {
  for await (const chunk of readLineChunks(input, 1 << 16)) {
    const end = chunk.bytes.indexOf(10);
    const line = chunk.bytes
      .toString('utf8', 0, end === -1 ? Math.min(chunk.bytes.length, 4096) : end)
      .replace(/^\uFEFF/, '');
    const first = line
      .split(',')[0]
      .trim()
      .replace(/^"(.*)"$/, '$1');
    return first === firstColumn;
  }
  return false;
}

/**
 * The 1-based character column where field `field` (0-based) starts on line `line` of a delimited text
 * input; undefined when the line does not exist. Used to give errors found after parsing (time order,
 * duplicates) the column that readCsvBatches gives its own errors.
 */
export async function fieldColumn(input: TextInput, line: number, field: number): Promise<number | undefined> {
  for await (const chunk of readLineChunks(input)) {
    let start = 0;
    let current = chunk.firstLine;
    while (current < line) {
      const next = chunk.bytes.indexOf(10, start);
      if (next === -1) break;
      start = next + 1;
      current++;
    }
    if (current !== line || start >= chunk.bytes.length) continue;
    const lf = chunk.bytes.indexOf(10, start);
    const text = chunk.bytes.toString('utf8', start, lf === -1 ? chunk.bytes.length : lf);
    const parts = text.split(',');
    if (field >= parts.length) return undefined;
    return [...parts.slice(0, field).join(',')].length + (field > 0 ? 2 : 1);
  }
  return undefined;
}

/**
 * An InputError without a column, given the column of `field` on its line (file, line, column is the
 * error contract); other errors pass unchanged.
 */
export async function withFieldColumn(error: unknown, input: TextInput, field: number): Promise<unknown> {
  if (!(error instanceof InputError) || error.location.column !== undefined || error.location.line === undefined)
    return error;
  if (error.location.file !== inputName(input)) return error;
  const column = await fieldColumn(input, error.location.line, field);
  if (column === undefined) return error;
  const found = /, found (".*")$/.exec(error.message);
  return new InputError(
    { ...error.location, column },
    error.expected,
    found ? (JSON.parse(found[1]) as string) : undefined,
  );
}
