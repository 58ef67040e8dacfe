import { readFile } from 'node:fs/promises';
import { DataRootError, InputError } from '@driftwatch/contracts';
import { type JsonNode, type JsonPosition, describeJson, entryOf, parseJsonWithPositions } from '../../json/positions';
import { serviceOfPod } from './names';
import { INJECT_TIME_LAYOUT, parseInjectTimeMs } from './times';

/** The injected fault types (datasets README, Nezha: resource faults and code defects). */
export const NEZHA_FAULT_TYPES = ['cpu_contention', 'network_delay', 'return', 'cpu_consumed', 'exception'] as const;
export type NezhaFaultType = (typeof NEZHA_FAULT_TYPES)[number];

/** Label code of each fault type in `Sequence.labels` (0 is normal); fixed so codes mean the same on every date. */
export const NEZHA_FAULT_CODES: Readonly<Record<NezhaFaultType, number>> = {
  cpu_contention: 1,
  network_delay: 2,
  return: 3,
  cpu_consumed: 4,
  exception: 5,
};

/** Resource faults have a metric as root cause, code defects a code region (root_cause_*.json). */
export const NEZHA_RESOURCE_FAULTS: readonly NezhaFaultType[] = ['cpu_contention', 'network_delay', 'cpu_consumed'];

/** Each fault lasts 3 minutes (datasets README, Nezha, "What it is"). */
export const NEZHA_FAULT_MINUTES = 3;

/** One injected fault of a fault list. */
export interface NezhaFault {
  /** `inject_time` as listed: `YYYY-MM-DD HH:MM:SS`, UTC */
  injectTime: string;
  /** `inject_time` in ms since the epoch */
  injectMs: number;
  pod: string;
  service: string;
  type: NezhaFaultType;
  /** label code of the type (NEZHA_FAULT_CODES) */
  code: number;
  /** `inject_timestamp` as listed, in s; not used (most are 8 h off; datasets README, "Data remarks") */
  listedTimestampS?: number;
  /** the hour key the entry is listed under */
  hour: string;
  /** where the entry starts in the fault-list file */
  file: string;
  line: number;
  column: number;
}

/** One row of root_cause_{hipster,ts}.json: the inner-service root cause of a fault type in a service. */
export interface NezhaRootCause {
  service: string;
  faultType: NezhaFaultType;
  /** the text as listed */
  rootCause: string;
  /** resource faults name a metric, code defects a code region between two log statements */
  kind: 'metric' | 'code-region';
  /** the two log statements of a code region, when the text holds exactly one `_` to split at */
  region?: { from: string; to: string };
}

export function isFaultType(text: string): text is NezhaFaultType {
  return (NEZHA_FAULT_TYPES as readonly string[]).includes(text);
}

/** Reads `<date>-fault_list.json`. */
export async function readFaultList(file: string): Promise<NezhaFault[]> {
  return parseFaultList(await readText(file), file);
}

/**
 * A fault list: an object keyed by hour ("08", …), each a list of `{inject_time, inject_timestamp, inject_pod,
 * inject_type}` (datasets README, Nezha, "Fault lists"). Times come from `inject_time` read as UTC; the entry
 * must sit under the key of its own hour. Faults are returned in time order. Errors name the line and column
 * of the offending entry or field.
 */
export function parseFaultList(text: string, file: string): NezhaFault[] {
  const root = parseJsonWithPositions(text, file);
  const hours = expectKind(root, 'object', 'an object keyed by hour ("08", "09", …)', file);
  const faults: NezhaFault[] = [];
  for (const hourEntry of hours.entries) {
    if (!/^\d{2}$/.test(hourEntry.key)) throw at(file, hourEntry.keyAt, 'a two-digit hour key ("08")', hourEntry.key);
    const list = expectKind(hourEntry.value, 'array', `a list of faults under hour "${hourEntry.key}"`, file);
    for (const item of list.items) faults.push(faultOf(item, hourEntry.key, file));
  }
  return faults.sort((a, b) => a.injectMs - b.injectMs);
}

