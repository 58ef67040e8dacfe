import { open, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Field, Float64, Int32, Schema, Table, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { InputError, type EdgeKind } from '@driftwatch/contracts';
import {
  SnapshotRecordError,
  checkSnapshotRecord,
  dynamicGraphFromRecords,
  formatSnapshotLines,
  snapshotRecord,
  type DynamicGraph,
  type RecordProblem,
  type SnapshotRecord,
} from '@driftwatch/graph';
import {
  jsonPathOffset,
  jsonValueError,
  lineColumnAt,
  parseJsonText,
  readArrowFile,
  writeArrowFile,
  writeFileAtomic,
} from '@driftwatch/ingest';

export type GraphFileFormat = 'jsonl' | 'arrow';
export const GRAPH_FILE_FORMATS: readonly GraphFileFormat[] = ['jsonl', 'arrow'];

/** Key of the Arrow schema metadata that describes the graph (entity order, windows, grid). */
export const ARROW_GRAPH_METADATA = 'driftwatch.graph';

/** The format an output name implies: .arrow/.feather → arrow, anything else JSON Lines. */
export function formatOfPath(path: string): GraphFileFormat {
  return ['.arrow', '.feather', '.ipc'].includes(extname(path).toLowerCase()) ? 'arrow' : 'jsonl';
}

/**
 * The Arrow form of a graph file: one row per edge and window — t (window start), src, dst (indices into
 * the entity order), kind, weight, mean_us and p95_us (null where an edge has no latency) — and, in the
 * schema metadata, the entity order, the window length and unit and every observed window's t (windows
 * without edges have no rows).
 */
export function graphTable(graph: DynamicGraph): Table {
  const snapshots = graph.snapshots();
  const rows = snapshots.flatMap((s) => s.edges.map((e) => ({ t: s.t, ...e })));
  const meta = {
    format: 1,
    window: graph.grid.width,
    unit: graph.grid.unit,
    entities: graph.entities,
    windows: snapshots.map((s) => s.t),
  };
  const columns: Record<string, Vector> = {
    t: vectorFromArray(
      rows.map((r) => r.t),
      new Float64(),
    ),
    src: vectorFromArray(
      rows.map((r) => r.src),
      new Int32(),
    ),
    dst: vectorFromArray(
      rows.map((r) => r.dst),
      new Int32(),
    ),
    kind: vectorFromArray(
      rows.map((r) => r.kind),
      new Utf8(),
    ),
    weight: vectorFromArray(
      rows.map((r) => r.weight),
      new Float64(),
    ),
    mean_us: vectorFromArray(
      rows.map((r) => r.meanUs ?? null),
      new Float64(),
    ),
    p95_us: vectorFromArray(
      rows.map((r) => r.p95Us ?? null),
      new Float64(),
    ),
  };
  const schema = new Schema(
    Object.entries(columns).map(([name, v]) => new Field(name, v.type, name === 'mean_us' || name === 'p95_us')),
    new Map([[ARROW_GRAPH_METADATA, JSON.stringify(meta)]]),
  );
  return new Table(schema, columns);
}

/** Writes a graph as JSON Lines or Arrow IPC, atomically (a temporary sibling renamed when complete). */
export async function writeGraphFile(path: string, graph: DynamicGraph, format: GraphFileFormat): Promise<void> {
  if (format === 'arrow') await writeArrowFile(path, graphTable(graph));
  else await writeFileAtomic(path, formatSnapshotLines(graph));
}

/** An InputError moved from line 1 of one line's text to line `line` of the file. */
function onLine(error: InputError, file: string, line: number): InputError {
  return new InputError({ file, line, column: error.location.column }, error.expected, error.found);
}

/** The JSON Lines graph file: each non-blank line a checked snapshot record; errors name file, line and column. */
export function parseGraphLines(text: string, file: string): DynamicGraph {
  const records: SnapshotRecord[] = [];
  const lineOf: number[] = [];
  const texts: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = parseJsonText(line, file);
    } catch (error) {
      throw error instanceof InputError ? onLine(error, file, i + 1) : error;
    }
    const problem = checkSnapshotRecord(value);
    if (problem) throw onLine(jsonValueError(line, file, problem.path, problem.expected, problem.found), file, i + 1);
    records.push(value as SnapshotRecord);
    lineOf.push(i + 1);
    texts.push(line);
  });
  if (records.length === 0)
    throw new InputError(
      { file, line: 1, column: 1 },
      'at least one snapshot record (a JSON object per line)',
      text.slice(0, 40),
    );
  try {
    return dynamicGraphFromRecords(records);
  } catch (error) {
    if (!(error instanceof SnapshotRecordError)) throw error;
    const lineText = texts[error.record] ?? '';
    const offset = jsonPathOffset(lineText, error.problem.path) ?? 0;
    throw new InputError(
      { file, line: lineOf[error.record] ?? 1, column: lineColumnAt(lineText, offset).column },
      error.problem.expected,
      error.problem.found,
    );
  }
}

const ARROW_COLUMNS = ['t', 'src', 'dst', 'kind', 'weight', 'mean_us', 'p95_us'] as const;

