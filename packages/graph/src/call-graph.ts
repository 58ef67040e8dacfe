import { ParameterError } from '@driftwatch/contracts';
import { DynamicGraph } from './dynamic-graph';
import { LatencySketch } from './latency-sketch';
import { windowOf, type WindowGrid } from './windows';

/**
 * One span as the call graph needs it. Readers map their rows to this (Nezha: the service from the pod
 * name, start from StartTimeUnixNano, duration from Duration).
 */
export interface SpanRow {
  traceId: string;
  spanId: string;
  /** the parent span's id; null or '' for a root span */
  parentId: string | null;
  /** the service the span ran in */
  service: string;
  /** start, ms (any epoch: windows are cut on it) */
  startMs: number;
  /** µs, finite and ≥ 0 */
  durationUs: number;
}

export interface CallGraphOptions {
  /** window length, ms */
  windowMs: number;
  /** start of window 0, ms (default 0: with 60 000, windows are the minutes of the Unix clock) */
  originMs?: number;
  /** keep calls from a service to itself (parent and child span in the same service); default false */
  selfCalls?: boolean;
  /**
   * Spans of unfinished traces held to match parents (spans remembered plus children waiting for their
   * parent). Past it idle traces are forgotten, least recently active first (second-chance rule): their
   * waiting children count as unmatched (one trace larger than the limit is held whole). Default 200,000
   * (about 18 MB of heap): traces read in time order rarely keep more open (the Nezha files: under 2,500).
   */
  maxOpenSpans?: number;
  /** relative accuracy of the p95 once an edge has more than `exactLatencies` calls in a window (default 0.01) */
  latencyAccuracy?: number;
  /** calls per edge and window whose latencies are kept exactly (default 64) */
  exactLatencies?: number;
}

export interface CallGraphStats {
  spans: number;
  /** spans without a parent */
  roots: number;
  /** parent → child pairs turned into call edges */
  calls: number;
  /** parent and child in the same service, left out (unless `selfCalls`) */
  selfCalls: number;
  /** children whose parent span never arrived (or arrived after its trace was forgotten) */
  unmatchedParents: number;
  /** traces forgotten to stay within `maxOpenSpans` */
  evictedTraces: number;
  /** largest number of open spans held at once */
  peakOpenSpans: number;
}

interface PendingCall {
  callee: number;
  startMs: number;
  durationUs: number;
}

interface OpenTrace {
  /** span id → service index */
  services: Map<string, number>;
  /** parent span id → children that arrived before it */
  waiting: Map<string, PendingCall[]> | undefined;
  /** spans remembered + children waiting */
  held: number;
  /** a span came since the trace was last looked at for eviction */
  referenced: boolean;
}

interface EdgeAggregate {
  caller: number;
  callee: number;
  latency: LatencySketch;
}

// caller·2^21 + callee stays below 2^53: up to 2^21 services
const SERVICE_LIMIT = 2 ** 21;

/**
 * Builds a call graph per window from spans fed in batches (docs/spatiotemporal.md §3: "observed graph from
 * spans, parent → child service calls per window"). A span whose parent is known gives one call from the
 * parent's service to its own, counted in the window of the child's start; edge weight = number of calls,
 * with mean and p95 latency of the child spans. Every window in which a span starts is a snapshot, with
 * or without calls. Parents may come after their children and traces may
 * interleave: a trace's spans are held until more than `maxOpenSpans` spans are open and the
 * trace is among the longest idle. Memory is bounded by the distinct (window, caller, callee) triples times
 * the latency sketch size plus `maxOpenSpans`, not by the number of spans. A class because it holds the
 * open traces and the aggregates between batches.
 */
