/**
 * Dynamic graphs of the data sets: Nezha spans and dependency tables, Alibaba 2018 batch tables, edge lists.
 * This joins ingest's readers to graph's builders, which neither library may do (they depend on contracts
 * only); the spatiotemporal protocol reads Nezha's observed graphs through it and `driftwatch graph build`
 * writes them.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { basename, join } from 'node:path';
import type { Data, RecordBatch } from 'apache-arrow';
import { DataRootError, InputError } from '@driftwatch/contracts';
import {
  CallGraphBuilder,
  buildServiceGraph,
  contentionGraph,
  dependencyDynamicGraph,
  machineCallGraph,
  parseEdgeListCsv,
  type CallGraphStats,
  type DynamicGraph,
  type InstanceRun,
  type PlacementRun,
  type TaskDependency,
} from '@driftwatch/graph';
import {
  SPAN_COLUMNS,
  alibabaDir,
  buildJobDags,
  containerPlacements,
  findAlibabaTables,
  instancePlacement,
  listTraceFiles,
  readAlibabaTable,
  readBatchTasks,
  readContainerMeta,
  readCsvBatches,
  serviceOfPod,
  sourceLinesOf,
  type NezhaTraceFile,
} from '@driftwatch/ingest';
import type { ProgressSink } from './observer';

/** `ParentID` of a trace's root span in Nezha trace files (datasets README, Nezha, "Trace files"). */
const ROOT_PARENT_ID = 'root';

/** What a source gave: the graph and lines describing how it was made. */
export interface BuiltGraph {
  graph: DynamicGraph;
  /** where it came from, for the summary line */
  source: string;
  notes: string[];
}

/** 1-based column where field `field` (0-based) of line `line` starts; read again only when an error needs it. */
export async function fieldColumnOf(file: string, line: number, field: number): Promise<number | undefined> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of lines) {
      if (++n < line) continue;
      let column = 1;
      for (let f = 0; f < field; f++) {
        const comma = text.indexOf(',', column - 1);
        if (comma < 0) return undefined;
        column = comma + 2;
      }
      return column;
    }
  } finally {
    lines.close();
  }
  return undefined;
}

/** Row → text of a utf8 column straight from its buffers (a span file has millions of ids: no Vector.get). */
function utf8Reader(data: Data): (row: number) => string {
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = data.offset;
  return (row) => buffer.toString('utf8', offsets[offset + row], offsets[offset + row + 1]);
}

/**
 * Feeds the spans of one record batch of a Nezha trace file to the builder: service from the pod name
 * (`serviceOfPod`), start in ms from StartTimeUnixNano (exact: int64 ns divided as BigInt), duration in µs.
 * A pod name without replica-set and pod suffixes, or a negative duration, is an InputError at its line
 * and column.
 */
export async function addSpanBatch(builder: CallGraphBuilder, batch: RecordBatch, file: string): Promise<void> {
  const column = (name: string) => batch.getChild(name)!.data[0];
  const traceIds = utf8Reader(column('TraceID'));
  const spanIds = utf8Reader(column('SpanID'));
  const parentIds = utf8Reader(column('ParentID'));
  const pods = column('PodName');
  const podCodes = pods.values as Int32Array;
  const dictionary = pods.dictionary!;
  const lines = sourceLinesOf(batch);
  const services: (string | undefined)[] = [];
  for (let i = 0; i < dictionary.length; i++) services.push(serviceOfPod(String(dictionary.get(i))));
  const startData = column('StartTimeUnixNano');
  const starts = startData.values as BigInt64Array;
  const durationData = column('Duration');
  const durations = durationData.values as Float64Array;
  for (let r = 0; r < batch.numRows; r++) {
    const code = podCodes[pods.offset + r];
    const service = services[code];
    const line = lines?.[r];
    if (service === undefined) {
      throw new InputError(
        { file, line, column: line === undefined ? undefined : await fieldColumnOf(file, line, 3) },
        'a PodName <service>-<replica-set hash>-<pod suffix>',
        String(dictionary.get(code)),
      );
    }
    const durationUs = durations[durationData.offset + r];
    if (!(durationUs >= 0))
      throw new InputError(
        { file, line, column: line === undefined ? undefined : await fieldColumnOf(file, line, 7) },
        'a Duration ≥ 0 (µs)',
        String(durationUs),
      );
    const parentId = parentIds(r);
    builder.add({
      traceId: traceIds(r),
      spanId: spanIds(r),
      parentId: parentId === ROOT_PARENT_ID ? null : parentId,
      service,
      startMs: Number(starts[startData.offset + r] / 1_000_000n),
      durationUs,
    });
  }
}

