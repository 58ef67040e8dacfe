import { FeatureMismatchError, ParameterError, type AnomalyRange, type Sequence } from '@driftwatch/contracts';
import { isMissing, MISSING } from './missing';
import { domainOfTrace, type DomainOptions } from './domain';
import { EXECUTOR_SPOTS, executorFeatureOf, isNmonColumn, spotOfColumn } from './names';
import type { PreprocessedExathlonTrace } from './preprocess';

/** A preprocessed trace, optionally with its labels (as `loadExathlon` attaches them). */
export type LabelledExathlonTrace = PreprocessedExathlonTrace & { labels?: Uint8Array; ranges?: AnomalyRange[] };

/**
 * Feature bundle 7 as a plan (docs/divad.md §5a "Features"; paper A.4): which raw columns are dropped, which are
 * differenced, and the output features in order. Executor features are named without their spot and are kept,
 * dropped or differenced as a whole across spots 1–4 (upstream's lists always treat the four spots alike).
 */
export interface ExathlonFeaturePlan {
  /** the preprocessed columns every trace must have */
  inputColumns: string[];
  /** driver columns and executor features dropped as constant (given, or found constant over the traces) */
  droppedConstant: string[];
  droppedFrom: 'given' | 'constant over the traces given';
  /** driver columns and executor features differenced as cumulative counters */
  cumulative: string[];
  cumulativeFrom: 'given' | 'non-decreasing in every trace given';
  /** driver columns kept as they are */
  driverIdentity: string[];
  /** driver columns replaced by their first difference */
  driverDifferenced: string[];
  /** executor features averaged over active spots */
  executorAveraged: string[];
  /** executor features differenced per spot (−1 kept), then averaged */
  executorDifferenced: string[];
  /** output names: driverIdentity, `<c>_1_diff`, `avg_<f>`, `avg_<f>_1_diff` (upstream naming), in this order */
  features: string[];
  /** how many input columns each rule removed */
  counts: { input: number; nmon: number; spot5: number; constantDriver: number; constantExecutorFeatures: number };
}

export interface FeaturePlanOptions {
  /**
   * Raw columns to drop as constant (e.g. upstream `features.json` "dropped"); nmon and spot-5 columns in it are
   * dropped anyway; an executor feature is dropped when any of its spot 1–4 columns is listed.
   * Default: the columns constant over all traces given.
   */
  dropped?: readonly string[];
  /**
   * Raw columns to difference (e.g. upstream `features.json` "cumulative", 167 names); an executor feature is
   * differenced when any of its spot 1–4 columns is listed. Default: the non-constant columns that never decrease
   * within any trace given (executors: within each run of active records of each spot).
   */
  cumulative?: readonly string[];
}

/** Which part of bundle 7 a raw column belongs to. */
export type ColumnRole = 'nmon' | 'spot5' | 'executor' | 'driver';

/**
 * nmon `node5..8_*` and spot 5 are never used; spots 1–4 are executor columns; the rest (driver_*) are driver columns
 * (docs/divad.md §5a "Features").
 */
export function columnRole(column: string): ColumnRole {
  if (isNmonColumn(column)) return 'nmon';
  const spot = spotOfColumn(column);
  if (spot === 5) return 'spot5';
  return spot === undefined ? 'driver' : 'executor';
}

/**
 * What the default plan needs to know about the traces, gathered one trace at a time: per driver column and
 * per executor feature, whether it took one value only and whether it never decreased.
 */
export interface FeatureStatistics {
  columns: string[];
  driverColumns: string[];
  executorFeatures: string[];
  /**
   * per driver column / executor feature: first value seen (NaN until one is seen), constant so far, never decreased so
   * far
   */
  driver: { first: Float64Array; constant: Uint8Array; nonDecreasing: Uint8Array };
  executor: { first: Float64Array; constant: Uint8Array; nonDecreasing: Uint8Array };
  traces: number;
}

