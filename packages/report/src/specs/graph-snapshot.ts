import { EDGE_KINDS, namedEdges, type EdgeKind, type GraphSnapshot, type NamedEdge } from '@driftwatch/contracts';
import { BASE_CONFIG, type VegaLiteSpec } from './spec';

export interface GraphSnapshotFigureOptions {
  title?: string;
  /** edge kinds drawn (default: those present); several kinds get one panel each */
  kinds?: readonly EdgeKind[];
  /** rows and columns, in this order (default: every node with an edge of the drawn kinds, sorted by name) */
  order?: readonly string[];
  /** legend title of the colour scale (default 'weight') */
  weightTitle?: string;
  /** cell size in pixels (default 14) */
  cell?: number;
}

/** One heat-map cell: an edge of the snapshot by names, with its latencies when it has them. */
export type GraphCell = NamedEdge;

/** The cells a snapshot figure draws: edges of the chosen kinds between nodes of the order. */
export function graphCells(
  snapshot: GraphSnapshot,
  options: Pick<GraphSnapshotFigureOptions, 'kinds' | 'order'> = {},
): { cells: GraphCell[]; order: string[] } {
  const kinds = new Set(options.kinds ?? snapshot.edges.map((e) => e.kind));
  const edges = snapshot.edges.filter((e) => kinds.has(e.kind));
  const order = options.order
    ? [...options.order]
    : [...new Set(edges.flatMap((e) => [snapshot.nodes[e.src], snapshot.nodes[e.dst]]))].sort((a, b) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
  const keep = new Set(order);
  const cells = namedEdges(snapshot, edges).filter((c) => keep.has(c.source) && keep.has(c.target));
  return { cells, order };
}

/**
 * One snapshot as an adjacency heat map: a row per source (caller), a column per target (callee), the
 * cell coloured by edge weight, latencies in the tooltip. For the 10–60 services of a call graph a
 * matrix reads better than a node-link drawing: every edge is visible without crossings, rows and
 * columns keep one fixed order across snapshots, and Vega-Lite draws it without a layout step. Weights
 * spanning more than a decade (call counts of 1 … 100) get a log colour scale.
 */
export function graphSnapshotSpec(snapshot: GraphSnapshot, options: GraphSnapshotFigureOptions = {}): VegaLiteSpec {
  const { cells, order } = graphCells(snapshot, options);
  const kinds = EDGE_KINDS.filter((k) => cells.some((c) => c.kind === k));
  const positive = cells.map((c) => c.weight).filter((w) => w > 0);
  const logScale =
    positive.length === cells.length && positive.length > 0 && Math.max(...positive) / Math.min(...positive) > 10;
  const cell = options.cell ?? 14;
  const latencies = cells.some((c) => c.meanUs !== undefined);
  const panel = {
    width: { step: cell },
    height: { step: cell },
    mark: { type: 'rect' as const, stroke: '#fff', strokeWidth: 0.5 },
    encoding: {
      x: {
        field: 'target',
        type: 'nominal' as const,
        sort: order,
        scale: { domain: order },
        title: 'target (callee)',
        axis: { labelAngle: -50, labelLimit: 260 },
      },
      y: {
        field: 'source',
        type: 'nominal' as const,
        sort: order,
        scale: { domain: order },
        title: 'source (caller)',
        axis: { labelLimit: 260 },
      },
      color: {
        field: 'weight',
        type: 'quantitative' as const,
        title: options.weightTitle ?? 'weight',
        // the scheme's lightest fifth is left out so that the smallest weights stay visible on white
        scale: {
          scheme: { name: 'blues', extent: [0.2, 1] },
          type: logScale ? ('log' as const) : ('linear' as const),
          ...(logScale ? {} : { zero: true }),
        },
        legend: { orient: 'right' as const },
      },
      tooltip: [
        { field: 'source', type: 'nominal' as const },
        { field: 'target', type: 'nominal' as const },
        { field: 'kind', type: 'nominal' as const },
        { field: 'weight', type: 'quantitative' as const, format: ',.4~f' },
        ...(latencies
          ? [
              { field: 'meanUs', type: 'quantitative' as const, title: 'mean latency (µs)', format: ',.0f' },
              { field: 'p95Us', type: 'quantitative' as const, title: 'p95 latency (µs)', format: ',.0f' },
            ]
          : []),
      ],
    },
  };
  const title = options.title ?? `Graph at t = ${snapshot.t}: ${cells.length} edges among ${order.length} nodes`;
  if (kinds.length <= 1) {
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      config: BASE_CONFIG,
      data: { values: cells },
      ...panel,
    } as VegaLiteSpec;
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: BASE_CONFIG,
    data: { values: cells },
    facet: { column: { field: 'kind', type: 'nominal', title: null, sort: kinds } },
    spec: panel,
    resolve: { scale: { color: 'independent' } },
  } as VegaLiteSpec;
}
