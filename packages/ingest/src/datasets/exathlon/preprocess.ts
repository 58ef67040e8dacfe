import { ParameterError } from '@driftwatch/contracts';
import { isMissing, MISSING } from './missing';
import { EXECUTOR_SPOTS, spotOfColumn } from './names';
import type { ExathlonTrace } from './trace';

/** A maximal run of records [start, end) in which every column of an executor spot is missing. */
export interface MissingRun {
  start: number;
  end: number;
}

/** Why an all-missing run counts as an inactive executor (docs/divad.md §5a "Loading" step (2)). */
export type InactiveRule = 'whole-trace' | 'trace-edge' | 't2-trace-end' | 'counter-reset';

/** A classified all-missing run of one spot; record indices and times are those of the trace as read. */
export interface SpotRun extends MissingRun {
  startMs: number;
  /** time of the run's last record */
  lastMs: number;
  kind: 'inactive' | 'missing';
  /** the rule that made it inactive */
  rule?: InactiveRule;
}

/** What step (2) found for one executor spot. */
export interface SpotActivity {
  spot: number;
  runs: SpotRun[];
  /** some record of the spot lies outside every inactive run */
  active: boolean;
}

/** A trace after steps (1)–(6): one record per second, no NaN. */
export interface PreprocessedExathlonTrace extends Omit<ExathlonTrace, 'lines'> {
  /** records read, before resampling */
  recordsRead: number;
  /** spots 1–4 */
  spots: SpotActivity[];
  /** spots 1–4 that are active somewhere in the trace */
  activeExecutors: number;
  /** columns without any value in the trace, set to the raw placeholder −1 (see `preprocessExathlonTrace`) */
  unsetColumns: string[];
}

export interface PreprocessOptions {
  /**
   * step (3): keep only these columns (default: all); the all-missing test of a spot then looks at its kept columns and
   * its runTime counter
   */
  usedColumns?: readonly string[];
}

/**
 * Shortest run at the start or end of a trace that counts as inactive, in records (upstream `min_inactive_duration =
 * 600`, records ≈ seconds).
 */
export const MIN_EDGE_INACTIVE_RECORDS = 600;
/** Shortest run ending a T2 trace that counts as inactive, in records (upstream `min_t2_inactive_duration = 10`). */
export const MIN_T2_END_INACTIVE_RECORDS = 10;
/** Trace type of bursty_input_crash, whose ending runs are more likely crashed executors. */
const T2_TRACE_TYPE = 2;

/** Step (1): every −1 placeholder becomes NaN (docs/divad.md §5a "Loading" (1)). */
export function minusOneToNaN(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = values[k] === -1 ? MISSING : values[k];
  return out;
}

/**
 * Maximal runs [start, end) of records where every one of `columns` is NaN (the "fully missing" ranges of step (2)).
 */
export function allMissingRuns(
  values: Float64Array,
  length: number,
  width: number,
  columns: readonly number[],
): MissingRun[] {
  const runs: MissingRun[] = [];
  let start = -1;
  for (let t = 0; t <= length; t++) {
    const missing = t < length && columns.length > 0 && columns.every((c) => isMissing(values[t * width + c]));
    if (missing && start === -1) start = t;
    else if (!missing && start !== -1) {
      runs.push({ start, end: t });
      start = -1;
    }
  }
  return runs;
}

/** What the inactive rules look at besides the run itself. */
export interface RunContext {
  /** records in the trace */
  length: number;
  /** the `<type>` digit of the trace name */
  traceType: number;
  /** `{spot}_executor_runTime_count` at the record before the run and at the record after it (NaN if unknown) */
  counterBefore: number;
  counterAfter: number;
}

/**
 * Step (2): the rule under which an all-missing run is an inactive executor, or undefined for "missing":
 * it spans the whole trace; or it starts or ends the trace and lasts ≥ 600 records; or it ends a T2 trace and
 * lasts ≥ 10 records; or it lies between valid records and the runTime counter was reset (after < before)
 * (docs/divad.md §5a "Loading" (2); upstream `is_fully_missing_inactive`, which counts records, not seconds).
 */
