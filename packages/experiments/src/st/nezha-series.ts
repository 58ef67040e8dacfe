/**
 * One Nezha day as a NodeSeries (docs/spatiotemporal.md §3): entities = services in name order, features = the pod
 * metric features, steps = the minute grid of the day, labels per (service, minute) from the fault windows,
 * eventOf = fault type, observed graphs from spans or from the dependency table.
 */
import { existsSync } from 'node:fs';
import {
  DataRootError,
  ParameterError,
  type GraphSnapshot,
  type NodeSeries,
  type Sequence,
} from '@driftwatch/contracts';
import { stepsFromTimestamps } from '@driftwatch/graph';
import {
  NEZHA_FAULT_TYPES,
  NEZHA_STEP_MS,
  loadNezha,
  resolveLabelWindow,
  type FaultWindow,
  type LabelWindow,
  type NezhaDay,
} from '@driftwatch/ingest';
import { callGraphFromTraceFiles, graphFromEdgeList, nezhaDependencyFile, nezhaTraceFiles } from '../graph-sources';

/** The two applications of the included data (datasets README, Nezha). */
export const NEZHA_DATASETS = {
  'nezha-ob': { date: '2022-08-22', application: 'OnlineBoutique' },
  'nezha-tt': { date: '2023-01-29', application: 'TrainTicket' },
} as const;
export type NezhaDatasetId = keyof typeof NEZHA_DATASETS;

/**
 * `spans`: caller → callee services per graph window from the trace files; `dependency`: dependency.csv as one static
 * graph; `auto`: dependency.csv where it exists, else spans where trace files exist, else none.
 */
export type NezhaGraphSource = 'auto' | 'spans' | 'dependency' | 'none';

export interface NezhaSeriesOptions {
  date: string;
  labelWindow?: LabelWindow;
  graph?: NezhaGraphSource;
  /** minutes per graph window of the span graph (default 1, the metric step) */
  graphWindowMinutes?: number;
}

/** How the labels came about, for the results lines and the report. */
export interface LabelWindowSummary {
  /** 'recovery (min 3, max 10 min, k = 3, baseline 60)' or 'fixed 3 min' */
  rule: string;
  faults: number;
  /** mean of (end − injection) over the fault windows, minutes */
  meanWindowMinutes: number;
  /** mean labelled minute steps per fault */
  meanLabelledSteps: number;
}

export interface NezhaSeries {
  series: NodeSeries;
  labelWindow: LabelWindowSummary;
  /** where the observed graphs came from */
  graphSource: 'spans' | 'dependency' | 'none';
  notes: string[];
}

/** The minute a record time falls in: ⌊t / 60 s⌋·60 s (a record at hh:mm:19 belongs to step hh:mm). */
export function minuteOf(ms: number): number {
  return Math.floor(ms / NEZHA_STEP_MS) * NEZHA_STEP_MS;
}

/** A readable form of a label-window rule. */
export function describeLabelWindow(window: LabelWindow): string {
  const rule = resolveLabelWindow(window);
  if (rule.mode === 'fixed') return `fixed ${rule.minutes} min after the injection`;
  return (
    `recovery (at least ${rule.minMinutes}, at most ${rule.maxMinutes} min; ends when the fault's signals ` +
    `are back within k = ${rule.k} robust σ of the ${rule.baselineRecords} nearest fault-free records)`
  );
}

/** `recovery` | `fixed:<minutes>` → a label window. */
export function parseLabelWindow(text: string): LabelWindow {
  if (text === 'recovery') return { mode: 'recovery' };
  const m = /^fixed:(\d+(?:\.\d+)?)$/.exec(text);
  if (m) return { mode: 'fixed', minutes: Number(m[1]) };
  throw new ParameterError(`label window expects 'recovery' or 'fixed:<minutes>' (e.g. fixed:3), got '${text}'`);
}

/**
 * The per-service sequences of a day aligned on one minute grid: step k is minute start + k·60 s, from the
 * earliest to the latest record minute of any service; a service without a record in a minute has NaN there
 * (and label 0). Each labelled record labels its (service, minute) cell with its fault's type; the fault type
 * comes from the sequence's ranges (eventType).
 */
