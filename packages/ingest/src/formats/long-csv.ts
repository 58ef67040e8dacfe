import type { Data, RecordBatch, Vector } from 'apache-arrow';
import { InputError } from '@driftwatch/contracts';
import { type TextInput, inputName } from '../stream/chunks';
import { type CsvColumn, readCsvBatches } from '../stream/csv-batches';
import type { DuplicatePolicy } from '../stream/assemble';
import { sourceLinesOf } from '../stream/source-lines';
import type { EntityFrame, PivotedFrames } from './frames';
import { type CsvInputOptions, type CsvMapping, readCsvHead, withDetectedTimeUnit } from './wide-csv';
import { grownTo } from '../stream/grow';

export interface LongCsvOptions extends CsvInputOptions {
  /**
   * a second value for the same entity, time and metric: 'error' (default), keep the 'first' or the 'last' in file
   * order
   */
  duplicates?: DuplicatePolicy;
  /** the entity of every row when the mapping names no entity column (default "all") */
  defaultEntity?: string;
}

/** Column names of the long layout with their defaults. */
export function longCsvColumnNames(mapping: CsvMapping): {
  entity?: string;
  timestamp: string;
  metric: string;
  value: string;
} {
  return {
    entity: mapping.entity,
    timestamp: mapping.timestamp ?? 'timestamp',
    metric: mapping.metric ?? 'metric',
    value: mapping.value ?? 'value',
  };
}

/** One entity's cells in file order, in growable columns. */
class Cells {
  times = new BigInt64Array(64);
  metrics = new Int32Array(64);
  values = new Float64Array(64);
  lines = new Uint32Array(64);
  length = 0;

  push(time: bigint, metric: number, value: number, line: number): void {
    if (this.length === this.times.length) this.grow();
    const i = this.length++;
    this.times[i] = time;
    this.metrics[i] = metric;
    this.values[i] = value;
    this.lines[i] = line;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    this.times = grownTo(this.times, capacity);
    this.metrics = grownTo(this.metrics, capacity);
    this.values = grownTo(this.values, capacity);
    this.lines = grownTo(this.lines, capacity);
  }
}

/**
 * Pivots (entity, time, metric, value) rows into one frame per entity with one feature per metric
 * name. Rows are added batch by batch and only their cells are kept (time, metric, value and line per
 * row), so memory follows the size of the output, not the file's text.
 */
export class LongPivot {
  private readonly metricIds = new Map<string, number>();
  private readonly metricNames: string[] = [];
  private readonly entities = new Map<string, Cells>();

  /** @param keep the metric names to keep, in feature order; default every metric, sorted */
  constructor(private readonly keep?: readonly string[]) {}

  /** Adds the rows of one batch with columns [entity], time (Timestamp[ms]), metric (dictionary), value (float64). */
  add(
    batch: RecordBatch,
    columns: { entity?: string; timestamp: string; metric: string; value: string },
    defaultEntity: string,
  ): void {
    const child = (name: string): Data => batch.getChild(name)!.data[0];
    const times = child(columns.timestamp).values as BigInt64Array;
    const metricData = child(columns.metric);
    const metricOf = this.translateMetrics(metricData.dictionary!);
    const metricCodes = metricData.values as Int32Array;
    const valueData = child(columns.value);
    const values = valueData.values as Float64Array;
    const hasNulls = valueData.nullCount > 0;
    const entityData = columns.entity === undefined ? undefined : child(columns.entity);
    const entityOf = entityData ? this.translateEntities(entityData.dictionary!) : [this.cellsOf(defaultEntity)];
    const entityCodes = entityData ? (entityData.values as Int32Array) : new Int32Array(batch.numRows);
    const lines = sourceLinesOf(batch);
    for (let r = 0; r < batch.numRows; r++) {
      const metric = metricOf[metricCodes[r]];
      if (metric === -1) continue;
      const value = hasNulls && !valueData.getValid(r) ? NaN : values[r];
      entityOf[entityCodes[r]].push(times[r], metric, value, lines?.[r] ?? 0);
    }
  }

  /** Batch dictionary code → metric id (-1: not kept). */
  private translateMetrics(dictionary: Vector): Int32Array {
    const out = new Int32Array(dictionary.length);
    for (let j = 0; j < dictionary.length; j++) {
      const name = String(dictionary.get(j));
      if (this.keep && !this.keep.includes(name)) {
        out[j] = -1;
        continue;
      }
      let id = this.metricIds.get(name);
      if (id === undefined) {
        id = this.metricNames.length;
        this.metricIds.set(name, id);
        this.metricNames.push(name);
      }
      out[j] = id;
    }
    return out;
  }

  private translateEntities(dictionary: Vector): Cells[] {
    const out: Cells[] = [];
    for (let j = 0; j < dictionary.length; j++) out.push(this.cellsOf(String(dictionary.get(j))));
    return out;
  }