/** One fault-list entry → a fault; every required field is checked where it stands. */
function faultOf(node: JsonNode, hour: string, file: string): NezhaFault {
  const entry = expectKind(
    node,
    'object',
    'a fault object {inject_time, inject_timestamp, inject_pod, inject_type}',
    file,
  );
  const field = (key: string) => {
    const e = entryOf(entry, key);
    if (!e)
      throw at(
        file,
        entry.at,
        `a field "${key}" in the fault entry`,
        `the fields ${entry.entries.map((x) => x.key).join(', ') || 'none'}`,
      );
    return e.value;
  };
  const timeNode = expectKind(field('inject_time'), 'string', `"inject_time" as text ${INJECT_TIME_LAYOUT}`, file);
  const injectMs = parseInjectTimeMs(timeNode.value);
  if (injectMs === undefined) throw at(file, timeNode.at, `"inject_time" as ${INJECT_TIME_LAYOUT}`, timeNode.value);
  if (timeNode.value.slice(11, 13) !== hour)
    throw at(file, timeNode.at, `an inject_time in hour "${hour}" (the key it is listed under)`, timeNode.value);
  const podNode = expectKind(field('inject_pod'), 'string', '"inject_pod" as a pod name', file);
  const service = serviceOfPod(podNode.value);
  if (service === undefined)
    throw at(file, podNode.at, 'a pod name <service>-<replica-set hash>-<pod suffix>', podNode.value);
  const typeNode = expectKind(
    field('inject_type'),
    'string',
    `"inject_type" as one of ${NEZHA_FAULT_TYPES.join(', ')}`,
    file,
  );
  if (!isFaultType(typeNode.value))
    throw at(file, typeNode.at, `a fault type (${NEZHA_FAULT_TYPES.join(', ')})`, typeNode.value);
  const stamp = entryOf(entry, 'inject_timestamp')?.value;
  const listedTimestampS = stamp === undefined ? undefined : listedSeconds(stamp, file);
  return {
    injectTime: timeNode.value,
    injectMs,
    pod: podNode.value,
    service,
    type: typeNode.value,
    code: NEZHA_FAULT_CODES[typeNode.value],
    ...(listedTimestampS !== undefined ? { listedTimestampS } : {}),
    hour,
    file,
    line: entry.at.line,
    column: entry.at.column,
  };
}

/** `inject_timestamp` is listed as a string of whole seconds; a number is accepted too. */
function listedSeconds(node: JsonNode, file: string): number {
  const text = node.kind === 'string' ? node.value : node.kind === 'number' ? String(node.value) : '';
  if (!/^\d{1,12}$/.test(text)) throw at(file, node.at, '"inject_timestamp" as whole Unix seconds', describeJson(node));
  return Number(text);
}

/** Reads root_cause_{hipster,ts}.json. */
export async function readRootCauses(file: string): Promise<NezhaRootCause[]> {
  return parseRootCauses(await readText(file), file);
}

/**
 * Root-cause labels: `{service: {fault type: root cause}}`. Resource faults name a metric
 * (`CpuUsageRate(%)`, `NetworkP90(ms)`), code defects a code region given as two log statements joined by
 * `_` (datasets README, Nezha, "Root-cause labels").
 */
export function parseRootCauses(text: string, file: string): NezhaRootCause[] {
  const root = expectKind(parseJsonWithPositions(text, file), 'object', 'an object keyed by service', file);
  const rows: NezhaRootCause[] = [];
  for (const serviceEntry of root.entries) {
    const byType = expectKind(
      serviceEntry.value,
      'object',
      `an object keyed by fault type under "${serviceEntry.key}"`,
      file,
    );
    for (const typeEntry of byType.entries) {
      if (!isFaultType(typeEntry.key))
        throw at(file, typeEntry.keyAt, `a fault type (${NEZHA_FAULT_TYPES.join(', ')})`, typeEntry.key);
      const cause = expectKind(typeEntry.value, 'string', 'a root cause as text', file);
      const kind = NEZHA_RESOURCE_FAULTS.includes(typeEntry.key) ? 'metric' : 'code-region';
      const parts = cause.value.split('_');
      rows.push({
        service: serviceEntry.key,
        faultType: typeEntry.key,
        rootCause: cause.value,
        kind,
        ...(kind === 'code-region' && parts.length === 2 ? { region: { from: parts[0], to: parts[1] } } : {}),
      });
    }
  }
  return rows;
}

function expectKind<K extends JsonNode['kind']>(
  node: JsonNode,
  kind: K,
  expected: string,
  file: string,
): JsonNode & { kind: K } {
  if (node.kind !== kind) throw at(file, node.at, expected, describeJson(node));
  return node as JsonNode & { kind: K };
}

function at(file: string, where: JsonPosition, expected: string, found?: string): InputError {
  return new InputError({ file, line: where.line, column: where.column }, expected, found);
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DataRootError(`missing file ${file}`);
    throw error;
  }
}