export interface SpanSourceOptions {
  windowMs: number;
  selfCalls: boolean;
  maxOpenSpans?: number;
  progress?: ProgressSink;
}

/** The call graph of Nezha trace files (streamed batch by batch; memory bounded as CallGraphBuilder says). */
export async function callGraphFromTraceFiles(
  files: readonly string[],
  options: SpanSourceOptions,
): Promise<{ graph: DynamicGraph; stats: CallGraphStats }> {
  const builder = new CallGraphBuilder({
    windowMs: options.windowMs,
    selfCalls: options.selfCalls,
    ...(options.maxOpenSpans ? { maxOpenSpans: options.maxOpenSpans } : {}),
  });
  let before = 0;
  for (const file of files) {
    const size = (await stat(file)).size;
    const batches = readCsvBatches(file, {
      columns: [...SPAN_COLUMNS],
      header: true,
      onProgress: (p) => options.progress?.update(before + p.bytesRead, `${basename(file)}`),
    });
    for await (const batch of batches) await addSpanBatch(builder, batch, file);
    before += size;
    options.progress?.update(before, basename(file));
  }
  return builder.finish();
}

export type NezhaPhase = 'rca' | 'construct' | 'all';

/** The trace files of a Nezha date for a phase, optionally only some `HH_MM` minutes. */
export async function nezhaTraceFiles(
  dataRoot: string,
  date: string,
  phase: NezhaPhase,
  minutes?: readonly string[],
): Promise<NezhaTraceFile[]> {
  const all = await listTraceFiles(dataRoot, date);
  const wanted = all
    .filter((f) => phase === 'all' || f.phase === `${phase}_data`)
    .filter((f) => !minutes || minutes.includes(f.minute));
  const missing = (minutes ?? []).filter((m) => !wanted.some((f) => f.minute === m));
  if (missing.length > 0)
    throw new DataRootError(
      `no Nezha trace file for ${missing.join(', ')} on ${date} (${phase} phase); there ` +
        `are ${all.map((f) => f.minute).join(', ') || 'none'}`,
    );
  return wanted;
}

/** Where a Nezha date's dependency table lies (construct_data/<date>/metric/dependency.csv, datasets README). */
export function nezhaDependencyFile(dataRoot: string, date: string): string {
  return join(dataRoot, 'nezha', 'construct_data', date, 'metric', 'dependency.csv');
}

/** A dependency edge list (Nezha's dependency.csv or any Source,Target[,Weight] CSV) as a one-window graph. */
export async function graphFromEdgeList(file: string, windowMs: number): Promise<BuiltGraph> {
  if (!existsSync(file)) throw new DataRootError(`no edge list at ${file}`);
  const rows = parseEdgeListCsv(await readFile(file, 'utf8'), { file });
  const service = buildServiceGraph(rows);
  const graph = dependencyDynamicGraph(service, { width: windowMs, origin: 0, unit: 'ms' });
  const hosts = service.filterNodes((_, a) => a.kind === 'host').length;
  return {
    graph,
    source: file,
    notes: [
      `${rows.length} rows: ${graph.entities.length} services${hosts > 0 ? ` on ${hosts} hosts` : ''}; a ` +
        `table has no time, so the graph has one window (t = 0)`,
    ],
  };
}

export type AlibabaGraphKind = 'call' | 'contention';

