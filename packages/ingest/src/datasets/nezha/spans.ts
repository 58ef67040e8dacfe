import { readFile } from 'node:fs/promises';
import type { RecordBatch, Vector } from 'apache-arrow';
import { DataRootError, InputError, ParameterError } from '@driftwatch/contracts';
import { type TextInput, inputName } from '../../stream/chunks';
import { type CsvColumn, type CsvReadOptions, readCsvBatches } from '../../stream/csv-batches';
import { sourceLinesOf } from '../../stream/source-lines';
import { serviceOfPod } from './names';

/**
 * Columns of a trace file `trace/HH_MM_trace.csv` (datasets README, Nezha, "Trace files"). Start and end are
 * Unix nanoseconds, beyond 2^53, so they are read as exact int64; Duration is in µs.
 */
export const SPAN_COLUMNS: readonly CsvColumn[] = [
  { name: 'TraceID', type: 'utf8', nullable: false },
  { name: 'SpanID', type: 'utf8', nullable: false },
  { name: 'ParentID', type: 'utf8', nullable: false },
  { name: 'PodName', type: 'dictionary', nullable: false },
  { name: 'OperationName', type: 'dictionary', nullable: false },
  { name: 'StartTimeUnixNano', type: 'int64', nullable: false },
  { name: 'EndTimeUnixNano', type: 'int64', nullable: false },
  { name: 'Duration', type: 'float64', nullable: false },
];

/** `ParentID` of a trace's root span (datasets README, Nezha). */
export const ROOT_PARENT = 'root';

/** A trace file as Arrow record batches (streamed: one batch of `batchRows` rows in memory at a time). */
export function readSpanBatches(
  input: TextInput,
  options: Pick<CsvReadOptions, 'batchRows' | 'onError' | 'rejects' | 'signal'> = {},
): AsyncGenerator<RecordBatch> {
  return readCsvBatches(input, { ...options, columns: [...SPAN_COLUMNS], header: true });
}

/** Calls from one service to another within one time bucket, from spans. */
export interface SpanCallEdge {
  /** bucket start, ms since the epoch (the child span's start rounded down to the bucket) */
  bucketMs: number;
  caller: string;
  callee: string;
  /** child spans (calls) */
  count: number;
  /** durations of the child spans, µs */
  meanUs: number;
  p50Us: number;
  p90Us: number;
  maxUs: number;
}

export interface SpanCallEdges {
  edges: SpanCallEdge[];
  spans: number;
  traces: number;
  /** spans whose parent is not among the spans read (its trace started in another file); they give no edge */
  unmatchedParents: number;
}

export interface SpanEdgeOptions {
  /** bucket length, ms (default 60,000: one minute, the metrics' step) */
  bucketMs?: number;
  /** keep calls inside one service (parent and child span on pods of the same service); default false */
  includeSelfCalls?: boolean;
}

/** A span reduced to what the call graph needs. */
interface ChildSpan {
  traceId: string;
  parentId: string;
  service: string;
  startMs: number;
  durationUs: number;
  file: string;
  line: number;
}

/**
 * Spans → call edges between services per time bucket: each span with a parent gives one call from the parent
 * span's service to its own service (services from pod names, `serviceOfPod`), counted in the bucket of its
 * start time, with the count and duration statistics of those child spans (p50/p90: nearest rank). Parents are
 * matched by (TraceID, ParentID) over all the batches given, so pass every file of a period together.
 * Calls within a service are left out unless asked for. Edges come sorted by bucket, caller, callee.
 */