/**
 * The Arrow graph file back into a dynamic graph; a bad value is an InputError naming its row (line) and column number.
 */
export function graphFromTable(table: Table, file: string): DynamicGraph {
  const rawMeta = table.schema.metadata.get(ARROW_GRAPH_METADATA);
  if (rawMeta === undefined)
    throw new InputError(
      { file },
      `an Arrow graph file with "${ARROW_GRAPH_METADATA}" schema metadata (written by driftwatch graph build)`,
      'no such metadata',
    );
  let meta: { format?: unknown; window?: unknown; unit?: unknown; entities?: unknown; windows?: unknown };
  try {
    meta = JSON.parse(rawMeta);
  } catch (error) {
    throw new InputError({ file }, `JSON in the "${ARROW_GRAPH_METADATA}" metadata`, (error as Error).message);
  }
  const names = table.schema.fields.map((f) => f.name);
  ARROW_COLUMNS.forEach((name) => {
    if (!names.includes(name))
      throw new InputError(
        { file, column: names.length + 1 },
        `a column "${name}" (columns ${ARROW_COLUMNS.join(', ')})`,
        names.join(','),
      );
  });
  const windows = meta.windows;
  if (!Array.isArray(windows) || windows.length === 0 || !windows.every((t) => typeof t === 'number'))
    throw new InputError(
      { file },
      `a non-empty list of window starts in the "${ARROW_GRAPH_METADATA}" metadata`,
      JSON.stringify(windows)?.slice(0, 40),
    );
  const base = { window: meta.window, unit: meta.unit, nodes: meta.entities } as Omit<SnapshotRecord, 't' | 'edges'>;
  const records = new Map<number, SnapshotRecord>(windows.map((t: number) => [t, { ...base, t, edges: [] }]));
  const column = (name: string) => table.getChild(name)!;
  const [t, src, dst, kind, weight, mean, p95] = ARROW_COLUMNS.map(column);
  const columnOf = (name: string) => names.indexOf(name) + 1;
  const problemAt = (row: number, problem: RecordProblem): InputError => {
    const field = problem.path.length >= 3 ? String(problem.path[2]) : problem.path[0] === 't' ? 't' : undefined;
    const name = field === 'meanUs' ? 'mean_us' : field === 'p95Us' ? 'p95_us' : field;
    return new InputError(
      { file, line: row + 1, ...(name ? { column: columnOf(name) } : {}) },
      problem.expected,
      problem.found,
    );
  };
  for (let r = 0; r < table.numRows; r++) {
    const record = records.get(t.get(r) as number);
    if (!record)
      throw new InputError(
        { file, line: r + 1, column: columnOf('t') },
        'the start of a window listed in the metadata',
        String(t.get(r)),
      );
    const edge = {
      src: src.get(r) as number,
      dst: dst.get(r) as number,
      kind: kind.get(r) as EdgeKind,
      weight: weight.get(r) as number,
      ...(mean.get(r) !== null ? { meanUs: mean.get(r) as number } : {}),
      ...(p95.get(r) !== null ? { p95Us: p95.get(r) as number } : {}),
    };
    record.edges.push(edge);
    const problem = checkSnapshotRecord({ ...record, edges: [edge] });
    if (problem)
      throw problemAt(r, {
        ...problem,
        path: problem.path[0] === 'edges' ? ['edges', r, ...problem.path.slice(2)] : problem.path,
      });
  }
  const ordered = [...records.values()].sort((a, b) => a.t - b.t);
  for (const record of ordered) {
    const problem = checkSnapshotRecord(record);
    if (problem)
      throw new InputError(
        { file },
        `${problem.expected} at ${problem.path.join('.')} of the window starting at ${record.t}`,
        problem.found,
      );
  }
  try {
    return dynamicGraphFromRecords(ordered);
  } catch (error) {
    if (error instanceof SnapshotRecordError)
      throw new InputError(
        { file },
        `${error.problem.expected} (window starting at ${ordered[error.record]?.t}, metadata ` +
          `"${ARROW_GRAPH_METADATA}")`,
        error.problem.found,
      );
    throw error;
  }
}

/**
 * Reads a graph file written by `driftwatch graph build` (JSON Lines or Arrow, told apart by the Arrow magic bytes).
 */
export async function readGraphFile(path: string): Promise<{ graph: DynamicGraph; format: GraphFileFormat }> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(6);
  try {
    await handle.read(head, 0, 6, 0);
  } finally {
    await handle.close();
  }
  const isArrow = head.toString('latin1') === 'ARROW1' || head.readUInt32LE(0) === 0xffffffff;
  if (isArrow) return { graph: graphFromTable(await readArrowFile(path), path), format: 'arrow' };
  const text = await readFile(path, 'utf8');
  return { graph: parseGraphLines(text, path), format: 'jsonl' };
}

/** The record of one snapshot, for --json output. */
export function recordsOf(graph: DynamicGraph): SnapshotRecord[] {
  return graph.snapshots().map((s) => snapshotRecord(s, graph.grid));
}
