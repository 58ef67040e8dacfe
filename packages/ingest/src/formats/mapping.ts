import { readFile } from 'node:fs/promises';
import { InputError, ParameterError } from '@driftwatch/contracts';
import type { TimestampUnit } from '../stream/csv-batches';
import { type JsonPath, jsonValueError, parseJsonText } from './json-text';

/** The generic input layouts `readSequences` and `readBatches` understand. */
export type InputFormat = 'wide-csv' | 'long-csv' | 'arrow' | 'parquet' | 'prometheus';
export const INPUT_FORMATS: readonly InputFormat[] = ['wide-csv', 'long-csv', 'arrow', 'parquet', 'prometheus'];
const TIMESTAMP_UNITS: readonly TimestampUnit[] = ['s', 'ms', 'us', 'ns', 'iso'];

/**
 * Which columns (or labels) of an input hold the time, the entity and the metrics. Every key but
 * `format` is optional; the defaults are documented per format in the package README.
 */
export interface InputMapping {
  format: InputFormat;
  /** time column (CSV, Arrow, Parquet) */
  timestamp?: string;
  /** unit of numeric times ('s' by default) or 'iso' for ISO 8601 text (CSV: detected from the first record) */
  timestampUnit?: TimestampUnit;
  /** entity column (CSV, Arrow, Parquet) */
  entity?: string;
  /** wide CSV, Arrow, Parquet: the value columns; long CSV, Prometheus: the metric names to keep, in this order */
  metrics?: string[];
  /** long CSV: the column of metric names (default "metric") */
  metric?: string;
  /** long CSV: the column of values (default "value") */
  value?: string;
  /** CSV field delimiter, one character (default ",", tab for .tsv files) */
  delimiter?: string;
  /** Prometheus: the label that names the entity (default "instance") */
  entityLabel?: string;
  /** Prometheus: the label that names the feature (default "__name__") */
  metricLabel?: string;
}

/** A mapping whose format may still be detected from the file (`resolveMapping`). */
export type InputMappingSpec = Omit<InputMapping, 'format'> & { format?: InputFormat };

type MappingKey = keyof InputMapping;

interface KeyRule {
  /** formats the key means something for */
  formats: readonly InputFormat[];
  /** what a valid value looks like, or undefined when `value` is one */
  problem(value: unknown): string | undefined;
}

const COLUMN_FORMATS: readonly InputFormat[] = ['wide-csv', 'long-csv', 'arrow', 'parquet'];
const CSV_FORMATS: readonly InputFormat[] = ['wide-csv', 'long-csv'];

