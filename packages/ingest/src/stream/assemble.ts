import type { RecordBatch, Vector } from 'apache-arrow';
import { InputError, ParameterError, type Sequence } from '@driftwatch/contracts';
import { grownTo } from './grow';
import { sourceLinesOf } from './source-lines';
import { timeOrderError } from './time-order';

/** What to do with a second record of the same entity at the same time. */
export type DuplicatePolicy = 'error' | 'first' | 'last';

export interface AssembleOptions {
  /** the entity column (dictionary or utf8); without it every row belongs to `defaultEntity` */
  entity?: string;
  defaultEntity?: string;
  /** the timestamp column; without it the records keep their file order */
  timestamp?: string;
  /** numeric columns that become the sequence's features, in this order (nulls become NaN) */
  features: string[];
  /** the file named in error messages */
  file: string;
  /** 'strict' (default): times must increase within an entity; 'sort': rows are sorted by time per entity */
  order?: 'strict' | 'sort';
  /** default 'error' */
  duplicates?: DuplicatePolicy;
  idOf?: (entity: string) => string;
  domainOf?: (entity: string) => string;
}

/** Growing per-entity columns. */
class EntityRows {
  values: Float32Array;
  times: BigInt64Array;
  lines: Uint32Array;
  length = 0;
  constructor(private readonly width: number) {
    this.values = new Float32Array(256 * width);
    this.times = new BigInt64Array(256);
    this.lines = new Uint32Array(256);
  }
  reserve(): void {
    if (this.length < this.times.length) return;
    const capacity = this.times.length * 2;
    this.values = grownTo(this.values, capacity * this.width);
    this.times = grownTo(this.times, capacity);
    this.lines = grownTo(this.lines, capacity);
  }
}

/**
 * Gathers record batches into one Sequence per entity: float32 features row-major (nulls → NaN) and,
 * with a timestamp column, times in ms. Times must increase within each entity unless `order: 'sort'`;
 * a duplicate time is an error unless a duplicate policy says which record to keep. Errors name the
 * file line of the offending row.
 */
export async function sequencesFromBatches(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  options: AssembleOptions,
): Promise<Sequence[]> {
  const width = options.features.length;
  if (width < 1) throw new ParameterError('at least one feature column is required');
  const order = options.order ?? 'strict';
  const duplicates = options.duplicates ?? 'error';
  const entities = new Map<string, EntityRows>();
  for await (const batch of batches) {
    const featureColumns = options.features.map((name) => columnOf(batch, name, options.file));
    const entityColumn = options.entity === undefined ? undefined : columnOf(batch, options.entity, options.file);
    const timeColumn = options.timestamp === undefined ? undefined : columnOf(batch, options.timestamp, options.file);
    const times = timeColumn
      ? timeColumn.data.length === 1
        ? (timeColumn.data[0].values as BigInt64Array)
        : BigInt64Array.from(timeColumn.toArray() as Iterable<bigint>)
      : undefined;
    const lines = sourceLinesOf(batch);
    const featureValues = featureColumns.map((column) => numericValues(column));
    const keys = entityColumn ? entityKeys(entityColumn) : undefined;
    let rows: EntityRows | undefined;
    let rowsKey: string | undefined;
    for (let r = 0; r < batch.numRows; r++) {
      const key = keys ? keys(r) : (options.defaultEntity ?? 'all');
      if (key === null || key === '')
        throw new InputError(
          { file: options.file, line: lines?.[r] },
          `an entity id (not empty) in column "${options.entity}"`,
          key ?? '',
        );
      if (key !== rowsKey) {
        rows = entities.get(key);
        if (!rows) {
          rows = new EntityRows(width);
          entities.set(key, rows);
        }
        rowsKey = key;
      }
      const target = rows!;
      if (times && timeColumn!.isValid(r) === false) {
        throw new InputError({ file: options.file, line: lines?.[r] }, `a time in column "${options.timestamp}"`, '');
      }
      const t = times ? times[r] : 0n;
      let slot = target.length;
      if (times && order === 'strict' && target.length > 0) {
        const previous = target.times[target.length - 1];
        if (t < previous || (t === previous && duplicates === 'error')) {
          throw timeOrderError(
            options.file,
            options.timestamp!,
            { entity: key, ms: previous, line: target.lines[target.length - 1] },
            { entity: key, ms: t, line: lines?.[r] },
          );
        }
        if (t === previous) {
          if (duplicates === 'first') continue;
          slot = target.length - 1; // 'last' overwrites
        }
      }
      if (slot === target.length) {
        target.reserve();
        target.length++;
      }
      target.times[slot] = t;
      target.lines[slot] = lines?.[r] ?? 0;
      const base = slot * width;
      for (let f = 0; f < width; f++) {
        const value = featureValues[f](r);
        target.values[base + f] = value;
        // ±Infinity after the float32 rounding: infinite in the file, or finite beyond float32's 3.4e38
        if (target.values[base + f] === Infinity || target.values[base + f] === -Infinity)
          throw new InputError(
            { file: options.file, line: lines?.[r] },
            `a finite number within the float32 range (|x| ≤ 3.4e38) in column "${options.features[f]}"`,
            String(value),
          );
      }
    }
  }
  const sequences: Sequence[] = [];
  for (const [entity, rows] of entities) {
    if (times(options) && order === 'sort') sortRows(rows, width, duplicates, entity, options);
    const length = rows.length;
    sequences.push({
      id: options.idOf ? options.idOf(entity) : entity,
      entity,
      domain: options.domainOf ? options.domainOf(entity) : entity,
      features: options.features.slice(),
      values: rows.values.slice(0, length * width),
      length,
      ...(options.timestamp !== undefined ? { timestamps: rows.times.slice(0, length) } : {}),
    });
  }
  return sequences;
}

