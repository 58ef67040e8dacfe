import { type AnomalyRange, ParameterError, type Sequence } from '@driftwatch/contracts';
import { NEZHA_FAULT_MINUTES, type NezhaFault, type NezhaFaultType } from './faults';

/**
 * Label windows of the Nezha faults. The fault lists give start times only; how long after the start a
 * record counts as anomalous is chosen here, either fixed or from the data (see `LabelWindow`).
 *
 * Time convention: a metric record at time t summarises the minute before it, (t − 60 s, t] (evidence: in
 * 2022-08-22 the frontend record 25 s after the 03:53:54 CPU-contention injection already shows the full CPU
 * rise; the trace file `HH_MM` holds the spans of the minute before HH:MM, datasets README). A fault window is
 * therefore an interval of record times [startMs, endMs): startMs is the injection, and a fault that acts on
 * [s, s + d) touches the records with s ≤ t < s + d + 60 s.
 */

/** One record summarises this much time before its timestamp: the sampling step (datasets README, Nezha). */
export const NEZHA_RECORD_SPAN_MS = 60_000;

/** A signal the recovery rule watches. */
export type RecoverySignalRef =
  /** a feature of the labelled sequence itself (the injected pod, or its service) */
  | { source: 'entity'; feature: string }
  /** a feature of front_service.csv, the application's entry point */
  | { source: 'front'; feature: string }
  /**
   * the latency of every call edge into the injected service, from source_50.csv ('source', caller side) or
   * destination_50.csv
   */
  | { source: 'edges-in'; side: 'source' | 'destination' };

/**
 * The signals per fault type (the fault type's most relevant metric). CPU faults: CpuUsageRate(%), the root
 * cause root_cause_*.json names for them. network_delay: the caller-side latency of the calls into the service
 * (root_cause_*.json names "NetworkP90(ms)", which no file holds; source_50.csv is the nearest, and in
 * 2022-08-22 the only series where the injected delays show) and the pod's own server latency. Code defects
 * (return, exception): the entry success rate (it drops by 2–50 points in 2022-08-22; `PodSuccessRate(%)` is 0
 * in every row of both days, so it cannot serve) and the pod's server latency.
 */
export const NEZHA_RECOVERY_SIGNALS: Readonly<Record<NezhaFaultType, readonly RecoverySignalRef[]>> = {
  cpu_contention: [{ source: 'entity', feature: 'CpuUsageRate(%)' }],
  cpu_consumed: [{ source: 'entity', feature: 'CpuUsageRate(%)' }],
  network_delay: [
    { source: 'edges-in', side: 'source' },
    { source: 'entity', feature: 'PodServerLatencyP90(s)' },
  ],
  return: [
    { source: 'front', feature: 'SuccessRate(%)' },
    { source: 'entity', feature: 'PodServerLatencyP90(s)' },
  ],
  exception: [
    { source: 'front', feature: 'SuccessRate(%)' },
    { source: 'entity', feature: 'PodServerLatencyP90(s)' },
  ],
};

/** Every fault labels a fixed number of minutes after its injection. */
export interface FixedLabelWindow {
  mode: 'fixed';
  minutes: number;
}

/**
 * The window lasts while the fault's signals stay away from their fault-free level, at least `minMinutes`
 * and at most `maxMinutes` (see `recoveryEnd` for the rule).
 */
export interface RecoveryLabelWindow {
  mode: 'recovery';
  /** default 3, the documented fault duration */
  minMinutes?: number;
  /** default 10 */
  maxMinutes?: number;
  /** band half-width in robust standard deviations (default 3) */
  k?: number;
  /** fault-free records nearest to the injection that form a signal's baseline (default 60) */
  baselineRecords?: number;
  /** signals per fault type, replacing NEZHA_RECOVERY_SIGNALS for the types given */
  signals?: Partial<Record<NezhaFaultType, readonly RecoverySignalRef[]>>;
}

export type LabelWindow = FixedLabelWindow | RecoveryLabelWindow;

export type ResolvedRecoveryWindow = Required<Omit<RecoveryLabelWindow, 'signals'>> & {
  signals: Record<NezhaFaultType, readonly RecoverySignalRef[]>;
};