  private cellsOf(entity: string): Cells {
    let cells = this.entities.get(entity);
    if (!cells) {
      cells = new Cells();
      this.entities.set(entity, cells);
    }
    return cells;
  }

  /**
   * The frames: features are the kept metric names in the given order, else all metric names sorted
   * (by UTF-16 code units, so every file with the same metrics gets the same feature order); each
   * entity's rows are the distinct times of its cells, increasing; cells without a row are NaN.
   */
  finish(file: string, metricColumn: string, duplicates: DuplicatePolicy = 'error'): PivotedFrames {
    const features = this.keep
      ? this.keep.slice()
      : this.metricNames.slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const missing = features.find((name) => !this.metricIds.has(name));
    if (missing !== undefined)
      throw new InputError(
        { file },
        `rows with metric ${JSON.stringify(missing)} (it is listed in metrics) in column "${metricColumn}"`,
        'none',
      );
    const featureOf = Int32Array.from(this.metricNames, (name) => features.indexOf(name));
    const frames: EntityFrame[] = [];
    for (const [entity, cells] of this.entities) {
      if (cells.length === 0) continue;
      frames.push(pivotEntity(entity, cells, featureOf, features, duplicates, file));
    }
    return { features, frames };
  }
}

/** Cell order: by time, file order within a time (so 'first' and 'last' mean file order). */
function timeOrder(cells: Cells): Uint32Array {
  const order = new Uint32Array(cells.length);
  let sorted = true;
  for (let i = 0; i < cells.length; i++) {
    order[i] = i;
    if (i > 0 && cells.times[i] < cells.times[i - 1]) sorted = false;
  }
  if (sorted) return order;
  const times = cells.times;
  return order.sort((a, b) => (times[a] < times[b] ? -1 : times[a] > times[b] ? 1 : a - b));
}

function pivotEntity(
  entity: string,
  cells: Cells,
  featureOf: Int32Array,
  features: string[],
  duplicates: DuplicatePolicy,
  file: string,
): EntityFrame {
  const order = timeOrder(cells);
  let rows = 0;
  for (let k = 0; k < order.length; k++) if (k === 0 || cells.times[order[k]] !== cells.times[order[k - 1]]) rows++;
  const width = features.length;
  const timestamps = new BigInt64Array(rows);
  const values = new Float64Array(rows * width).fill(NaN);
  // the line that filled each cell, to name both lines of a duplicate (0: not filled yet)
  const filledBy = new Uint32Array(rows * width);
  let row = -1;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (k === 0 || cells.times[i] !== cells.times[order[k - 1]]) timestamps[++row] = cells.times[i];
    const cell = row * width + featureOf[cells.metrics[i]];
    if (filledBy[cell] !== 0) {
      if (duplicates === 'error') {
        throw new InputError(
          { file, line: cells.lines[i] },
          `one value per entity, time and metric (line ${filledBy[cell]} already has ` +
            `metric ${JSON.stringify(features[featureOf[cells.metrics[i]]])} of ` +
            `entity ${JSON.stringify(entity)} at ${cells.times[i]} ms)`,
          'a second value',
        );
      }
      if (duplicates === 'first') continue;
    }
    values[cell] = cells.values[i];
    filledBy[cell] = cells.lines[i] || 1;
  }
  return { entity, timestamps, values };
}

/**
 * Reads a long CSV — one (entity, time, metric, value) per row — and pivots it: one frame per entity
 * (first-seen order) with one feature per metric name. Streaming: text is parsed batch by batch.
 */
export async function pivotLongCsv(
  input: TextInput,
  mapping: CsvMapping = {},
  options: LongCsvOptions = {},
): Promise<PivotedFrames> {
  const file = inputName(input);
  const names = longCsvColumnNames(mapping);
  const { timestampUnit } = withDetectedTimeUnit(mapping, names.timestamp, await readCsvHead(input, mapping.delimiter));
  const columns: CsvColumn[] = [
    ...(names.entity !== undefined ? [{ name: names.entity, type: 'dictionary' as const, nullable: false }] : []),
    { name: names.timestamp, type: 'timestamp', unit: timestampUnit ?? 's', nullable: false, mappingHints: true },
    { name: names.metric, type: 'dictionary', nullable: false },
    { name: names.value, type: 'float64' },
  ];
  const pivot = new LongPivot(mapping.metrics);
  const { duplicates, defaultEntity, ...csvOptions } = options;
  for await (const batch of readCsvBatches(input, {
    ...csvOptions,
    header: true,
    columns,
    delimiter: mapping.delimiter,
  })) {
    pivot.add(batch, names, defaultEntity ?? 'all');
  }
  return pivot.finish(file, names.metric, duplicates);
}
