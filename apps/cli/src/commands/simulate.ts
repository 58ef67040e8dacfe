import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Dictionary, Field, Float32, Int32, RecordBatch, Schema, Struct, TimestampMillisecond, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { ParameterError } from '@driftwatch/contracts';
import { parseJsonWithPositions, temporarySiblingPath, writeBatches, writeChunksAtomic } from '@driftwatch/ingest';
import { SIMULATOR_VERSION, simulateCluster, type FaultRecord, type FaultType, type Simulation, type SimulationOptions } from '@driftwatch/simulate';
import { commandLine, intOption, optionalString, requireString, type Command, type OptionValues } from '../command';
import { progressBar } from '../progress';
import { UsageError } from '../cli-error';
import { simulateDefinition } from './simulate.def';

/** Output layouts of `simulate --format`. */
export type SimulationFormat = 'csv' | 'arrow';

/** How ingest reads each metrics file back (also written into simulation.json). */
export const METRICS_MAPPINGS = {
  'metrics.csv': { format: 'long-csv', entity: 'entity', timestampUnit: 'iso' },
  'metrics.arrow': { format: 'arrow', entity: 'entity' },
} as const;

/** Steps per record batch of the long CSV (rows = steps · N · F). */
const STEPS_PER_BATCH = 256;

