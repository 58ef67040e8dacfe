import {
  EDGE_KINDS,
  ParameterError,
  alignSnapshot,
  compareEdges,
  type GraphSnapshot,
  type NamedEdge,
  type SnapshotEdge,
} from '@driftwatch/contracts';
import { checkGrid, windowStart, type WindowGrid } from './windows';

// edge types and snapshot helpers on contracts types, part of this package's API too
export { EDGE_KINDS, alignSnapshot, compareEdges, type NamedEdge, type SnapshotEdge } from '@driftwatch/contracts';

/** A snapshot whose edges may carry latencies: still a contracts `GraphSnapshot`. */
export interface WindowSnapshot extends GraphSnapshot {
  edges: SnapshotEdge[];
}

/** Code-unit order, independent of the locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A graph that changes over time: one snapshot per window of a `WindowGrid`, every snapshot over the same
 * entity order (docs/spatiotemporal.md §1, A_obs(t) aligned to the entity order). Entities get indices in the
 * order they are first added — an entity that appears later is appended to the union order — and an
 * entity absent from a window is an isolated node of that window's snapshot. A window is observed when
 * the data cover it (a span started in it, a placement ran in it), with or without edges; windows nobody
 * observed are not snapshots unless asked for (`fill`), so a trace with hours between its files does not
 * become hours of empty graphs, and `NodeSeries.graphs` keeps the last observed graph over such a gap.
 * Undirected relations (contention, correlation) are stored in both directions, as `toSnapshot` stores
 * contention. A class because the entity union and the windows grow while building.
 */
export class DynamicGraph {
  readonly grid: WindowGrid;
  private readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly frames = new Map<number, Map<string, SnapshotEdge>>();

  constructor(grid: WindowGrid) {
    checkGrid(grid, 'DynamicGraph');
    this.grid = { ...grid };
  }

  /** The entity order: every entity ever added, in the order first added. */
  get entities(): readonly string[] {
    return this.names;
  }

  /** Index of an entity, added at the end of the order when new. */
  entity(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      if (typeof name !== 'string' || name === '')
        throw new ParameterError(`DynamicGraph: entity names must be non-empty strings, got ${JSON.stringify(name)}`);
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }

  /** Index of an entity, or undefined when it was never added. */
  indexOf(name: string): number | undefined {
    return this.index.get(name);
  }

  /** Marks window k as observed (an empty snapshot unless edges are added). */
  touchWindow(k: number): void {
    if (!Number.isInteger(k)) throw new ParameterError(`DynamicGraph: window index must be an integer, got ${k}`);
    if (!this.frames.has(k)) this.frames.set(k, new Map());
  }

  /**
   * Adds an edge to window k. The weight must be finite and ≥ 0 (correlation weights are |r|); an edge is
   * identified by (kind, source, target) and may be added once per window.
   */
  addEdge(k: number, edge: NamedEdge): void {
    const { kind, weight } = edge;
    if (!EDGE_KINDS.includes(kind))
      throw new ParameterError(
        `DynamicGraph: unknown edge kind ${JSON.stringify(kind)}; expected one of ${EDGE_KINDS.join(', ')}`,
      );
    if (!(Number.isFinite(weight) && weight >= 0))
      throw new ParameterError(
        `DynamicGraph: edge ${edge.source} → ${edge.target} has weight ${weight}; expected a finite number ≥ 0`,
      );
    const src = this.entity(edge.source);
    const dst = this.entity(edge.target);
    this.addIndexedEdge(k, {
      src,
      dst,
      kind,
      weight,
      ...(edge.meanUs !== undefined ? { meanUs: edge.meanUs } : {}),
      ...(edge.p95Us !== undefined ? { p95Us: edge.p95Us } : {}),
    });
  }

  /** Adds an edge between entities already in the order (by index). */
  addIndexedEdge(k: number, edge: SnapshotEdge): void {
    if (!(
      Number.isInteger(edge.src) &&
      edge.src >= 0 &&
      edge.src < this.names.length &&
      Number.isInteger(edge.dst) &&
      edge.dst >= 0 &&
      edge.dst < this.names.length
    )) {
      throw new ParameterError(
        `DynamicGraph: edge ${edge.src} → ${edge.dst} refers to an entity outside 0..${this.names.length - 1}`,
      );
    }
    this.touchWindow(k);
    const frame = this.frames.get(k)!;
    const key = `${edge.kind}:${edge.src}:${edge.dst}`;
    if (frame.has(key))
      throw new ParameterError(
        `DynamicGraph: window ${k} already has the ${edge.kind} edge ${this.names[edge.src]} → ${this.names[edge.dst]}`,
      );
    frame.set(key, edge);
  }

  /** Marks windows first … last as observed. */
  touchWindows(first: number, last: number): void {
    for (let k = first; k <= last; k++) this.touchWindow(k);
  }

  /** The observed windows, ascending. */
  windows(): number[] {
    return [...this.frames.keys()].sort((a, b) => a - b);
  }

