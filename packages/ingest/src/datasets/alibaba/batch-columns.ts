import { Data, Float64, RecordBatch, Struct, makeData } from 'apache-arrow';
import { ParameterError } from '@driftwatch/contracts';
import { setSourceLines, sourceLinesOf } from '../../stream/source-lines';

// Row access to the record batches readCsvBatches yields (one Data chunk per column), without building
// an object per row: the meta, task and instance tables are walked row by row.

function dataOf(batch: RecordBatch, name: string): Data {
  const column = batch.getChild(name);
  if (!column)
    throw new ParameterError(`no column "${name}" (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
  return column.data[0];
}

/** Whether row r holds a value: the Arrow validity bit (Arrow columnar format, "Validity bitmaps"). */
function validity(data: Data): (row: number) => boolean {
  const bitmap = data.nullBitmap;
  const offset = data.offset;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return () => true;
  return (row) => ((bitmap[(offset + row) >> 3] >> ((offset + row) & 7)) & 1) === 1;
}

/** Row → text of a dictionary or utf8 column, null where empty. */
export function textColumn(batch: RecordBatch, name: string): (row: number) => string | null {
  const data = dataOf(batch, name);
  const valid = validity(data);
  const offset = data.offset;
  if (data.dictionary) {
    const dictionary = data.dictionary;
    const names: string[] = [];
    for (let i = 0; i < dictionary.length; i++) names.push(String(dictionary.get(i)));
    const codes = data.values as Int32Array;
    return (row) => (valid(row) ? names[codes[offset + row]] : null);
  }
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (row) => (valid(row) ? buffer.toString('utf8', offsets[offset + row], offsets[offset + row + 1]) : null);
}

/** Row → number of a float, int64 or timestamp (ms) column, null where empty or masked. */
export function numberColumn(batch: RecordBatch, name: string): (row: number) => number | null {
  const data = dataOf(batch, name);
  const valid = validity(data);
  const offset = data.offset;
  const values = data.values as ArrayLike<number | bigint>;
  return (row) => (valid(row) ? Number(values[offset + row]) : null);
}

/** The validity bitmap for `length` rows where `keep(i)` is true (bit set = value present). */
function bitmapOf(length: number, keep: (i: number) => boolean): { nullBitmap?: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    if (keep(i)) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return nulls === 0 ? { nullCount: 0 } : { nullBitmap: bitmap, nullCount: nulls };
}

/** Whether a value is an invalid marker: −1 or 101 (schema.txt, "General facts"). */
export function isInvalidSentinel(value: number): boolean {
  return value === -1 || value === 101;
}

/**
 * A float64 column with −1 and 101 turned into nulls (value NaN), and how many; the column itself when
 * none occurs. Rule: schema.txt "General facts", invalid values are −1 or 101. One pass to count, one to
 * copy, with the validity bits read in place: this runs on every batch of the usage tables.
 */
export function maskSentinels(data: Data): { data: Data; masked: number } {
  const values = data.values as Float64Array;
  const n = data.length;
  const offset = data.offset;
  const source = data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? data.nullBitmap : null;
  const validAt = (i: number) => source === null || ((source[(offset + i) >> 3] >> ((offset + i) & 7)) & 1) === 1;
  let masked = 0;
  for (let i = 0; i < n; i++) if (isInvalidSentinel(values[offset + i]) && validAt(i)) masked++;
  if (masked === 0) return { data, masked };
  const copy = values.slice(offset, offset + n);
  const bitmap = new Uint8Array((n + 7) >> 3);
  if (source === null) bitmap.fill(0xff);
  else if (offset === 0) bitmap.set(source.subarray(0, bitmap.length));
  else for (let i = 0; i < n; i++) if (validAt(i)) bitmap[i >> 3] |= 1 << (i & 7);
  for (let i = 0; i < n; i++) {
    if (isInvalidSentinel(copy[i]) && (bitmap[i >> 3] >> (i & 7)) & 1) {
      copy[i] = NaN;
      bitmap[i >> 3] &= ~(1 << (i & 7));
    }
  }
  return {
    data: makeData({
      type: data.type as Float64,
      length: n,
      data: copy,
      nullBitmap: bitmap,
      nullCount: data.nullCount + masked,
    }),
    masked,
  };
}

/** The rows `keep` selects from one column (plain numbers, int64/timestamps, dictionary codes or utf8). */
function selectData(data: Data, keep: Int32Array): Data {
  const valid = validity(data);
  const offset = data.offset;
  const n = keep.length;
  const bits = bitmapOf(n, (i) => valid(keep[i]));
  if (data.valueOffsets) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    const newOffsets = new Int32Array(n + 1);
    let size = 0;
    for (let i = 0; i < n; i++) {
      size += offsets[offset + keep[i] + 1] - offsets[offset + keep[i]];
      newOffsets[i + 1] = size;
    }
    const newBytes = new Uint8Array(size);
    for (let i = 0; i < n; i++)
      newBytes.set(bytes.subarray(offsets[offset + keep[i]], offsets[offset + keep[i] + 1]), newOffsets[i]);
    return makeData({ type: data.type, length: n, valueOffsets: newOffsets, data: newBytes, ...bits } as never);
  }
  const values = data.values as Float64Array;
  const picked = new (values.constructor as Float64ArrayConstructor)(n);
  for (let i = 0; i < n; i++) picked[i] = values[offset + keep[i]];
  return makeData({
    type: data.type,
    length: n,
    data: picked,
    ...(data.dictionary ? { dictionary: data.dictionary } : {}),
    ...bits,
  } as never);
}

/** A batch with its columns replaced (same schema), keeping the file lines of its rows. */
export function withColumns(
  batch: RecordBatch,
  children: Data[],
  lines: Uint32Array | undefined = sourceLinesOf(batch),
): RecordBatch {
  const length = children[0]?.length ?? 0;
  const struct = makeData({ type: new Struct(batch.schema.fields), length, nullCount: 0, children });
  const result = new RecordBatch(batch.schema, struct);
  if (lines) setSourceLines(result, lines);
  return result;
}

/** The rows of a batch where `keep(row)` holds, in order, with their file lines. */
export function selectRows(batch: RecordBatch, keep: (row: number) => boolean): RecordBatch {
  const rows: number[] = [];
  for (let r = 0; r < batch.numRows; r++) if (keep(r)) rows.push(r);
  if (rows.length === batch.numRows) return batch;
  const picked = Int32Array.from(rows);
  const lines = sourceLinesOf(batch);
  const children = batch.data.children.map((child) => selectData(child, picked));
  return withColumns(batch, children, lines ? Uint32Array.from(rows, (r) => lines[r]) : undefined);
}
