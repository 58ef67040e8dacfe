import { readFile } from 'node:fs/promises';
import {
  Data,
  Field,
  FixedSizeList,
  Float32,
  Precision,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeUnit,
  TimestampMillisecond,
  Uint8,
  makeData,
  tableFromIPC,
  tableToIPC,
  DataType,
} from 'apache-arrow';
import {
  FeatureMismatchError,
  InputError,
  ParameterError,
  type AnomalyRange,
  type Sequence,
} from '@driftwatch/contracts';
import { writeFileAtomic } from '@driftwatch/contracts/atomic';

/**
 * One Arrow table per sequence: `values` FixedSizeList<Float32>(F) (one list per record), optional `label`
 * Uint8 and `timestamp` Timestamp[ms]; id, entity, domain, features and ranges in the schema metadata.
 * The Float32 child buffer is the sequence's own `values` (no copy).
 */
export function sequenceToTable(seq: Sequence): Table {
  const width = seq.features.length;
  if (width < 1) throw new ParameterError(`sequence ${seq.id}: at least one feature is required`);
  if (seq.values.length !== seq.length * width) {
    throw new FeatureMismatchError(
      seq.length * width,
      seq.values.length,
      `values for ${seq.length} records × ${width} features of ${seq.id}`,
    );
  }
  const valueField = new Field('value', new Float32(), false);
  const child = makeData({ type: new Float32(), length: seq.values.length, nullCount: 0, data: seq.values });
  const columns: { field: Field; data: Data }[] = [
    {
      field: new Field('values', new FixedSizeList(width, valueField), false),
      data: makeData({ type: new FixedSizeList(width, valueField), length: seq.length, nullCount: 0, child }),
    },
  ];
  if (seq.labels) {
    if (seq.labels.length !== seq.length)
      throw new FeatureMismatchError(seq.length, seq.labels.length, `labels of ${seq.id}`);
    columns.push({
      field: new Field('label', new Uint8(), false),
      data: makeData({ type: new Uint8(), length: seq.length, nullCount: 0, data: seq.labels }),
    });
  }
  if (seq.timestamps) {
    if (seq.timestamps.length !== seq.length)
      throw new FeatureMismatchError(seq.length, seq.timestamps.length, `timestamps of ${seq.id}`);
    columns.push({
      field: new Field('timestamp', new TimestampMillisecond(), false),
      data: makeData({ type: new TimestampMillisecond(), length: seq.length, nullCount: 0, data: seq.timestamps }),
    });
  }
  const metadata = new Map<string, string>([
    ['id', seq.id],
    ['entity', seq.entity],
    ['domain', seq.domain],
    ['features', JSON.stringify(seq.features)],
    ['ranges', JSON.stringify(seq.ranges ?? null)],
  ]);
  const fields = columns.map((c) => c.field);
  const schema = new Schema(fields, metadata);
  const struct = makeData({
    type: new Struct(fields),
    length: seq.length,
    nullCount: 0,
    children: columns.map((c) => c.data),
  });
  return new Table(schema, [new RecordBatch(schema, struct)]);
}

/**
 * The Sequence of a table written by `sequenceToTable` (or any table of that shape). With one record batch,
 * `values`, `labels` and `timestamps` are views on the Arrow buffers; with several they are concatenated.
 * `source` names the file in error messages.
 */
