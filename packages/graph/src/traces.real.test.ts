import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { callGraphFromSpans, type SpanRow } from './call-graph';
import { driftSeries } from './drift';

// data root: DRIFTWATCH_DATA, else ../shared/datasets next to the repository root (docs/architecture.md, "Data")
const repoRoot = resolve(__dirname, '..', '..', '..');
const dataRoot = process.env.DRIFTWATCH_DATA ?? join(repoRoot, '..', 'shared', 'datasets');
const traceDir = join(dataRoot, 'nezha', 'rca_data', '2023-01-29', 'trace');
const present = existsSync(traceDir);
const describeIfData = present ? describe : describe.skip;
if (!present)
  console.warn(
    `Nezha TrainTicket traces not found under ${dataRoot}: skipping the real-trace call graph tests (set ` +
      `DRIFTWATCH_DATA)`,
  );

describeIfData('call graph of the Nezha TrainTicket traces (rca_data/2023-01-29)', () => {
  const files = present
    ? readdirSync(traceDir)
        .filter((f) => f.endsWith('_trace.csv'))
        .sort()
    : [];
  // the files hold no quoted fields: TraceID,SpanID,ParentID,PodName,OperationName,Start,End,Duration
  const rows = files.flatMap((f) =>
    readFileSync(join(traceDir, f), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')),
  );
  const serviceOf = (pod: string) => pod.split('-').slice(0, -2).join('-');
  const spans: SpanRow[] = rows.map((r) => ({
    traceId: r[0],
    spanId: r[1],
    parentId: r[2] === 'root' ? null : r[2],
    service: serviceOf(r[3]),
    startMs: Number(BigInt(r[5]) / 1_000_000n),
    durationUs: Number(r[7]),
  }));

  it('equals a brute-force grouping of parent → child service pairs per minute', () => {
    expect(files.length).toBe(9);
    const { graph, stats } = callGraphFromSpans(spans, { windowMs: 60_000, exactLatencies: 1e9 });
    // brute force straight from the split lines
    const service = new Map(rows.map((r) => [`${r[0]}/${r[1]}`, serviceOf(r[3])]));
    const groups = new Map<string, number[]>();
    let selfCalls = 0;
    for (const r of rows) {
      if (r[2] === 'root') continue;
      const caller = service.get(`${r[0]}/${r[2]}`);
      if (caller === undefined) continue;
      if (caller === serviceOf(r[3])) {
        selfCalls++;
        continue;
      }
      const minute = (BigInt(r[5]) / 60_000_000_000n) * 60_000n;
      const key = `${minute}: ${caller}→${serviceOf(r[3])}`;
      groups.set(key, [...(groups.get(key) ?? []), Number(r[7])]);
    }
    const got = new Map<string, [number, number, number]>();
    for (const s of graph.snapshots())
      for (const e of s.edges) got.set(`${s.t}: ${s.nodes[e.src]}→${s.nodes[e.dst]}`, [e.weight, e.meanUs!, e.p95Us!]);
    expect([...got.keys()].sort()).toEqual([...groups.keys()].sort());
    for (const [key, d] of groups) {
      const sorted = [...d].sort((a, b) => a - b);
      const [count, mean, p95] = got.get(key)!;
      expect(count).toBe(d.length);
      expect(mean).toBeCloseTo(d.reduce((a, b) => a + b, 0) / d.length, 6);
      expect(p95).toBe(sorted[Math.ceil(0.95 * d.length) - 1]);
    }
    expect(stats.spans).toBe(rows.length);
    expect(stats.selfCalls).toBe(selfCalls);
    // every parent is in the files (datasets README: the traceid files list exactly these traces)
    expect(stats.unmatchedParents).toBe(0);
    // spans start in 12 distinct minutes (three 3-file faults, each file about one minute)
    expect(graph.windowCount).toBe(new Set(spans.map((s) => Math.floor(s.startMs / 60_000))).size);
  });

  it('a small open-span budget gives the same graph on these files (traces are nearly contiguous)', () => {
    const full = callGraphFromSpans(spans, { windowMs: 60_000 });
    const bounded = callGraphFromSpans(spans, { windowMs: 60_000, maxOpenSpans: 2000 });
    expect(bounded.stats.peakOpenSpans).toBeLessThan(2000 + 500);
    expect(bounded.graph.snapshots()).toEqual(full.graph.snapshots());
    // drift between consecutive observed minutes is defined for each pair
    const drift = driftSeries(full.graph.snapshots());
    expect(drift.length).toBe(full.graph.windowCount - 1);
    for (const d of drift) expect(d.jaccardDistance).toBeGreaterThanOrEqual(0);
  });
});