/** Empty statistics for traces with these preprocessed columns. */
export function emptyFeatureStatistics(columns: readonly string[]): FeatureStatistics {
  const driverColumns = columns.filter((c) => columnRole(c) === 'driver');
  const executorFeatures = [
    ...new Set(columns.filter((c) => columnRole(c) === 'executor').map(executorFeatureOf)),
  ].sort();
  const part = (n: number) => ({
    first: new Float64Array(n).fill(MISSING),
    constant: new Uint8Array(n).fill(1),
    nonDecreasing: new Uint8Array(n).fill(1),
  });
  return {
    columns: [...columns],
    driverColumns,
    executorFeatures,
    driver: part(driverColumns.length),
    executor: part(executorFeatures.length),
    traces: 0,
  };
}

/**
 * Adds one trace: a driver column stays constant while every value equals the first one seen and stays
 * non-decreasing while x_t ≥ x_{t−1}; an executor feature looks only at active values (≠ −1) of spots 1–4, and
 * at consecutive active records of one spot for the order.
 */
export function addTraceStatistics(
  stats: FeatureStatistics,
  trace: Pick<PreprocessedExathlonTrace, 'columns' | 'values' | 'length' | 'info'>,
): void {
  requireColumns(stats.columns, trace.columns, trace.info.name);
  const width = trace.columns.length;
  const index = new Map(trace.columns.map((c, k) => [c, k]));
  stats.driverColumns.forEach((name, j) => {
    const c = index.get(name)!;
    for (let t = 0; t < trace.length; t++) {
      const v = trace.values[t * width + c];
      observe(stats.driver, j, v, t > 0 ? trace.values[(t - 1) * width + c] : MISSING);
    }
  });
  stats.executorFeatures.forEach((feature, j) => {
    for (const spot of EXECUTOR_SPOTS) {
      const c = index.get(`${spot}_${feature}`);
      if (c === undefined) continue;
      for (let t = 0; t < trace.length; t++) {
        const v = trace.values[t * width + c];
        if (v === -1) continue;
        const previous = t > 0 ? trace.values[(t - 1) * width + c] : MISSING;
        observe(stats.executor, j, v, previous === -1 ? MISSING : previous);
      }
    }
  });
  stats.traces++;
}

/** One value (and its predecessor, NaN if none) into a feature's constant / non-decreasing flags. */
function observe(part: FeatureStatistics['driver'], j: number, v: number, previous: number): void {
  if (isMissing(part.first[j])) part.first[j] = v;
  else if (v !== part.first[j]) part.constant[j] = 0;
  if (v < previous) part.nonDecreasing[j] = 0;
}

/**
 * Driver columns and executor features that took one value over all traces (docs/divad.md §5a: "constant over the whole
 * data").
 */
export function constantFeatures(stats: FeatureStatistics): string[] {
  return [
    ...stats.driverColumns.filter((_, j) => stats.driver.constant[j] === 1),
    ...stats.executorFeatures.filter((_, j) => stats.executor.constant[j] === 1),
  ];
}

/**
 * Non-constant driver columns and executor features that never decreased in any trace (paper A.4: "only increasing
 * within a trace").
 */
export function nonDecreasingFeatures(stats: FeatureStatistics): string[] {
  const pick = (names: string[], part: FeatureStatistics['driver']) =>
    names.filter((_, j) => part.constant[j] === 0 && part.nonDecreasing[j] === 1);
  return [...pick(stats.driverColumns, stats.driver), ...pick(stats.executorFeatures, stats.executor)];
}

/** Raw column names → the driver columns and executor features they name (spot 1–4 columns name their feature). */
function featureKeysOf(columns: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const c of columns) {
    const role = columnRole(c);
    if (role === 'driver') keys.add(c);
    else if (role === 'executor') keys.add(executorFeatureOf(c));
  }
  return keys;
}

/**
 * The bundle-7 plan: drop nmon and spot 5; drop the constant driver columns and executor features; difference the
 * cumulative ones (docs/divad.md §5a "Features"). Lists not given are derived from `stats`.
 */
