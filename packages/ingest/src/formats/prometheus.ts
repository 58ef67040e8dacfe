import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '@driftwatch/contracts';
import type { EntityFrame, PivotedFrames } from './frames';
import { hasGzipMagic } from './detect';
import { formatJsonPath, type JsonPath } from './json-text';
import {
  type JsonKind,
  type JsonPrimitive,
  type JsonStreamHandler,
  type JsonTextPosition,
  JsonTokenStream,
} from '../json/token-stream';
import { grownTo } from '../stream/grow';

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

type Fail = (at: Location, path: JsonPath, expected: string, found?: string) => never;
/** where an error points: a byte offset of the text, a position worked out while it was known, or nowhere */
type Location = number | JsonTextPosition | undefined;

/** A JSON value in a few words, for "found …" in messages, from its kind and (for a primitive) its value. */
function describeKind(kind: JsonKind, value: JsonPrimitive | undefined): string {
  if (kind === 'object' || kind === 'array') return `an ${kind}`;
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The JSON text of a value rebuilt from its tokens, as JSON.stringify spells it, for "found …": capped, since the
 * value may be anything a hostile file holds.
 */
class ValueText {
  private static readonly CAP = 200;
  text = '';
  /** per open container: whether it has a member yet */
  private readonly members: boolean[] = [];

  member(key: string | number, kind: JsonKind, value: JsonPrimitive | undefined): void {
    const depth = this.members.length;
    let piece = '';
    if (depth > 0) {
      if (this.members[depth - 1]) piece += ',';
      this.members[depth - 1] = true;
      if (typeof key === 'string') piece += `${JSON.stringify(key)}:`;
    }
    if (kind === 'object' || kind === 'array') {
      piece += kind === 'object' ? '{' : '[';
      this.members.push(false);
    } else piece += JSON.stringify(value);
    this.add(piece);
  }

  close(kind: 'object' | 'array'): void {
    this.members.pop();
    this.add(kind === 'object' ? '}' : ']');
  }

  private add(piece: string): void {
    if (this.text.length < ValueText.CAP) this.text += piece;
  }
}

/** One element of a series' values, read token by token: it should be a [time, "value"] pair. */
interface SampleRead {
  index: number;
  offset: number;
  kind: JsonKind;
  text: ValueText;
  items: { kind: JsonKind; value: JsonPrimitive | undefined; offset: number }[];
}

/** One series of data.result while it is read; samples go into typed arrays that double as they fill. */
class SeriesRead {
  labels: Record<string, string> | undefined;
  metricAt: JsonTextPosition | undefined;
  metricOk = true;
  sawMetric = false;
  sawValues = false;
  sawHistograms = false;
  entity = '';
  feature = '';
  name: string;
  skipped = false;
  count = 0;
  times = new BigInt64Array(64);
  values = new Float64Array(64);
  sample: SampleRead | undefined;

  constructor(
    readonly index: number,
    readonly at: JsonTextPosition | undefined,
  ) {
    // until its metric is read (JSON keys come in any order) a series is named by its place
    this.name = `$.data.result[${index}]`;
  }

  push(time: bigint, value: number): void {
    if (this.count === this.times.length) {
      this.times = grownTo(this.times, this.count * 2);
      this.values = grownTo(this.values, this.count * 2);
    }
    this.times[this.count] = time;
    this.values[this.count++] = value;
  }
}

/**
 * Reads the response as its tokens stream by: one pass, holding the samples (16 bytes each) and never the text.
 * Checks happen where the values are, so every error names the line and column of the offending value.
 */
class MatrixReader implements JsonStreamHandler {
  readonly stream: JsonTokenStream;
  private readonly entityLabel: string;
  private readonly metricLabel: string;
  private readonly infinities: InfinityPolicy;
  readonly series: Series[] = [];
  private readonly seen = new Map<string, number>();
  private status: { kind: JsonKind; value: JsonPrimitive | undefined; at: JsonTextPosition | undefined } | undefined;
  private errorType: JsonPrimitive | undefined;
  private errorText: JsonPrimitive | undefined;
  private sawData = false;
  private resultType: JsonPrimitive | undefined;
  private sawResultType = false;
  private sawResult = false;
  resultAt: JsonTextPosition | undefined;
  private current: SeriesRead | undefined;

  constructor(
    private readonly file: string,
    private readonly options: PrometheusOptions,
  ) {
    this.entityLabel = options.entityLabel ?? 'instance';
    this.metricLabel = options.metricLabel ?? '__name__';
    this.infinities = options.infinities ?? 'error';
    this.stream = new JsonTokenStream(file, this);
  }

  readonly fail: Fail = (at, path, expected, found) => {
    const where = typeof at === 'number' ? this.stream.position(at) : at;
    throw new InputError(
      where ? { file: this.file, ...where } : { file: this.file },
      `${expected} at ${formatJsonPath(path)}`,
      found,
    );
  };

  onValue(path: readonly (string | number)[], kind: JsonKind, value: JsonPrimitive | undefined, offset: number): void {
    const depth = path.length;
    if (depth === 0) {
      if (kind !== 'object')
        this.fail(offset, [], 'a Prometheus API response (a JSON object)', describeKind(kind, value));
      return;
    }
    if (depth === 1) return this.rootMember(path[0], kind, value, offset);
    if (path[0] !== 'data' || !this.sawData || this.statusFailed()) return;
    if (depth === 2) return this.dataMember(path[1], kind, value, offset);
    if (path[1] !== 'result' || this.resultType !== 'matrix') return;
    if (depth === 3) {
      if (kind !== 'object')
        this.fail(offset, path, 'a series object {"metric": {…}, "values": […]}', describeKind(kind, value));
      this.current = new SeriesRead(path[2] as number, this.stream.position(offset));
      return;
    }
    const series = this.current!;
    if (depth === 4) return this.seriesMember(series, path, kind, value, offset);
    if (path[3] === 'metric' && depth === 5) {
      if (kind !== 'string') series.metricOk = false;
      else if (series.labels) series.labels[path[4] as string] = value as string;
      return;
    }
    if (path[3] !== 'values' || series.skipped) return;
    if (depth === 5) {
      const sample: SampleRead = { index: path[4] as number, offset, kind, text: new ValueText(), items: [] };
      sample.text.member(0, kind, value);
      series.sample = sample;
      if (kind !== 'object' && kind !== 'array') this.sampleEnd(series, path.slice(0, 4));
      return;
    }
    const sample = series.sample!;
    sample.text.member(path[depth - 1], kind, value);
    if (depth === 6 && sample.kind === 'array') sample.items.push({ kind, value, offset });
  }

  onEnd(path: readonly (string | number)[], kind: 'object' | 'array'): void {
    const depth = path.length;
    if (depth === 0) return this.rootEnd();
    if (path[0] !== 'data' || !this.sawData || this.statusFailed()) return;
    if (depth === 1) return this.dataEnd();
    if (path[1] !== 'result' || this.resultType !== 'matrix' || depth < 3) return;
    const series = this.current!;
    if (depth === 3) return this.seriesEnd(series, path);
    if (depth === 4 && path[3] === 'metric') return this.metricEnd(series, path);
    if (path[3] !== 'values' || series.skipped || depth < 5) return;
    series.sample!.text.close(kind);
    if (depth === 5) this.sampleEnd(series, path.slice(0, 4));
  }

  private statusFailed(): boolean {
    return this.status !== undefined && this.status.value !== 'success';
  }

  private rootMember(key: string | number, kind: JsonKind, value: JsonPrimitive | undefined, offset: number): void {
    if (key === 'status') this.status = { kind, value, at: this.stream.position(offset) };
    else if (key === 'errorType') this.errorType = value;
    else if (key === 'error') this.errorText = value;
    else if (key === 'data') {
      if (kind !== 'object')
        this.fail(offset, ['data'], 'an object with resultType and result', describeKind(kind, value));
      this.sawData = true;
    }
  }

  private rootEnd(): void {
    if (this.status?.value !== 'success') {
      const detail =
        this.status === undefined
          ? 'nothing'
          : this.status.value === 'error'
            ? `"error" (${String(this.errorType ?? '')}: ${String(this.errorText ?? '')})`
            : describeKind(this.status.kind, this.status.value);
      this.fail(this.status?.at, ['status'], 'status "success"', detail);
    }
    if (!this.sawData) this.fail(undefined, ['data'], 'an object with resultType and result', 'nothing');
  }

  private dataMember(key: string | number, kind: JsonKind, value: JsonPrimitive | undefined, offset: number): void {
    if (key === 'resultType') {
      if (value !== 'matrix')
        this.fail(
          offset,
          ['data', 'resultType'],
          'resultType "matrix" (the response of a range query, /api/v1/query_range)',
          describeKind(kind, value),
        );
      this.resultType = value;
      this.sawResultType = true;
    } else if (key === 'result') {
      // a matrix's result is read as it comes; before its resultType is known it is taken to be one
      if (this.resultType === undefined) this.resultType = 'matrix';
      if (kind !== 'array') this.fail(offset, ['data', 'result'], 'an array of series', describeKind(kind, value));
      this.sawResult = true;
      this.resultAt = this.stream.position(offset);
    }
  }

  private dataEnd(): void {
    if (!this.sawResultType)
      this.fail(
        undefined,
        ['data', 'resultType'],
        'resultType "matrix" (the response of a range query, /api/v1/query_range)',
        'nothing',
      );
    if (!this.sawResult) this.fail(undefined, ['data', 'result'], 'an array of series', 'nothing');
  }

  private seriesMember(
    series: SeriesRead,
    path: readonly (string | number)[],
    kind: JsonKind,
    value: JsonPrimitive | undefined,
    offset: number,
  ): void {
    const key = path[3];
    if (key === 'metric') {
      series.sawMetric = true;
      series.metricAt = this.stream.position(offset);
      if (kind !== 'object') this.fail(series.metricAt, path, 'an object of string labels', describeKind(kind, value));
      series.labels = {};
    } else if (key === 'values') {
      series.sawValues = true;
      if (kind !== 'array')
        this.fail(
          offset,
          path,
          `an array of [time, "value"] pairs in series ${series.name}` +
            (series.sawHistograms ? ' (native histograms are not read)' : ''),
          describeKind(kind, value),
        );
    } else if (key === 'histograms') series.sawHistograms = true;
  }

  private metricEnd(series: SeriesRead, path: readonly (string | number)[]): void {
    if (!series.metricOk) this.fail(series.metricAt, path, 'an object of string labels', 'an object');
    const labels = series.labels!;
    series.name = seriesName(labels);
    series.entity = labels[this.entityLabel] ?? this.options.defaultEntity ?? 'all';
    series.feature = labels[this.metricLabel] ?? otherLabels(labels, this.entityLabel, this.metricLabel);
    if (this.options.metrics && !this.options.metrics.includes(series.feature)) {
      series.skipped = true;
      return;
    }
    const key = JSON.stringify([series.entity, series.feature]);
    const earlier = this.seen.get(key);
    if (earlier !== undefined)
      this.fail(
        series.at,
        path.slice(0, 3),
        `one series per ${this.entityLabel} and ${this.metricLabel} ($.data.result[${earlier}] is ` +
          `also ${JSON.stringify(series.entity)} / ${JSON.stringify(series.feature)})`,
        series.name,
      );
    this.seen.set(key, series.index);
  }

  private seriesEnd(series: SeriesRead, path: readonly (string | number)[]): void {
    if (!series.sawMetric) this.fail(undefined, [...path, 'metric'], 'an object of string labels', 'nothing');
    if (!series.sawValues)
      this.fail(
        undefined,
        [...path, 'values'],
        `an array of [time, "value"] pairs in series ${series.name}` +
          (series.sawHistograms ? ' (native histograms are not read)' : ''),
        'nothing',
      );
    this.current = undefined;
    if (series.skipped) return;
    this.series.push({
      entity: series.entity,
      feature: series.feature,
      times: series.times.slice(0, series.count),
      values: series.values.slice(0, series.count),
    });
  }

  /** A sample's checks: a [finite seconds, "value"] pair, times increasing, values per `infinities`. */
  private sampleEnd(series: SeriesRead, at: readonly (string | number)[]): void {
    const sample = series.sample!;
    series.sample = undefined;
    const i = sample.index;
    const name = series.name;
    const [first, second] = sample.items;
    if (
      sample.kind !== 'array' ||
      sample.items.length !== 2 ||
      first.kind !== 'number' ||
      !Number.isFinite(first.value)
    )
      this.fail(
        sample.offset,
        [...at, i],
        `a [unixSeconds, "value"] pair at index ${i} of series ${name}`,
        sample.text.text,
      );
    let value = second.kind === 'string' ? sampleValue(second.value) : undefined;
    if (value === undefined)
      this.fail(
        second.offset,
        [...at, i, 1],
        `a sample value string ("0.5", "NaN", "+Inf") at index ${i} of series ${name}`,
        describeKind(second.kind, second.value),
      );
    if (value === Infinity || value === -Infinity) {
      if (this.infinities === 'error')
        this.fail(
          second.offset,
          [...at, i, 1],
          `a finite sample value at index ${i} of series ${name} (read ±Inf as missing with infinities: "missing")`,
          String(second.value),
        );
      value = NaN;
    }
    const seconds = first.value as number;
    const time = BigInt(Math.round(seconds * 1000));
    const n = series.count;
    if (n > 0 && time <= series.times[n - 1])
      this.fail(
        first.offset,
        [...at, i, 0],
        `times that increase within series ${name} (index ${i - 1} is at ${series.times[n - 1]} ms)`,
        String(seconds),
      );
    series.push(time, value!);
  }
}

/** the size of the pieces a text is fed to the tokenizer in */
const CHUNK_BYTES = 64 * 1024;
/** compressed bytes read at a time: at most ~8 MB once inflated */
const GZIP_PIECE_BYTES = 8 * 1024;

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
  const reader = new MatrixReader(file, options);
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) reader.stream.write(bytes.subarray(at, at + CHUNK_BYTES));
  return finish(reader, options);
}