export class CallGraphBuilder {
  private readonly grid: WindowGrid;
  private readonly selfCallsKept: boolean;
  private readonly maxOpenSpans: number;
  private readonly accuracy: number;
  private readonly exactLatencies: number;
  private readonly serviceIndex = new Map<string, number>();
  private readonly serviceNames: string[] = [];
  // Open traces in queue order (Map iteration order is insertion order). Eviction follows the second-chance
  // (clock) rule, an approximation of least-recently-used (Corbató 1968): a span only sets its trace's flag;
  // the first queued trace is forgotten unless flagged, in which case it is queued again with the flag cleared.
  // Nothing is reordered while memory is under the limit, and the trace of the span just added is flagged,
  // so it outlives every trace that has been idle since the last look.
  private readonly open = new Map<string, OpenTrace>();
  private lastWindow: number | undefined;
  private openSpans = 0;
  private readonly windows = new Map<number, Map<number, EdgeAggregate>>();
  private readonly stats: CallGraphStats = {
    spans: 0,
    roots: 0,
    calls: 0,
    selfCalls: 0,
    unmatchedParents: 0,
    evictedTraces: 0,
    peakOpenSpans: 0,
  };
  private finished = false;

  constructor(options: CallGraphOptions) {
    this.grid = { width: options.windowMs, origin: options.originMs ?? 0, unit: 'ms' };
    if (!(Number.isFinite(options.windowMs) && options.windowMs > 0))
      throw new ParameterError(`call graph: window length must be a positive number of ms, got ${options.windowMs}`);
    if (!Number.isFinite(this.grid.origin))
      throw new ParameterError(`call graph: window origin must be a finite number of ms, got ${options.originMs}`);
    this.selfCallsKept = options.selfCalls ?? false;
    this.maxOpenSpans = options.maxOpenSpans ?? 200_000;
    if (!(Number.isInteger(this.maxOpenSpans) && this.maxOpenSpans >= 1))
      throw new ParameterError(`call graph: maxOpenSpans must be a positive integer, got ${options.maxOpenSpans}`);
    this.accuracy = options.latencyAccuracy ?? 0.01;
    this.exactLatencies = options.exactLatencies ?? 64;
    new LatencySketch(this.accuracy, this.exactLatencies); // checks both now rather than at the first call
  }

  /** Adds one span. Throws a ParameterError for a span with missing ids, a bad start or a negative duration. */
  add(span: SpanRow): void {
    if (this.finished) throw new ParameterError('call graph: add after finish');
    const { traceId, spanId, service, startMs, durationUs } = span;
    if (typeof traceId !== 'string' || traceId === '' || typeof spanId !== 'string' || spanId === '')
      throw new ParameterError(
        `call graph: span ${JSON.stringify(spanId)} of trace ${JSON.stringify(traceId)} needs non-empty ` +
          `trace and span ids`,
      );
    if (!Number.isFinite(startMs))
      throw new ParameterError(`call graph: span ${spanId} starts at ${startMs}; expected a finite time in ms`);
    if (!(Number.isFinite(durationUs) && durationUs >= 0))
      throw new ParameterError(`call graph: span ${spanId} lasts ${durationUs} µs; expected a finite duration ≥ 0`);
    const svc = this.service(service);
    this.stats.spans++;
    const k = windowOf(startMs, this.grid);
    if (k !== this.lastWindow) {
      if (!this.windows.has(k)) this.windows.set(k, new Map());
      this.lastWindow = k;
    }
    let trace = this.open.get(traceId);
    if (trace === undefined) {
      trace = { services: new Map(), waiting: undefined, held: 0, referenced: true };
      this.open.set(traceId, trace);
    } else trace.referenced = true;
    if (!trace.services.has(spanId)) {
      trace.held++;
      this.openSpans++;
    }
    trace.services.set(spanId, svc);
    const parentId = span.parentId;
    if (parentId === null || parentId === '') this.stats.roots++;
    else {
      const caller = trace.services.get(parentId);
      if (caller !== undefined) this.call(caller, svc, startMs, durationUs);
      else {
        trace.waiting ??= new Map();
        const list = trace.waiting.get(parentId);
        const pending = { callee: svc, startMs, durationUs };
        if (list) list.push(pending);
        else trace.waiting.set(parentId, [pending]);
        trace.held++;
        this.openSpans++;
      }
    }
    const children = trace.waiting?.get(spanId);
    if (children) {
      trace.waiting!.delete(spanId);
      for (const c of children) this.call(svc, c.callee, c.startMs, c.durationUs);
      trace.held -= children.length;
      this.openSpans -= children.length;
    }
    if (this.openSpans > this.stats.peakOpenSpans) this.stats.peakOpenSpans = this.openSpans;
    while (this.openSpans > this.maxOpenSpans && this.open.size > 1) this.evictOldest();
  }