/** The default label window: recovery with its default parameters. */
export const DEFAULT_LABEL_WINDOW: LabelWindow = { mode: 'recovery' };

/** Why a window ends where it does. */
export type WindowEndReason = 'fixed' | 'recovered' | 'max' | 'end-of-data' | 'next-fault';

/** A fault's window: the records with startMs ≤ t < endMs are labelled with its type. */
export interface FaultWindow {
  fault: NezhaFault;
  /** the entity (pod or service) whose sequence is labelled */
  entity: string;
  startMs: number;
  endMs: number;
  reason: WindowEndReason;
}

/** A series the recovery rule looks at: times (ms, increasing) and one value per time (NaN = none). */
export interface RecoverySignal {
  name: string;
  times: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** A half-open interval of record times. */
export interface TimeInterval {
  startMs: number;
  endMs: number;
}

/** Checks a label window's parameters and fills in the defaults. */
export function resolveLabelWindow(window: LabelWindow): FixedLabelWindow | ResolvedRecoveryWindow {
  if (window.mode === 'fixed') {
    if (!(Number.isFinite(window.minutes) && window.minutes > 0))
      throw new ParameterError(`labelWindow.minutes must be a positive number, got ${window.minutes}`);
    return { mode: 'fixed', minutes: window.minutes };
  }
  if (window.mode !== 'recovery')
    throw new ParameterError(
      `labelWindow.mode must be "fixed" or "recovery", got ${JSON.stringify((window as { mode: unknown }).mode)}`,
    );
  const resolved: ResolvedRecoveryWindow = {
    mode: 'recovery',
    minMinutes: window.minMinutes ?? NEZHA_FAULT_MINUTES,
    maxMinutes: window.maxMinutes ?? 10,
    k: window.k ?? 3,
    baselineRecords: window.baselineRecords ?? 60,
    signals: { ...NEZHA_RECOVERY_SIGNALS, ...window.signals } as Record<NezhaFaultType, readonly RecoverySignalRef[]>,
  };
  if (!(Number.isFinite(resolved.minMinutes) && resolved.minMinutes > 0))
    throw new ParameterError(`labelWindow.minMinutes must be a positive number, got ${resolved.minMinutes}`);
  if (!(Number.isFinite(resolved.maxMinutes) && resolved.maxMinutes >= resolved.minMinutes)) {
    throw new ParameterError(
      `labelWindow.maxMinutes must be a number ≥ minMinutes (${resolved.minMinutes}), got ${resolved.maxMinutes}`,
    );
  }
  if (!(Number.isFinite(resolved.k) && resolved.k > 0))
    throw new ParameterError(`labelWindow.k must be a positive number, got ${resolved.k}`);
  if (!(Number.isInteger(resolved.baselineRecords) && resolved.baselineRecords >= 1))
    throw new ParameterError(`labelWindow.baselineRecords must be an integer ≥ 1, got ${resolved.baselineRecords}`);
  return resolved;
}

/** Median of the values (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Centre and robust standard deviation of a baseline: the median and 1.4826·MAD (the MAD scaled to σ for
 * normal data, Iglewicz & Hoaglin 1993); when the MAD is 0 (more than half the values equal, e.g. a latency
 * floor), 1.2533·mean absolute deviation from the median (√(π/2), the same scaling for the mean deviation);
 * 0 only for a constant baseline.
 */
export function robustBand(values: readonly number[]): { median: number; sigma: number } {
  const centre = median(values);
  const deviations = values.map((v) => Math.abs(v - centre));
  const mad = median(deviations);
  if (mad > 0) return { median: centre, sigma: 1.4826 * mad };
  const meanDeviation = deviations.reduce((s, d) => s + d, 0) / Math.max(1, deviations.length);
  return { median: centre, sigma: 1.2533 * meanDeviation };
}

/** A value lies outside the fault-free band when it is a number farther than k·σ from the median. */
export function deviates(value: number, band: { median: number; sigma: number }, k: number): boolean {
  return Number.isFinite(value) && Math.abs(value - band.median) > k * band.sigma;
}

/**
 * The baseline of a signal for an injection at `atMs`: its `count` finite values nearest in time to the
 * injection (earlier first on ties) among the records outside every `excluded` interval.
 */
export function baselineValues(
  signal: RecoverySignal,
  atMs: number,
  excluded: readonly TimeInterval[],
  count: number,
): number[] {
  const candidates: { distance: number; t: number; v: number }[] = [];
  for (let i = 0; i < signal.times.length; i++) {
    const t = signal.times[i];
    const v = signal.values[i];
    if (!Number.isFinite(v) || excluded.some((w) => w.startMs <= t && t < w.endMs)) continue;
    candidates.push({ distance: Math.abs(t - atMs), t, v });
  }
  candidates.sort((a, b) => a.distance - b.distance || a.t - b.t);
  return candidates.slice(0, count).map((c) => c.v);
}

/** The signal's value at the record nearest to t within ±tolerance ms, NaN when there is none. */
export function valueNear(signal: RecoverySignal, t: number, toleranceMs: number): number {
  let lo = 0;
  let hi = signal.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (signal.times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  let best = -1;
  for (const i of [lo - 1, lo]) {
    if (i < 0 || i >= signal.times.length) continue;
    if (
      Math.abs(signal.times[i] - t) <= toleranceMs &&
      (best === -1 || Math.abs(signal.times[i] - t) < Math.abs(signal.times[best] - t))
    )
      best = i;
  }
  return best === -1 ? NaN : signal.values[best];
}

/** Fixed rule: the fault acts for `minutes` from its injection, so records up to one span later are touched. */
export function fixedEnd(
  startMs: number,
  minutes: number,
  nextStartMs: number,
): { endMs: number; reason: WindowEndReason } {
  const endMs = startMs + minutes * 60_000 + NEZHA_RECORD_SPAN_MS;
  return endMs > nextStartMs ? { endMs: nextStartMs, reason: 'next-fault' } : { endMs, reason: 'fixed' };
}

export interface RecoveryInput {
  startMs: number;
  /** times of the labelled sequence's records, increasing */
  recordTimes: ArrayLike<number>;
  signals: readonly RecoverySignal[];
  /** intervals whose records may not enter a baseline (every fault's longest possible window) */
  excluded: readonly TimeInterval[];
  /** the next injection of the day (Infinity if none) */
  nextStartMs: number;
  rule: ResolvedRecoveryWindow;
}

/**
 * Recovery rule. Each signal gets a fault-free band, median ± k·σ of its baseline (`baselineValues`,
 * `robustBand`). The window holds every record before s + min + 60 s; after that, the first record of the
 * labelled sequence at which no signal lies outside its band (signals are read at their record nearest in
 * time, within 30 s; a missing value is no evidence) ends it: endMs = max(s + min + 60 s, t − 30 s), so that
 * record and later ones are normal whatever the small time offsets between files. The window never passes
 * s + max + 60 s, and never the next injection of the day (records from then on belong to the next fault).
 */
export function recoveryEnd(input: RecoveryInput): { endMs: number; reason: WindowEndReason } {
  const { startMs, rule } = input;
  const minEnd = startMs + rule.minMinutes * 60_000 + NEZHA_RECORD_SPAN_MS;
  const maxEnd = startMs + rule.maxMinutes * 60_000 + NEZHA_RECORD_SPAN_MS;
  const bands = input.signals.map((signal) => {
    const baseline = baselineValues(signal, startMs, input.excluded, rule.baselineRecords);
    return baseline.length === 0 ? undefined : robustBand(baseline);
  });
  const anyDeviates = (t: number) =>
    input.signals.some(
      (signal, i) =>
        bands[i] !== undefined && deviates(valueNear(signal, t, NEZHA_RECORD_SPAN_MS / 2), bands[i], rule.k),
    );
  let end: { endMs: number; reason: WindowEndReason } = { endMs: maxEnd, reason: 'end-of-data' };
  for (let i = 0; i < input.recordTimes.length; i++) {
    const t = input.recordTimes[i];
    if (t < minEnd) continue;
    if (t >= maxEnd) {
      end = { endMs: maxEnd, reason: 'max' };
      break;
    }
    if (!anyDeviates(t)) {
      end = { endMs: Math.max(minEnd, t - NEZHA_RECORD_SPAN_MS / 2), reason: 'recovered' };
      break;
    }
  }
  return end.endMs > input.nextStartMs ? { endMs: input.nextStartMs, reason: 'next-fault' } : end;
}

/** What the window computation needs to know about a day's data. */
export interface WindowContext {
  /** the entity whose sequence a fault labels (its pod or its service) */
  entityOf: (fault: NezhaFault) => string;
  /** record times (ms, increasing) of an entity's sequence; undefined when there is no such sequence */
  recordTimesOf: (entity: string) => ArrayLike<number> | undefined;
  /** the series behind a signal reference for a fault (none when the day lacks them) */
  signalsOf: (fault: NezhaFault, ref: RecoverySignalRef) => RecoverySignal[];
}

/** The window of every fault of a day (faults in time order), by the fixed or the recovery rule. */
export function faultWindows(
  faults: readonly NezhaFault[],
  window: LabelWindow,
  context: WindowContext,
): FaultWindow[] {
  const rule = resolveLabelWindow(window);
  const ordered = [...faults].sort((a, b) => a.injectMs - b.injectMs);
  const excluded =
    rule.mode === 'recovery'
      ? ordered.map((f) => ({
          startMs: f.injectMs,
          endMs: f.injectMs + rule.maxMinutes * 60_000 + NEZHA_RECORD_SPAN_MS,
        }))
      : [];
  return ordered.map((fault, i) => {
    const nextStartMs = i + 1 < ordered.length ? ordered[i + 1].injectMs : Infinity;
    const entity = context.entityOf(fault);
    const end =
      rule.mode === 'fixed'
        ? fixedEnd(fault.injectMs, rule.minutes, nextStartMs)
        : recoveryEnd({
            startMs: fault.injectMs,
            recordTimes: context.recordTimesOf(entity) ?? [],
            signals: rule.signals[fault.type].flatMap((ref) => context.signalsOf(fault, ref)),
            excluded,
            nextStartMs,
            rule,
          });
    return { fault, entity, startMs: fault.injectMs, ...end };
  });
}

/** Record times of a sequence as numbers (ms). */
export function timesOf(seq: Sequence): number[] {
  return Array.from(seq.timestamps ?? [], Number);
}

/** Index of the first record at or after `ms` (the length when none). */
function firstAtOrAfter(times: ArrayLike<number>, ms: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The records [start, end) of a sequence inside a window. */
export function recordsInWindow(seq: Sequence, window: TimeInterval): { start: number; end: number } {
  const times = timesOf(seq);
  return { start: firstAtOrAfter(times, window.startMs), end: firstAtOrAfter(times, window.endMs) };
}

/**
 * The sequences with labels: each window labels its entity's records inside it with the fault's code and
 * adds an AnomalyRange with eventType = the fault type; every other record is 0. Sequences of other entities
 * get all-zero labels and no ranges.
 */
export function labelSequences(sequences: readonly Sequence[], windows: readonly FaultWindow[]): Sequence[] {
  return sequences.map((seq) => {
    const labels = new Uint8Array(seq.length);
    const ranges: AnomalyRange[] = [];
    for (const w of windows) {
      if (w.entity !== seq.entity) continue;
      const { start, end } = recordsInWindow(seq, w);
      if (end <= start) continue;
      labels.fill(w.fault.code, start, end);
      ranges.push({ start, end, eventType: w.fault.type });
    }
    return { ...seq, labels, ranges };
  });
}

/**
 * Fault-free records for training: 1 where a record lies outside every fault window of the day (whatever
 * entity the fault was injected into, since faults spread along calls), 0 inside one.
 */
export function normalMask(seq: Sequence, windows: readonly TimeInterval[]): Uint8Array {
  const mask = new Uint8Array(seq.length).fill(1);
  for (const w of windows) {
    const { start, end } = recordsInWindow(seq, w);
    mask.fill(0, start, end);
  }
  return mask;
}