function finish(reader: MatrixReader, options: PrometheusOptions): PivotedFrames {
  reader.stream.end();
  return alignSeries(reader.series, options.metrics, options.metricLabel ?? '__name__', (path, expected, found) =>
    reader.fail(reader.resultAt, path, expected, found),
  );
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

/**
 * Reads a Prometheus range-query response from a file (`.gz` by its magic bytes) as a stream: memory holds the
 * samples, never the (decompressed) text, so a file that inflates to gigabytes of spaces or one endless string
 * fails or reads in bounded memory.
 */
export async function readPrometheusFile(path: string, options: PrometheusOptions = {}): Promise<PivotedFrames> {
  const head = Buffer.alloc(2);
  const handle = await open(path, 'r');
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const gzipped = hasGzipMagic(head);
  // deflate inflates up to ~1,000 times: a compressed piece is inflated whole before it is read, so pieces stay small
  const file = createReadStream(path, { highWaterMark: gzipped ? GZIP_PIECE_BYTES : CHUNK_BYTES });
  const source = gzipped ? file.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : file;
  if (gzipped) file.on('error', (error) => source.destroy(error));
  const reader = new MatrixReader(path, options);
  try {
    for await (const chunk of source) reader.stream.write(chunk as Buffer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('Z_')) throw error;
    throw new InputError(
      { file: path },
      `a complete gzip stream (decompression failed after ${file.bytesRead.toLocaleString('en-US')} ` +
        'compressed bytes; the file looks truncated or corrupt)',
      (error as Error).message,
    );
  } finally {
    file.destroy();
    source.destroy();
  }
  return finish(reader, options);
}