const name = (value: unknown) => (typeof value === 'string' && value.length > 0 ? undefined : 'a non-empty string');
const oneOf = (allowed: readonly string[]) => (value: unknown) =>
  typeof value === 'string' && allowed.includes(value)
    ? undefined
    : `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;

/** Per key: where it applies and what it must hold. */
const KEY_RULES: Record<MappingKey, KeyRule> = {
  format: { formats: INPUT_FORMATS, problem: oneOf(INPUT_FORMATS) },
  timestamp: { formats: COLUMN_FORMATS, problem: name },
  timestampUnit: { formats: COLUMN_FORMATS, problem: oneOf(TIMESTAMP_UNITS) },
  entity: { formats: COLUMN_FORMATS, problem: name },
  metrics: { formats: INPUT_FORMATS, problem: metricsProblem },
  metric: { formats: ['long-csv'], problem: name },
  value: { formats: ['long-csv'], problem: name },
  delimiter: { formats: CSV_FORMATS, problem: delimiterProblem },
  entityLabel: { formats: ['prometheus'], problem: name },
  metricLabel: { formats: ['prometheus'], problem: name },
};
const MAPPING_KEYS = Object.keys(KEY_RULES) as MappingKey[];

/** A list of distinct non-empty names. */
function metricsProblem(value: unknown): string | undefined {
  const expected = 'a non-empty list of distinct non-empty names';
  if (!Array.isArray(value) || value.length === 0) return expected;
  if (!value.every((v) => typeof v === 'string' && v.length > 0)) return expected;
  return new Set(value).size === value.length ? undefined : expected;
}

/** One character that can separate CSV fields (not a quote or a line break: RFC 4180). */
function delimiterProblem(value: unknown): string | undefined {
  return typeof value === 'string' && value.length === 1 && !'"\r\n'.includes(value)
    ? undefined
    : 'one character other than a double quote or a line break';
}

/** The keys of `spec` that mean nothing for `format` (a sign of a mistyped format or key). */
export function keysNotFor(spec: InputMappingSpec, format: InputFormat): MappingKey[] {
  return MAPPING_KEYS.filter((key) => spec[key] !== undefined && !KEY_RULES[key].formats.includes(format));
}

/** Columns named twice across roles (time, entity, metric names, values) would be read twice. */
function roleClash(spec: InputMappingSpec): string | undefined {
  const roles: [string, string | undefined][] = [
    ['timestamp', spec.timestamp],
    ['entity', spec.entity],
    ['metric', spec.metric],
    ['value', spec.value],
  ];
  const seen = new Map<string, string>();
  for (const [role, column] of roles) {
    if (column === undefined) continue;
    const other = seen.get(column);
    if (other) return `${other} and ${role} name the same column ${JSON.stringify(column)}`;
    seen.set(column, role);
  }
  if (spec.format !== 'long-csv' && spec.format !== 'prometheus') {
    const taken = spec.metrics?.find((m) => seen.has(m));
    if (taken !== undefined) return `metrics lists ${JSON.stringify(taken)}, which is the ${seen.get(taken)} column`;
  }
  return undefined;
}

/**
 * A mapping from command-line flags: `--map key=value` (repeatable), `--metrics a,b,c`, `--format f`,
 * each also as `--flag=value`. `--map metrics=a,b` and `--map delimiter=tab` work too. Problems throw a
 * ParameterError naming the flag.
 */
export function parseMappingArgs(args: readonly string[]): InputMappingSpec {
  const spec: Record<string, unknown> = {};
  const set = (key: string, text: string, flag: string) => {
    if (!(MAPPING_KEYS as string[]).includes(key))
      throw new ParameterError(
        `${flag}: unknown mapping key ${JSON.stringify(key)} (keys: ${MAPPING_KEYS.join(', ')})`,
      );
    if (spec[key] !== undefined) throw new ParameterError(`${flag}: mapping key "${key}" is given twice`);
    const value =
      key === 'metrics' ? text.split(',').map((m) => m.trim()) : key === 'delimiter' ? delimiterFromFlag(text) : text;
    const problem = KEY_RULES[key as MappingKey].problem(value);
    if (problem)
      throw new ParameterError(`${flag}: mapping key "${key}" must be ${problem}, got ${JSON.stringify(text)}`);
    spec[key] = value;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const match = /^(--map|--metrics|--format)(?:=(.*))?$/s.exec(arg);
    if (!match)
      throw new ParameterError(
        `unknown mapping argument ${JSON.stringify(arg)} (expected --map key=value, --metrics a,b or --format f)`,
      );
    const flag = match[1];
    let text = match[2];
    if (text === undefined) {
      if (i + 1 >= args.length) throw new ParameterError(`${flag} needs a value`);
      text = args[++i];
    }
    if (flag === '--metrics') set('metrics', text, `--metrics ${text}`);
    else if (flag === '--format') set('format', text, `--format ${text}`);
    else {
      const eq = text.indexOf('=');
      if (eq <= 0) throw new ParameterError(`--map ${text}: expected key=value`);
      set(text.slice(0, eq), text.slice(eq + 1), `--map ${text}`);
    }
  }
  const clash = roleClash(spec as InputMappingSpec);
  if (clash) throw new ParameterError(`mapping flags: ${clash}`);
  if (spec.format !== undefined)
    rejectKeysNotFor(spec as InputMappingSpec, spec.format as InputFormat, 'mapping flags');
  return spec as InputMappingSpec;
}

/** `tab` and `\t` spell a tab on a command line, where a literal tab is awkward to type. */
function delimiterFromFlag(text: string): string {
  return text === 'tab' || text === '\\t' ? '\t' : text;
}

function rejectKeysNotFor(spec: InputMappingSpec, format: InputFormat, source: string): void {
  const stray = keysNotFor(spec, format);
  if (stray.length > 0) {
    const key = stray[0];
    throw new ParameterError(
      `${source}: mapping key "${key}" does not apply to ${format} (it applies ` +
        `to ${KEY_RULES[key].formats.join(', ')})`,
    );
  }
}

/** Reads a mapping from a JSON file: an object with the keys of `InputMapping`. */
export async function readMappingFile(path: string): Promise<InputMappingSpec> {
  return parseMappingJson(await readFile(path, 'utf8'), path);
}

/**
 * A mapping from JSON text. Bad JSON, unknown keys, wrong types and keys that do not apply to the given
 * format throw an InputError with the file, line, column and JSON path (`$.metrics[1]`).
 */
export function parseMappingJson(text: string, file: string): InputMappingSpec {
  const raw = parseJsonText(text, file);
  const fail = (path: JsonPath, expected: string, found: unknown, at: 'key' | 'value' = 'value'): never => {
    throw jsonValueError(text, file, path, expected, found === undefined ? undefined : JSON.stringify(found), at);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InputError(
      { file, line: 1, column: 1 },
      'a JSON object of mapping keys',
      Array.isArray(raw) ? 'an array' : JSON.stringify(raw),
    );
  const spec = raw as Record<string, unknown>;
  for (const [key, value] of Object.entries(spec)) {
    if (!(MAPPING_KEYS as string[]).includes(key))
      fail([key], `a mapping key (${MAPPING_KEYS.join(', ')})`, key, 'key');
    const problem = KEY_RULES[key as MappingKey].problem(value);
    if (problem === undefined) continue;
    if (key === 'metrics' && Array.isArray(value) && value.length > 0) {
      const bad = value.findIndex((v, i) => typeof v !== 'string' || v.length === 0 || value.indexOf(v) !== i);
      fail(
        [key, bad],
        typeof value[bad] === 'string' && value[bad] !== '' ? 'a name not listed before' : 'a non-empty string',
        value[bad],
      );
    }
    fail([key], problem, value);
  }
  const format = spec.format as InputFormat | undefined;
  if (format !== undefined) {
    const stray = keysNotFor(spec as InputMappingSpec, format);
    if (stray.length > 0)
      fail(
        [stray[0]],
        `only keys that apply to format "${format}" (${stray[0]} applies to ${KEY_RULES[stray[0]].formats.join(', ')})`,
        stray[0],
        'key',
      );
  }
  const clash = roleClash(spec as InputMappingSpec);
  if (clash) throw new InputError({ file }, `distinct columns for the mapping roles (${clash})`);
  return spec as InputMappingSpec;
}

/** Throws when a spec carries keys that do not apply to the format it resolved to. */
export function checkMappingFor(spec: InputMappingSpec, format: InputFormat, file: string): void {
  rejectKeysNotFor(spec, format, `${file} (read as ${format})`);
}