export function planExathlonFeatures(stats: FeatureStatistics, options: FeaturePlanOptions = {}): ExathlonFeaturePlan {
  const dropped = options.dropped ? featureKeysOf(options.dropped) : new Set(constantFeatures(stats));
  const cumulative = options.cumulative ? featureKeysOf(options.cumulative) : new Set(nonDecreasingFeatures(stats));
  const keptDriver = stats.driverColumns.filter((c) => !dropped.has(c));
  const keptExecutor = stats.executorFeatures.filter((f) => !dropped.has(f));
  const driverIdentity = keptDriver.filter((c) => !cumulative.has(c));
  const driverDifferenced = keptDriver.filter((c) => cumulative.has(c));
  const executorAveraged = keptExecutor.filter((f) => !cumulative.has(f));
  const executorDifferenced = keptExecutor.filter((f) => cumulative.has(f));
  const roles = stats.columns.map(columnRole);
  return {
    inputColumns: [...stats.columns],
    droppedConstant: [
      ...stats.driverColumns.filter((c) => dropped.has(c)),
      ...stats.executorFeatures.filter((f) => dropped.has(f)),
    ],
    droppedFrom: options.dropped ? 'given' : 'constant over the traces given',
    cumulative: [...driverDifferenced, ...executorDifferenced],
    cumulativeFrom: options.cumulative ? 'given' : 'non-decreasing in every trace given',
    driverIdentity,
    driverDifferenced,
    executorAveraged,
    executorDifferenced,
    features: [
      ...driverIdentity,
      ...driverDifferenced.map((c) => `${c}_1_diff`),
      ...executorAveraged.map((f) => `avg_${f}`),
      ...executorDifferenced.map((f) => `avg_${f}_1_diff`),
    ],
    counts: {
      input: stats.columns.length,
      nmon: roles.filter((r) => r === 'nmon').length,
      spot5: roles.filter((r) => r === 'spot5').length,
      constantDriver: stats.driverColumns.filter((c) => dropped.has(c)).length,
      constantExecutorFeatures: stats.executorFeatures.filter((f) => dropped.has(f)).length,
    },
  };
}

/**
 * First difference x_t − x_{t−1}; the first row takes the second row's difference (back-filled; docs/divad.md §5a
 * "Features").
 */
export function firstDifference(series: Float64Array): Float64Array {
  if (series.length < 2) throw new ParameterError(`a first difference needs at least 2 records, got ${series.length}`);
  const out = new Float64Array(series.length);
  for (let t = 1; t < series.length; t++) out[t] = series[t] - series[t - 1];
  out[0] = out[1];
  return out;
}

/**
 * Executor first difference that keeps −1 (upstream `add_exec_differencing`): −1 stays −1; the first active value
 * after −1 is its raw value (the difference from "not existing"); otherwise x_t − x_{t−1}; the first record has no
 * predecessor and stays NaN (it is back-filled after averaging).
 */
export function executorDifference(series: Float64Array): Float64Array {
  const out = new Float64Array(series.length);
  for (let t = 0; t < series.length; t++) {
    if (series[t] === -1) out[t] = -1;
    else if (t === 0) out[t] = MISSING;
    else if (series[t - 1] === -1) out[t] = series[t];
    else out[t] = series[t] - series[t - 1];
  }
  return out;
}

/** Mean over spots of the values ≠ −1 (NaN left out too); −1 when no spot has one (upstream `add_executors_avg`). */
export function averageOverActiveSpots(spots: readonly Float64Array[], length: number): Float64Array {
  const out = new Float64Array(length);
  for (let t = 0; t < length; t++) {
    let sum = 0;
    let n = 0;
    for (const s of spots) {
      const v = s[t];
      if (v !== -1 && !isMissing(v)) {
        sum += v;
        n++;
      }
    }
    out[t] = n > 0 ? sum / n : -1;
  }
  return out;
}

/** One column of a row-major table. */
function columnOf(trace: Pick<PreprocessedExathlonTrace, 'values' | 'length' | 'columns'>, c: number): Float64Array {
  const width = trace.columns.length;
  const out = new Float64Array(trace.length);
  for (let t = 0; t < trace.length; t++) out[t] = trace.values[t * width + c];
  return out;
}

