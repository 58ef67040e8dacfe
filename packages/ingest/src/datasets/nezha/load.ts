import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataRootError, InputError, ParameterError, type Sequence } from '@driftwatch/contracts';
import { type DatasetInspection, summariseSequences } from '../../inspect/summary';
import { type NezhaDependencies, readDependencies } from './dependency';
import { type NezhaEntityMode, type PodSequence, sequencesPerService } from './entities';
import { NEZHA_FAULT_TYPES, type NezhaFault, type NezhaFaultType, readFaultList } from './faults';
import {
  DEFAULT_LABEL_WINDOW,
  type FaultWindow,
  type LabelWindow,
  type RecoverySignal,
  type RecoverySignalRef,
  faultWindows,
  labelSequences,
  normalMask,
  recordsInWindow,
  resolveLabelWindow,
  timesOf,
} from './label-window';
import {
  type EdgeLatency,
  type PodMetrics,
  podOfMetricFile,
  readEdgeLatency,
  readFrontService,
  readPodMetrics,
} from './metrics';
import { type NezhaApplication, applicationOfServices, serviceOfPod } from './names';
import { readSpanBatches, readTraceIds } from './spans';
import { formatUtc } from './times';

export interface LoadNezhaOptions {
  /** `YYYY-MM-DD`, a folder of construct_data/ (2022-08-22 or 2023-01-29 in the included data) */
  date: string;
  /** how long after its injection a fault labels records (default: recovery with its defaults) */
  labelWindow?: LabelWindow;
  /**
   * one sequence per pod, or per service (default 'service'; pods of one service are combined, see sequencesPerService)
   */
  entity?: NezhaEntityMode;
}

/** A pod metric file without its sequence. */
export interface NezhaPodFile {
  pod: string;
  service: string;
  file: string;
  timeStampMismatches: number;
}

/** One day of Nezha data. */
export interface NezhaDay {
  date: string;
  application: NezhaApplication;
  /** `<application>/<date>`, the domain of every sequence of the day */
  domain: string;
  entity: NezhaEntityMode;
  /** one labelled sequence per pod or service, in name order; features POD_METRIC_FEATURES */
  sequences: Sequence[];
  pods: NezhaPodFile[];
  /** front_service.csv: the entry point's success rate and latency */
  front: Sequence | undefined;
  /** dependency.csv (2022-08-22 only) */
  edges: NezhaDependencies | undefined;
  /** source_50.csv and destination_50.csv (2022-08-22 only) */
  edgeLatency: { source: EdgeLatency; destination: EdgeLatency } | undefined;
  /** the fault list, in time order */
  faults: NezhaFault[];
  /** each fault's label window, in the faults' order */
  windows: FaultWindow[];
  labelWindow: LabelWindow;
}

/** The Nezha folder of a data root. */
export function nezhaDir(dataRoot: string): string {
  return join(dataRoot, 'nezha');
}

/** Dates with metric files (`construct_data/<date>/metric/`), in order. */
export async function listNezhaDates(dataRoot: string): Promise<string[]> {
  const dir = join(nezhaDir(dataRoot), 'construct_data');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new DataRootError(`data set "nezha" not found: no directory ${dir} (data root ${dataRoot})`);
  }
  return names.filter((n) => /^\d{4}-\d{2}-\d{2}$/.test(n) && existsSync(join(dir, n, 'metric'))).sort();
}

/**
 * Loads one day: the pod metric files as labelled sequences (one per pod or per service), the entry-service
 * sequence, dependency edges and per-edge latency where present, the fault list and each fault's window.
 * Metric files come from construct_data/ (rca_data/ holds byte-identical copies; each covers the whole day).
 */
