import {
  type Data,
  DataType,
  Field,
  RecordBatch,
  Schema,
  Struct,
  TimeUnit,
  TimestampMillisecond,
  makeData,
  makeVector,
} from 'apache-arrow';
import { InputError, ParameterError } from '@driftwatch/contracts';
import type { TimestampUnit } from '../stream/csv-batches';
import { setSourceLines, sourceLinesOf } from '../stream/source-lines';
import type { CsvMapping } from './wide-csv';
import { IndexedSchema } from '../arrow/indexed-schema';

/** Numeric Arrow columns are the ones that can become features. */
export function isNumericType(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type);
}

/** Milliseconds per unit of an epoch number written in `unit` ('iso' is text, not a number). */
const MS_PER_UNIT: Record<Exclude<TimestampUnit, 'iso'>, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

/** Integer division by 10^k rounding down, exact for int64 epoch times. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Arrow time unit → (multiply, divide) to reach ms exactly. */
const TIMESTAMP_TO_MS: Record<TimeUnit, [bigint, bigint]> = {
  [TimeUnit.SECOND]: [1000n, 1n],
  [TimeUnit.MILLISECOND]: [1n, 1n],
  [TimeUnit.MICROSECOND]: [1n, 1000n],
  [TimeUnit.NANOSECOND]: [1n, 1_000_000n],
};

/**
 * A time column as Timestamp[ms]: Arrow timestamps of any unit and dates are converted exactly (floor
 * to the ms); integers and floats are epoch numbers in `unit` (seconds by default, as for CSV); text
 * is ISO 8601. A null or unreadable time is an InputError naming the row (the "line" of Arrow and
 * Parquet inputs is the 1-based row number).
 */
export function timeColumnMs(
  data: Data,
  name: string,
  unit: TimestampUnit | undefined,
  file: string,
  rows: Uint32Array | undefined,
): Data {
  const type = data.type as DataType;
  const out = new BigInt64Array(data.length);
  const rowOf = (i: number) => rows?.[i];
  const nullAt = (i: number): never => {
    throw new InputError({ file, line: rowOf(i) }, `a time in column "${name}"`, '');
  };
  const valid = (i: number) => data.nullCount === 0 || data.getValid(i);
  if (DataType.isTimestamp(type)) {
    if (type.unit === TimeUnit.MILLISECOND && data.nullCount === 0)
      return makeData({
        type: new TimestampMillisecond(),
        length: data.length,
        nullCount: 0,
        data: data.values as BigInt64Array,
      });
    const [times, per] = TIMESTAMP_TO_MS[type.unit];
    const values = data.values as BigInt64Array;
    for (let i = 0; i < data.length; i++) out[i] = valid(i) ? floorDiv(values[i] * times, per) : nullAt(i);
  } else if (DataType.isDate(type)) {
    const vector = makeVector(data);
    // apache-arrow reads both date units (days, ms) as ms since the epoch
    for (let i = 0; i < data.length; i++) out[i] = valid(i) ? BigInt(vector.get(i) as number) : nullAt(i);
  } else if (isNumericType(type)) {
    if (unit === 'iso')
      throw new ParameterError(
        `${file}: column "${name}" holds numbers, so timestampUnit "iso" cannot apply; give the epoch unit ` +
          `(s, ms, us, ns)`,
      );
    const perUnit = MS_PER_UNIT[unit ?? 's'];
    const vector = makeVector(data);
    for (let i = 0; i < data.length; i++) {
      const v = valid(i) ? vector.get(i) : nullAt(i);
      if (typeof v === 'bigint')
        out[i] = perUnit >= 1 ? v * BigInt(perUnit) : floorDiv(v, BigInt(Math.round(1 / perUnit)));
      else if (Number.isFinite(v)) out[i] = BigInt(Math.round((v as number) * perUnit));
      else
        throw new InputError(
          { file, line: rowOf(i) },
          `a finite time in ${unit ?? 's'} in column "${name}"`,
          String(v),
        );
    }
  } else if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isDictionary(type)) {
    if (unit !== undefined && unit !== 'iso')
      throw new ParameterError(
        `${file}: column "${name}" holds text, so it is read as ISO 8601 and timestampUnit "${unit}" cannot apply`,
      );
    const vector = makeVector(data);
    for (let i = 0; i < data.length; i++) {
      const text = valid(i) ? String(vector.get(i)) : nullAt(i);
      const ms = Date.parse(text);
      if (Number.isNaN(ms))
        throw new InputError({ file, line: rowOf(i) }, `an ISO 8601 date-time in column "${name}"`, text);
      out[i] = BigInt(ms);
    }
  } else {
    throw new InputError({ file }, `a time column "${name}" (timestamp, date, number or ISO 8601 text)`, String(type));
  }
  return makeData({ type: new TimestampMillisecond(), length: data.length, nullCount: 0, data: out });
}

