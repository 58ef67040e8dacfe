/**
 * The files of a simulation, in the layouts ingest reads (docs/architecture.md: the simulator "writes the same
 * layouts ingest reads"): metrics as a long CSV and/or a wide Arrow IPC file, labels per node and step, the
 * fault table, the true and observed graph per window, and simulation.json describing it all. The entry
 * `@driftwatch/simulate/files`: only it needs ingest and apache-arrow, so the simulator itself stays light.
 */
import { join } from 'node:path';
import {
  Dictionary,
  Field,
  Float32,
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
import type { FaultRecord } from './faults';
import { SIMULATOR_VERSION, type Simulation } from './simulate';

/** Metrics layouts a simulation can be written in. */
export type SimulationFormat = 'csv' | 'arrow';

/** How ingest reads each metrics file back (also written into simulation.json). */
export const METRICS_MAPPINGS = {
  'metrics.csv': { format: 'long-csv', entity: 'entity', timestampUnit: 'iso' },
  'metrics.arrow': { format: 'arrow', entity: 'entity' },
} as const;

/** Steps per record batch of the long CSV (rows = steps · N · F). */
const STEPS_PER_BATCH = 256;

/** The long layout entity, timestamp, metric, value: one row per node, step and metric, steps in order. */
export function* longMetricBatches(sim: Simulation, stepsPerBatch = STEPS_PER_BATCH): Generator<RecordBatch> {
  const s = sim.series;
  const N = s.entities.length;
  const F = s.features.length;
  const dictionary = new Dictionary(new Utf8(), new Int32(), 0);
  const metricDictionary = new Dictionary(new Utf8(), new Int32(), 1);
  const fields = [
    new Field('entity', dictionary, false),
    new Field('timestamp', new TimestampMillisecond(), false),
    new Field('metric', metricDictionary, false),
    new Field('value', new Float32(), true),
  ];
  const schema = new Schema(fields);
  const entities = vectorFromArray(s.entities, new Utf8());
  const metrics = vectorFromArray(s.features, new Utf8());
  for (let from = 0; from < s.length; from += stepsPerBatch) {
    const to = Math.min(s.length, from + stepsPerBatch);
    const rows = (to - from) * N * F;
    const entity = new Int32Array(rows);
    const time = new BigInt64Array(rows);
    const metric = new Int32Array(rows);
    let r = 0;
    for (let t = from; t < to; t++) {
      for (let i = 0; i < N; i++) {
        for (let f = 0; f < F; f++, r++) {
          entity[r] = i;
          time[r] = s.timestamps![t];
          metric[r] = f;
        }
      }
    }
    const value = s.values.slice(from * N * F, to * N * F);
    const children = [
      makeData({ type: dictionary, length: rows, nullCount: 0, data: entity, dictionary: entities }),
      makeData({ type: new TimestampMillisecond(), length: rows, nullCount: 0, data: time }),
      makeData({ type: metricDictionary, length: rows, nullCount: 0, data: metric, dictionary: metrics }),
      makeData({ type: new Float32(), length: rows, nullCount: 0, data: value }),
    ];
    yield new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, nullCount: 0, children }));
  }
}

/**
 * The wide layout ingest reads from Arrow (as `framesToBatches` writes it): one batch per node with `entity`
 * (a dictionary of all nodes), `timestamp` and one Float32 column per metric. The dictionary id is fixed, so
 * two writes of the same simulation are the same bytes even within one process.
 */
export function* wideMetricBatches(sim: Simulation): Generator<RecordBatch> {
  const s = sim.series;
  const N = s.entities.length;
  const F = s.features.length;
  const dictionary = new Dictionary(new Utf8(), new Int32(), 0);
  const fields = [
    new Field('entity', dictionary, false),
    new Field('timestamp', new TimestampMillisecond(), false),
    ...s.features.map((f) => new Field(f, new Float32(), false)),
  ];
  const schema = new Schema(fields, new Map([['source', s.id]]));
  const entities = vectorFromArray(s.entities, new Utf8());
  for (let i = 0; i < N; i++) {
    const columns = s.features.map((_, f) => {
      const column = new Float32Array(s.length);
      for (let t = 0; t < s.length; t++) column[t] = s.values[(t * N + i) * F + f];
      return makeData({ type: new Float32(), length: s.length, nullCount: 0, data: column });
    });
    const children = [
      makeData({
        type: dictionary,
        length: s.length,
        nullCount: 0,
        data: new Int32Array(s.length).fill(i),
        dictionary: entities,
      }),
      makeData({ type: new TimestampMillisecond(), length: s.length, nullCount: 0, data: s.timestamps! }),
      ...columns,
    ];
    yield new RecordBatch(schema, makeData({ type: new Struct(fields), length: s.length, nullCount: 0, children }));
  }
}