/** Rows of batch_instance as graph rows: the machine, the task, start and end with instancePlacement's rules. */
async function readInstanceRuns(
  file: string,
  progress?: ProgressSink,
): Promise<{ runs: InstanceRun[]; rows: number; withoutMachine: number; taskNames: { job: string; name: string }[] }> {
  const runs: InstanceRun[] = [];
  const taskNames: { job: string; name: string }[] = [];
  const seenTasks = new Set<string>();
  let rows = 0;
  let withoutMachine = 0;
  progress?.setTotal((await stat(file)).size);
  for await (const batch of readAlibabaTable('batch_instance', file, {
    onProgress: (p) => progress?.update(p.bytesRead, `${rows.toLocaleString('en-US')} rows`),
  })) {
    const get = (name: string) => batch.getChild(name)!;
    const [instance, task, job, machine, start, end] = [
      'instance_name',
      'task_name',
      'job_name',
      'machine_id',
      'start_time',
      'end_time',
    ].map(get);
    for (let r = 0; r < batch.numRows; r++) {
      rows++;
      const jobName = (job.get(r) as string | null) ?? '';
      const taskName = (task.get(r) as string | null) ?? '';
      if (!seenTasks.has(`${jobName}\u0000${taskName}`)) {
        seenTasks.add(`${jobName}\u0000${taskName}`);
        taskNames.push({ job: jobName, name: taskName });
      }
      const placed = instancePlacement({
        instance: (instance.get(r) as string | null) ?? '',
        task: taskName,
        job: jobName,
        machineId: machine.get(r) as string | null,
        startMs: start.get(r) as number | null,
        endMs: end.get(r) as number | null,
      });
      if (!placed) {
        withoutMachine++;
        continue;
      }
      runs.push({
        job: jobName,
        task: taskName,
        machine: placed.machineId,
        startMs: placed.startMs,
        endMs: placed.endMs,
      });
    }
  }
  return { runs, rows, withoutMachine, taskNames };
}

/**
 * Alibaba 2018 batch tables → a dynamic graph: 'call' = the machine-level call graph of the job DAGs
 * (task dependencies from batch_task names, or from batch_instance's when batch_task is absent, mapped
 * through batch_instance placements); 'contention' = containers (container_meta) and batch tasks
 * (`<job>/<task>`, from batch_instance) sharing a machine.
 */
export async function graphFromAlibaba(
  path: string,
  kind: AlibabaGraphKind,
  windowMs: number,
  progress?: ProgressSink,
): Promise<BuiltGraph> {
  const dir = alibabaDir(path);
  const files = findAlibabaTables(dir);
  if (!files.batch_instance && !(kind === 'contention' && files.container_meta)) {
    throw new DataRootError(
      `no batch_instance table in ${dir}: the ${kind} graph needs ` +
        `batch_instance.csv${kind === 'contention' ? ' or container_meta.csv' : ' (and batch_task.csv for the DAGs)'}`,
    );
  }
  const notes: string[] = [];
  const instances = files.batch_instance
    ? await readInstanceRuns(files.batch_instance, progress)
    : { runs: [], rows: 0, withoutMachine: 0, taskNames: [] };
  if (files.batch_instance)
    notes.push(
      `batch_instance: ${instances.rows} rows, ${instances.runs.length} placed ` +
        `(${instances.withoutMachine} without a machine)`,
    );
  if (kind === 'call') {
    const tasks = files.batch_task ? (await readBatchTasks(files.batch_task)).items : instances.taskNames;
    const dags = buildJobDags(tasks);
    const dependencies: TaskDependency[] = dags.flatMap((d) =>
      d.edges.map((e) => ({ job: d.job, upstream: e.from, downstream: e.to })),
    );
    const problems = dags.reduce((n, d) => n + d.problems.length, 0);
    notes.push(
      `DAGs from ${files.batch_task ? 'batch_task' : 'batch_instance task names'}: ${dags.length} ` +
        `jobs, ${dependencies.length} dependencies` +
        `${problems > 0 ? `, ${problems} problems (missing dependencies, malformed names, cycles)` : ''}`,
    );
    const { graph, stats } = machineCallGraph(dependencies, instances.runs, { windowMs });
    notes.push(
      `instance pairs counted while the downstream instance runs; ${stats.dependenciesWithoutInstances} ` +
        `dependencies without placed instances, ${stats.untimedInstances} downstream instances without a ` +
        `start, ${stats.selfLoopPairs} same-machine pair-windows left out`,
    );
    return { graph, source: dir, notes };
  }
  const placements: PlacementRun[] = [];
  if (files.container_meta) {
    const events = await readContainerMeta(files.container_meta);
    const runs = containerPlacements(events.items);
    for (const p of runs)
      placements.push({ entity: p.entity, machine: p.machineId, startMs: p.startMs, endMs: p.endMs });
    notes.push(`container_meta: ${events.rows} rows, ${runs.length} container placements`);
  }
  for (const r of instances.runs)
    placements.push({ entity: `${r.job}/${r.task}`, machine: r.machine, startMs: r.startMs, endMs: r.endMs });
  const { graph, stats } = contentionGraph(placements, { windowMs });
  notes.push(
    `entities: containers and batch tasks (<job>/<task>); weight = seconds on a common machine per ` +
      `window; ${stats.sharedMachines} machines shared, ${stats.untimedPlacements} placements without a start`,
  );
  return { graph, source: dir, notes };
}
