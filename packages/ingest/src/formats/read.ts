import { extname } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import type { Sequence } from '@driftwatch/contracts';
import { type DuplicatePolicy, sequencesFromBatches } from '../stream/assemble';
import { readCsvBatches } from '../stream/csv-batches';
import { readArrowBatches } from './arrow-ipc';
import { type ColumnPlan, projectBatches } from './columns';
import { detectFormat } from './detect';
import { type PivotedFrames, type SequenceNaming, framesToBatches, framesToSequences } from './frames';
import { longCsvColumnNames, pivotLongCsv } from './long-csv';
import { type InputMapping, type InputMappingSpec, checkMappingFor } from './mapping';
import { readParquetBatches } from './parquet';
import { type InfinityPolicy, readPrometheusFile } from './prometheus';
import {
  type CsvInputOptions,
  type CsvMapping,
  planWideCsvInput,
  readCsvHead,
  readWideCsv,
  withDetectedTimeUnit,
} from './wide-csv';

export interface ReadInputOptions extends CsvInputOptions, SequenceNaming {
  /** 'strict' (default): times must increase within an entity (wide CSV, Arrow, Parquet); 'sort': sort them */
  order?: 'strict' | 'sort';
  /** a second record for the same entity and time (long CSV: and metric): 'error' (default), 'first', 'last' */
  duplicates?: DuplicatePolicy;
  /** the entity when there is no entity column or label (default "all") */
  defaultEntity?: string;
  /** Prometheus ±Inf samples: 'error' (default) or 'missing' */
  infinities?: InfinityPolicy;
}

/**
 * A complete mapping for a file: the format as given, else 'long-csv' when the mapping names a metric
 * or value column, else detected (`detectFormat`); a `.tsv` file defaults to tab-delimited; a CSV time
 * column holding ISO 8601 text in its first record gets timestampUnit 'iso' when none is given. Keys
 * that do not apply to the format are a ParameterError.
 */
export async function resolveMapping(path: string, spec: InputMappingSpec = {}): Promise<InputMapping> {
  let format = spec.format;
  if (format === undefined) {
    const detected = await detectFormat(path);
    format = detected === 'wide-csv' && (spec.metric !== undefined || spec.value !== undefined) ? 'long-csv' : detected;
  }
  const mapping: InputMapping = { ...spec, format };
  const inner = path.toLowerCase().endsWith('.gz') ? path.slice(0, -3) : path;
  if (
    (format === 'wide-csv' || format === 'long-csv') &&
    mapping.delimiter === undefined &&
    extname(inner).toLowerCase() === '.tsv'
  )
    mapping.delimiter = '\t';
  checkMappingFor(mapping, format, path);
  if (format !== 'wide-csv' && format !== 'long-csv') return mapping;
  const head = await readCsvHead(path, mapping.delimiter);
  if (format === 'wide-csv') Object.assign(mapping, conventionalColumns(mapping, head.header));
  if (mapping.timestampUnit === undefined) {
    // ISO 8601 text in the time column: say so in the mapping, so that whoever keeps it (a model) reads alike later
    const timeColumn = format === 'wide-csv' ? mapping.timestamp : longCsvColumnNames(mapping).timestamp;
    return { ...withDetectedTimeUnit(mapping, timeColumn, head), format };
  }
  return mapping;
}

/**
 * Without an `entity` or `timestamp` key, columns named `entity` and `timestamp` play those roles: the layout that
 * `driftwatch convert` and `example-metrics` write reads back without flags. A column the mapping lists as a metric
 * keeps that role.
 */
export function conventionalColumns(
  mapping: CsvMapping,
  columns: readonly string[],
): Pick<CsvMapping, 'entity' | 'timestamp'> {
  const free = (name: string) => columns.includes(name) && !(mapping.metrics ?? []).includes(name);
  return {
    entity: mapping.entity ?? (free('entity') && mapping.timestamp !== 'entity' ? 'entity' : undefined),
    timestamp: mapping.timestamp ?? (free('timestamp') && mapping.entity !== 'timestamp' ? 'timestamp' : undefined),
  };
}

/** Whether an Arrow or Parquet mapping asks for particular columns (otherwise every column passes as stored). */
function narrows(mapping: CsvMapping): boolean {
  return mapping.entity !== undefined || mapping.timestamp !== undefined || mapping.metrics !== undefined;
}

