import { DriftwatchError, type EdgeKind } from '@driftwatch/contracts';
import { DynamicGraph, EDGE_KINDS, type SnapshotEdge, type WindowSnapshot } from './dynamic-graph';
import type { TimeUnit, WindowGrid } from './windows';

/**
 * One line of a graph file (JSON Lines): a contracts GraphSnapshot plus its window length and time unit,
 * so every line stands alone: `{"t":…,"window":…,"unit":"ms","nodes":[…],"edges":[{"src":0,"dst":1,
 * "kind":"call","weight":3,"meanUs":…,"p95Us":…},…]}`.
 */
export interface SnapshotRecord extends WindowSnapshot {
  /** window length, in `unit` */
  window: number;
  unit: TimeUnit;
}

/** Where a record breaks the format: the JSON path of the value, what was expected there and what was found. */
export interface RecordProblem {
  path: (string | number)[];
  expected: string;
  found?: string;
}

/** A graph file whose records do not fit together; `record` is the 0-based record (line) index. */
export class SnapshotRecordError extends DriftwatchError {
  constructor(
    readonly record: number,
    readonly problem: RecordProblem,
  ) {
    super(
      `record ${record + 1}: expected ${problem.expected} ` +
        `at ${problem.path.join('.') || 'the top level'}` +
        `${problem.found === undefined ? '' : `, found ${problem.found}`}`,
    );
  }
}

/** The record of one snapshot of a graph on `grid`. */
export function snapshotRecord(snapshot: WindowSnapshot, grid: WindowGrid): SnapshotRecord {
  return { t: snapshot.t, window: grid.width, unit: grid.unit, nodes: snapshot.nodes, edges: snapshot.edges };
}

/** Every snapshot of a dynamic graph as JSON Lines (one record per line, a final newline). */
export function formatSnapshotLines(graph: DynamicGraph): string {
  return graph
    .snapshots()
    .map((s) => `${JSON.stringify(snapshotRecord(s, graph.grid))}\n`)
    .join('');
}

const describe = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'an array'
      : typeof v === 'string'
        ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
        : typeof v === 'object'
          ? 'an object'
          : String(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first way a parsed JSON value fails to be a SnapshotRecord, or undefined when it is one. */
export function checkSnapshotRecord(value: unknown): RecordProblem | undefined {
  if (!isObject(value))
    return { path: [], expected: 'an object {t, window, unit, nodes, edges}', found: describe(value) };
  if (typeof value.t !== 'number' || !Number.isFinite(value.t))
    return { path: ['t'], expected: 'a finite number (the window start)', found: describe(value.t) };
  if (typeof value.window !== 'number' || !(value.window > 0) || !Number.isFinite(value.window))
    return { path: ['window'], expected: 'a positive window length', found: describe(value.window) };
  if (value.unit !== 'ms' && value.unit !== 'step')
    return { path: ['unit'], expected: '"ms" or "step"', found: describe(value.unit) };
  if (!Array.isArray(value.nodes))
    return { path: ['nodes'], expected: 'an array of entity names', found: describe(value.nodes) };
  const names = new Set<string>();
  for (let i = 0; i < value.nodes.length; i++) {
    const name = value.nodes[i];
    if (typeof name !== 'string' || name === '')
      return { path: ['nodes', i], expected: 'a non-empty entity name', found: describe(name) };
    if (names.has(name)) return { path: ['nodes', i], expected: 'each entity once', found: describe(name) };
    names.add(name);
  }
  if (!Array.isArray(value.edges))
    return { path: ['edges'], expected: 'an array of edges', found: describe(value.edges) };
  const n = value.nodes.length;
  const seen = new Set<string>();
  for (let m = 0; m < value.edges.length; m++) {
    const e = value.edges[m];
    if (!isObject(e)) return { path: ['edges', m], expected: 'an edge {src, dst, kind, weight}', found: describe(e) };
    for (const end of ['src', 'dst'] as const) {
      const v = e[end];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n)
        return { path: ['edges', m, end], expected: `a node index in 0..${n - 1}`, found: describe(v) };
    }
    if (!EDGE_KINDS.includes(e.kind as EdgeKind))
      return {
        path: ['edges', m, 'kind'],
        expected: EDGE_KINDS.map((k) => `"${k}"`)
          .join(', ')
          .replace(/, ([^,]*)$/, ' or $1'),
        found: describe(e.kind),
      };
    if (typeof e.weight !== 'number' || !Number.isFinite(e.weight) || e.weight < 0)
      return { path: ['edges', m, 'weight'], expected: 'a finite weight ≥ 0', found: describe(e.weight) };
    for (const key of ['meanUs', 'p95Us'] as const) {
      if (e[key] !== undefined && (typeof e[key] !== 'number' || !Number.isFinite(e[key]) || (e[key] as number) < 0))
        return { path: ['edges', m, key], expected: 'a latency ≥ 0 in µs', found: describe(e[key]) };
    }
    const key = `${String(e.kind)}:${e.src}:${e.dst}`;
    if (seen.has(key))
      return {
        path: ['edges', m],
        expected: `each (kind, src, dst) once (${String(e.kind)} ${e.src} → ${e.dst} repeats)`,
      };
    seen.add(key);
  }
  return undefined;
}

/**
 * The dynamic graph of checked records: one window length and unit throughout, t increasing by whole
 * windows (gaps are empty windows); node lists may differ and are aligned by name. Throws a
 * SnapshotRecordError naming the record that breaks this.
 */
export function dynamicGraphFromRecords(records: readonly SnapshotRecord[]): DynamicGraph {
  if (records.length === 0) throw new SnapshotRecordError(0, { path: [], expected: 'at least one snapshot record' });
  const first = records[0];
  const grid: WindowGrid = { width: first.window, origin: first.t, unit: first.unit };
  if (grid.unit === 'step' && !(Number.isInteger(grid.width) && Number.isInteger(grid.origin))) {
    throw new SnapshotRecordError(0, {
      path: ['window'],
      expected: 'whole steps (integer t and window) with unit "step"',
      found: `${first.t} and ${first.window}`,
    });
  }
  const graph = new DynamicGraph(grid);
  records.forEach((r, i) => {
    if (r.window !== grid.width)
      throw new SnapshotRecordError(i, {
        path: ['window'],
        expected: `the window length of record 1 (${grid.width})`,
        found: String(r.window),
      });
    if (r.unit !== grid.unit)
      throw new SnapshotRecordError(i, {
        path: ['unit'],
        expected: `the unit of record 1 (${grid.unit})`,
        found: r.unit,
      });
    const k = (r.t - grid.origin) / grid.width;
    if (!Number.isInteger(k))
      throw new SnapshotRecordError(i, {
        path: ['t'],
        expected: `a window start: ${grid.origin} plus a multiple of ${grid.width}`,
        found: String(r.t),
      });
    if (i > 0 && r.t <= records[i - 1].t)
      throw new SnapshotRecordError(i, {
        path: ['t'],
        expected: `a time after the previous record's ${records[i - 1].t}`,
        found: String(r.t),
      });
    const indices = r.nodes.map((name) => graph.entity(name));
    graph.touchWindow(k);
    for (const e of r.edges as SnapshotEdge[])
      graph.addIndexedEdge(k, { ...e, src: indices[e.src], dst: indices[e.dst] });
  });
  return graph;
}
