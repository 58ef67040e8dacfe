import { readFile } from 'node:fs/promises';
import { InputError, type AnomalyRange } from '@driftwatch/contracts';
import {
  EXATHLON_ANOMALY_TYPES,
  EXATHLON_IGNORED_CODE,
  EXATHLON_TRACE_TYPES,
  parseTraceName,
  type ExathlonAnomalyType,
} from './names';

/** One row of ground_truth.csv (data README "Ground truth"); times in ms since epoch. */
export interface ExathlonEvent {
  traceName: string;
  traceType: string;
  anomalyType: ExathlonAnomalyType;
  /** '' when empty */
  anomalyDetails: string;
  rootCauseStartMs: number;
  rootCauseEndMs: number;
  /** undefined when the field is empty */
  extendedEffectEndMs?: number;
  /** 1-based line in the file */
  line: number;
}

/** The header of ground_truth.csv, in order (data README "Ground truth"). */
export const GROUND_TRUTH_COLUMNS = [
  'trace_name',
  'trace_type',
  'anomaly_type',
  'anomaly_details',
  'root_cause_start',
  'root_cause_end',
  'extended_effect_end',
] as const;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Reads ground_truth.csv: one event per row, in file order. */
export async function readExathlonGroundTruth(path: string): Promise<ExathlonEvent[]> {
  return parseExathlonGroundTruth(await readFile(path, 'utf8'), path);
}

/**
 * Parses ground_truth.csv text (CRLF or LF, unquoted fields). Wrong field counts, trace names that are not
 * `<app>_<type>_<rate>_<id>`, trace types that disagree with the name, unknown anomaly types, times that are
 * not decimals and ends before starts are InputErrors naming the file, line and character column.
 */
export function parseExathlonGroundTruth(text: string, file = 'ground_truth.csv'): ExathlonEvent[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const header = lines[0]?.replace(/^\uFEFF/, '') ?? '';
  if (header !== GROUND_TRUTH_COLUMNS.join(','))
    throw new InputError({ file, line: 1, column: 1 }, `the header "${GROUND_TRUTH_COLUMNS.join(',')}"`, header);
  const events: ExathlonEvent[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    events.push(parseEventLine(lines[i], file, i + 1));
  }
  return events;
}

/** One data line → event; every check points at the field it is about. */
function parseEventLine(text: string, file: string, line: number): ExathlonEvent {
  const fields = text.split(',');
  const columns: number[] = [];
  for (let k = 0, at = 1; k < fields.length; at += fields[k].length + 1, k++) columns.push(at);
  const at = (k: number) => ({ file, line, column: columns[k] });
  if (fields.length !== GROUND_TRUTH_COLUMNS.length) {
    const where = fields.length > GROUND_TRUTH_COLUMNS.length ? columns[GROUND_TRUTH_COLUMNS.length] : text.length + 1;
    throw new InputError(
      { file, line, column: where },
      `${GROUND_TRUTH_COLUMNS.length} comma-separated fields (${GROUND_TRUTH_COLUMNS.join(',')})`,
      `${fields.length} fields`,
    );
  }
  const [traceName, traceType, anomalyType, anomalyDetails] = fields;
  const name = parseTraceNameAt(traceName, at(0));
  if (traceType !== EXATHLON_TRACE_TYPES[name.type]) {
    throw new InputError(
      at(1),
      `trace type "${EXATHLON_TRACE_TYPES[name.type]}", the type of trace ${traceName}`,
      traceType,
    );
  }
  if (!(EXATHLON_ANOMALY_TYPES as readonly string[]).includes(anomalyType)) {
    throw new InputError(at(2), `an anomaly type (${EXATHLON_ANOMALY_TYPES.join(', ')})`, anomalyType);
  }
  const start = secondsToMs(fields[4], at(4), false)!;
  const end = secondsToMs(fields[5], at(5), false)!;
  const extended = secondsToMs(fields[6], at(6), true);
  if (end < start) throw new InputError(at(5), `root_cause_end ≥ root_cause_start (${fields[4]})`, fields[5]);
  if (extended !== undefined && extended < start)
    throw new InputError(at(6), `extended_effect_end ≥ root_cause_start (${fields[4]})`, fields[6]);
  return {
    traceName,
    traceType,
    anomalyType: anomalyType as ExathlonAnomalyType,
    anomalyDetails,
    rootCauseStartMs: start,
    rootCauseEndMs: end,
    ...(extended !== undefined ? { extendedEffectEndMs: extended } : {}),
    line,
  };
}