/**
 * The record batches of any input the mapping describes, streaming where the format allows:
 * - wide CSV: [entity], [timestamp], metrics, as `readWideCsv`;
 * - Arrow, Parquet: as stored, or narrowed to [entity], [timestamp as Timestamp[ms]], metrics when the
 *   mapping names any of them;
 * - long CSV, Prometheus: pivoted first (memory = the output), then one batch per entity in the wide
 *   layout `entity`, `timestamp`, one Float64 column per feature (`framesToBatches`).
 */
export async function* readBatches(
  path: string,
  spec: InputMappingSpec = {},
  options: ReadInputOptions = {},
): AsyncGenerator<RecordBatch> {
  const mapping = await resolveMapping(path, spec);
  switch (mapping.format) {
    case 'wide-csv':
      yield* readWideCsv(path, mapping, csvOptions(options));
      return;
    case 'arrow':
    case 'parquet': {
      const batches = mapping.format === 'arrow' ? readArrowBatches(path, options) : readParquetBatches(path, options);
      yield* narrows(mapping) ? projectBatches(batches, mapping, path) : batches;
      return;
    }
    case 'long-csv':
    case 'prometheus':
      yield* framesToBatches(
        await pivoted(path, mapping, options),
        { entity: mapping.entity, timestamp: mapping.timestamp },
        path,
      );
      return;
  }
}

/**
 * One Sequence per entity from any input the mapping describes (float32 values, NaN for missing,
 * timestamps in ms when there is a time). Wide CSV, Arrow and Parquet go through `sequencesFromBatches`
 * (times increase within an entity unless `order: 'sort'`; duplicates per `duplicates`); long CSV and
 * Prometheus through their pivots. Sequence ids and domains default to the entity.
 */
export async function readSequences(
  path: string,
  spec: InputMappingSpec = {},
  options: ReadInputOptions = {},
): Promise<Sequence[]> {
  const mapping = await resolveMapping(path, spec);
  const assemble = {
    order: options.order,
    duplicates: options.duplicates,
    idOf: options.idOf,
    domainOf: options.domainOf,
    defaultEntity: options.defaultEntity,
    file: path,
  };
  switch (mapping.format) {
    case 'wide-csv': {
      const plan = await planWideCsvInput(path, mapping);
      const batches = readCsvBatches(path, {
        ...csvOptions(options),
        header: true,
        columns: plan.columns,
        delimiter: mapping.delimiter,
      });
      return sequencesFromBatches(batches, {
        ...assemble,
        entity: mapping.entity,
        timestamp: mapping.timestamp,
        features: plan.metrics,
      });
    }
    case 'arrow':
    case 'parquet': {
      const raw = mapping.format === 'arrow' ? readArrowBatches(path, options) : readParquetBatches(path, options);
      let plan: ColumnPlan | undefined;
      const projected = projectBatches(raw, mapping, path, (p) => (plan = p));
      const first = await projected.next();
      if (first.done) return [];
      return sequencesFromBatches(prepend(first.value, projected), {
        ...assemble,
        entity: plan!.entity,
        timestamp: plan!.timestamp,
        features: plan!.metrics,
      });
    }
    case 'long-csv':
    case 'prometheus':
      return framesToSequences(await pivoted(path, mapping, options), options);
  }
}

/** The frames of the formats that are pivoted rather than streamed. */
async function pivoted(path: string, mapping: InputMapping, options: ReadInputOptions): Promise<PivotedFrames> {
  if (mapping.format === 'long-csv')
    return pivotLongCsv(path, mapping, {
      ...csvOptions(options),
      duplicates: options.duplicates,
      defaultEntity: options.defaultEntity,
    });
  return readPrometheusFile(path, {
    entityLabel: mapping.entityLabel,
    metricLabel: mapping.metricLabel,
    metrics: mapping.metrics,
    infinities: options.infinities,
    defaultEntity: options.defaultEntity,
  });
}

function csvOptions(options: ReadInputOptions): CsvInputOptions {
  const { batchRows, nullTokens, onError, rejects, onProgress, signal } = options;
  return { batchRows, nullTokens, onError, rejects, onProgress, signal };
}

/** `first`, then the rest of the iterator; closing this closes the iterator (and the file behind it). */
async function* prepend<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    yield first;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}