export function alignDay(sequences: readonly Sequence[], id: string): NodeSeries {
  if (sequences.length === 0) throw new ParameterError(`${id}: no service sequences`);
  const ordered = [...sequences].sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0));
  const features = ordered[0].features;
  for (const s of ordered) {
    if (s.features.length !== features.length || s.features.some((f, i) => f !== features[i]))
      throw new ParameterError(`${s.id}: its metrics differ from ${ordered[0].id}'s`);
    if (!s.timestamps) throw new ParameterError(`${s.id}: no timestamps to align on`);
  }
  let first = Infinity;
  let last = -Infinity;
  for (const s of ordered) {
    for (const t of s.timestamps!) {
      const m = minuteOf(Number(t));
      if (m < first) first = m;
      if (m > last) last = m;
    }
  }
  const T = (last - first) / NEZHA_STEP_MS + 1;
  const N = ordered.length;
  const F = features.length;
  const values = new Float32Array(T * N * F).fill(NaN);
  const labels = new Uint8Array(T * N);
  const eventOf = new Int16Array(T * N).fill(-1);
  const eventTypes = [...NEZHA_FAULT_TYPES] as string[];
  ordered.forEach((s, i) => {
    const stepOf = (r: number) => (minuteOf(Number(s.timestamps![r])) - first) / NEZHA_STEP_MS;
    for (let r = 0; r < s.length; r++) values.set(s.values.subarray(r * F, (r + 1) * F), (stepOf(r) * N + i) * F);
    for (const range of s.ranges ?? []) {
      const type = eventTypes.indexOf(range.eventType);
      for (let r = range.start; r < range.end; r++) {
        const k = stepOf(r) * N + i;
        labels[k] = 1;
        eventOf[k] = type;
      }
    }
  });
  const timestamps = BigInt64Array.from({ length: T }, (_, k) => BigInt(first + k * NEZHA_STEP_MS));
  return {
    id,
    entities: ordered.map((s) => s.entity),
    features: [...features],
    length: T,
    values,
    timestamps,
    labels,
    eventOf,
    eventTypes,
  };
}

/** Mean window length in minutes and mean labelled steps per fault of a day. */
export function labelWindowSummary(
  windows: readonly FaultWindow[],
  labelled: number,
  window: LabelWindow,
): LabelWindowSummary {
  const minutes = windows.map((w) => (w.endMs - w.startMs) / 60_000);
  return {
    rule: describeLabelWindow(window),
    faults: windows.length,
    meanWindowMinutes: minutes.length > 0 ? minutes.reduce((a, b) => a + b, 0) / minutes.length : 0,
    meanLabelledSteps: windows.length > 0 ? labelled / windows.length : 0,
  };
}

/** Loads one Nezha day and turns it into a labelled NodeSeries with its observed graphs. */
export async function nezhaNodeSeries(dataRoot: string, options: NezhaSeriesOptions): Promise<NezhaSeries> {
  const labelWindow = options.labelWindow ?? { mode: 'recovery' };
  const day: NezhaDay = await loadNezha(dataRoot, { date: options.date, labelWindow, entity: 'service' });
  const series = alignDay(day.sequences, `nezha/${options.date}/${day.application}`);
  const notes: string[] = [];
  let labelled = 0;
  for (const y of series.labels!) labelled += y;
  const source = await resolveGraphSource(dataRoot, options.date, options.graph ?? 'auto');
  let graphs: GraphSnapshot[] | undefined;
  if (source === 'dependency') {
    const built = await graphFromEdgeList(nezhaDependencyFile(dataRoot, options.date), NEZHA_STEP_MS);
    graphs = built.graph.toNodeSeriesGraphs(series.entities, () => 0);
    notes.push(
      `observed graph: dependency.csv, one static snapshot (${graphs[0].edges.length} edges among ` +
        `the ${series.entities.length} services)`,
    );
  } else if (source === 'spans') {
    const minutes = options.graphWindowMinutes ?? 1;
    if (!(Number.isInteger(minutes) && minutes >= 1))
      throw new ParameterError(`graph window must be a whole number of minutes ≥ 1, got ${minutes}`);
    const files = await nezhaTraceFiles(dataRoot, options.date, 'all');
    const { graph } = await callGraphFromTraceFiles(
      files.map((f) => f.trace),
      { windowMs: minutes * NEZHA_STEP_MS, selfCalls: false },
    );
    graphs = graph.toNodeSeriesGraphs(series.entities, stepsFromTimestamps(series.timestamps!));
    notes.push(
      `observed graph: spans of ${files.length} trace files, ${graphs.length} windows of ${minutes} min; ` +
        `each holds until the next observed window`,
    );
  }
  if (graphs && graphs.length > 0) series.graphs = graphs;
  return {
    series,
    labelWindow: labelWindowSummary(day.windows, labelled, labelWindow),
    graphSource: graphs && graphs.length > 0 ? source : 'none',
    notes,
  };
}

async function resolveGraphSource(
  dataRoot: string,
  date: string,
  wanted: NezhaGraphSource,
): Promise<'spans' | 'dependency' | 'none'> {
  const hasDependency = existsSync(nezhaDependencyFile(dataRoot, date));
  if (wanted === 'dependency' && !hasDependency)
    throw new DataRootError(
      `nezha/${date}: no dependency.csv (only 2022-08-22 has one); use --nezha-graph spans or none`,
    );
  if (wanted !== 'auto') return wanted;
  if (hasDependency) return 'dependency';
  return (await nezhaTraceFiles(dataRoot, date, 'all')).length > 0 ? 'spans' : 'none';
}