/** The trace-name check, located at the field (file, line, column) it is about. */
function parseTraceNameAt(text: string, location: { file: string; line: number; column: number }) {
  try {
    return parseTraceName(text, location.file);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(location, error.expected, text);
    throw error;
  }
}

/** Unix seconds as a decimal → ms (rounded to the ms); empty allowed only where the field is optional. */
function secondsToMs(
  text: string,
  location: { file: string; line: number; column: number },
  optional: boolean,
): number | undefined {
  if (text === '' && optional) return undefined;
  if (!DECIMAL.test(text))
    throw new InputError(
      location,
      optional ? 'Unix seconds as a decimal, or an empty field' : 'Unix seconds as a decimal',
      text,
    );
  return Math.round(Number(text) * 1000);
}

/** How an event is labelled: type, code and whether evaluation ignores it. */
export interface EventLabel {
  eventType: string;
  code: number;
  ignored: boolean;
}

/**
 * Event → label: T1…T6 get codes 1…6; "unknown" gets 7, ignored; CPU contention without application impact
 * (`no_application_impact`, "os_only") is relabelled 7, ignored, unless `osOnlyAsUnknown` is false
 * (docs/divad.md §5a "Labels"; paper A.1; upstream `label_as_unknown = "os_only"`).
 */
export function eventLabelOf(
  event: Pick<ExathlonEvent, 'anomalyType' | 'anomalyDetails'>,
  osOnlyAsUnknown = true,
): EventLabel {
  if (event.anomalyType === 'unknown') return { eventType: 'unknown', code: EXATHLON_IGNORED_CODE, ignored: true };
  if (osOnlyAsUnknown && event.anomalyDetails === 'no_application_impact')
    return { eventType: 'os_only', code: EXATHLON_IGNORED_CODE, ignored: true };
  return { eventType: event.anomalyType, code: EXATHLON_ANOMALY_TYPES.indexOf(event.anomalyType) + 1, ignored: false };
}

/**
 * End of an event's labelled interval, inclusive: extended_effect_end if set, else root_cause_end (docs/divad.md §5a
 * "Labels").
 */
export function eventEndMs(event: Pick<ExathlonEvent, 'rootCauseEndMs' | 'extendedEffectEndMs'>): number {
  return event.extendedEffectEndMs ?? event.rootCauseEndMs;
}

/**
 * Labels of a trace's records: record t gets the code of an event if start ≤ t ≤ end; events are applied
 * in file order, so a later event overwrites an earlier one where they overlap (upstream `_add_anomaly_column`).
 * One range per event that covers at least one record: [first record ≥ start, last record ≤ end + 1).
 */
export function labelTrace(
  timestampsMs: BigInt64Array,
  events: readonly ExathlonEvent[],
  osOnlyAsUnknown = true,
): { labels: Uint8Array; ranges: AnomalyRange[] } {
  const n = timestampsMs.length;
  const labels = new Uint8Array(n);
  const ranges: AnomalyRange[] = [];
  for (const event of events) {
    const { eventType, code, ignored } = eventLabelOf(event, osOnlyAsUnknown);
    const start = firstAtOrAfter(timestampsMs, event.rootCauseStartMs);
    const end = firstAtOrAfter(timestampsMs, eventEndMs(event) + 1);
    if (start >= end) continue;
    labels.fill(code, start, end);
    ranges.push({ start, end, eventType, ...(ignored ? { ignored: true } : {}) });
  }
  return { labels, ranges };
}

/** Index of the first time ≥ ms in ascending times (binary search); n if none. */
function firstAtOrAfter(times: BigInt64Array, ms: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Number(times[mid]) < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The events of one trace, in file order. */
export function eventsOfTrace(events: readonly ExathlonEvent[], traceName: string): ExathlonEvent[] {
  return events.filter((e) => e.traceName === traceName);
}