export async function loadNezha(dataRoot: string, options: LoadNezhaOptions): Promise<NezhaDay> {
  const date = options.date;
  const entity = options.entity ?? 'service';
  if (entity !== 'pod' && entity !== 'service')
    throw new ParameterError(`entity must be "pod" or "service", got ${JSON.stringify(entity)}`);
  const labelWindow = options.labelWindow ?? DEFAULT_LABEL_WINDOW;
  resolveLabelWindow(labelWindow);
  const dates = await listNezhaDates(dataRoot);
  if (!dates.includes(date))
    throw new DataRootError(`nezha: no date ${JSON.stringify(date)}; available: ${dates.join(', ') || 'none'}`);
  const metricDir = join(nezhaDir(dataRoot), 'construct_data', date, 'metric');
  const names = (await readdir(metricDir)).sort();
  const podFiles = names.filter((n) => n.endsWith('_metric.csv'));
  if (podFiles.length === 0) throw new DataRootError(`nezha/${date}: no <pod>_metric.csv files in ${metricDir}`);
  const services = podFiles.map((n) => serviceOfPod(podOfMetricFile(n) ?? '') ?? '');
  const application = applicationOfServices(services);
  const domain = `${application}/${date}`;
  const idPrefix = `nezha/${date}`;

  const pods: PodMetrics[] = [];
  for (const name of podFiles) pods.push(await readPodMetrics(join(metricDir, name), { idPrefix, domain }));
  const podSequences: PodSequence[] = pods.map((p) => ({ pod: p.pod, service: p.service, sequence: p.sequence }));
  const sequences =
    entity === 'pod'
      ? podSequences.map((p) => p.sequence)
      : sequencesPerService(podSequences, (service) => `${idPrefix}/${service}`);

  const has = (name: string) => names.includes(name);
  const front = has('front_service.csv')
    ? await readFrontService(join(metricDir, 'front_service.csv'), { id: `${idPrefix}/front`, domain })
    : undefined;
  const edges = has('dependency.csv') ? await readDependencies(join(metricDir, 'dependency.csv')) : undefined;
  const edgeLatency =
    has('source_50.csv') && has('destination_50.csv')
      ? {
          source: await readEdgeLatency(
            join(metricDir, 'source_50.csv'),
            { id: `${idPrefix}/edges/source`, domain },
            edges?.calls,
          ),
          destination: await readEdgeLatency(
            join(metricDir, 'destination_50.csv'),
            { id: `${idPrefix}/edges/destination`, domain },
            edges?.calls,
          ),
        }
      : undefined;

  const faultFile = join(nezhaDir(dataRoot), 'rca_data', date, `${date}-fault_list.json`);
  const faults = existsSync(faultFile) ? await readFaultList(faultFile) : [];
  const podNames = new Set(pods.map((p) => p.pod));
  for (const f of faults) {
    if (!podNames.has(f.pod))
      throw new InputError(
        { file: f.file, line: f.line, column: f.column },
        `an inject_pod with a metric file in ${metricDir}`,
        f.pod,
      );
  }
  const byEntity = new Map(sequences.map((s) => [s.entity, s]));
  const windows = faultWindows(faults, labelWindow, {
    entityOf: (f) => (entity === 'pod' ? f.pod : f.service),
    recordTimesOf: (e) => (byEntity.has(e) ? timesOf(byEntity.get(e)!) : undefined),
    signalsOf: (f, ref) => signalsFor(f, ref, byEntity.get(entity === 'pod' ? f.pod : f.service)!, front, edgeLatency),
  });
  return {
    date,
    application,
    domain,
    entity,
    sequences: labelSequences(sequences, windows),
    pods: pods.map(({ pod, service, file, timeStampMismatches }) => ({ pod, service, file, timeStampMismatches })),
    front,
    edges,
    edgeLatency,
    faults,
    windows,
    labelWindow,
  };
}

/** The series behind a signal reference for one fault; a feature that does not exist is a ParameterError. */
function signalsFor(
  fault: NezhaFault,
  ref: RecoverySignalRef,
  own: Sequence,
  front: Sequence | undefined,
  edgeLatency: NezhaDay['edgeLatency'],
): RecoverySignal[] {
  if (ref.source === 'entity') return [featureSignal(own, ref.feature)];
  if (ref.source === 'front') return front ? [featureSignal(front, ref.feature)] : [];
  const side = edgeLatency?.[ref.side];
  if (!side) return [];
  return side.edges.flatMap((edge, f) =>
    edge.callee === fault.service ? [featureSignal(side.sequence, side.sequence.features[f])] : [],
  );
}

/** One feature of a sequence as a signal. */
export function featureSignal(seq: Sequence, feature: string): RecoverySignal {
  const f = seq.features.indexOf(feature);
  if (f === -1)
    throw new ParameterError(
      `signal feature ${JSON.stringify(feature)} is not a feature of ${seq.id} (${seq.features.join(', ')})`,
    );
  const width = seq.features.length;
  const values = new Float64Array(seq.length);
  for (let t = 0; t < seq.length; t++) values[t] = seq.values[t * width + f];
  return { name: `${seq.id}:${feature}`, times: timesOf(seq), values };
}

/** The fault-free records of a day's sequence (outside every fault window of the day): 1 normal, 0 not. */
export function normalRecords(day: Pick<NezhaDay, 'windows'>, seq: Sequence): Uint8Array {
  return normalMask(seq, day.windows);
}

/** One row of the window table: a fault and the records its window labels on its entity's sequence. */
export interface WindowRow {
  injectTime: string;
  entity: string;
  type: NezhaFaultType;
  records: number;
  /** times of the first and last labelled record, `YYYY-MM-DD HH:MM:SS` UTC */
  firstRecord?: string;
  lastRecord?: string;
  /** minutes from the injection to the last labelled record */
  minutesToLastRecord?: number;
  reason: FaultWindow['reason'];
}

/** The window of each fault as a table row (for reports and the README). */
export function windowTable(day: Pick<NezhaDay, 'windows' | 'sequences'>): WindowRow[] {
  const byEntity = new Map(day.sequences.map((s) => [s.entity, s]));
  return day.windows.map((w) => {
    const seq = byEntity.get(w.entity);
    const { start, end } = seq ? recordsInWindow(seq, w) : { start: 0, end: 0 };
    const row: WindowRow = {
      injectTime: w.fault.injectTime,
      entity: w.entity,
      type: w.fault.type,
      records: Math.max(0, end - start),
      reason: w.reason,
    };
    if (seq && end > start) {
      const last = Number(seq.timestamps![end - 1]);
      row.firstRecord = formatUtc(Number(seq.timestamps![start]));
      row.lastRecord = formatUtc(last);
      row.minutesToLastRecord = Math.round(((last - w.startMs) / 60_000) * 10) / 10;
    }
    return row;
  });
}