/** A number flag; absent → undefined. */
function numberOption(values: OptionValues, name: string): number | undefined {
  const v = optionalString(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${v}'`);
  return n;
}

/** SimulationOptions from --config and the flags (flags win), plus the seed. */
export async function simulationFromFlags(values: OptionValues): Promise<{ options: SimulationOptions; seed: number }> {
  const file = optionalString(values, 'config');
  let options: SimulationOptions = {};
  if (file) {
    const text = await readFile(file, 'utf8');
    parseJsonWithPositions(text, file); // a syntax error gets its line and column
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ParameterError(`${file}: expected a JSON object of simulation parameters`);
    options = parsed as SimulationOptions;
  }
  const set = <T>(value: T | undefined, apply: (v: T) => void) => value !== undefined && apply(value);
  const workload = { ...(options.workload ?? {}) };
  const faults = { ...(options.faults ?? {}) };
  set(numberOption(values, 'nodes'), (v) => (options.nodes = v));
  set(numberOption(values, 'steps'), (v) => (options.steps = v));
  set(optionalString(values, 'topology') as 'layered' | 'dag' | undefined, (v) => (options.topology = v));
  set(numberOption(values, 'rewiring'), (v) => (options.rewiring = v));
  set(numberOption(values, 'noise'), (v) => (options.structuralNoise = v));
  set(numberOption(values, 'window'), (v) => (options.graphWindow = v));
  set(numberOption(values, 'measurement-noise'), (v) => (options.measurementNoise = v));
  set(numberOption(values, 'burst'), (v) => (workload.burstAmplitude = v));
  set(numberOption(values, 'faults'), (v) => (faults.count = v));
  set(numberOption(values, 'fault-start'), (v) => (faults.start = v));
  set(numberOption(values, 'delay'), (v) => (faults.delay = v));
  set(numberOption(values, 'attenuation'), (v) => (faults.attenuation = v));
  set(numberOption(values, 'label-fraction'), (v) => (faults.labelFraction = v));
  set(optionalString(values, 'fault-types'), (v) => (faults.types = v.split(',').map((s) => s.trim()) as FaultType[]));
  if (Object.keys(workload).length > 0) options.workload = workload;
  if (Object.keys(faults).length > 0) options.faults = faults;
  return { options, seed: intOption(values, 'seed', 0) };
}

/**
 * Writes into `fill`'s temporary folder and renames it to `out` when everything is there: readers see no
 * folder or a complete one. An existing `out` is replaced only with `replace`; on failure it stays as it was.
 */
export async function writeFolderAtomic(out: string, replace: boolean, fill: (dir: string) => Promise<void>): Promise<void> {
  const target = resolve(out);
  if (existsSync(target) && !replace) throw new UsageError(`${out} exists (use --force to replace it)`);
  const temporary = temporarySiblingPath(target);
  await mkdir(temporary, { recursive: true });
  try {
    await fill(temporary);
    if (existsSync(target)) {
      const old = `${temporary}.old`;
      await rename(target, old);
      try {
        await rename(temporary, target);
      } catch (error) {
        await rename(old, target);
        throw error;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temporary, target);
    }
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

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
  const fields = [new Field('entity', dictionary, false), new Field('timestamp', new TimestampMillisecond(), false), ...s.features.map((f) => new Field(f, new Float32(), false))];
  const schema = new Schema(fields, new Map([['source', s.id]]));
  const entities = vectorFromArray(s.entities, new Utf8());
  for (let i = 0; i < N; i++) {
    const columns = s.features.map((_, f) => {
      const column = new Float32Array(s.length);
      for (let t = 0; t < s.length; t++) column[t] = s.values[(t * N + i) * F + f];
      return makeData({ type: new Float32(), length: s.length, nullCount: 0, data: column });
    });
    const children = [
      makeData({ type: dictionary, length: s.length, nullCount: 0, data: new Int32Array(s.length).fill(i), dictionary: entities }),
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

const FAULT_COLUMNS: (keyof FaultRecord)[] = ['fault', 'entity', 'type', 'role', 'rootEntity', 'hops', 'delay', 'start', 'end', 'labelEnd', 'intensity', 'direct', 'labelled'];

function faultCsv(faults: readonly FaultRecord[]): string {
  const header = ['fault', 'entity', 'type', 'role', 'root_entity', 'hops', 'delay', 'start', 'end', 'label_end', 'intensity', 'direct', 'labelled'];
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
    series: { id: s.id, entities: s.entities, features: s.features, eventTypes: s.eventTypes, steps: s.length, start: new Date(sim.config.startTime).toISOString(), stepMs: sim.config.stepMs },
    nodes: s.entities.map((entity, i) => ({
      entity,
      role: sim.layout.roles[i],
      tier: sim.layout.tier[i],
      machine: sim.layout.placement[i],
      capacity: sim.profiles[i].capacity,
      serviceMs: sim.profiles[i].serviceMs,
    })),
    rewiring: sim.rewiring,
    summary: { rootFaults: sim.rootFaults.length, faultRecords: sim.faults.length, labelledCells: labelled, labelledFraction: labelled / (s.length * s.entities.length) },
    files: {
      ...(formats.includes('csv') ? { 'metrics.csv': { what: 'metrics, long layout: entity, timestamp (ISO 8601), metric, value', mapping: METRICS_MAPPINGS['metrics.csv'] } } : {}),
      ...(formats.includes('arrow') ? { 'metrics.arrow': { what: 'metrics, wide layout: entity, timestamp, one column per metric', mapping: METRICS_MAPPINGS['metrics.arrow'] } } : {}),
      'labels.csv': { what: 'ground truth per node and step: entity, timestamp, step, label, event' },
      'faults.csv': { what: 'every fault effect: roots and propagated, labelled or not (also faults.json)' },
      'graphs-true.jsonl': { what: 'the call graph per window (GraphSnapshot per line), weights = routing fractions' },
      'graphs-observed.jsonl': { what: 'the observed graph per window, with structural noise' },
    },
  };
}

/** Writes every file of a simulation into `dir` (which exists and is empty). Returns the names written. */
export async function writeSimulationFiles(dir: string, sim: Simulation, formats: readonly SimulationFormat[], command?: string): Promise<string[]> {
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

export function parseFormats(v: string | undefined): SimulationFormat[] {
  const given = v ?? 'both';
  if (given === 'both') return ['csv', 'arrow'];
  if (given === 'csv' || given === 'arrow') return [given];
  throw new UsageError(`--format expects csv, arrow or both, got '${given}'`);
}

export const simulate: Command = {
  ...simulateDefinition,
  async run(values, _positionals, argv) {
    const out = requireString(values, 'out', simulate);
    const formats = parseFormats(optionalString(values, 'format'));
    if (existsSync(out) && !values.force) throw new UsageError(`${out} exists (use --force to replace it)`);
    if (existsSync(out) && !(await stat(out)).isDirectory()) throw new UsageError(`${out} exists and is not a folder`);
    const { options, seed } = await simulationFromFlags(values);
    const bar = progressBar(`simulate ${basename(out)}`, 2);
    const t0 = performance.now();
    const sim = simulateCluster(options, seed);
    bar.update(1, `${sim.series.entities.length} nodes × ${sim.series.length} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    let files: string[] = [];
    await writeFolderAtomic(out, Boolean(values.force), async (dir) => {
      files = await writeSimulationFiles(dir, sim, formats, commandLine(argv));
    });
    bar.done();
    const labelled = sim.series.labels!.reduce((a, b) => a + b, 0);
    process.stdout.write(
      [
        `${out}: ${sim.series.entities.length} nodes, ${sim.series.length} steps, ${sim.series.features.length} metrics (seed ${seed})`,
        `  ${sim.rootFaults.length} root faults, ${sim.faults.length} fault effects; ${((100 * labelled) / sim.series.labels!.length).toFixed(1)}% of node-steps labelled anomalous`,
        `  ${sim.trueGraphs.length} graph windows, ${sim.rewiring.moves} edge moves; observed graphs with ${Math.round(sim.config.structuralNoise * 100)}% structural noise`,
        `  files: ${files.join(', ')}`,
        `  next: driftwatch convert ${join(out, formats.includes('csv') ? 'metrics.csv' : 'metrics.arrow')} --to parquet ${formats.includes('csv') ? '--format long-csv --map entity=entity --map timestampUnit=iso' : '--map entity=entity'}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
