import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { adjacencyMatrix, entityOrder, toSnapshot } from './adjacency';
import { parseEdgeListCsv } from './csv';
import { looksLikeIPv4 } from './hosts';
import { buildServiceGraph } from './service-graph';

// data root: DRIFTWATCH_DATA, else ../shared/datasets next to the repository root (docs/architecture.md, "Data")
const repoRoot = resolve(__dirname, '..', '..', '..');
const dataRoot = process.env.DRIFTWATCH_DATA ?? join(repoRoot, '..', 'shared', 'datasets');
const file = join(dataRoot, 'nezha', 'construct_data', '2022-08-22', 'metric', 'dependency.csv');
const present = existsSync(file);
const describeIfData = present ? describe : describe.skip;
if (!present)
  console.warn(
    `Nezha dependency.csv not found under ${dataRoot}: skipping the real-data graph tests (set DRIFTWATCH_DATA)`,
  );

describeIfData('Nezha OnlineBoutique dependency.csv (2022-08-22)', () => {
  const text = present ? readFileSync(file, 'utf8') : '';
  const rows = parseEdgeListCsv(text, { file });
  const graph = buildServiceGraph(rows);
  // independent reading of the raw lines, without the parser
  const raw = text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(','));

  it('has the documented shape: 26 rows, 14 calls, 12 placements on 10 hosts', () => {
    expect(rows.length).toBe(26);
    expect(raw.length).toBe(26);
    const kinds = graph.mapEdges((_, a) => a.kind);
    expect(kinds.filter((k) => k === 'call').length).toBe(14);
    expect(kinds.filter((k) => k === 'placement').length).toBe(12);
    expect(entityOrder(graph, 'host').length).toBe(10);
    expect(new Set(raw.filter((r) => looksLikeIPv4(r[1])).map((r) => r[1])).size).toBe(10);
    expect(rows.every((r) => r.weight === 1)).toBe(true);
    // loadgenerator only has placement edges
    expect(graph.outEdges('loadgenerator').map((e) => graph.getEdgeAttribute(e, 'kind'))).toEqual([
      'placement',
      'placement',
    ]);
    expect(graph.inDegree('loadgenerator')).toBe(0);
  });

  it('adjacency equals a brute-force matrix built from the rows', () => {
    const order = entityOrder(graph);
    const n = order.length;
    expect(n).toBe(21);
    for (const kinds of [['call'], ['placement'], ['call', 'placement']] as const) {
      const brute = new Float32Array(n * n);
      for (const [s, t, w] of raw) {
        const isCall = !/^\d+\.\d+\.\d+\.\d+$/.test(t);
        if (!kinds.includes((isCall ? 'call' : 'placement') as never)) continue;
        brute[order.indexOf(s) * n + order.indexOf(t)] += Number(w);
      }
      expect(Array.from(adjacencyMatrix(graph, order, { kinds: [...kinds] }))).toEqual(Array.from(brute));
    }
  });

  it('contention pairs equal the brute-force pairs of services on a common host', () => {
    const services = entityOrder(graph, 'service');
    expect(services.length).toBe(11);
    const expected: string[] = [];
    for (const [s1, h1] of raw) {
      for (const [s2, h2] of raw) {
        if (h1 === h2 && s1 !== s2 && /^\d+\.\d+\.\d+\.\d+$/.test(h1)) expected.push(`${s1}→${s2}`);
      }
    }
    const snap = toSnapshot(graph, services, 0);
    const got = snap.edges.filter((e) => e.kind === 'contention').map((e) => `${services[e.src]}→${services[e.dst]}`);
    expect(got.sort()).toEqual([...new Set(expected)].sort());
    // two shared hosts: checkout+currency on .227, payment+productcatalog on .115
    expect(got.length).toBe(4);
    expect(snap.edges.filter((e) => e.kind === 'call').length).toBe(14);
  });
});