  /** Adds every span of a batch. */
  addAll(spans: Iterable<SpanRow>): void {
    for (const span of spans) this.add(span);
  }

  /** The dynamic call graph and the counts; children still waiting for a parent count as unmatched. */
  finish(): { graph: DynamicGraph; stats: CallGraphStats } {
    if (!this.finished) {
      for (const trace of this.open.values()) this.forget(trace);
      this.open.clear();
      this.finished = true;
    }
    const graph = new DynamicGraph(this.grid);
    for (const name of this.serviceNames) graph.entity(name);
    for (const k of [...this.windows.keys()].sort((a, b) => a - b)) {
      graph.touchWindow(k);
      for (const agg of this.windows.get(k)!.values()) {
        const l = agg.latency;
        graph.addIndexedEdge(k, {
          src: agg.caller,
          dst: agg.callee,
          kind: 'call',
          weight: l.count,
          meanUs: l.mean,
          p95Us: l.quantile(0.95),
        });
      }
    }
    return { graph, stats: { ...this.stats } };
  }

  private service(name: string): number {
    let i = this.serviceIndex.get(name);
    if (i === undefined) {
      if (typeof name !== 'string' || name === '')
        throw new ParameterError(`call graph: a span needs a non-empty service name, got ${JSON.stringify(name)}`);
      if (this.serviceNames.length >= SERVICE_LIMIT)
        throw new ParameterError(`call graph: more than ${SERVICE_LIMIT} services`);
      i = this.serviceNames.length;
      this.serviceNames.push(name);
      this.serviceIndex.set(name, i);
    }
    return i;
  }

  // every span's window was registered by add, the child's included
  private call(caller: number, callee: number, startMs: number, durationUs: number): void {
    if (caller === callee && !this.selfCallsKept) {
      this.stats.selfCalls++;
      return;
    }
    const frame = this.windows.get(windowOf(startMs, this.grid))!;
    this.stats.calls++;
    const key = caller * SERVICE_LIMIT + callee;
    let agg = frame.get(key);
    if (!agg)
      frame.set(key, (agg = { caller, callee, latency: new LatencySketch(this.accuracy, this.exactLatencies) }));
    agg.latency.add(durationUs);
  }

  /** Forgets the first open trace without a span since it was last looked at (second chance for the others). */
  private evictOldest(): void {
    for (;;) {
      const [traceId, trace] = this.open.entries().next().value as [string, OpenTrace];
      this.open.delete(traceId);
      if (!trace.referenced) {
        this.forget(trace);
        this.stats.evictedTraces++;
        return;
      }
      trace.referenced = false;
      this.open.set(traceId, trace);
    }
  }

  private forget(trace: OpenTrace): void {
    for (const list of trace.waiting?.values() ?? []) this.stats.unmatchedParents += list.length;
    this.openSpans -= trace.held;
  }
}

/** The call graph of a finite list of spans (see CallGraphBuilder). */
export function callGraphFromSpans(
  spans: Iterable<SpanRow>,
  options: CallGraphOptions,
): { graph: DynamicGraph; stats: CallGraphStats } {
  const builder = new CallGraphBuilder(options);
  builder.addAll(spans);
  return builder.finish();
}
