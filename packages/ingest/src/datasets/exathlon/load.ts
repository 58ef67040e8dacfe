import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataRootError, type Sequence } from '@driftwatch/contracts';
import { summariseSequences, type DatasetInspection } from '../../inspect/summary';
import { compareNatural } from '../omnianomaly';
import { domainOfTrace, type DomainOptions, type ExathlonDomain } from './domain';
import {
  addTraceStatistics,
  emptyFeatureStatistics,
  exathlonSequence,
  planExathlonFeatures,
  type ExathlonFeaturePlan,
  type FeatureStatistics,
  type FeaturePlanOptions,
  type LabelledExathlonTrace,
} from './features';
import { eventsOfTrace, labelTrace, readExathlonGroundTruth, type ExathlonEvent } from './ground-truth';
import { EXATHLON_ANOMALY_TYPES, parseTraceName } from './names';
import { preprocessExathlonTrace, type PreprocessOptions, type SpotActivity } from './preprocess';
import { readExathlonTrace } from './trace';

/** A trace file under `<dataRoot>/exathlon/app<k>/`. */
export interface ExathlonTraceFile {
  name: string;
  path: string;
}

/** Where a load stands: which trace, which stage, and for reads the bytes and rows so far. */
export interface ExathlonProgress {
  trace: string;
  /** 1-based position of the trace, and how many are loaded */
  index: number;
  of: number;
  stage: 'read' | 'preprocess' | 'features';
  bytesRead?: number;
  totalBytes?: number;
  rows?: number;
}

export interface LoadExathlonOptions extends FeaturePlanOptions, DomainOptions, PreprocessOptions {
  /** trace names to load, in this order (default: every trace file found, in natural order) */
  traces?: readonly string[];
  /** a plan to apply instead of deriving one from the loaded traces */
  plan?: ExathlonFeaturePlan;
  /** relabel CPU contention without application impact as ignored (default true, docs/divad.md §5a) */
  osOnlyAsUnknown?: boolean;
  /**
   * Keep the preprocessed float64 traces between deriving the plan and applying it, instead of reading every trace a
   * second time (default false: memory stays at about one trace, 8 bytes × records × 2,283 columns; the full data
   * set would not fit). Not needed when a plan or both lists are given: then each trace is read once.
   */
  holdTraces?: boolean;
  /** return the preprocessed (float64, labelled) traces too */
  keepPreprocessed?: boolean;
  onProgress?: (progress: ExathlonProgress) => void;
  signal?: AbortSignal;
}

/** What was found in one trace while loading it. */
export interface ExathlonTraceSummary {
  name: string;
  file: string;
  recordsRead: number;
  /** records after the 1 s resampling */
  records: number;
  rawColumns: number;
  spots: SpotActivity[];
  activeExecutors: number;
  unsetColumns: string[];
  domain: ExathlonDomain;
  events: number;
}

export interface LoadedExathlon {
  sequences: Sequence[];
  featurePlan: ExathlonFeaturePlan;
  traces: ExathlonTraceSummary[];
  /** every row of ground_truth.csv (empty when the file is absent) */
  events: ExathlonEvent[];
  preprocessed?: LabelledExathlonTrace[];
}

/** The trace files `<dataRoot>/exathlon/app<k>/<name>.csv` (or `.csv.gz`), in natural order of their names. */
export async function listExathlonTraces(dataRoot: string): Promise<ExathlonTraceFile[]> {
  const root = join(dataRoot, 'exathlon');
  let apps: string[];
  try {
    apps = (await readdir(root)).filter((d) => /^app\d+$/.test(d));
  } catch {
    throw new DataRootError(`data set "exathlon" not found: no directory ${root} (data root ${dataRoot})`);
  }
  const files: ExathlonTraceFile[] = [];
  for (const app of apps) {
    for (const f of await readdir(join(root, app))) {
      const m = /^(\d+_\d+_\d+_\d+)\.csv(\.gz)?$/.exec(f);
      if (m) files.push({ name: m[1], path: join(root, app, f) });
    }
  }
  return files.sort((a, b) => compareNatural(a.name, b.name));
}