  /** First and last observed window, or undefined when none is. */
  get windowRange(): { first: number; last: number } | undefined {
    if (this.frames.size === 0) return undefined;
    let first = Infinity;
    let last = -Infinity;
    for (const k of this.frames.keys()) {
      first = Math.min(first, k);
      last = Math.max(last, k);
    }
    return { first, last };
  }

  /** Number of observed windows. */
  get windowCount(): number {
    return this.frames.size;
  }

  /** The snapshot of window k: t = the window's start, nodes = the whole entity order, edges sorted (compareEdges). */
  snapshot(k: number): WindowSnapshot {
    const edges = [...(this.frames.get(k)?.values() ?? [])].map((e) => ({ ...e })).sort(compareEdges);
    return { t: windowStart(k, this.grid), nodes: [...this.names], edges };
  }

  /**
   * One snapshot per observed window, in time order; with `fill`, one per window from the first to the last observed
   * one.
   */
  snapshots(options: { fill?: boolean } = {}): WindowSnapshot[] {
    if (!options.fill) return this.windows().map((k) => this.snapshot(k));
    const range = this.windowRange;
    if (!range) return [];
    const out: WindowSnapshot[] = [];
    for (let k = range.first; k <= range.last; k++) out.push(this.snapshot(k));
    return out;
  }

  /**
   * Snapshots for `NodeSeries.graphs`: aligned to the series' entity order (names the graph lacks are
   * isolated, entities the series lacks are left out with their edges) and with t turned into a step by
   * `stepOf(windowStart)`. Without `stepOf` the grid must count steps already. Observed windows only:
   * a snapshot holds until the next one (`graphAt`).
   */
  toNodeSeriesGraphs(entities: readonly string[], stepOf?: (windowStart: number) => number): GraphSnapshot[] {
    if (!stepOf && this.grid.unit !== 'step')
      throw new ParameterError(
        'DynamicGraph.toNodeSeriesGraphs: the windows are in ms; pass stepOf to map a window start to a ' +
          'step (see stepsFromTimestamps)',
      );
    const graphs = this.snapshots().map((s) => ({ ...alignSnapshot(s, entities), t: stepOf ? stepOf(s.t) : s.t }));
    for (let k = 1; k < graphs.length; k++) {
      if (graphs[k].t < graphs[k - 1].t)
        throw new ParameterError(
          `DynamicGraph.toNodeSeriesGraphs: stepOf maps window ${k} before window ${k - 1}; it must not decrease`,
        );
    }
    return graphs;
  }

  /** A copy with the entities renumbered to `order` (which must hold every entity; extra names are isolated). */
  reordered(order: readonly string[]): DynamicGraph {
    const missing = this.names.filter((n) => !order.includes(n));
    if (missing.length > 0)
      throw new ParameterError(
        `DynamicGraph.reordered: the order lacks ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      );
    const copy = new DynamicGraph(this.grid);
    for (const name of order) copy.entity(name);
    for (const [k, frame] of this.frames) {
      copy.touchWindow(k);
      for (const e of frame.values())
        copy.addIndexedEdge(k, { ...e, src: copy.entity(this.names[e.src]), dst: copy.entity(this.names[e.dst]) });
    }
    return copy;
  }

  /**
   * A dynamic graph from snapshots on `grid`: each snapshot's t must be a window start, and its nodes are
   * added to the union order in turn (so snapshots with differing node lists are aligned by name).
   */
  static fromSnapshots(snapshots: readonly GraphSnapshot[], grid: WindowGrid): DynamicGraph {
    const graph = new DynamicGraph(grid);
    snapshots.forEach((s, i) => {
      const k = (s.t - grid.origin) / grid.width;
      if (!Number.isInteger(k))
        throw new ParameterError(
          `DynamicGraph.fromSnapshots: snapshot ${i} starts at ${s.t}, not at a window start ` +
            `(origin ${grid.origin}, length ${grid.width})`,
        );
      const indices = s.nodes.map((name) => graph.entity(name));
      graph.touchWindow(k);
      for (const e of s.edges) {
        if (!(e.src >= 0 && e.src < indices.length && e.dst >= 0 && e.dst < indices.length)) {
          throw new ParameterError(
            `DynamicGraph.fromSnapshots: snapshot ${i} has an edge ${e.src} → ${e.dst} outside ` +
              `its ${indices.length} nodes`,
          );
        }
        graph.addIndexedEdge(k, { ...e, src: indices[e.src], dst: indices[e.dst] });
      }
    });
    return graph;
  }
}

/**
 * For NodeSeries with timestamps (ms): window start → the first step whose timestamp is ≥ it (a window
 * that starts after the last step maps to T). Timestamps must not decrease.
 */
export function stepsFromTimestamps(timestamps: BigInt64Array | readonly number[]): (windowStart: number) => number {
  const times = Array.from(timestamps as ArrayLike<number | bigint>, Number);
  for (let i = 1; i < times.length; i++)
    if (times[i] < times[i - 1])
      throw new ParameterError(
        `stepsFromTimestamps: timestamp ${i} (${times[i]}) is before timestamp ${i - 1} (${times[i - 1]})`,
      );
  return (start) => {
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
