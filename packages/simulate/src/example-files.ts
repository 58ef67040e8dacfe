/**
 * The files of the example metrics, in the forms a team exports: a wide CSV with ISO times, the same table as
 * Parquet, a Prometheus range-query response (JSON), the injected episodes as a labels file that ingest's
 * `readLabelFile` reads, and example.json saying how each was made and how to read it.
 */
import { join } from 'node:path';
import {
  Dictionary,
  Field,
  Float64,
  Int32,
  RecordBatch,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { writeBatches, writeChunksAtomic } from '@driftwatch/ingest';
import { EXAMPLE_METRICS, type ExampleMetrics } from './metrics-episodes';

/** How ingest reads each metrics file back (also written into example.json). */
export const EXAMPLE_MAPPINGS = {
  'metrics.csv': { format: 'wide-csv', entity: 'entity', timestamp: 'timestamp' },
  'metrics.parquet': { format: 'parquet', entity: 'entity', timestamp: 'timestamp' },
  'metrics.json': { format: 'prometheus', entityLabel: 'instance' },
} as const;

/**
 * The wide table, one batch per entity: `entity` (a dictionary of all entities, fixed id so that two writes are
 * the same bytes), `timestamp` (ms) and one Float64 column per metric.
 */
export function* exampleMetricBatches(ex: ExampleMetrics): Generator<RecordBatch> {
  const F = ex.metrics.length;
  const dictionary = new Dictionary(new Utf8(), new Int32(), 0);
  const fields = [
    new Field('entity', dictionary, false),
    new Field('timestamp', new TimestampMillisecond(), false),
    ...ex.metrics.map((m) => new Field(m, new Float64(), false)),
  ];
  const schema = new Schema(fields);
  const entities = vectorFromArray(ex.entities, new Utf8());
  const times = BigInt64Array.from(ex.times, (t) => BigInt(t));
  for (let i = 0; i < ex.entities.length; i++) {
    const columns = ex.metrics.map((_, f) => {
      const column = new Float64Array(ex.steps);
      for (let t = 0; t < ex.steps; t++) column[t] = ex.values[i][t * F + f];
      return makeData({ type: new Float64(), length: ex.steps, nullCount: 0, data: column });
    });
    const children = [
      makeData({
        type: dictionary,
        length: ex.steps,
        nullCount: 0,
        data: new Int32Array(ex.steps).fill(i),
        dictionary: entities,
      }),
      makeData({ type: new TimestampMillisecond(), length: ex.steps, nullCount: 0, data: times }),
      ...columns,
    ];
    yield new RecordBatch(schema, makeData({ type: new Struct(fields), length: ex.steps, nullCount: 0, children }));
  }
}

/**
 * A Prometheus `/api/v1/query_range` response (resultType "matrix"): one series per entity and metric, labelled
 * `__name__` and `instance`, samples `[unix seconds, "value"]`. Streamed series by series.
 */
export async function* examplePrometheusJson(ex: ExampleMetrics): AsyncGenerator<string> {
  const F = ex.metrics.length;
  yield '{"status":"success","data":{"resultType":"matrix","result":[';
  let first = true;
  for (let i = 0; i < ex.entities.length; i++) {
    for (let f = 0; f < F; f++) {
      const labels = JSON.stringify({ __name__: ex.metrics[f], instance: ex.entities[i], job: 'example' });
      const samples: string[] = [];
      for (let t = 0; t < ex.steps; t++) samples.push(`[${ex.times[t] / 1000},"${ex.values[i][t * F + f]}"]`);
      yield `${first ? '' : ','}\n{"metric":${labels},"values":[${samples.join(',')}]}`;
      first = false;
    }
  }
  yield '\n]}}\n';
}

/**
 * labels.csv: `entity,start,end,type,metric,sigmas` — one line per injected episode, bounds ISO 8601 and inclusive
 * (ingest's `readLabelFile` reads entity, start, end and type and ignores the other columns).
 */
export function exampleLabelsCsv(ex: ExampleMetrics): string {
  const iso = (t: number) => new Date(ex.times[t]).toISOString();
  const lines = ex.episodes.map((e) => [e.entity, iso(e.first), iso(e.last), e.type, e.metric, e.sigmas].join(','));
  return ['entity,start,end,type,metric,sigmas', ...lines].join('\n') + '\n';
}

/** The training period as `train --train-range` takes it: first..last record time, inclusive. */
export function exampleTrainRange(ex: ExampleMetrics): string | undefined {
  if (ex.trainingSteps === 0) return undefined;
  return `${new Date(ex.times[0]).toISOString()}..${new Date(ex.times[ex.trainingSteps - 1]).toISOString()}`;
}

/** What example.json says: how to make the files again and how to read each one. */
export function exampleManifest(ex: ExampleMetrics, command?: string) {
  return {
    format: 1,
    generator: '@driftwatch/simulate example metrics',
    seed: ex.seed,
    ...(command ? { command } : {}),
    options: ex.options,
    entities: ex.entities,
    metrics: ex.metrics.map((name) => {
      const m = EXAMPLE_METRICS.find((e) => e.name === name)!;
      return { name, what: m.what, counter: m.counter };
    }),
    steps: ex.steps,
    start: new Date(ex.times[0]).toISOString(),
    stepMs: ex.options.stepMs,
    trainRange: exampleTrainRange(ex),
    episodes: ex.episodes.length,
    files: {
      'metrics.csv': {
        what: 'wide CSV: entity, timestamp (ISO 8601), one column per metric',
        mapping: EXAMPLE_MAPPINGS['metrics.csv'],
      },
      'metrics.parquet': {
        what: 'the same table as Parquet (timestamp in ms)',
        mapping: EXAMPLE_MAPPINGS['metrics.parquet'],
      },
      'metrics.json': {
        what: 'the same data as a Prometheus range-query response (instance = entity)',
        mapping: EXAMPLE_MAPPINGS['metrics.json'],
      },
      'labels.csv': { what: 'injected episodes: entity, start, end (inclusive, ISO 8601), type, metric, sigmas' },
    },
  };
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

/** Writes every example file into `dir` (which exists and is empty); returns the names written. */
export async function writeExampleMetricsFiles(dir: string, ex: ExampleMetrics, command?: string): Promise<string[]> {
  await writeBatches(join(dir, 'metrics.csv'), exampleMetricBatches(ex), 'csv');
  await writeBatches(join(dir, 'metrics.parquet'), exampleMetricBatches(ex), 'parquet');
  await writeChunksAtomic(join(dir, 'metrics.json'), examplePrometheusJson(ex));
  await writeChunksAtomic(join(dir, 'labels.csv'), once(exampleLabelsCsv(ex)));
  await writeChunksAtomic(
    join(dir, 'example.json'),
    once(`${JSON.stringify(exampleManifest(ex, command), null, 2)}\n`),
  );
  return ['metrics.csv', 'metrics.parquet', 'metrics.json', 'labels.csv', 'example.json'];
}