export function inactiveRuleOf(run: MissingRun, context: RunContext): InactiveRule | undefined {
  const runLength = run.end - run.start;
  if (runLength === context.length) return 'whole-trace';
  const startsTrace = run.start === 0;
  const endsTrace = run.end === context.length;
  if (startsTrace || endsTrace) {
    if (runLength >= MIN_EDGE_INACTIVE_RECORDS) return 'trace-edge';
    if (endsTrace && context.traceType === T2_TRACE_TYPE && runLength >= MIN_T2_END_INACTIVE_RECORDS)
      return 't2-trace-end';
    return undefined;
  }
  // NaN on either side compares false: no evidence of a reset
  return context.counterAfter < context.counterBefore ? 'counter-reset' : undefined;
}

/** Sets `columns` of records [start, end) to `value` in place. */
export function setRecords(
  values: Float64Array,
  width: number,
  columns: readonly number[],
  start: number,
  end: number,
  value: number,
): void {
  for (let t = start; t < end; t++) for (const c of columns) values[t * width + c] = value;
}

/**
 * Step (4): per column, NaN takes the last value before it, then leading NaN take the first value (pandas
 * ffill().bfill()).
 */
export function fillForwardThenBackward(values: Float64Array, length: number, width: number): void {
  // row by row (not column by column): the table is row-major and wide, so this stays cache-friendly
  const previous = new Float64Array(width).fill(MISSING);
  const first = new Int32Array(width).fill(-1);
  for (let t = 0; t < length; t++) {
    const base = t * width;
    for (let c = 0; c < width; c++) {
      const v = values[base + c];
      if (isMissing(v)) values[base + c] = previous[c];
      else {
        previous[c] = v;
        if (first[c] === -1) first[c] = t;
      }
    }
  }
  let lastLeading = 0;
  for (let c = 0; c < width; c++) lastLeading = Math.max(lastLeading, first[c]);
  for (let t = 0; t < lastLeading; t++) {
    for (let c = 0; c < width; c++) if (t < first[c]) values[t * width + c] = values[first[c] * width + c];
  }
}

/**
 * Step (5): a value < 0 other than −1 becomes its opposite ("usage" features whose max was unset; docs/divad.md §5a
 * "Loading" (5)).
 */
export function negativesToOpposite(values: Float64Array): void {
  for (let k = 0; k < values.length; k++) if (values[k] < 0 && values[k] !== -1) values[k] = -values[k];
}

/**
 * Step (6): records on a 1 s grid from the first record's second to the last one's; each second holds the max
 * of its records per column (NaN left out, pandas `resample('1s').max()`), empty seconds are filled forward,
 * then backward. Duplicate records (same t) merge here.
 */
export function resampleMaxPerSecond(
  timestamps: BigInt64Array,
  values: Float64Array,
  length: number,
  width: number,
): { timestamps: BigInt64Array; values: Float64Array; length: number } {
  if (length === 0) return { timestamps: new BigInt64Array(0), values: new Float64Array(0), length: 0 };
  const second = (ms: bigint) => (ms >= 0n ? ms / 1000n : (ms - 999n) / 1000n);
  const origin = second(timestamps[0]);
  const slots = Number(second(timestamps[length - 1]) - origin) + 1;
  const out = new Float64Array(slots * width).fill(MISSING);
  for (let t = 0; t < length; t++) {
    const slot = Number(second(timestamps[t]) - origin);
    for (let c = 0; c < width; c++) {
      const v = values[t * width + c];
      const k = slot * width + c;
      if (!isMissing(v) && !(v <= out[k])) out[k] = v;
    }
  }
  fillForwardThenBackward(out, slots, width);
  const times = new BigInt64Array(slots);
  for (let s = 0; s < slots; s++) times[s] = (origin + BigInt(s)) * 1000n;
  return { timestamps: times, values: out, length: slots };
}

/**
 * Columns that are NaN in every record after step (6) (no value anywhere in the trace) get the raw −1 back, so
 * the result holds no NaN. Upstream leaves them NaN and never meets them: its used-feature list drops them as
 * constant. Returns their indices.
 */
export function unsetColumnsToMinusOne(values: Float64Array, length: number, width: number): number[] {
  const valued = new Uint8Array(width);
  for (let k = 0; k < length * width; k++) if (!isMissing(values[k])) valued[k % width] = 1;
  const unset: number[] = [];
  for (let c = 0; c < width; c++) {
    if (valued[c]) continue;
    unset.push(c);
    for (let t = 0; t < length; t++) values[t * width + c] = -1;
  }
  return unset;
}