/**
 * Loads Exathlon traces (docs/divad.md §5a): each trace is read, preprocessed (steps (1)–(6)) and labelled from
 * ground_truth.csv; the bundle-7 feature plan is derived from the loaded traces (or given); one Sequence per
 * trace with its domain key. Missing traces name what is available.
 */
export async function loadExathlon(dataRoot: string, options: LoadExathlonOptions = {}): Promise<LoadedExathlon> {
  const available = await listExathlonTraces(dataRoot);
  const files = selectTraces(available, options.traces, dataRoot);
  const events = await readGroundTruthFor(dataRoot, files);
  const hold = options.holdTraces === true;
  const derivePlan = !options.plan && !(options.dropped && options.cumulative);
  const load = (file: ExathlonTraceFile, index: number) => loadOne(file, index, files.length, events, options);

  let plan = options.plan;
  let held: (LabelledExathlonTrace | undefined)[] | undefined;
  const summaries: ExathlonTraceSummary[] = [];
  if (derivePlan) {
    let stats: FeatureStatistics | undefined;
    if (hold) held = [];
    for (let i = 0; i < files.length; i++) {
      const trace = await load(files[i], i);
      stats ??= emptyFeatureStatistics(trace.columns);
      addTraceStatistics(stats, trace);
      summaries.push(summaryOf(trace, files[i], options));
      held?.push(trace);
    }
    plan = planExathlonFeatures(stats!, options);
  }
  const sequences: Sequence[] = [];
  const kept: LabelledExathlonTrace[] = [];
  for (let i = 0; i < files.length; i++) {
    const trace = held?.[i] ?? (await load(files[i], i));
    if (!derivePlan) summaries.push(summaryOf(trace, files[i], options));
    // both lists given: the plan needs only the columns
    plan ??= planExathlonFeatures(emptyFeatureStatistics(trace.columns), options);
    options.onProgress?.({ trace: files[i].name, index: i + 1, of: files.length, stage: 'features' });
    sequences.push(exathlonSequence(trace, plan, options));
    if (options.keepPreprocessed) kept.push(trace);
    if (held) held[i] = undefined; // let the float64 table go
  }
  return {
    sequences,
    featurePlan: plan!,
    traces: summaries,
    events,
    ...(options.keepPreprocessed ? { preprocessed: kept } : {}),
  };
}

/** The requested traces among those found, or a DataRootError listing what is there. */
function selectTraces(
  available: ExathlonTraceFile[],
  wanted: readonly string[] | undefined,
  dataRoot: string,
): ExathlonTraceFile[] {
  if (!wanted) {
    if (available.length === 0)
      throw new DataRootError(
        `exathlon: no trace files (<app>_<type>_<rate>_<id>.csv[.gz]) under ${join(dataRoot, 'exathlon')}`,
      );
    return available;
  }
  const byName = new Map(available.map((f) => [f.name, f]));
  const unknown = wanted.filter((w) => !byName.has(w));
  if (unknown.length > 0) {
    throw new DataRootError(
      `exathlon: unknown trace${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; ` +
        `available: ${available.map((f) => f.name).join(', ') || 'none'}`,
    );
  }
  return wanted.map((w) => byName.get(w)!);
}

/** ground_truth.csv when present; required only when a disturbed trace (type ≠ 0) is loaded. */
async function readGroundTruthFor(dataRoot: string, files: ExathlonTraceFile[]): Promise<ExathlonEvent[]> {
  const path = join(dataRoot, 'exathlon', 'ground_truth.csv');
  if (existsSync(path)) return readExathlonGroundTruth(path);
  const disturbed = files.filter((f) => parseTraceName(f.name).type !== 0);
  if (disturbed.length > 0)
    throw new DataRootError(
      `exathlon: ${path} is missing, and the disturbed traces ${disturbed.map((f) => f.name).join(', ')} ` +
        `need it for their labels`,
    );
  return [];
}

