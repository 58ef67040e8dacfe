import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataRootError, ParameterError, type Sequence } from '@driftwatch/contracts';
import type { DuplicatePolicy } from '../../stream/assemble';
import type { ResampleAggregate, ResampleFill } from '../../stream/resample';
import { type DatasetInspection, summariseSequences } from '../../inspect/summary';
import { type Placement, containerPlacements } from './placements';
import type { ReadAlibabaOptions } from './read-table';
import { ALIBABA_TABLE_NAMES, type AlibabaTableName, describeAlibabaDownloads, tableFileNames } from './schema';
import {
  type MachineDomainKey,
  containerAppDus,
  machineAttributes,
  machineDomain,
  readBatchTasks,
  readContainerMeta,
  readInstancePlacements,
  readMachineMeta,
} from './tables';
import { type JobDag, buildJobDags, dagStats } from './task-dag';
import { DEFAULT_ALIBABA_STEP_MS, readUsageSequences } from './usage-sequences';

/** The data set's folder name under the data root (datasets/README.md). */
export const ALIBABA_DATASET = 'alibaba-v2018';

export interface LoadAlibabaOptions {
  /**
   * resampling step of the metric sequences, ms; null keeps raw records (default 60,000, see DEFAULT_ALIBABA_STEP_MS)
   */
  stepMs?: number | null;
  aggregate?: ResampleAggregate;
  fill?: ResampleFill;
  /** time order of usage rows: 'sort' (default) or 'strict' */
  order?: 'strict' | 'sort';
  /** a second usage row of an entity at the same time: 'first' (default), 'last' or 'error' */
  duplicates?: DuplicatePolicy;
  /** how a machine's domain is chosen (default 'hardware', see machineDomain) */
  machineDomain?: MachineDomainKey;
  /** keep only these machines: their metrics, the containers' usage rows on them, the placements on them */
  machines?: readonly string[];
  /** read only these tables (default: every table whose file exists) */
  tables?: readonly AlibabaTableName[];
  read?: ReadAlibabaOptions;
}

export interface AlibabaData {
  dir: string;
  /** the file read for each table found */
  files: Partial<Record<AlibabaTableName, string>>;
  /** one per machine of machine_usage; domain per `machineDomain` */
  machines: Sequence[];
  /** one per container of container_usage; domain = app_du from container_meta ('unknown' without) */
  containers: Sequence[];
  /** one per job of batch_task */
  dags: JobDag[];
  /** batch instances (batch_instance) and containers (container_meta) on machines */
  placements: Placement[];
  /** data rows read per table */
  tables: Partial<Record<AlibabaTableName, number>>;
  /** −1/101 values read as missing, per "table.column" */
  invalid: Record<string, number>;
  /** usage rows dropped as a second record of an entity at the same time */
  duplicatesDropped: Partial<Record<'machine_usage' | 'container_usage', number>>;
  /** most common step between raw usage records, ms */
  rawStepMs: Partial<Record<'machine_usage' | 'container_usage', number>>;
  /** the step the sequences were resampled to (null: raw) */
  stepMs: number | null;
}

/** The file of each table present in `dir`: `<table>.csv`, else `<table>.csv.gz` (trace_2018.md §2.1 names). */
export function findAlibabaTables(dir: string): Partial<Record<AlibabaTableName, string>> {
  const files: Partial<Record<AlibabaTableName, string>> = {};
  for (const table of ALIBABA_TABLE_NAMES) {
    const found = tableFileNames(table)
      .map((name) => join(dir, name))
      .find((path) => existsSync(path) && statSync(path).isFile());
    if (found) files[table] = found;
  }
  return files;
}

/**
 * Reads whichever of the six tables exist in `dir` (or those `tables` names) and builds the machine and
 * container metric sequences, the job DAGs and the placement table. Throws a DataRootError naming what is
 * missing and where the official archives come from when no table (or an asked-for table) is there.
 */