/** A trace file and its trace-id file, by phase and minute. */
export interface NezhaTraceFile {
  phase: 'construct_data' | 'rca_data';
  date: string;
  /** `HH_MM`: the spans starting in the minute before HH:MM (datasets README) */
  minute: string;
  trace: string;
  traceIds?: string;
}

/** The trace files of a date in both phases, in order. */
export async function listTraceFiles(dataRoot: string, date: string): Promise<NezhaTraceFile[]> {
  const files: NezhaTraceFile[] = [];
  for (const phase of ['construct_data', 'rca_data'] as const) {
    const dir = join(nezhaDir(dataRoot), phase, date, 'trace');
    if (!existsSync(dir)) continue;
    for (const name of (await readdir(dir)).sort()) {
      const m = /^(\d{2}_\d{2})_trace\.csv$/.exec(name);
      if (!m) continue;
      const ids = join(nezhaDir(dataRoot), phase, date, 'traceid', `${m[1]}_traceid.csv`);
      files.push({ phase, date, minute: m[1], trace: join(dir, name), ...(existsSync(ids) ? { traceIds: ids } : {}) });
    }
  }
  return files;
}

/**
 * What `datasets inspect` shows for Nezha: the pod sequences of every date (one per service, recovery
 * windows), records per fault type, and tables of edges, faults, spans and trace ids per file.
 */
export async function inspectNezha(dataRoot: string): Promise<DatasetInspection> {
  const dates = await listNezhaDates(dataRoot);
  const sequences: Sequence[] = [];
  const tables: Record<string, number> = {};
  const notes: string[] = [];
  for (const date of dates) {
    const day = await loadNezha(dataRoot, { date });
    sequences.push(...day.sequences);
    tables[`${date} pod files`] = day.pods.length;
    if (day.edges) {
      tables[`${date} call edges`] = day.edges.calls.length;
      tables[`${date} node edges`] = day.edges.placements.length;
    }
    tables[`${date} faults`] = day.faults.length;
    for (const type of NEZHA_FAULT_TYPES) {
      const n = day.faults.filter((f) => f.type === type).length;
      if (n > 0) tables[`${date} faults ${type}`] = n;
    }
    for (const trace of await listTraceFiles(dataRoot, date)) {
      let rows = 0;
      for await (const batch of readSpanBatches(trace.trace)) rows += batch.numRows;
      tables[`spans ${trace.phase}/${date}/${trace.minute}`] = rows;
      if (trace.traceIds)
        tables[`trace ids ${trace.phase}/${date}/${trace.minute}`] = (await readTraceIds(trace.traceIds)).length;
    }
    notes.push(...dayNotes(day));
  }
  const rule = resolveLabelWindow(DEFAULT_LABEL_WINDOW);
  if (rule.mode === 'recovery') {
    notes.push(
      `label windows: recovery rule, min ${rule.minMinutes} min, max ${rule.maxMinutes} min, k ` +
        `= ${rule.k}, baseline of ${rule.baselineRecords} fault-free records`,
    );
  }
  return summariseSequences('nezha', sequences, { tables, notes });
}

/** Remarks about a day found in its data (time disagreements, columns without information). */
function dayNotes(day: NezhaDay): string[] {
  const notes: string[] = [];
  for (const p of day.pods) {
    if (p.timeStampMismatches > 0)
      notes.push(
        `${day.date} ${p.pod}: TimeStamp disagrees with Time in ${p.timeStampMismatches} rows; times come from Time`,
      );
  }
  const offTimestamps = day.faults.filter(
    (f) => f.listedTimestampS !== undefined && f.listedTimestampS * 1000 !== f.injectMs,
  ).length;
  if (offTimestamps > 0)
    notes.push(
      `${day.date}: inject_timestamp disagrees with inject_time in ${offTimestamps} ` +
        `of ${day.faults.length} faults; inject_time (UTC) is used`,
    );
  const successRate = day.sequences[0]?.features.indexOf('PodSuccessRate(%)') ?? -1;
  if (successRate >= 0 && day.sequences.every((s) => everyValue(s, successRate, (v) => v === 0)))
    notes.push(`${day.date}: PodSuccessRate(%) is 0 in every record`);
  if (day.front && everyValue(day.front, 0, (v) => v === 0))
    notes.push(`${day.date}: front SuccessRate(%) is 0 in every record`);
  return notes;
}

function everyValue(seq: Sequence, feature: number, test: (v: number) => boolean): boolean {
  const width = seq.features.length;
  for (let t = 0; t < seq.length; t++) if (!test(seq.values[t * width + feature])) return false;
  return true;
}