/**
 * Steps (1)–(6) of upstream `load_trace` (docs/divad.md §5a "Loading"; paper A.2): −1 → NaN; per spot 1–4, all-missing
 * runs classified inactive (back to −1) or missing; keep the used columns; ffill then bfill; negatives ≠ −1 → their
 * opposite; 1 s resampling with max, then ffill, bfill. Columns never valued in the trace are set to −1.
 */
export function preprocessExathlonTrace(
  trace: ExathlonTrace,
  options: PreprocessOptions = {},
): PreprocessedExathlonTrace {
  const width = trace.columns.length;
  const length = trace.length;
  if (length === 0) throw new ParameterError(`trace ${trace.info.name} has no records`);
  const values = minusOneToNaN(trace.values);
  const used = options.usedColumns ? new Set(options.usedColumns) : undefined;
  const spots = EXECUTOR_SPOTS.map((spot) => classifySpot(trace, values, spot, used));
  for (const activity of spots) {
    const columns = spotColumnIndices(trace.columns, activity.spot);
    for (const run of activity.runs)
      if (run.kind === 'inactive') setRecords(values, width, columns, run.start, run.end, -1);
  }
  const kept = used ? keepColumns(trace.columns, values, length, used) : { columns: trace.columns, values };
  const keptWidth = kept.columns.length;
  fillForwardThenBackward(kept.values, length, keptWidth);
  negativesToOpposite(kept.values);
  const resampled = resampleMaxPerSecond(trace.timestamps, kept.values, length, keptWidth);
  const unset = unsetColumnsToMinusOne(resampled.values, resampled.length, keptWidth);
  return {
    info: trace.info,
    file: trace.file,
    columns: kept.columns,
    length: resampled.length,
    timestamps: resampled.timestamps,
    values: resampled.values,
    recordsRead: length,
    spots,
    activeExecutors: spots.filter((s) => s.active).length,
    unsetColumns: unset.map((c) => kept.columns[c]),
  };
}

/** Column indices of an executor spot. */
function spotColumnIndices(columns: readonly string[], spot: number): number[] {
  const indices: number[] = [];
  columns.forEach((name, c) => {
    if (spotOfColumn(name) === spot) indices.push(c);
  });
  return indices;
}

/** Step (2) for one spot: its all-missing runs (over its used columns and its runTime counter), classified. */
function classifySpot(
  trace: ExathlonTrace,
  values: Float64Array,
  spot: number,
  used: Set<string> | undefined,
): SpotActivity {
  const width = trace.columns.length;
  const counterName = `${spot}_executor_runTime_count`;
  const counter = trace.columns.indexOf(counterName);
  const tested = spotColumnIndices(trace.columns, spot).filter(
    (c) => !used || used.has(trace.columns[c]) || c === counter,
  );
  const valueAt = (t: number) => (counter === -1 || t < 0 || t >= trace.length ? MISSING : values[t * width + counter]);
  const runs = allMissingRuns(values, trace.length, width, tested).map((run): SpotRun => {
    const rule = inactiveRuleOf(run, {
      length: trace.length,
      traceType: trace.info.type,
      counterBefore: valueAt(run.start - 1),
      counterAfter: valueAt(run.end),
    });
    return {
      ...run,
      startMs: Number(trace.timestamps[run.start]),
      lastMs: Number(trace.timestamps[run.end - 1]),
      kind: rule ? 'inactive' : 'missing',
      ...(rule ? { rule } : {}),
    };
  });
  const inactiveRecords = runs.reduce((n, r) => n + (r.kind === 'inactive' ? r.end - r.start : 0), 0);
  return { spot, runs, active: tested.length > 0 && inactiveRecords < trace.length };
}

/** Step (3): only the used columns, in their sorted order. */
function keepColumns(
  columns: readonly string[],
  values: Float64Array,
  length: number,
  used: Set<string>,
): { columns: string[]; values: Float64Array } {
  const keep = columns.flatMap((name, c) => (used.has(name) ? [c] : []));
  const width = columns.length;
  const out = new Float64Array(length * keep.length);
  for (let t = 0; t < length; t++)
    for (let j = 0; j < keep.length; j++) out[t * keep.length + j] = values[t * width + keep[j]];
  return { columns: keep.map((c) => columns[c]), values: out };
}
