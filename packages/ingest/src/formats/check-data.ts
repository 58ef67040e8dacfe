import { type Data, DataType, type RecordBatch } from 'apache-arrow';
import { InputError } from '@driftwatch/contracts';

/**
 * Checks that a batch read from a file is internally consistent: buffers long enough for the rows they claim,
 * string offsets increasing and within their bytes, dictionary codes within the dictionary. apache-arrow trusts
 * the file, so a corrupt Arrow or Parquet file otherwise reads as zeros or empty strings (empty entity ids).
 * `firstRow`: the 1-based file row of the batch's first row, for the message.
 */
export function checkBatchData(batch: RecordBatch, file: string, firstRow: number): void {
  for (const [index, field] of batch.schema.fields.entries()) {
    const column = batch.getChildAt(index);
    if (!column) continue;
    let row = firstRow;
    for (const data of column.data) {
      const problem = dataProblem(data);
      if (problem)
        throw new InputError(
          { file, line: row },
          `consistent column data in column "${field.name}" (the file is corrupt)`,
          problem,
        );
      row += data.length;
    }
  }
}

/** What is wrong with one Data (recursing into children and the dictionary), or undefined. */
function dataProblem(data: Data): string | undefined {
  const end = data.offset + data.length;
  if (!(Number.isSafeInteger(end) && data.offset >= 0 && data.length >= 0)) return `${data.length} rows`;
  if (data.nullCount > 0 && (data.nullBitmap?.length ?? 0) * 8 < end) return `a validity bitmap short of ${end} rows`;
  const type = data.type;
  if (DataType.isDictionary(type)) {
    const dictionary = data.dictionary;
    const size = dictionary?.length ?? 0;
    const codes = data.values as ArrayLike<number>;
    if (codes.length < end) return `${codes.length} dictionary codes for ${end} rows`;
    for (let i = data.offset; i < end; i++) {
      if (data.nullCount > 0 && !data.getValid(i - data.offset)) continue;
      if (!(codes[i] >= 0 && codes[i] < size)) return `dictionary code ${codes[i]} of a ${size}-entry dictionary`;
    }
    for (const d of dictionary?.data ?? []) {
      const inner = dataProblem(d);
      if (inner) return `in the dictionary: ${inner}`;
    }
    return undefined;
  }
  if (DataType.isUtf8(type) || DataType.isBinary(type)) {
    const offsets = data.valueOffsets as ArrayLike<number>;
    if (!offsets || offsets.length < end + 1) return `${offsets?.length ?? 0} string offsets for ${end} rows`;
    const bytes = (data.values as Uint8Array | undefined)?.length ?? 0;
    for (let i = data.offset; i < end; i++)
      if (!(offsets[i] >= 0 && offsets[i] <= offsets[i + 1] && offsets[i + 1] <= bytes))
        return `string offsets ${offsets[i]}..${offsets[i + 1]} over ${bytes} bytes`;
    return undefined;
  }
  if (DataType.isBool(type)) {
    const bits = ((data.values as Uint8Array | undefined)?.length ?? 0) * 8;
    return bits < end ? `${bits} bits for ${end} rows` : undefined;
  }
  if (DataType.isFloat(type) || DataType.isInt(type) || DataType.isTimestamp(type) || DataType.isDate(type)) {
    const values = (data.values as ArrayLike<number> | undefined)?.length ?? 0;
    const need = end * data.stride;
    return values < need ? `${values} values for ${end} rows` : undefined;
  }
  for (const child of data.children) {
    const inner = dataProblem(child);
    if (inner) return inner;
  }
  return undefined;
}
