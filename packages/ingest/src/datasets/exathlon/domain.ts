import { ParameterError } from '@driftwatch/contracts';
import type { ExathlonTraceName } from './names';
import type { PreprocessedExathlonTrace } from './preprocess';

/**
 * Share of the executor memory setting that the JVM reports as `jvm_heap_max_value`: 30,542,397,440 B in
 * every active-spot record of both included traces, whose setting is 30 GB (type 0), i.e. 30 GiB × 0.9482.
 * Only this one setting was observable; the 9 and 15 GB settings are assumed to scale alike.
 */
export const HEAP_MAX_SHARE = 30542397440 / (30 * 2 ** 30);

/**
 * Batch interval in seconds per application (upstream `APP_TO_BATCH_INTERVAL`: 20 for app 3, 5 up to app 7, else 10;
 * docs/divad.md §5a "Domain key").
 */
export function batchIntervalOf(app: number): number {
  if (!(Number.isInteger(app) && app >= 1 && app <= 10))
    throw new ParameterError(`Exathlon applications are 1–10, got ${app}`);
  if (app === 3) return 20;
  return app <= 7 ? 5 : 10;
}

/**
 * Running executors by trace type when the data cannot tell (upstream `TRACE_TYPE_TO_N_RUNNING_EXECUTORS`: 3 for types
 * 2 and 5, else 2).
 */
export function executorsFromMetadata(type: number): number {
  return type === 2 || type === 5 ? 3 : 2;
}

/**
 * Executor memory in GB by trace type when the data cannot tell (upstream `TRACE_TYPE_TO_MAX_EXEC_MEMORY`: 30 for type
 * 0, 9 for type 1, else 15).
 */
export function memoryFromMetadata(type: number): number {
  return type === 0 ? 30 : type === 1 ? 9 : 15;
}

/** Executor memory setting (GB) from a reported heap max: round(bytes / (HEAP_MAX_SHARE · 2^30)). */
export function memoryGbFromHeapMax(bytes: number): number {
  return Math.round(bytes / (HEAP_MAX_SHARE * 2 ** 30));
}

/**
 * The most common `{spot}_jvm_heap_max_value` over the active records (≠ −1) of spots 1–4, or undefined when no
 * spot reports one. The most common value, because a spot may report a different max in its first records.
 */
export function executorHeapMaxBytes(
  trace: Pick<PreprocessedExathlonTrace, 'columns' | 'values' | 'length'>,
): number | undefined {
  const width = trace.columns.length;
  const counts = new Map<number, number>();
  for (let spot = 1; spot <= 4; spot++) {
    const c = trace.columns.indexOf(`${spot}_jvm_heap_max_value`);
    if (c === -1) continue;
    for (let t = 0; t < trace.length; t++) {
      const v = trace.values[t * width + c];
      if (v !== -1 && Number.isFinite(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [v, n] of counts) if (n > bestCount) [best, bestCount] = [v, n];
  return best;
}

/** A trace's DIVAD domain and the settings it is made of. */
export interface ExathlonDomain {
  /** seconds */
  batchInterval: number;
  executors: number;
  /** GB */
  memoryGb: number;
  rate: number;
  /** `bi-nexec-mem` */
  settings: string;
  /** `settings-rate`: the DIVAD domain (docs/divad.md §5a "Domain key") */
  key: string;
  executorsFrom: 'data' | 'metadata';
  memoryFrom: 'data' | 'metadata';
}

export interface DomainObservations {
  /** active executor spots found by the inactive-spot analysis */
  activeExecutors?: number;
  /** executor heap max in bytes (`executorHeapMaxBytes`) */
  heapMaxBytes?: number;
}

export interface DomainOptions {
  /**
   * trace name → corrected input rate (upstream renames traces whose real rate differs from the name; we hold no such
   * table)
   */
  correctedRates?: Readonly<Record<string, number>>;
}

/**
 * Domain key `bi-nexec-mem-rate` (DIVAD domain = settings-rate, docs/divad.md §5a "Domain key"): batch interval by
 * application; executors and memory from the data when observed, else from the trace type; rate from the name
 * unless a corrected rate is given.
 */
export function exathlonDomainKey(
  info: ExathlonTraceName,
  observed: DomainObservations = {},
  options: DomainOptions = {},
): ExathlonDomain {
  const batchInterval = batchIntervalOf(info.app);
  const executorsObserved = observed.activeExecutors !== undefined && observed.activeExecutors > 0;
  const executors = executorsObserved ? observed.activeExecutors! : executorsFromMetadata(info.type);
  const memoryObserved = observed.heapMaxBytes !== undefined && observed.heapMaxBytes > 0;
  const memoryGb = memoryObserved ? memoryGbFromHeapMax(observed.heapMaxBytes!) : memoryFromMetadata(info.type);
  const rate = options.correctedRates?.[info.name] ?? info.rate;
  const settings = `${batchInterval}-${executors}-${memoryGb}`;
  return {
    batchInterval,
    executors,
    memoryGb,
    rate,
    settings,
    key: `${settings}-${rate}`,
    executorsFrom: executorsObserved ? 'data' : 'metadata',
    memoryFrom: memoryObserved ? 'data' : 'metadata',
  };
}

/** The domain of a preprocessed trace, from its name and what its data show. */
export function domainOfTrace(trace: PreprocessedExathlonTrace, options: DomainOptions = {}): ExathlonDomain {
  return exathlonDomainKey(
    trace.info,
    { activeExecutors: trace.activeExecutors, heapMaxBytes: executorHeapMaxBytes(trace) },
    options,
  );
}
