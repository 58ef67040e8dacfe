// npm run bench -- graph [--spans N] [--repeats K] [--file PATH] [--data-root DIR] [--window SEC] [--out DIR]
//
// Spans → call graph throughput (spans/s) and memory:
//   1. the Nezha TrainTicket trace files (2023-01-29, both phases) read with ingest's CSV reader and fed to
//      CallGraphBuilder, 10 passes per process (the first cold), K processes;
//   2. a generated Nezha-layout trace of N spans (default 10 million), written once, streaming, into the temp
//      folder (seeded: the same file every time), then read and built the same way;
//   3. the builder alone on the same generated spans made on the fly (no file, no parsing).
// Each measurement runs in its own child process, so peak RSS is that run's own; peak heap is sampled after
// every record batch (every 100,000 spans for 3), and for 3 the heap after a full GC every million spans
// shows what the builder keeps. Nothing keeps the spans: that heap must stay flat as N grows.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { Data, RecordBatch } from 'apache-arrow';
import { mulberry32 } from '@driftwatch/contracts';
import { CallGraphBuilder, type SpanRow } from '@driftwatch/graph';
import { SPAN_COLUMNS, readCsvBatches, serviceOfPod } from '@driftwatch/ingest';

interface RunResult {
  run: string;
  spans: number;
  /** median over the passes after the first (the first when there is one pass) */
  seconds: number;
  /** the first pass, JIT still cold */
  coldSeconds: number;
  peakRssMb: number;
  /** largest heapUsed sampled (live data and garbage not yet collected) */
  peakHeapMb: number;
  /** builder alone: heap after a full GC every million spans (what the builder keeps), MB */
  liveHeapMb?: number[];
  /** what the graph came to, so runs on the same input can be compared */
  windows: number;
  edges: number;
  calls: number;
}