/** The plan's features of one trace, row-major float64 (length × plan.features.length). */
export function applyFeaturePlan(
  trace: Pick<PreprocessedExathlonTrace, 'values' | 'length' | 'columns' | 'info'>,
  plan: ExathlonFeaturePlan,
): Float64Array {
  requireColumns(plan.inputColumns, trace.columns, trace.info.name);
  if (trace.length < 2)
    throw new ParameterError(`trace ${trace.info.name}: differencing needs at least 2 records, got ${trace.length}`);
  const index = new Map(trace.columns.map((c, k) => [c, k]));
  const spotSeries = (feature: string) =>
    EXECUTOR_SPOTS.flatMap((spot) =>
      index.has(`${spot}_${feature}`) ? [columnOf(trace, index.get(`${spot}_${feature}`)!)] : [],
    );
  const outputs: Float64Array[] = [
    ...plan.driverIdentity.map((c) => columnOf(trace, index.get(c)!)),
    ...plan.driverDifferenced.map((c) => firstDifference(columnOf(trace, index.get(c)!))),
    ...plan.executorAveraged.map((f) => averageOverActiveSpots(spotSeries(f), trace.length)),
    ...plan.executorDifferenced.map((f) =>
      backFillFirst(averageOverActiveSpots(spotSeries(f).map(executorDifference), trace.length)),
    ),
  ];
  const width = outputs.length;
  const values = new Float64Array(trace.length * width);
  outputs.forEach((series, j) => {
    for (let t = 0; t < trace.length; t++) values[t * width + j] = series[t];
  });
  return values;
}

/** The first row takes the second row's value (the back-filled first row of a differenced column). */
function backFillFirst(series: Float64Array): Float64Array {
  series[0] = series[1];
  return series;
}

/** A trace must have exactly the columns the statistics or plan were made for, in the same order. */
function requireColumns(expected: readonly string[], actual: readonly string[], name: string): void {
  if (expected.length !== actual.length || expected.some((c, k) => c !== actual[k])) {
    const missing = expected.filter((c) => !actual.includes(c));
    throw new FeatureMismatchError(
      expected.length,
      actual.length,
      `columns in trace ${name}` +
        (missing.length ? ` (missing ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})` : ''),
    );
  }
}

export interface EngineerOptions extends FeaturePlanOptions, DomainOptions {
  /** use this plan instead of deriving one (e.g. the training traces' plan for test traces) */
  plan?: ExathlonFeaturePlan;
}

/**
 * A trace's engineered Sequence: id `exathlon/<trace>`, entity `app<k>`, domain `bi-nexec-mem-rate`, float32 values.
 */
export function exathlonSequence(
  trace: LabelledExathlonTrace,
  plan: ExathlonFeaturePlan,
  options: DomainOptions = {},
): Sequence {
  const seq: Sequence = {
    id: `exathlon/${trace.info.name}`,
    entity: `app${trace.info.app}`,
    domain: domainOfTrace(trace, options).key,
    features: [...plan.features],
    values: Float32Array.from(applyFeaturePlan(trace, plan)),
    length: trace.length,
    timestamps: trace.timestamps,
  };
  if (trace.labels) seq.labels = trace.labels;
  if (trace.ranges) seq.ranges = trace.ranges;
  return seq;
}

/**
 * Feature engineering of bundle 7 over preprocessed traces (docs/divad.md §5a "Features"): derives the plan from these
 * traces unless one is given, then one Sequence per trace.
 */
export function engineerExathlonFeatures(
  traces: readonly LabelledExathlonTrace[],
  options: EngineerOptions = {},
): { plan: ExathlonFeaturePlan; sequences: Sequence[] } {
  if (traces.length === 0) throw new ParameterError('engineerExathlonFeatures: no traces');
  let plan = options.plan;
  if (!plan) {
    const stats = emptyFeatureStatistics(traces[0].columns);
    for (const trace of traces) addTraceStatistics(stats, trace);
    plan = planExathlonFeatures(stats, options);
  }
  const fixed = plan;
  return { plan: fixed, sequences: traces.map((trace) => exathlonSequence(trace, fixed, options)) };
}