/** Read, preprocess and label one trace. */
async function loadOne(
  file: ExathlonTraceFile,
  index: number,
  of: number,
  events: ExathlonEvent[],
  options: LoadExathlonOptions,
): Promise<LabelledExathlonTrace> {
  const report = options.onProgress;
  const raw = await readExathlonTrace(file.path, {
    signal: options.signal,
    onProgress:
      report &&
      ((p) =>
        report({
          trace: file.name,
          index: index + 1,
          of,
          stage: 'read',
          bytesRead: p.bytesRead,
          totalBytes: p.totalBytes,
          rows: p.rows,
        })),
  });
  report?.({ trace: file.name, index: index + 1, of, stage: 'preprocess' });
  const trace = preprocessExathlonTrace(raw, options);
  const { labels, ranges } = labelTrace(
    trace.timestamps,
    eventsOfTrace(events, file.name),
    options.osOnlyAsUnknown ?? true,
  );
  return { ...trace, labels, ranges };
}

/** What the load reports about one trace. */
function summaryOf(
  trace: LabelledExathlonTrace,
  file: ExathlonTraceFile,
  options: DomainOptions,
): ExathlonTraceSummary {
  return {
    name: trace.info.name,
    file: file.path,
    recordsRead: trace.recordsRead,
    records: trace.length,
    rawColumns: trace.columns.length,
    spots: trace.spots,
    activeExecutors: trace.activeExecutors,
    unsetColumns: trace.unsetColumns,
    domain: domainOfTrace(trace, options),
    events: trace.ranges?.length ?? 0,
  };
}

/** Label code → event type for the inspection (codes 1–7 of docs/divad.md §1). */
export const EXATHLON_EVENT_TYPES: Record<number, string> = Object.fromEntries(
  EXATHLON_ANOMALY_TYPES.map((t, k) => [k + 1, t]),
);

/** The inspection of a loaded Exathlon data set, with notes on the feature plan, domains, spots and ground truth. */
export function summariseExathlon(loaded: LoadedExathlon): DatasetInspection {
  const plan = loaded.featurePlan;
  const disturbed = new Set(loaded.events.map((e) => e.traceName)).size;
  const notes = [
    `features: ${plan.counts.input} raw columns → ${plan.features.length} ` +
      `(${plan.driverIdentity.length + plan.driverDifferenced.length} driver ` +
      `+ ${plan.executorAveraged.length + plan.executorDifferenced.length} executor); ` +
      `dropped ${plan.counts.nmon} nmon, ${plan.counts.spot5} spot-5, ${plan.counts.constantDriver} constant ` +
      `driver columns and ${plan.counts.constantExecutorFeatures} constant executor features ` +
      `(${plan.droppedFrom}); differenced ${plan.cumulative.length} (${plan.cumulativeFrom})`,
    ...loaded.traces.map(
      (t) =>
        `${t.name}: ${t.recordsRead} records read → ${t.records} at 1 s; domain ${t.domain.key} (executors ` +
        `from ${t.domain.executorsFrom}, memory from ${t.domain.memoryFrom}); active spots ${t.spots
          .filter((s) => s.active)
          .map((s) => s.spot)
          .join(',')}; ${t.unsetColumns.length} columns without any value`,
    ),
    `ground_truth.csv: ${loaded.events.length} events in ${disturbed} disturbed traces`,
    'input rates are those of the trace names: upstream corrects some through a renaming table the data ' +
      'root does not hold',
  ];
  return summariseSequences('exathlon', loaded.sequences, {
    eventTypes: EXATHLON_EVENT_TYPES,
    tables: { 'ground_truth.csv': loaded.events.length },
    notes,
  });
}

/** `datasets inspect exathlon`: loads the traces (all, or `options.traces`) and summarises them. */
export async function inspectExathlon(dataRoot: string, options: LoadExathlonOptions = {}): Promise<DatasetInspection> {
  return summariseExathlon(await loadExathlon(dataRoot, options));
}