/** Which columns of an Arrow or Parquet input are read, from the mapping and the first batch's schema. */
export interface ColumnPlan {
  entity?: string;
  timestamp?: string;
  metrics: string[];
}

/**
 * The columns to read: the entity and time columns the mapping names, and the metrics it lists or, by
 * default, every other numeric column in schema order. Without a `timestamp` key, a schema with exactly
 * one Timestamp column uses it (typed formats say which column is the time); without an `entity` key, a text
 * column named `entity` is the entity. Missing or non-numeric
 * columns are InputErrors.
 */
export function planColumns(schema: Schema, mapping: CsvMapping, file: string): ColumnPlan {
  const fieldOf = (name: string) => schema.fields.find((f) => f.name === name);
  const names = schema.fields.map((f) => f.name).join(', ');
  for (const name of [mapping.entity, mapping.timestamp, ...(mapping.metrics ?? [])]) {
    if (name !== undefined && !fieldOf(name))
      throw new InputError({ file }, `a column named ${JSON.stringify(name)} (columns: ${names})`, 'none');
  }
  const timeFields = schema.fields.filter((f) => DataType.isTimestamp(f.type));
  const timestamp = mapping.timestamp ?? (timeFields.length === 1 ? timeFields[0].name : undefined);
  // a text column named "entity" is the entity, as convert writes it
  const named = fieldOf('entity');
  const textEntity = named && !(mapping.metrics ?? []).includes('entity') && !isNumericType(named.type);
  const entity = mapping.entity ?? (textEntity && timestamp !== 'entity' ? 'entity' : undefined);
  const roles = [entity, timestamp];
  const metrics =
    mapping.metrics ?? schema.fields.filter((f) => !roles.includes(f.name) && isNumericType(f.type)).map((f) => f.name);
  for (const name of metrics) {
    const type = fieldOf(name)!.type;
    if (!isNumericType(type))
      throw new InputError({ file }, `a numeric column "${name}" (integers or floats)`, String(type));
  }
  if (metrics.length === 0)
    throw new InputError({ file }, `at least one numeric metric column (columns: ${names})`, 'none');
  return { entity, timestamp, metrics };
}

/**
 * Batches narrowed to [entity], [time as Timestamp[ms]], metrics — the same layout the CSV readers
 * produce, whatever the source's time type. Row numbers (`sourceLinesOf`) carry over.
 */
export async function* projectBatches(
  batches: AsyncIterable<RecordBatch>,
  mapping: CsvMapping,
  file: string,
  onPlan?: (plan: ColumnPlan) => void,
): AsyncGenerator<RecordBatch> {
  let plan: ColumnPlan | undefined;
  let schema: Schema | undefined;
  for await (const batch of batches) {
    if (!plan) {
      plan = planColumns(batch.schema, mapping, file);
      onPlan?.(plan);
      const fieldOf = (name: string) => batch.schema.fields.find((f) => f.name === name)!;
      const fields: Field[] = [];
      if (plan.entity !== undefined) fields.push(fieldOf(plan.entity));
      if (plan.timestamp !== undefined) fields.push(new Field(plan.timestamp, new TimestampMillisecond(), false));
      for (const name of plan.metrics) fields.push(fieldOf(name));
      schema = new IndexedSchema(fields, batch.schema.metadata);
    }
    const rows = sourceLinesOf(batch);
    const child = (name: string): Data => {
      const vector = batch.getChild(name);
      if (!vector)
        throw new InputError({ file }, `a column named ${JSON.stringify(name)} in every record batch`, 'none');
      return vector.data[0];
    };
    const children: Data[] = [];
    if (plan.entity !== undefined) children.push(child(plan.entity));
    if (plan.timestamp !== undefined)
      children.push(timeColumnMs(child(plan.timestamp), plan.timestamp, mapping.timestampUnit, file, rows));
    for (const name of plan.metrics) children.push(child(name));
    const projected = new RecordBatch(
      schema!,
      makeData({ type: new Struct(schema!.fields), length: batch.numRows, nullCount: 0, children }),
    );
    if (rows) setSourceLines(projected, rows);
    yield projected;
  }
}
