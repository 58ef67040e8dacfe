/**
 * Reads Nezha's OnlineBoutique dependency table and prints the service graph: nodes, edges, the
 * call adjacency over services and the contention pairs. Run from the repository root:
 *
 *   npx esbuild packages/graph/examples/service-graph.ts --bundle --platform=node --conditions=source \
 *     --outfile=/tmp/service-graph.js && node /tmp/service-graph.js [path/to/dependency.csv]
 *
 * (graphology is bundled too: with --packages=external, a bundle written outside the repository
 * cannot resolve @driftwatch/contracts and graphology at run time.)
 *
 * Without an argument the file is looked up under the data root: DRIFTWATCH_DATA, else
 * ../shared/datasets next to the repository root (the current directory).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { adjacencyMatrix, buildServiceGraph, entityOrder, parseEdgeListCsv, toSnapshot } from '../src';

const dataRoot = process.env.DRIFTWATCH_DATA ?? resolve('..', 'shared', 'datasets');
const file = process.argv[2] ?? join(dataRoot, 'nezha', 'construct_data', '2022-08-22', 'metric', 'dependency.csv');
if (!existsSync(file)) {
  console.error(`${file} not found: pass the CSV as an argument or set DRIFTWATCH_DATA`);
  process.exit(1);
}

const graph = buildServiceGraph(parseEdgeListCsv(readFileSync(file, 'utf8'), { file }));
const services = entityOrder(graph, 'service');
const hosts = entityOrder(graph, 'host');
console.log(
  `${file}\n${graph.order} nodes (${services.length} services, ${hosts.length} hosts), ${graph.size} edges\n`,
);

console.log('nodes');
for (const name of entityOrder(graph)) console.log(`  ${graph.getNodeAttribute(name, 'kind').padEnd(8)} ${name}`);

console.log('\nedges');
graph.forEachEdge((_, { kind, weight }, source, target) =>
  console.log(`  ${kind.padEnd(10)} ${source} → ${target} (weight ${weight})`),
);

console.log('\ncall adjacency (row calls column)');
const a = adjacencyMatrix(graph, services, { kinds: ['call'] });
const width = Math.max(...services.map((s) => s.length));
console.log(`  ${''.padEnd(width + 3)}  ${services.map((_, j) => j % 10).join(' ')}`);
services.forEach((name, i) => {
  const cells = Array.from(a.subarray(i * services.length, (i + 1) * services.length), (v) =>
    v === 0 ? '.' : String(v),
  );
  console.log(`  ${String(i).padStart(2)} ${name.padEnd(width)}  ${cells.join(' ')}`);
});

console.log('\ncontention (services on a common host)');
const snap = toSnapshot(graph, services, 0);
for (const e of snap.edges)
  if (e.kind === 'contention' && e.src < e.dst) console.log(`  ${services[e.src]} ↔ ${services[e.dst]}`);
