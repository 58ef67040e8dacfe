/**
 * Dynamic graphs end to end: a call graph per minute from Nezha TrainTicket spans, its drift from minute
 * to minute, the busiest minute as dense and COO adjacency, then a contention graph from placements and a
 * correlation graph from metrics aligned to a NodeSeries. Run from the repository root:
 *
 *   npm run ts -- packages/graph/examples/dynamic-graph.ts [path/to/HH_MM_trace.csv …]
 *
 * Without arguments the trace files of rca_data/2023-01-29 are looked up under the data root
 * (DRIFTWATCH_DATA, else ../shared/datasets next to the repository root, the current directory).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mulberry32, normalSampler, validateNodeSeries, type NodeSeries } from '@driftwatch/contracts';
import {
  CallGraphBuilder,
  contentionGraph,
  cooAdjacency,
  correlationGraph,
  denseAdjacency,
  driftSeries,
  topEdges,
} from '@driftwatch/graph';

const dataRoot = process.env.DRIFTWATCH_DATA ?? resolve('..', 'shared', 'datasets');
const traceDir = join(dataRoot, 'nezha', 'rca_data', '2023-01-29', 'trace');
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : existsSync(traceDir)
      ? readdirSync(traceDir)
          .filter((f) => f.endsWith('_trace.csv'))
          .sort()
          .map((f) => join(traceDir, f))
      : [];
if (files.length === 0) {
  console.error(`no trace files: pass some or set DRIFTWATCH_DATA (looked in ${traceDir})`);
  process.exit(1);
}

// 1. spans → call graph per minute. The files hold no quoted fields; the service is the pod name
//    without its last two parts (replica-set hash, pod suffix).
const builder = new CallGraphBuilder({ windowMs: 60_000 });
for (const file of files) {
  for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
    const [traceId, spanId, parentId, pod, , start, , duration] = line.split(',');
    builder.add({
      traceId,
      spanId,
      parentId: parentId === 'root' ? null : parentId,
      service: pod.split('-').slice(0, -2).join('-'),
      startMs: Number(BigInt(start) / 1_000_000n),
      durationUs: Number(duration),
    });
  }
}
const { graph, stats } = builder.finish();
const snapshots = graph.snapshots();
console.log(
  `${stats.spans} spans → ${stats.calls} calls between ${graph.entities.length} services ` +
    `in ${snapshots.length} observed minutes (${stats.selfCalls} calls within a service left out)\n`,
);

// 2. drift between consecutive observed minutes
console.log('from              → to                 edges   Jaccard  Δweight share  Δdegree in/out');
for (const d of driftSeries(snapshots)) {
  const at = (t: number) => new Date(t).toISOString().slice(0, 16);
  console.log(
    `${at(d.from)} → ${at(d.to)}  ${`${d.edgesBefore}→${d.edgesAfter}`.padStart(6)}  ` +
      `${d.jaccardDistance.toFixed(3).padStart(7)}  ${d.weightChangeNormalised.toFixed(3).padStart(13)}  ` +
      `${d.inDegreeChange}/${d.outDegreeChange}`,
  );
}

// 3. the busiest minute: heaviest edges, then the matrices a detector takes (A_obs(t), row-normalised)
const busiest = snapshots.reduce((a, b) => (b.edges.length > a.edges.length ? b : a));
console.log(`\nbusiest minute ${new Date(busiest.t).toISOString()}: ${busiest.edges.length} edges; heaviest:`);
for (const e of topEdges(busiest.edges, 5))
  console.log(
    `  ${busiest.nodes[e.src]} → ${busiest.nodes[e.dst]}: ${e.weight} calls, mean ${e.meanUs!.toFixed(0)} ` +
      `µs, p95 ${e.p95Us!.toFixed(0)} µs`,
  );
const coo = cooAdjacency(busiest, { symmetric: true, rowNormalise: true });
const dense = denseAdjacency(busiest, { symmetric: true, rowNormalise: true });
console.log(
  `adjacency: dense ${coo.n}×${coo.n} (${dense.length} floats), COO ${coo.values.length} non-zeros; row 0 ` +
    `sums to ${dense
      .subarray(0, coo.n)
      .reduce((a, b) => a + b, 0)
      .toFixed(3)}`,
);

// 4. contention: entities sharing a machine, weight = seconds together per window
const placements = [
  { entity: 'c_1', machine: 'm_1', startMs: 0, endMs: 90_000 },
  { entity: 'c_2', machine: 'm_1', startMs: 30_000, endMs: 150_000 },
  { entity: 'job_7/M1', machine: 'm_1', startMs: 100_000, endMs: 110_000 },
];
const contention = contentionGraph(placements, { windowMs: 60_000 }).graph;
console.log('\ncontention (seconds on m_1 together):');
for (const s of contention.snapshots())
  for (const e of s.edges)
    if (e.src < e.dst) console.log(`  window at ${s.t / 1000} s: ${s.nodes[e.src]} – ${s.nodes[e.dst]}: ${e.weight} s`);

// 5. correlation graphs of a NodeSeries, straight into series.graphs
const normal = normalSampler(mulberry32(3));
const N = 4;
const T = 40;
const values = new Float32Array(T * N);
for (let t = 0; t < T; t++) {
  const load = Math.sin(t / 3);
  // entities 0 and 1 follow the load; 2 follows it only in the first half; 3 is noise
  const row = [load, 0.8 * load, t < 20 ? -load : 0, 0];
  for (let i = 0; i < N; i++) values[t * N + i] = row[i] + 0.1 * normal();
}
const series: NodeSeries = {
  id: 'example',
  entities: ['api', 'db', 'cache', 'batch'],
  features: ['cpu'],
  length: T,
  values,
};
series.graphs = correlationGraph(series, { windowSteps: 20, threshold: 0.7 }).toNodeSeriesGraphs(series.entities);
validateNodeSeries(series);
console.log('\ncorrelation graphs (|r| ≥ 0.7):');
for (const g of series.graphs)
  console.log(
    `  steps from ${g.t}: ${g.edges
      .filter((e) => e.src < e.dst)
      .map((e) => `${g.nodes[e.src]}–${g.nodes[e.dst]} ${e.weight.toFixed(2)}`)
      .join(', ')}`,
  );