export async function loadAlibaba(dir: string, options: LoadAlibabaOptions = {}): Promise<AlibabaData> {
  const files = findAlibabaTables(dir);
  const wanted = options.tables ?? ALIBABA_TABLE_NAMES.filter((t) => files[t]);
  for (const t of wanted)
    if (!ALIBABA_TABLE_NAMES.includes(t))
      throw new ParameterError(
        `unknown Alibaba table ${JSON.stringify(t)}; expected one of ${ALIBABA_TABLE_NAMES.join(', ')}`,
      );
  const absent = wanted.filter((t) => !files[t]);
  if (wanted.length === 0 || absent.length > 0)
    throw missingTablesError(dir, wanted.length === 0 ? ALIBABA_TABLE_NAMES : absent);
  const invalid: Record<string, number> = {};
  const read: ReadAlibabaOptions = { ...options.read, invalidCounts: invalid };
  const machineSet = options.machines ? new Set(options.machines) : undefined;
  const keepMachine = machineSet ? (m: string) => machineSet.has(m) : undefined;
  const stepMs = options.stepMs === undefined ? DEFAULT_ALIBABA_STEP_MS : options.stepMs;
  const result: AlibabaData = {
    dir,
    files: {},
    machines: [],
    containers: [],
    dags: [],
    placements: [],
    tables: {},
    invalid,
    duplicatesDropped: {},
    rawStepMs: {},
    stepMs,
  };
  const has = (t: AlibabaTableName) => wanted.includes(t);
  for (const t of wanted) result.files[t] = files[t];

  const meta = has('machine_meta') ? await readMachineMeta(files.machine_meta!, read) : undefined;
  if (meta) result.tables.machine_meta = meta.rows;
  const attributes = machineAttributes(meta?.items ?? []);
  const events = has('container_meta') ? await readContainerMeta(files.container_meta!, read) : undefined;
  if (events) result.tables.container_meta = events.rows;
  const appDus = containerAppDus(events?.items ?? []);
  const usageOptions = {
    stepMs,
    aggregate: options.aggregate,
    fill: options.fill,
    order: options.order,
    duplicates: options.duplicates,
    keepMachine,
    read,
  };

  if (has('machine_usage')) {
    const usage = await readUsageSequences('machine_usage', files.machine_usage!, {
      ...usageOptions,
      domainOf: (m) => machineDomain(m, attributes.get(m), options.machineDomain ?? 'hardware'),
    });
    result.machines = usage.sequences;
    result.tables.machine_usage = usage.rows;
    result.duplicatesDropped.machine_usage = usage.duplicatesDropped;
    if (usage.rawStepMs !== undefined) result.rawStepMs.machine_usage = usage.rawStepMs;
  }
  if (has('container_usage')) {
    const usage = await readUsageSequences('container_usage', files.container_usage!, {
      ...usageOptions,
      domainOf: (c) => appDus.get(c) ?? 'unknown',
    });
    result.containers = usage.sequences;
    result.tables.container_usage = usage.rows;
    result.duplicatesDropped.container_usage = usage.duplicatesDropped;
    if (usage.rawStepMs !== undefined) result.rawStepMs.container_usage = usage.rawStepMs;
  }
  if (has('batch_task')) {
    const tasks = await readBatchTasks(files.batch_task!, read);
    result.tables.batch_task = tasks.rows;
    result.dags = buildJobDags(tasks.items);
  }
  if (has('batch_instance')) {
    const instances = await readInstancePlacements(files.batch_instance!, read, keepMachine);
    result.tables.batch_instance = instances.rows;
    result.placements.push(...instances.items);
  }
  if (events)
    result.placements.push(
      ...containerPlacements(events.items).filter((p) => !keepMachine || keepMachine(p.machineId)),
    );
  return result;
}

/** The error for absent tables: which files, where they were looked for, where the archives come from. */
function missingTablesError(dir: string, tables: readonly AlibabaTableName[]): DataRootError {
  return new DataRootError(
    [
      `Alibaba cluster-trace-v2018: no ${tables.map((t) => `${t}.csv`).join(', ')} (nor .csv.gz) in ${dir}.`,
      `The ${ALIBABA_DATASET} folder of the data root holds only schema.txt: place the tables there, or in ` +
        `any folder passed here.`,
      ...describeAlibabaDownloads(tables),
    ].join('\n'),
  );
}

/** The folder holding the tables: `<path>/alibaba-v2018` when `path` is a data root, else `path` itself. */
export function alibabaDir(path: string): string {
  const nested = join(path, ALIBABA_DATASET);
  return existsSync(nested) && statSync(nested).isDirectory() ? nested : path;
}

/**
 * What `driftwatch datasets inspect` prints for the trace: the machine metric sequences as read (raw
 * records, so the step shown is the trace's own), rows per table, and notes on containers, DAGs,
 * placements, invalid values, duplicates and absent tables. Accepts a data root or the tables' folder.
 */
export async function inspectAlibaba(path: string, options: LoadAlibabaOptions = {}): Promise<DatasetInspection> {
  const dir = alibabaDir(path);
  const data = await loadAlibaba(dir, { stepMs: null, ...options });
  const primary = data.machines.length > 0 ? data.machines : data.containers;
  const stats = dagStats(data.dags);
  const absent = ALIBABA_TABLE_NAMES.filter((t) => !data.files[t]);
  const notes = [
    'times are ms from the trace start (0), not Unix time (schema.txt, "General facts")',
    `${data.machines.length > 0 ? 'machine' : 'container'} metric sequences ` +
      `shown${data.stepMs === null ? ' as raw records' : `, resampled to ${data.stepMs} ms`}`,
    ...(data.machines.length > 0
      ? [
          `containers: ${data.containers.length} ` +
            `sequences, ${data.containers.reduce((s, q) => s + q.length, 0)} ` +
            `records, ${new Set(data.containers.map((c) => c.domain)).size} app_du domains`,
        ]
      : []),
    `machine domains: ${[...new Set(data.machines.map((m) => m.domain))].join(', ') || 'none'}`,
    `DAGs: ${stats.jobs} jobs, ${stats.tasks} tasks (${stats.independentTasks} ` +
      `independent), ${stats.edges} edges, max depth ${stats.maxDepth}` +
      (Object.keys(stats.problems).length > 0 ? `, problems ${JSON.stringify(stats.problems)}` : ''),
    `placements: ${data.placements.filter((p) => p.kind === 'batch-instance').length} batch ` +
      `instances, ${data.placements.filter((p) => p.kind === 'container').length} container runs`,
    ...(Object.keys(data.invalid).length > 0
      ? [
          `-1/101 read as missing: ${Object.entries(data.invalid)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        ]
      : []),
    ...Object.entries(data.duplicatesDropped)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${t}: ${n} rows dropped as duplicates (same entity and time)`),
    ...(absent.length > 0 ? [`absent tables: ${absent.join(', ')}`] : []),
  ];
  return summariseSequences(ALIBABA_DATASET, primary, { tables: data.tables as Record<string, number>, notes });
}