/** labels.csv: entity, timestamp, step, label (0/1), event (the fault type, empty when normal). */
async function* labelLines(sim: Simulation): AsyncGenerator<string> {
  const s = sim.series;
  const N = s.entities.length;
  yield 'entity,timestamp,step,label,event\n';
  for (let t = 0; t < s.length; t++) {
    const time = new Date(Number(s.timestamps![t])).toISOString();
    let chunk = '';
    for (let i = 0; i < N; i++) {
      const code = s.eventOf![t * N + i];
      chunk += `${s.entities[i]},${time},${t},${s.labels![t * N + i]},${code >= 0 ? s.eventTypes![code] : ''}\n`;
    }
    yield chunk;
  }
}

const FAULT_COLUMNS: (keyof FaultRecord)[] = [
  'fault',
  'entity',
  'type',
  'role',
  'rootEntity',
  'hops',
  'delay',
  'start',
  'end',
  'labelEnd',
  'intensity',
  'direct',
  'labelled',
];

function faultCsv(faults: readonly FaultRecord[]): string {
  const header = [
    'fault',
    'entity',
    'type',
    'role',
    'root_entity',
    'hops',
    'delay',
    'start',
    'end',
    'label_end',
    'intensity',
    'direct',
    'labelled',
  ];
  return [header.join(','), ...faults.map((r) => FAULT_COLUMNS.map((k) => String(r[k])).join(','))].join('\n') + '\n';
}

async function* jsonLines(items: readonly unknown[]): AsyncGenerator<string> {
  for (const item of items) yield `${JSON.stringify(item)}\n`;
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

/** What simulation.json says about a run: enough to make it again and to read every file. */
export function simulationManifest(sim: Simulation, formats: readonly SimulationFormat[], command?: string) {
  const s = sim.series;
  const labelled = s.labels!.reduce((a, b) => a + b, 0);
  return {
    format: 1,
    generator: '@driftwatch/simulate',
    version: SIMULATOR_VERSION,
    seed: sim.seed,
    ...(command ? { command } : {}),
    config: sim.config,
    series: {
      id: s.id,
      entities: s.entities,
      features: s.features,
      eventTypes: s.eventTypes,
      steps: s.length,
      start: new Date(sim.config.startTime).toISOString(),
      stepMs: sim.config.stepMs,
    },
    nodes: s.entities.map((entity, i) => ({
      entity,
      role: sim.layout.roles[i],
      tier: sim.layout.tier[i],
      machine: sim.layout.placement[i],
      capacity: sim.profiles[i].capacity,
      serviceMs: sim.profiles[i].serviceMs,
    })),
    rewiring: sim.rewiring,
    summary: {
      rootFaults: sim.rootFaults.length,
      faultRecords: sim.faults.length,
      labelledCells: labelled,
      labelledFraction: labelled / (s.length * s.entities.length),
    },
    files: {
      ...(formats.includes('csv')
        ? {
            'metrics.csv': {
              what: 'metrics, long layout: entity, timestamp (ISO 8601), metric, value',
              mapping: METRICS_MAPPINGS['metrics.csv'],
            },
          }
        : {}),
      ...(formats.includes('arrow')
        ? {
            'metrics.arrow': {
              what: 'metrics, wide layout: entity, timestamp, one column per metric',
              mapping: METRICS_MAPPINGS['metrics.arrow'],
            },
          }
        : {}),
      'labels.csv': { what: 'ground truth per node and step: entity, timestamp, step, label, event' },
      'faults.csv': { what: 'every fault effect: roots and propagated, labelled or not (also faults.json)' },
      'graphs-true.jsonl': { what: 'the call graph per window (GraphSnapshot per line), weights = routing fractions' },
      'graphs-observed.jsonl': { what: 'the observed graph per window, with structural noise' },
    },
  };
}

/** Writes every file of a simulation into `dir` (which exists and is empty). Returns the names written. */
export async function writeSimulationFiles(
  dir: string,
  sim: Simulation,
  formats: readonly SimulationFormat[],
  command?: string,
): Promise<string[]> {
  const written: string[] = [];
  const put = async (name: string, chunks: AsyncIterable<string>) => {
    await writeChunksAtomic(join(dir, name), chunks);
    written.push(name);
  };
  if (formats.includes('csv')) {
    await writeBatches(join(dir, 'metrics.csv'), longMetricBatches(sim), 'csv');
    written.push('metrics.csv');
  }
  if (formats.includes('arrow')) {
    await writeBatches(join(dir, 'metrics.arrow'), wideMetricBatches(sim), 'arrow');
    written.push('metrics.arrow');
  }
  await put('labels.csv', labelLines(sim));
  await put('faults.csv', once(faultCsv(sim.faults)));
  await put('faults.json', once(`${JSON.stringify(sim.faults, null, 1)}\n`));
  await put('graphs-true.jsonl', jsonLines(sim.trueGraphs));
  await put('graphs-observed.jsonl', jsonLines(sim.series.graphs ?? []));
  await put('simulation.json', once(`${JSON.stringify(simulationManifest(sim, formats, command), null, 2)}\n`));
  return written;
}

export {
  EXAMPLE_MAPPINGS,
  exampleMetricBatches,
  examplePrometheusJson,
  exampleLabelsCsv,
  exampleTrainRange,
  exampleManifest,
  writeExampleMetricsFiles,
} from './example-files';