function flag(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

const HEADER = 'TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration';
const SERVICES = Array.from({ length: 40 }, (_, i) => `svc-${String(i).padStart(2, '0')}-service`);
// one pod per service, named like Kubernetes pods (replica-set hash, pod suffix)
const PODS = SERVICES.map(
  (s, i) =>
    `${s}-${(0x5f6585d649 + i * 7919).toString(16).slice(0, 10)}-${(0x1a2b3 + i * 131).toString(36).slice(0, 5)}`,
);
const OPERATIONS = ['GET /api/v1/items', 'POST /api/v1/orders', 'HTTP GET', 'HTTP POST', 'query', 'publish'];
const START_NS = 1_674_984_780_000_000_000n; // 2023-01-29T09:33:00Z

/** One generated span: its CSV line (when asked for) and the row the builder takes. */
interface GeneratedSpan {
  line: string;
  span: SpanRow;
}

/**
 * Seeded synthetic traces in the Nezha trace layout: 64 traces in flight at a time, their spans interleaved;
 * each a call tree of 5–40 spans over the 40 services (a span calls a service of higher number, so trees
 * look like a layered microservice app), one trace in ten with a child written before its parent, starts
 * advancing so that 10 million spans cover about two hours. A generator: it holds only the traces in
 * flight, never the spans already given out. Without `lines` the CSV text is not made.
 */
function* generateSpans(total: number, seed: number, lines: boolean): Generator<GeneratedSpan> {
  const random = mulberry32(seed);
  const hex = (digits: number) => {
    let s = '';
    for (let i = 0; i < digits; i += 8) s += (Math.floor(random() * 2 ** 32) >>> 0).toString(16).padStart(8, '0');
    return s.slice(0, digits);
  };
  const startMs0 = Number(START_NS / 1_000_000n);
  let clockUs = 0;
  let given = 0;
  const inFlight: GeneratedSpan[][] = [];
  const newTrace = (): GeneratedSpan[] => {
    const traceId = hex(32);
    const size = 5 + Math.floor(random() * 36);
    const made: { id: string; service: number; startUs: number }[] = [];
    const out: GeneratedSpan[] = [];
    for (let s = 0; s < size; s++) {
      const parent = s === 0 ? undefined : made[Math.floor(random() * s)];
      const service =
        parent === undefined
          ? 0
          : Math.min(SERVICES.length - 1, parent.service + (random() < 0.3 ? 0 : 1 + Math.floor(random() * 4)));
      const startUs = (parent?.startUs ?? clockUs) + Math.floor(random() * 2000);
      const durationUs = 100 + Math.floor(-Math.log(1 - random()) * 5000);
      const id = hex(16);
      made.push({ id, service, startUs });
      let line = '';
      if (lines) {
        const startNs = START_NS + BigInt(startUs) * 1000n;
        line =
          `${traceId},${id},${parent?.id ?? 'root'},${PODS[service]},` +
          `${OPERATIONS[service % OPERATIONS.length]},${startNs},${startNs + BigInt(durationUs) * 1000n},` +
          `${durationUs}`;
      }
      out.push({
        line,
        span: {
          traceId,
          spanId: id,
          parentId: parent?.id ?? null,
          service: SERVICES[service],
          startMs: startMs0 + Math.floor(startUs / 1000),
          durationUs,
        },
      });
    }
    if (random() < 0.1 && out.length > 2) [out[1], out[2]] = [out[2], out[1]];
    return out;
  };
  while (given < total) {
    while (inFlight.length < 64) inFlight.push(newTrace());
    const k = Math.floor(random() * inFlight.length);
    const trace = inFlight[k];
    yield trace.shift()!;
    given++;
    if (trace.length === 0) inFlight.splice(k, 1);
    clockUs += 720; // 10 M spans ≈ 2 h
  }
}

/** Writes the generated trace file once, streaming (to a temporary name, renamed when complete). */
async function writeGeneratedFile(path: string, total: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(temporary);
  let chunk: string[] = [HEADER];
  for (const { line } of generateSpans(total, 7, true)) {
    chunk.push(line);
    if (chunk.length >= 20_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
  renameSync(temporary, path);
}

/** Arrow span batch → SpanRows for the builder (the CLI's glue, written again: tools may not import the CLI). */
function addBatch(builder: CallGraphBuilder, batch: RecordBatch): void {
  const column = (name: string) => batch.getChild(name)!.data[0];
  const utf8 = (data: Data) => {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return (row: number) => buffer.toString('latin1', offsets[data.offset + row], offsets[data.offset + row + 1]);
  };
  const [traceIds, spanIds, parentIds] = ['TraceID', 'SpanID', 'ParentID'].map((n) => utf8(column(n)));
  const pods = column('PodName');
  const services: string[] = [];
  for (let i = 0; i < pods.dictionary!.length; i++)
    services.push(serviceOfPod(String(pods.dictionary!.get(i))) ?? String(pods.dictionary!.get(i)));
  const codes = pods.values as Int32Array;
  const starts = column('StartTimeUnixNano');
  const startValues = starts.values as BigInt64Array;
  const durations = column('Duration');
  const durationValues = durations.values as Float64Array;
  for (let r = 0; r < batch.numRows; r++) {
    const parentId = parentIds(r);
    builder.add({
      traceId: traceIds(r),
      spanId: spanIds(r),
      parentId: parentId === 'root' ? null : parentId,
      service: services[codes[pods.offset + r]],
      startMs: Number(startValues[starts.offset + r] / 1_000_000n),
      durationUs: durationValues[durations.offset + r],
    });
  }
}

function summarise(run: string, builder: CallGraphBuilder, times: number[], peakHeap: number): RunResult {
  const { graph, stats } = builder.finish();
  const edges = graph.snapshots().reduce((n, s) => n + s.edges.length, 0);
  const warm = times.length > 1 ? times.slice(1) : times;
  return {
    run,
    spans: stats.spans,
    seconds: median(warm),
    coldSeconds: times[0],
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    peakHeapMb: peakHeap / 2 ** 20,
    windows: graph.windowCount,
    edges,
    calls: stats.calls,
  };
}

/** Reads the files and builds the graph `passes` times in this process (pass 1 runs cold). */
async function readAndBuild(run: string, files: string[], windowMs: number, passes: number): Promise<RunResult> {
  let builder = new CallGraphBuilder({ windowMs });
  let peakHeap = process.memoryUsage().heapUsed;
  const times: number[] = [];
  for (let p = 0; p < passes; p++) {
    builder = new CallGraphBuilder({ windowMs });
    const t0 = performance.now();
    for (const file of files) {
      for await (const batch of readCsvBatches(file, { columns: [...SPAN_COLUMNS], header: true })) {
        addBatch(builder, batch);
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      }
    }
    times.push((performance.now() - t0) / 1000);
  }
  return summarise(run, builder, times, peakHeap);
}

/**
 * The builder alone: spans made in memory by the generator (no text), fed one by one. The generator's own
 * time, measured in a pass without the builder, is taken off. Every million spans a full GC (the child runs
 * with --expose-gc; its time is taken off too) measures the heap the builder keeps: flat if memory is
 * bounded by edges × windows and the open-span limit, growing if it were bounded by spans.
 */
function buildOnly(total: number, windowMs: number): RunResult {
  const gc = (globalThis as { gc?: () => void }).gc;
  const g0 = performance.now();
  for (const _ of generateSpans(total, 7, false)) void _;
  const generation = (performance.now() - g0) / 1000;
  const builder = new CallGraphBuilder({ windowMs });
  let peakHeap = process.memoryUsage().heapUsed;
  const live: number[] = [];
  let gcSeconds = 0;
  let n = 0;
  const t0 = performance.now();
  for (const { span } of generateSpans(total, 7, false)) {
    builder.add(span);
    if (++n % 100_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    if (gc && n % 1_000_000 === 0) {
      const c0 = performance.now();
      gc();
      live.push(process.memoryUsage().heapUsed / 2 ** 20);
      gcSeconds += (performance.now() - c0) / 1000;
    }
  }
  const seconds = (performance.now() - t0) / 1000 - generation - gcSeconds;
  return { ...summarise('builder alone (spans made in memory)', builder, [seconds], peakHeap), liveHeapMb: live };
}

function runChild(args: string[]): RunResult {
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--expose-gc', process.argv[1], ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`child ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as RunResult;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const windowMs = Number(flag('window', '60')) * 1000;
  const child = flag('child');
  if (child) {
    const result =
      child === 'files'
        ? await readAndBuild(flag('label')!, flag('files')!.split('\n'), windowMs, Number(flag('passes', '1')))
        : buildOnly(Number(flag('spans')), windowMs);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const total = Number(flag('spans', '1e7'));
  const repeats = Number(flag('repeats', '3'));
  const dataRoot = resolve(
    flag('data-root') ?? process.env.DRIFTWATCH_DATA ?? join(process.cwd(), '..', 'shared', 'datasets'),
  );
  const results: { name: string; runs: RunResult[]; bytes: number }[] = [];

  const traceDirs = ['construct_data', 'rca_data'].map((phase) =>
    join(dataRoot, 'nezha', phase, '2023-01-29', 'trace'),
  );
  const ttFiles = traceDirs.filter(existsSync).flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('_trace.csv'))
      .sort()
      .map((f) => join(d, f)),
  );
  if (ttFiles.length > 0) {
    const bytes = ttFiles.reduce((s, f) => s + statSync(f).size, 0);
    const runs: RunResult[] = [];
    // 27 k spans are too few to warm the JIT: 10 passes per process, the first reported apart as cold
    for (let k = 0; k < repeats; k++)
      runs.push(
        runChild([
          '--child',
          'files',
          '--label',
          'TrainTicket traces',
          '--files',
          ttFiles.join('\n'),
          '--window',
          String(windowMs / 1000),
          '--passes',
          '10',
        ]),
      );
    results.push({ name: `Nezha TrainTicket 2023-01-29, ${ttFiles.length} trace files (read + build)`, runs, bytes });
  } else
    process.stderr.write(
      `no TrainTicket traces under ${dataRoot}/nezha: skipping that row (set --data-root or DRIFTWATCH_DATA)\n`,
    );

  const file = flag('file') ?? join(tmpdir(), `driftwatch-spans-${total}.csv`);
  if (!existsSync(file)) {
    process.stderr.write(`writing ${file} (${total.toLocaleString('en-US')} spans, Nezha trace layout, seed 7)…\n`);
    const t0 = performance.now();
    await writeGeneratedFile(file, total);
    process.stderr.write(
      `  written in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(statSync(file).size / 1e9).toFixed(2)} GB\n`,
    );
  }
  const genRuns: RunResult[] = [];
  for (let k = 0; k < repeats; k++) {
    const r = runChild([
      '--child',
      'files',
      '--label',
      'generated',
      '--files',
      file,
      '--window',
      String(windowMs / 1000),
    ]);
    process.stderr.write(
      `  generated file: ${r.spans} spans in ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB\n`,
    );
    genRuns.push(r);
  }
  results.push({
    name: `generated, ${total.toLocaleString('en-US')} spans (read + build)`,
    runs: genRuns,
    bytes: statSync(file).size,
  });
  const builderRuns: RunResult[] = [];
  for (let k = 0; k < repeats; k++)
    builderRuns.push(
      runChild(['--child', 'build-only', '--spans', String(total), '--window', String(windowMs / 1000)]),
    );
  results.push({
    name: `generated, ${total.toLocaleString('en-US')} spans (builder alone)`,
    runs: builderRuns,
    bytes: 0,
  });

  const machine =
    `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} ` +
    `cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}`;
  const lines = [
    `machine: ${machine}; window ${windowMs / 1000} s; median of ${repeats} ` +
      `repeat${repeats === 1 ? '' : 's'}; peak RSS and heap: the largest over the repeats`,
    '| input | spans | windows | edges | s (warm) | spans/s (warm) | MB/s | s (cold) | peak RSS MB | peak heap MB |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...results.map(({ name, runs, bytes }) => {
      const s = median(runs.map((r) => r.seconds));
      const cold = median(runs.map((r) => r.coldSeconds));
      return (
        `| ${name} | ${runs[0].spans.toLocaleString('en-US')} | ${runs[0].windows} ` +
        `| ${runs[0].edges.toLocaleString('en-US')} | ${s.toFixed(2)} ` +
        `| ${(runs[0].spans / s / 1e6).toFixed(2)} M | ${bytes > 0 ? (bytes / 1e6 / s).toFixed(0) : '–'} ` +
        `| ${cold.toFixed(2)} | ${Math.max(...runs.map((r) => r.peakRssMb)).toFixed(0)} ` +
        `| ${Math.max(...runs.map((r) => r.peakHeapMb)).toFixed(0)} |`
      );
    }),
    `builder alone, heap after a full GC at each million spans ` +
      `(MB): ${builderRuns[0].liveHeapMb?.map((m) => m.toFixed(0)).join(', ') || 'not measured'}`,
    `load average at the end (1, 5, 15 min): ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} — other work on the machine slows every row`,
  ];
  const agree = genRuns.every(
    (r) => r.edges === builderRuns[0].edges && r.calls === builderRuns[0].calls && r.windows === builderRuns[0].windows,
  );
  lines.push(`generated file and in-memory spans give the same graph (windows, edges, calls): ${agree ? 'yes' : 'NO'}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = flag('out', 'bench-results')!;
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'graph.json'),
    `${JSON.stringify({ machine, node: process.version, windowMs, spans: total, results }, null, 2)}\n`,
  );
  if (!agree) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
