import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { EntityFrame, PivotedFrames } from './frames';
import { hasGzipMagic } from './detect';
import { type JsonPath, jsonValueError, parseJsonText } from './json-text';

/** What to do with a +Inf or -Inf sample: fail (default), or read it as missing like NaN. */
export type InfinityPolicy = 'error' | 'missing';

export interface PrometheusOptions {
  /** the label naming the entity (default "instance") */
  entityLabel?: string;
  /** the label naming the feature (default "__name__") */
  metricLabel?: string;
  /** feature names to keep, in this order (default: all, sorted) */
  metrics?: readonly string[];
  /** default 'error' */
  infinities?: InfinityPolicy;
  /** the entity of series without the entity label (default "all") */
  defaultEntity?: string;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON value in a few words, for "found …" in messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A series as PromQL prints it: `name{label="value",…}`, labels sorted by name. */
export function seriesName(labels: Record<string, string>): string {
  const name = labels.__name__ ?? '';
  const rest = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${rest.join(',')}}`;
}

/** Decimal text, NaN, +Inf, -Inf: the sample value strings of the Prometheus HTTP API. */
const SAMPLE_VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]?Inf)$/;

/** The number a sample value string stands for, or undefined when it is not one. */
export function sampleValue(text: unknown): number | undefined {
  if (typeof text !== 'string' || !SAMPLE_VALUE.test(text)) return undefined;
  if (text === 'NaN') return NaN;
  if (text.endsWith('Inf')) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

interface Series {
  entity: string;
  feature: string;
  times: BigInt64Array;
  values: Float64Array;
}

/**
 * The result of a Prometheus range query (`/api/v1/query_range`, resultType "matrix") as frames: series
 * are grouped into entities by `entityLabel` and into features by `metricLabel`. A series without the
 * metric label (PromQL functions drop `__name__`) is named by its other labels, `{job="api",mode="idle"}`,
 * or "value" when it has none. Each entity's rows are the union of its series' times (seconds → ms,
 * rounded); a feature without a sample at a time is NaN, and so is a "NaN" sample. Every entity gets
 * every feature. Problems throw an InputError with the line and column in the JSON text and the JSON
 * path, naming the series and the sample index.
 */
export function parsePrometheusMatrix(text: string, file: string, options: PrometheusOptions = {}): PivotedFrames {
  const entityLabel = options.entityLabel ?? 'instance';
  const metricLabel = options.metricLabel ?? '__name__';
  const infinities = options.infinities ?? 'error';
  const fail = (path: JsonPath, expected: string, found?: string): never => {
    throw jsonValueError(text, file, path, expected, found);
  };
  const root = parseJsonText(text, file);
  if (!isObject(root)) return fail([], 'a Prometheus API response (a JSON object)', describe(root));
  if (root.status !== 'success') {
    const detail =
      root.status === 'error'
        ? `"error" (${String(root.errorType ?? '')}: ${String(root.error ?? '')})`
        : describe(root.status);
    fail(['status'], 'status "success"', detail);
  }
  const data = root.data;
  if (!isObject(data)) return fail(['data'], 'an object with resultType and result', describe(data));
  if (data.resultType !== 'matrix')
    fail(
      ['data', 'resultType'],
      'resultType "matrix" (the response of a range query, /api/v1/query_range)',
      describe(data.resultType),
    );
  const result = data.result;
  if (!Array.isArray(result)) return fail(['data', 'result'], 'an array of series', describe(result));
  const series: Series[] = [];
  const seen = new Map<string, number>();
  for (let s = 0; s < result.length; s++) {
    const at: JsonPath = ['data', 'result', s];
    const item = result[s] as unknown;
    if (!isObject(item)) return fail(at, 'a series object {"metric": {…}, "values": […]}', describe(item));
    const labels = item.metric;
    if (!isObject(labels) || !Object.values(labels).every((v) => typeof v === 'string'))
      return fail([...at, 'metric'], 'an object of string labels', describe(labels));
    const stringLabels = labels as Record<string, string>;
    const name = seriesName(stringLabels);
    const entity = stringLabels[entityLabel] ?? options.defaultEntity ?? 'all';
    const feature = stringLabels[metricLabel] ?? otherLabels(stringLabels, entityLabel, metricLabel);
    if (options.metrics && !options.metrics.includes(feature)) continue;
    const key = JSON.stringify([entity, feature]);
    const earlier = seen.get(key);
    if (earlier !== undefined)
      fail(
        at,
        `one series per ${entityLabel} and ${metricLabel} ($.data.result[${earlier}] is ` +
          `also ${JSON.stringify(entity)} / ${JSON.stringify(feature)})`,
        name,
      );
    seen.set(key, s);
    const values = item.values;
    if (!Array.isArray(values))
      return fail(
        [...at, 'values'],
        `an array of [time, "value"] pairs in ` +
          `series ${name}${'histograms' in item ? ' (native histograms are not read)' : ''}`,
        describe(values),
      );
    series.push(readSamples(values, [...at, 'values'], name, entity, feature, infinities, fail));
  }
  return alignSeries(series, options.metrics, metricLabel, fail);
}

/** A series' samples: times strictly increasing, values per `infinities`. */
function readSamples(
  values: unknown[],
  at: JsonPath,
  name: string,
  entity: string,
  feature: string,
  infinities: InfinityPolicy,
  fail: (path: JsonPath, expected: string, found?: string) => never,
): Series {
  const times = new BigInt64Array(values.length);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const pair = values[i];
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || !Number.isFinite(pair[0])) {
      fail(
        [...at, i],
        `a [unixSeconds, "value"] pair at index ${i} of series ${name}`,
        JSON.stringify(pair) ?? describe(pair),
      );
    }
    const [seconds, text] = pair as [number, unknown];
    let value = sampleValue(text);
    if (value === undefined)
      fail(
        [...at, i, 1],
        `a sample value string ("0.5", "NaN", "+Inf") at index ${i} of series ${name}`,
        describe(text),
      );
    if (value === Infinity || value === -Infinity) {
      if (infinities === 'error')
        fail(
          [...at, i, 1],
          `a finite sample value at index ${i} of series ${name} (read ±Inf as missing with infinities: "missing")`,
          String(text),
        );
      value = NaN;
    }
    times[i] = BigInt(Math.round(seconds * 1000));
    if (i > 0 && times[i] <= times[i - 1])
      fail(
        [...at, i, 0],
        `times that increase within series ${name} (index ${i - 1} is at ${times[i - 1]} ms)`,
        String(seconds),
      );
    out[i] = value!;
  }
  return { entity, feature, times, values: out };
}

/** A feature name for a series without the metric label: its other labels, or "value". */
function otherLabels(labels: Record<string, string>, entityLabel: string, metricLabel: string): string {
  const rest = Object.keys(labels)
    .filter((k) => k !== entityLabel && k !== metricLabel)
    .sort();
  return rest.length === 0 ? 'value' : `{${rest.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/** Groups series by entity (first-seen order) and aligns each entity's features on the union of its times. */
function alignSeries(
  series: Series[],
  keep: readonly string[] | undefined,
  metricLabel: string,
  fail: (path: JsonPath, expected: string, found?: string) => never,
): PivotedFrames {
  const present = new Set(series.map((s) => s.feature));
  const missing = keep?.find((name) => !present.has(name));
  if (missing !== undefined)
    fail(
      ['data', 'result'],
      `a series with ${metricLabel}=${JSON.stringify(missing)} (it is listed in metrics)`,
      'none',
    );
  if (series.length === 0) fail(['data', 'result'], 'at least one series', 'none');
  const features = keep ? keep.slice() : [...present].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const byEntity = new Map<string, Series[]>();
  for (const s of series) {
    const list = byEntity.get(s.entity);
    if (list) list.push(s);
    else byEntity.set(s.entity, [s]);
  }
  const frames: EntityFrame[] = [];
  for (const [entity, list] of byEntity) {
    const timestamps = unionOfTimes(list.map((s) => s.times));
    const width = features.length;
    const values = new Float64Array(timestamps.length * width).fill(NaN);
    for (const s of list) {
      const f = features.indexOf(s.feature);
      // both time lists increase: one merge walk places every sample
      let row = 0;
      for (let i = 0; i < s.times.length; i++) {
        while (timestamps[row] !== s.times[i]) row++;
        values[row * width + f] = s.values[i];
      }
    }
    frames.push({ entity, timestamps, values });
  }
  return { features, frames };
}

/** The sorted distinct times of several increasing lists. */
function unionOfTimes(lists: BigInt64Array[]): BigInt64Array {
  const all = new BigInt64Array(lists.reduce((n, l) => n + l.length, 0));
  let k = 0;
  for (const l of lists) {
    all.set(l, k);
    k += l.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i];
  return all.slice(0, n);
}

/** Reads a Prometheus range-query response from a file (`.gz` by its magic bytes); the whole text is held in memory. */
export async function readPrometheusFile(path: string, options: PrometheusOptions = {}): Promise<PivotedFrames> {
  const bytes = await readFile(path);
  const text = (hasGzipMagic(bytes) ? gunzipSync(bytes) : bytes).toString('utf8');
  return parsePrometheusMatrix(text, path, options);
}