function times(options: AssembleOptions): boolean {
  return options.timestamp !== undefined;
}

/** Sorts an entity's rows by time (stable, so file order breaks ties) and applies the duplicate policy. */
function sortRows(
  rows: EntityRows,
  width: number,
  duplicates: DuplicatePolicy,
  entity: string,
  options: AssembleOptions,
): void {
  const n = rows.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    rows.times[a] < rows.times[b] ? -1 : rows.times[a] > rows.times[b] ? 1 : a - b,
  );
  const values = new Float32Array(n * width);
  const times = new BigInt64Array(n);
  const lines = new Uint32Array(n);
  let k = 0;
  for (const i of order) {
    if (k > 0 && rows.times[i] === times[k - 1]) {
      if (duplicates === 'error') {
        throw timeOrderError(
          options.file,
          options.timestamp!,
          { entity, ms: times[k - 1], line: lines[k - 1] },
          { entity, ms: rows.times[i], line: rows.lines[i] },
        );
      }
      if (duplicates === 'first') continue;
      k--; // 'last': overwrite
    }
    values.set(rows.values.subarray(i * width, (i + 1) * width), k * width);
    times[k] = rows.times[i];
    lines[k] = rows.lines[i];
    k++;
  }
  rows.values = values;
  rows.times = times;
  rows.lines = lines;
  rows.length = k;
}

function columnOf(batch: RecordBatch, name: string, file: string): Vector {
  const column = batch.getChild(name);
  if (!column)
    throw new ParameterError(
      `${file}: no column "${name}" (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`,
    );
  return column;
}

/** Row → float32 value of a numeric column, NaN where null (read from the validity bitmap, not per-row `get`). */
function numericValues(column: Vector): (row: number) => number {
  const data = column.data[0];
  if (column.data.length === 1 && ArrayBuffer.isView(data.values) && !(data.values instanceof BigInt64Array)) {
    const values = data.values as Float64Array;
    const bitmap = data.nullBitmap;
    const offset = data.offset;
    if (column.nullCount === 0 || !bitmap || bitmap.length === 0) return (row) => values[row];
    return (row) => {
      const bit = offset + row;
      return (bitmap[bit >> 3] & (1 << (bit & 7))) === 0 ? NaN : values[row];
    };
  }
  return (row) => {
    const v = column.get(row);
    return v === null || v === undefined ? NaN : Number(v);
  };
}

/** Row → entity key of a dictionary or utf8 column, without building a string per row for dictionaries. */
function entityKeys(column: Vector): (row: number) => string | null {
  const data = column.data;
  if (data.length === 1 && data[0].dictionary) {
    const codes = data[0].values as Int32Array;
    const dictionary = data[0].dictionary;
    const names: (string | null)[] = [];
    for (let i = 0; i < dictionary.length; i++) names.push(dictionary.get(i) as string | null);
    return (row) => (column.isValid(row) ? names[codes[row]] : null);
  }
  return (row) => {
    const v = column.get(row);
    return v === null || v === undefined ? null : String(v);
  };
}