export function sequenceFromTable(table: Table, source?: string): Sequence {
  const meta = table.schema.metadata;
  const text = (key: string): string => {
    const value = meta.get(key);
    if (value === undefined) throw new InputError({ file: source }, `schema metadata key "${key}" of a sequence table`);
    return value;
  };
  const features = parseJsonMetadata(text('features'), 'features', source);
  if (!Array.isArray(features) || features.length === 0 || !features.every((f) => typeof f === 'string')) {
    throw new InputError(
      { file: source },
      'metadata "features" to be a non-empty JSON array of strings',
      text('features'),
    );
  }
  const ranges = parseJsonMetadata(meta.get('ranges') ?? 'null', 'ranges', source);
  if (ranges !== null && !isRangeList(ranges)) {
    throw new InputError(
      { file: source },
      'metadata "ranges" to be null or a JSON array of {start, end, eventType}',
      meta.get('ranges'),
    );
  }
  const width = features.length;
  const length = table.numRows;
  const valuesColumn = table.getChild('values');
  const type = valuesColumn?.type as DataType | undefined;
  if (!valuesColumn || !isFloat32List(type, width)) {
    throw new InputError(
      { file: source },
      `a column "values" of type FixedSizeList<Float32>(${width})`,
      type ? String(type) : 'no such column',
    );
  }
  const values = concatChunks(
    valuesColumn.data.map((d) => {
      const child = d.children[0] as Data<Float32>;
      if (d.nullCount > 0) throw new InputError({ file: source }, 'no null records in column "values"');
      return withNaNAtNulls(child.values.subarray(0, d.length * width), child);
    }),
    length * width,
    Float32Array,
  );
  const seq: Sequence = {
    id: text('id'),
    entity: text('entity'),
    domain: text('domain'),
    features: features as string[],
    values,
    length,
  };
  const labelColumn = table.getChild('label');
  if (labelColumn) {
    if (!(DataType.isInt(labelColumn.type) && labelColumn.type.bitWidth === 8 && !labelColumn.type.isSigned))
      throw new InputError({ file: source }, 'column "label" of type Uint8', String(labelColumn.type));
    seq.labels = concatChunks(
      labelColumn.data.map((d) => (d as Data<Uint8>).values.subarray(0, d.length)),
      length,
      Uint8Array,
    );
  }
  const timeColumn = table.getChild('timestamp');
  if (timeColumn) {
    if (!(DataType.isTimestamp(timeColumn.type) && timeColumn.type.unit === TimeUnit.MILLISECOND)) {
      throw new InputError(
        { file: source },
        'column "timestamp" of type Timestamp<MILLISECOND>',
        String(timeColumn.type),
      );
    }
    seq.timestamps = concatChunks(
      timeColumn.data.map((d) => (d.values as BigInt64Array).subarray(0, d.length)),
      length,
      BigInt64Array,
    );
  }
  if (ranges !== null) seq.ranges = ranges;
  return seq;
}

/** Writes a table in the Arrow IPC file format, atomically. */
export async function writeArrowFile(path: string, table: Table): Promise<void> {
  await writeFileAtomic(path, tableToIPC(table, 'file'));
}

/** Reads an Arrow IPC file (or stream); column buffers are views on the file's bytes. */
export async function readArrowFile(path: string): Promise<Table> {
  const bytes = await readFile(path);
  try {
    return tableFromIPC(bytes);
  } catch (error) {
    throw new InputError({ file: path }, 'an Arrow IPC file', (error as Error).message);
  }
}

/** Writes one sequence as an Arrow IPC file. */
export async function writeSequenceFile(path: string, seq: Sequence): Promise<void> {
  await writeArrowFile(path, sequenceToTable(seq));
}

/** Reads a sequence written by `writeSequenceFile`. */
export async function readSequenceFile(path: string): Promise<Sequence> {
  return sequenceFromTable(await readArrowFile(path), path);
}

/** FixedSizeList<Float32>(width); types read from IPC are generic Float/Int classes, hence the type guards. */
function isFloat32List(type: DataType | undefined, width: number): boolean {
  if (!type || !DataType.isFixedSizeList(type) || type.listSize !== width) return false;
  const child = type.children[0].type;
  return DataType.isFloat(child) && child.precision === Precision.SINGLE;
}

function parseJsonMetadata(value: string, key: string, source: string | undefined): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InputError({ file: source }, `JSON in schema metadata "${key}"`, value);
  }
}

function isRangeList(value: unknown): value is AnomalyRange[] {
  return (
    Array.isArray(value) &&
    value.every(
      (r) =>
        typeof r === 'object' &&
        r !== null &&
        Number.isInteger(r.start) &&
        Number.isInteger(r.end) &&
        typeof r.eventType === 'string' &&
        (r.ignored === undefined || typeof r.ignored === 'boolean'),
    )
  );
}

/** Null floats carry arbitrary bytes in Arrow; a sequence represents missing values as NaN. */
function withNaNAtNulls(values: Float32Array, child: Data<Float32>): Float32Array {
  if (child.nullCount === 0) return values;
  const copy = values.slice();
  for (let i = 0; i < copy.length; i++) if (!child.getValid(i)) copy[i] = NaN;
  return copy;
}

type TypedArrayConstructor<T> = { new (length: number): T };

/** The only chunk itself (zero-copy) or all chunks copied into one array. */
function concatChunks<T extends Float32Array | Uint8Array | BigInt64Array>(
  chunks: T[],
  total: number,
  make: TypedArrayConstructor<T>,
): T {
  if (chunks.length === 1) return chunks[0];
  const out = new make(total);
  let offset = 0;
  for (const chunk of chunks) {
    (out as { set(a: T, o: number): void }).set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
