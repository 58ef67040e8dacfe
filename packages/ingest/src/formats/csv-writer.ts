import { type Data, DataType, DateUnit, Precision, type RecordBatch, TimeUnit, makeVector } from 'apache-arrow';
import { ParameterError } from '@driftwatch/contracts';

/** How time columns are written: ISO 8601 UTC text with milliseconds, or integer milliseconds since the epoch. */
export type CsvTimeStyle = 'iso' | 'ms';

export interface CsvWriteOptions {
  /** one character (default ',') */
  delimiter?: string;
  /** default 'iso' */
  timestamps?: CsvTimeStyle;
}

/** RFC 4180 §2.6–2.7: a field holding the delimiter, a double quote or a line break is quoted, quotes doubled. */
export function quoteCsvField(text: string, delimiter = ','): string {
  return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The shortest decimal that reads back (as float32) to the same float32, so 0.1f prints as 0.1. */
export function float32Text(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(value.toPrecision(digits)));
    if (Math.fround(Number(text)) === value) return text;
  }
  return String(Number(value.toPrecision(9)));
}

/** Milliseconds per unit of an Arrow time unit, as a ratio (numerator, denominator) to stay exact in BigInt. */
const MS_RATIO: Record<TimeUnit, [bigint, bigint]> = {
  [TimeUnit.SECOND]: [1000n, 1n],
  [TimeUnit.MILLISECOND]: [1n, 1n],
  [TimeUnit.MICROSECOND]: [1n, 1000n],
  [TimeUnit.NANOSECOND]: [1n, 1_000_000n],
};

/** Floor division, so times before 1970 round towards the earlier millisecond like later ones do. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** ISO 8601 text of a millisecond time; outside the Date range (±8.64e15 ms) the number itself. */
function msText(ms: bigint, style: CsvTimeStyle): string {
  if (style === 'ms' || ms > 8_640_000_000_000_000n || ms < -8_640_000_000_000_000n) return String(ms);
  return new Date(Number(ms)).toISOString();
}

/** Row → field text of one column chunk (empty for null), per Arrow type. */
function columnText(data: Data, name: string, delimiter: string, style: CsvTimeStyle): (row: number) => string {
  const type = data.type as DataType;
  const valid = data.nullCount === 0 ? () => true : (row: number) => data.getValid(row);
  if (DataType.isNull(type)) return () => '';
  if (DataType.isFloat(type)) {
    const values = data.values as Float32Array | Float64Array | Uint16Array;
    // NaN is written as an empty field: the CSV readers take empty as null and reject a NaN token
    if (type.precision === Precision.SINGLE)
      return (row) => (valid(row) && !Number.isNaN(values[row]) ? float32Text(values[row]) : '');
    if (type.precision === Precision.DOUBLE)
      return (row) => (valid(row) && !Number.isNaN(values[row]) ? String(values[row]) : '');
  }
  if (DataType.isTimestamp(type)) {
    const values = data.values as BigInt64Array;
    const [times, per] = MS_RATIO[type.unit];
    return (row) => (valid(row) ? msText(floorDiv(values[row] * times, per), style) : '');
  }
  if (DataType.isDate(type)) {
    const vector = makeVector(data);
    const day = type.unit === DateUnit.DAY;
    return (row) => {
      if (!valid(row)) return '';
      const ms = BigInt(vector.get(row) as number);
      return day && style === 'iso' ? msText(ms, style).slice(0, 10) : msText(ms, style);
    };
  }
  if (DataType.isInt(type) || DataType.isBool(type) || DataType.isFloat(type)) {
    const vector = makeVector(data);
    return (row) => {
      const v = valid(row) ? vector.get(row) : null;
      return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '' : String(v);
    };
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isDictionary(type)) {
    const vector = makeVector(data);
    return (row) => {
      const v = valid(row) ? vector.get(row) : null;
      return v === null || v === undefined ? '' : quoteCsvField(String(v), delimiter);
    };
  }
  throw new ParameterError(
    `column "${name}" of type ${String(type)} cannot be written to CSV (numbers, text, dictionaries, ` +
      `booleans, dates and timestamps can)`,
  );
}

/**
 * Record batches as CSV text, one string per batch: a header of the column names, then one line per
 * row, fields quoted per RFC 4180 where needed, LF line ends. Nulls and NaN are empty fields; float32
 * values are written with the fewest digits that read back to the same float32, float64 values with
 * JavaScript's shortest round-trip text; timestamps as ISO 8601 UTC text (`2024-01-01T00:00:00.000Z`,
 * sub-millisecond digits dropped) or integer ms.
 */
export async function* csvText(
  batches: AsyncIterable<RecordBatch>,
  options: CsvWriteOptions = {},
): AsyncGenerator<string> {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || '"\r\n'.includes(delimiter))
    throw new ParameterError(
      `delimiter must be one character other than a double quote or a line break, got ${JSON.stringify(delimiter)}`,
    );
  const style = options.timestamps ?? 'iso';
  if (style !== 'iso' && style !== 'ms')
    throw new ParameterError(`timestamps must be "iso" or "ms", got ${JSON.stringify(style)}`);
  let first = true;
  for await (const batch of batches) {
    const lines: string[] = [];
    if (first) {
      lines.push(batch.schema.fields.map((f) => quoteCsvField(f.name, delimiter)).join(delimiter));
      first = false;
    }
    const columns = batch.data.children.map((data, k) =>
      columnText(data, batch.schema.fields[k].name, delimiter, style),
    );
    for (let row = 0; row < batch.numRows; row++) {
      let line = '';
      for (let k = 0; k < columns.length; k++) line += (k === 0 ? '' : delimiter) + columns[k](row);
      // one empty field alone would be a blank line, which readers skip: RFC 4180 spells it ""
      lines.push(line === '' ? '""' : line);
    }
    yield lines.length > 0 ? `${lines.join('\n')}\n` : '';
  }
}