export async function spanCallEdges(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  options: SpanEdgeOptions = {},
): Promise<SpanCallEdges> {
  const bucket = options.bucketMs ?? 60_000;
  if (!(Number.isInteger(bucket) && bucket > 0))
    throw new ParameterError(`bucketMs must be a positive integer, got ${bucket}`);
  const serviceOfSpan = new Map<string, string>();
  const children: ChildSpan[] = [];
  const traces = new Set<string>();
  let spans = 0;
  for await (const batch of batches) {
    const file = batch.schema.metadata.get('source') ?? '<spans>';
    const lines = sourceLinesOf(batch);
    const col = (name: string) => batch.getChild(name) as Vector;
    const [traceIds, spanIds, parentIds, pods, starts, durations] = [
      'TraceID',
      'SpanID',
      'ParentID',
      'PodName',
      'StartTimeUnixNano',
      'Duration',
    ].map(col);
    for (let r = 0; r < batch.numRows; r++) {
      const line = lines?.[r] ?? 0;
      const pod = pods.get(r) as string;
      const service = serviceOfPod(pod);
      if (service === undefined)
        throw new InputError({ file, line }, 'a PodName <service>-<replica-set hash>-<pod suffix>', pod);
      const traceId = traceIds.get(r) as string;
      spans++;
      traces.add(traceId);
      serviceOfSpan.set(`${traceId}/${spanIds.get(r) as string}`, service);
      const parentId = parentIds.get(r) as string;
      if (parentId === ROOT_PARENT) continue;
      const startMs = Number((starts.get(r) as bigint) / 1_000_000n);
      children.push({ traceId, parentId, service, startMs, durationUs: durations.get(r) as number, file, line });
    }
  }
  const groups = new Map<string, { bucketMs: number; caller: string; callee: string; durations: number[] }>();
  let unmatchedParents = 0;
  for (const child of children) {
    const caller = serviceOfSpan.get(`${child.traceId}/${child.parentId}`);
    if (caller === undefined) {
      unmatchedParents++;
      continue;
    }
    if (caller === child.service && !options.includeSelfCalls) continue;
    const bucketMs = Math.floor(child.startMs / bucket) * bucket;
    const key = `${bucketMs}\u0000${caller}\u0000${child.service}`;
    let group = groups.get(key);
    if (!group) {
      group = { bucketMs, caller, callee: child.service, durations: [] };
      groups.set(key, group);
    }
    group.durations.push(child.durationUs);
  }
  const edges = [...groups.values()].map((g) => edgeStats(g.bucketMs, g.caller, g.callee, g.durations));
  edges.sort((a, b) => a.bucketMs - b.bucketMs || compareText(a.caller, b.caller) || compareText(a.callee, b.callee));
  return { edges, spans, traces: traces.size, unmatchedParents };
}

/** Count, mean, nearest-rank p50/p90 (the ⌈q·n⌉-th smallest) and max of durations. */
export function edgeStats(
  bucketMs: number,
  caller: string,
  callee: string,
  durations: readonly number[],
): SpanCallEdge {
  const sorted = [...durations].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
  return {
    bucketMs,
    caller,
    callee,
    count: sorted.length,
    meanUs: sorted.reduce((s, d) => s + d, 0) / sorted.length,
    p50Us: rank(0.5),
    p90Us: rank(0.9),
    maxUs: sorted[sorted.length - 1],
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// OpenTelemetry trace ids are 16 bytes, written as 32 lowercase hex digits (W3C Trace Context, trace-id)
const TRACE_ID = /^[0-9a-f]{32}$/;

/** A trace-id file `traceid/HH_MM_traceid.csv`: one TraceID per line, no header (datasets README, Nezha). */
export async function readTraceIds(input: TextInput): Promise<string[]> {
  const file = inputName(input);
  let text: string;
  if (typeof input === 'string') {
    try {
      text = await readFile(input, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DataRootError(`missing file ${input}`);
      throw error;
    }
  } else text = typeof input.data === 'string' ? input.data : Buffer.from(input.data).toString('utf8');
  return parseTraceIds(text, file);
}

/** Trace-id lines → ids; blank lines are skipped, anything else must be 32 lowercase hex digits. */
export function parseTraceIds(text: string, file: string): string[] {
  const ids: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (!TRACE_ID.test(line))
      throw new InputError(
        { file, line: i + 1, column: 1 },
        'a trace id of 32 lowercase hexadecimal digits',
        line.slice(0, 80),
      );
    ids.push(line);
  }
  return ids;
}
