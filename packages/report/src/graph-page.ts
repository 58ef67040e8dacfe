/**
 * A self-contained page of one graph snapshot (`driftwatch graph inspect --html`): the snapshot as an adjacency
 * heat map (inline SVG) and its tables of heaviest edges and node degrees.
 */
import type { GraphSnapshot, NamedEdge } from '@driftwatch/contracts';
import { htmlTable, standalonePage } from './standalone-page';
import { renderSvgs } from './render/svg';
import { graphSnapshotSpec } from './specs/graph-snapshot';
import { fmt } from './tables';

/** In- and out-degree and weight of one node in the snapshot. */
export interface NodeDegreeRow {
  node: string;
  inDegree: number;
  outDegree: number;
  inWeight: number;
  outWeight: number;
}

export interface GraphSnapshotPage {
  /** heading and <title> */
  title: string;
  /** one line under the heading (entities, windows, edges per window) */
  summary: string;
  snapshot: GraphSnapshot;
  /** title drawn above the heat map */
  figureTitle: string;
  /** the heaviest edges, in the order listed */
  topEdges: readonly NamedEdge[];
  /** nodes with an edge in the snapshot */
  nodes: readonly NodeDegreeRow[];
}

/** The page's HTML; the heat map is rendered here (Vega-Lite to SVG in Node). */
export async function graphSnapshotPage(page: GraphSnapshotPage): Promise<string> {
  const [svg] = await renderSvgs([graphSnapshotSpec(page.snapshot, { title: page.figureTitle })]);
  const latency = page.topEdges.some((e) => e.meanUs !== undefined);
  const edgeRows = page.topEdges.map((e) => [
    e.source,
    e.target,
    e.kind,
    fmt(e.weight, Number.isInteger(e.weight) ? 0 : 3),
    ...(latency ? [e.meanUs === undefined ? '' : fmt(e.meanUs, 0), e.p95Us === undefined ? '' : fmt(e.p95Us, 0)] : []),
  ]);
  const nodeRows = page.nodes.map((d) => [d.node, d.inDegree, d.outDegree, fmt(d.inWeight, 2), fmt(d.outWeight, 2)]);
  const edgeTable = htmlTable(
    ['source', 'target', 'kind', 'weight', ...(latency ? ['mean µs', 'p95 µs'] : [])],
    edgeRows,
    new Set([3, 4, 5]),
  );
  return standalonePage(
    page.title,
    page.summary,
    `<figure>${svg}<figcaption>Rows: source (caller), columns: target (callee); colour: edge ` +
      `weight${latency ? ' (calls in the window); hover a cell for the mean and p95 latency' : ''}. Only ` +
      `entities with an edge in this window are drawn.</figcaption></figure>
<h2>Top edges by weight</h2>
${edgeTable}
<h2>Degrees</h2>
${htmlTable(['node', 'in', 'out', 'in weight', 'out weight'], nodeRows, new Set([1, 2, 3, 4]))}`,
  );
}
