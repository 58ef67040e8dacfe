import type { RecordBatch } from 'apache-arrow';
import { InputError } from '@driftwatch/contracts';
import { readCsvBatches, type CsvProgress } from '../../stream/csv-batches';
import { sourceLinesOf } from '../../stream/source-lines';
import { inputName, type TextInput } from '../../stream/chunks';
import { parseTraceName, stripStreamingPrefix, traceNameOfFile, type ExathlonTraceName } from './names';
import { grownTo } from '../../stream/grow';

/**
 * One Exathlon trace as a table: metric columns named and ordered as upstream `load_trace` leaves them,
 * values in float64 (cumulative counters and ms timestamps such as 1.5e12 are beyond float32's exact range,
 * and they are differenced later).
 */
export interface ExathlonTrace {
  info: ExathlonTraceName;
  /** the file read (named in messages) */
  file: string;
  /** metric columns: driver streaming-metric prefixes stripped, sorted (no `t`) */
  columns: string[];
  length: number;
  /** record times, ms since epoch */
  timestamps: BigInt64Array;
  /** row-major, length × columns.length */
  values: Float64Array;
  /** 1-based file line of each record, where the records come straight from a file */
  lines?: Uint32Array;
}

export interface ReadExathlonTraceOptions {
  /** the trace name when the input's file name is not `<app>_<type>_<rate>_<id>.csv[.gz]` */
  name?: string;
  onProgress?: (progress: CsvProgress) => void;
  signal?: AbortSignal;
  /** rows per record batch while streaming (default 1,024: a batch of 2,284 float64 columns is ~19 MB) */
  batchRows?: number;
}

/** Column order of a header: the metric columns renamed, and the file field each sorted column comes from. */
export interface ColumnOrder {
  columns: string[];
  fieldOf: Int32Array;
}

/**
 * Reads a raw trace CSV (or `.csv.gz`) by streaming record batches: `t` (Unix seconds) becomes ms timestamps,
 * the driver streaming-metric prefix is stripped and the columns are sorted (upstream `load_trace`; data README
 * "Columns"). Records keep the file order; equal times (duplicate records) are kept for the 1 s resampling to
 * merge. Times that go back and a header not starting with `t` are InputErrors with file, line and column.
 */
export async function readExathlonTrace(
  input: TextInput,
  options: ReadExathlonTraceOptions = {},
): Promise<ExathlonTrace> {
  const file = inputName(input);
  const info = parseTraceName(options.name ?? traceNameOfFile(file), file);
  let order: ColumnOrder | undefined;
  let table: GrowingTable | undefined;
  for await (const batch of readCsvBatches(input, {
    batchRows: options.batchRows ?? 1024,
    onProgress: options.onProgress,
    signal: options.signal,
  })) {
    if (!order) {
      order = columnOrderOf(
        batch.schema.fields.map((f) => f.name),
        file,
      );
      table = new GrowingTable(order.columns.length);
    }
    appendBatch(table!, batch, order, file);
  }
  return {
    info,
    file,
    columns: order!.columns,
    length: table!.length,
    timestamps: table!.times.slice(0, table!.length),
    values: table!.values.slice(0, table!.length * order!.columns.length),
    lines: table!.lines.slice(0, table!.length),
  };
}

/** Header → renamed, sorted metric columns; `t` must come first and names must stay unique (upstream `load_trace`). */
export function columnOrderOf(header: string[], file: string): ColumnOrder {
  if (header[0] !== 't')
    throw new InputError({ file, line: 1, column: 1 }, 'a header whose first column is "t" (Unix seconds)', header[0]);
  const renamed = header.slice(1).map((name, k) => ({ name: stripStreamingPrefix(name), field: k + 1 }));
  // code-unit order, which is Python's sorted() order for these ASCII names
  renamed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let k = 1; k < renamed.length; k++) {
    if (renamed[k].name === renamed[k - 1].name) {
      throw new InputError(
        { file, line: 1 },
        'column names that stay unique once the streaming-metric prefix is stripped',
        renamed[k].name,
      );
    }
  }
  return { columns: renamed.map((r) => r.name), fieldOf: Int32Array.from(renamed, (r) => r.field) };
}

/** Row-major float64 rows that grow by doubling. */
class GrowingTable {
  values: Float64Array;
  times: BigInt64Array;
  lines: Uint32Array;
  length = 0;
  constructor(readonly width: number) {
    this.values = new Float64Array(1024 * width);
    this.times = new BigInt64Array(1024);
    this.lines = new Uint32Array(1024);
  }
  reserve(rows: number): void {
    if (this.length + rows <= this.times.length) return;
    let capacity = this.times.length;
    while (capacity < this.length + rows) capacity *= 2;
    this.values = grownTo(this.values, capacity * this.width);
    this.times = grownTo(this.times, capacity);
    this.lines = grownTo(this.lines, capacity);
  }
}

/**
 * Appends a batch's rows in the sorted column order; times must not go back (InputError at the row's line, column 1).
 */
function appendBatch(table: GrowingTable, batch: RecordBatch, order: ColumnOrder, file: string): void {
  const rows = batch.numRows;
  const lines = sourceLinesOf(batch);
  table.reserve(rows);
  const seconds = batch.getChildAt(0)!;
  for (let r = 0; r < rows; r++) {
    const t = seconds.get(r) as number | null;
    const line = lines?.[r];
    if (t === null || !Number.isFinite(t))
      throw new InputError(
        { file, line, column: 1 },
        'a time in Unix seconds in column "t"',
        t === null ? '' : String(t),
      );
    const ms = BigInt(Math.round(t * 1000));
    const row = table.length + r;
    if (row > 0 && ms < table.times[row - 1]) {
      throw new InputError(
        { file, line, column: 1 },
        `times that do not decrease in column "t" (line ${table.lines[row - 1]} ` +
          `has ${Number(table.times[row - 1]) / 1000} s)`,
        String(t),
      );
    }
    table.times[row] = ms;
    table.lines[row] = line ?? 0;
  }
  const width = table.width;
  for (let c = 0; c < width; c++) {
    const column = batch.getChildAt(order.fieldOf[c])!;
    const data =
      column.data.length === 1 && column.nullCount === 0 ? (column.data[0].values as Float64Array) : undefined;
    for (let r = 0; r < rows; r++) {
      // an empty field is a missing value, like the −1 placeholder
      const v = data ? data[r] : ((column.get(r) as number | null) ?? NaN);
      table.values[(table.length + r) * width + c] = v;
    }
  }
  table.length += rows;
}
