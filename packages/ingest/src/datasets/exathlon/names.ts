import { basename } from 'node:path';
import { InputError } from '@driftwatch/contracts';

/** Trace types by the `<type>` digit of a trace name (upstream `TRACE_TYPES`, data README "What it is"). */
export const EXATHLON_TRACE_TYPES = [
  'undisturbed',
  'bursty_input',
  'bursty_input_crash',
  'stalled_input',
  'cpu_contention',
  'process_failure',
] as const;
export type ExathlonTraceType = (typeof EXATHLON_TRACE_TYPES)[number];

/** Anomaly types of ground_truth.csv; label code = index + 1 (upstream `ANOMALY_TYPES`, docs/divad.md §5a "Labels"). */
export const EXATHLON_ANOMALY_TYPES = [
  'bursty_input',
  'bursty_input_crash',
  'stalled_input',
  'cpu_contention',
  'driver_failure',
  'executor_failure',
  'unknown',
] as const;
export type ExathlonAnomalyType = (typeof EXATHLON_ANOMALY_TYPES)[number];

/** Label code of ignored events ("unknown", and CPU contention without application impact): docs/divad.md §1, §5a. */
export const EXATHLON_IGNORED_CODE = 7;

/**
 * Executor spots whose −1 runs are classified and whose features are averaged (upstream loops over 1–4; spot 5 is never
 * used).
 */
export const EXECUTOR_SPOTS = [1, 2, 3, 4] as const;

/** What a trace file name says: `<app>_<type>_<rate>_<id>` (data README "What it is"). */
export interface ExathlonTraceName {
  /** `<app>_<type>_<rate>_<id>` without the extension */
  name: string;
  app: number;
  /** 0 undisturbed … 5 process_failure */
  type: number;
  traceType: ExathlonTraceType;
  /** the input-rate setting written in the name (upstream corrects some of them, see the README) */
  rate: number;
  id: number;
}

const TRACE_NAME = /^(\d+)_(\d+)_(\d+)_(\d+)$/;

/** The trace name of a file: its base name less `.csv` or `.csv.gz`. */
export function traceNameOfFile(path: string): string {
  return basename(path).replace(/\.csv(\.gz)?$/, '');
}

/** Parses `<app>_<type>_<rate>_<id>`; `file` is named in the error (data README "What it is"). */
export function parseTraceName(name: string, file = name): ExathlonTraceName {
  const m = TRACE_NAME.exec(name);
  const type = m ? Number(m[2]) : NaN;
  if (!m || !(type < EXATHLON_TRACE_TYPES.length)) {
    throw new InputError(
      { file },
      `a trace name "<app>_<type>_<rate>_<id>" with type 0–${EXATHLON_TRACE_TYPES.length - 1}`,
      name,
    );
  }
  return { name, app: Number(m[1]), type, traceType: EXATHLON_TRACE_TYPES[type], rate: Number(m[3]), id: Number(m[4]) };
}

/**
 * Drops the per-run prefix of a driver streaming-metric name: tokens 2–10 of the `_`-split name and the `_`
 * after them are removed wherever they occur, as upstream `load_trace` does
 * (`c.replace('_'.join(c.split('_')[1:10]) + '_', '')` for names containing "StreamingMetrics").
 */
export function stripStreamingPrefix(column: string): string {
  if (!column.includes('StreamingMetrics')) return column;
  const prefix = column.split('_').slice(1, 10).join('_') + '_';
  return column.split(prefix).join('');
}

/** The executor spot (1–5) of a column `<spot>_…`, else undefined (data README "Columns"). */
export function spotOfColumn(column: string): number | undefined {
  const m = /^([1-5])_/.exec(column);
  return m ? Number(m[1]) : undefined;
}

/** True for nmon OS columns `node5_…` … `node8_…`, which feature bundle 7 drops (docs/divad.md §5a "Features"). */
export function isNmonColumn(column: string): boolean {
  return /^node[5-8]_/.test(column);
}

/** True for Spark driver columns (data README "Columns"). */
export function isDriverColumn(column: string): boolean {
  return column.startsWith('driver_');
}

/** The spot-independent name of an executor column: `3_jvm_heap_used_value` → `jvm_heap_used_value`. */
export function executorFeatureOf(column: string): string {
  return column.slice(2);
}
