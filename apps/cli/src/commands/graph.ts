import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import {
  DataRootError,
  ParameterError,
  namedEdges,
  type EdgeKind,
  type GraphSnapshot,
  type NamedEdge,
} from '@driftwatch/contracts';
import {
  EDGE_KINDS,
  driftSeries,
  edgesPerKind,
  nodeDegrees,
  spreadOf,
  topEdges,
  type DynamicGraph,
  type SnapshotDrift,
  type WindowGrid,
  type WindowSnapshot,
} from '@driftwatch/graph';
import { writeFileAtomic } from '@driftwatch/ingest';
import { graphSnapshotPage } from '@driftwatch/report';
import { UsageError } from '../cli-error';
import { intOption, listOption, optionalString, type Command, type OptionValues } from '../command';
import { progressBar } from '../progress';
import { fmt, renderTable } from '../table';
import { dataRoot } from '../workspace';
import { formatStep } from './datasets-inspect';
import { GRAPH_FILE_FORMATS, formatOfPath, readGraphFile, writeGraphFile, type GraphFileFormat } from './graph-files';
import {
  callGraphFromTraceFiles,
  graphFromAlibaba,
  graphFromEdgeList,
  nezhaDependencyFile,
  nezhaTraceFiles,
  type AlibabaGraphKind,
  type BuiltGraph,
  type NezhaPhase,
} from '@driftwatch/experiments/data';
import { graphBuildDefinition, graphDriftDefinition, graphInspectDefinition } from './graph.def';

/**
 * A window start as people read it: a UTC time for Unix ms, an offset for trace-relative ms (Alibaba), a step index.
 */
export function timeLabel(t: number, grid: WindowGrid): string {
  if (grid.unit === 'step') return `step ${t}`;
  // before 1973 a time in ms is an offset from a trace start, not a date
  return t >= 1e11 ? new Date(t).toISOString().replace('.000Z', 'Z') : `+${formatStep(t)}`;
}

function windowLabel(grid: WindowGrid): string {
  return grid.unit === 'step' ? `${grid.width} steps` : formatStep(grid.width);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "16 windows of 1 min (from … to …)", or "1 window of 1 min (t)". */
function windowsText(snapshots: readonly GraphSnapshot[], grid: WindowGrid): string {
  const n = snapshots.length;
  if (n === 1) return `1 window of ${windowLabel(grid)} (${timeLabel(snapshots[0].t, grid)})`;
  return (
    `${count(n)} windows of ${windowLabel(grid)} (${timeLabel(snapshots[0].t, grid)} ` +
    `… ${timeLabel(snapshots[n - 1].t, grid)})`
  );
}

/** --window in seconds → ms. */
function windowMsOf(values: OptionValues): number {
  const text = optionalString(values, 'window') ?? '60';
  const seconds = Number(text);
  if (!(Number.isFinite(seconds) && seconds > 0))
    throw new UsageError(`--window expects a positive number of seconds, got '${text}'`);
  return seconds * 1000;
}

function kindsOf(values: OptionValues): EdgeKind[] | undefined {
  const kinds = listOption(values, 'kinds');
  for (const k of kinds ?? [])
    if (!EDGE_KINDS.includes(k as EdgeKind))
      throw new UsageError(`--kinds expects some of ${EDGE_KINDS.join(', ')}, got '${k}'`);
  return kinds as EdgeKind[] | undefined;
}

async function buildFromNezha(
  values: OptionValues,
  date: string,
  windowMs: number,
): Promise<BuiltGraph & { label: string }> {
  const root = dataRoot(values);
  const phase = (optionalString(values, 'phase') ?? 'all') as NezhaPhase;
  if (!['rca', 'construct', 'all'].includes(phase))
    throw new UsageError(`--phase expects rca, construct or all, got '${phase}'`);
  const minutes = listOption(values, 'minutes');
  let source = optionalString(values, 'source');
  if (source !== undefined && source !== 'spans' && source !== 'dependency')
    throw new UsageError(`--source expects spans or dependency, got '${source}'`);
  const traces = source === 'dependency' ? [] : await nezhaTraceFiles(root, date, phase, minutes);
  source ??= traces.length > 0 ? 'spans' : 'dependency';
  if (source === 'dependency') {
    const file = nezhaDependencyFile(root, date);
    if (!existsSync(file))
      throw new DataRootError(
        `Nezha ${date} has neither trace files (${phase} phase) nor a dependency table (${file})`,
      );
    return { ...(await graphFromEdgeList(file, windowMs)), label: `nezha-${date}-dependency` };
  }
  if (traces.length === 0)
    throw new DataRootError(`Nezha ${date} has no trace files in the ${phase} phase under ${root}/nezha`);
  const total = (await Promise.all(traces.map((f) => stat(f.trace)))).reduce((s, x) => s + x.size, 0);
  const bar = progressBar(`spans of ${date}`, total);
  const maxOpenSpans = intOption(values, 'max-open-spans', 200_000, 1);
  const { graph, stats } = await callGraphFromTraceFiles(
    traces.map((f) => f.trace),
    { windowMs, selfCalls: Boolean(values['self-calls']), maxOpenSpans, progress: bar },
  );
  bar.done(`${count(stats.spans)} spans`);
  return {
    graph,
    source:
      `${traces.length} trace files (` +
      traces.map((f) => `${f.phase.replace('_data', '')}/${f.minute}`).join(', ') +
      ')',
    label: `nezha-${date}-spans`,
    notes: [
      `${count(stats.spans)} spans, ${count(stats.roots)} roots; ${count(stats.calls)} calls between ` +
        'services' +
        (values['self-calls'] ? ' (self-calls kept)' : `, ${count(stats.selfCalls)} calls within a service left out`),
      `${count(stats.unmatchedParents)} spans whose parent is not in the ` +
        `files; ${count(stats.evictedTraces)} traces forgotten past --max-open-spans ` +
        `(peak ${count(stats.peakOpenSpans)} open spans)`,
      'edge weight = calls in the window; meanUs and p95Us = latency of the called spans (p95 within 1 % ' +
        'beyond 64 calls)',
    ],
  };
}

export const graphBuild: Command = {
  ...graphBuildDefinition,
  async run(values, positionals) {
    if (positionals.length > 0)
      throw new UsageError(
        `graph build takes no positional arguments (got ${positionals.join(' ')}); name the input with ` +
          `--nezha, --alibaba or --edges`,
      );
    const inputs = (['nezha', 'alibaba', 'edges'] as const).filter((k) => optionalString(values, k) !== undefined);
    if (inputs.length !== 1)
      throw new UsageError(
        `graph build: name exactly one input: --nezha <date>, --alibaba <dir> or --edges ` +
          `<file.csv>${inputs.length > 1 ? ` (got ${inputs.map((i) => `--${i}`).join(', ')})` : ''}`,
      );
    const windowMs = windowMsOf(values);
    const formatFlag = optionalString(values, 'format') as GraphFileFormat | undefined;
    if (formatFlag !== undefined && !GRAPH_FILE_FORMATS.includes(formatFlag))
      throw new UsageError(`--format expects ${GRAPH_FILE_FORMATS.join(' or ')}, got '${formatFlag}'`);
    const kind = (optionalString(values, 'kind') ?? 'call') as AlibabaGraphKind;
    if (kind !== 'call' && kind !== 'contention')
      throw new UsageError(`--kind expects call or contention, got '${kind}'`);
    let outFlag = optionalString(values, 'out');
    if (outFlag && existsSync(outFlag) && !values.force)
      throw new UsageError(`graph build: ${outFlag} exists (use --force to replace it)`);
    let built: BuiltGraph & { label: string };
    if (inputs[0] === 'nezha') built = await buildFromNezha(values, optionalString(values, 'nezha')!, windowMs);
    else if (inputs[0] === 'alibaba') {
      const bar = progressBar('batch_instance', 1);
      built = {
        ...(await graphFromAlibaba(optionalString(values, 'alibaba')!, kind, windowMs, bar)),
        label: `alibaba-${kind}`,
      };
      bar.done();
    } else {
      const file = optionalString(values, 'edges')!;
      built = { ...(await graphFromEdgeList(file, windowMs)), label: basename(file).replace(/\.[^.]*$/, '') };
    }
    const format = formatFlag ?? (outFlag ? formatOfPath(outFlag) : 'jsonl');
    outFlag ??= `${built.label}.graph.${format === 'arrow' ? 'arrow' : 'jsonl'}`;
    const out = resolve(outFlag);
    if (existsSync(out) && !values.force)
      throw new UsageError(`graph build: ${outFlag} exists (use --force to replace it)`);
    const { graph } = built;
    if (graph.windowCount === 0)
      throw new ParameterError(
        `graph build: ${built.source} gave no observed window (no spans or placements with a time)`,
      );
    await writeGraphFile(out, graph, format);
    const snapshots = graph.snapshots();
    const edges = snapshots.reduce((n, s) => n + s.edges.length, 0);
    const lines = [
      `${outFlag}: ${count(graph.entities.length)} ` +
        `entities, ${windowsText(snapshots, graph.grid)}, ${count(edges)} edges (${format})`,
      `from ${built.source}`,
      ...built.notes,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};

/** One snapshot by --at (0-based among the observed windows), else the one with the most edges (the first such). */
function pickSnapshot(snapshots: WindowSnapshot[], values: OptionValues): { index: number; why: string } {
  const at = optionalString(values, 'at');
  if (at !== undefined) {
    const index = Number(at);
    if (!(Number.isInteger(index) && index >= 0 && index < snapshots.length))
      throw new UsageError(`--at expects a window number 0…${snapshots.length - 1}, got '${at}'`);
    return { index, why: '--at' };
  }
  let index = 0;
  snapshots.forEach((s, i) => {
    if (s.edges.length > snapshots[index].edges.length) index = i;
  });
  return { index, why: 'the window with the most edges; --at <n> picks another' };
}

interface Inspection {
  file: string;
  format: GraphFileFormat;
  entities: number;
  windows: number;
  window: number;
  unit: string;
  first: number;
  last: number;
  edgesPerWindow: ReturnType<typeof spreadOf>;
  distinctEdges: number;
  snapshot: {
    index: number;
    t: number;
    edges: number;
    edgesPerKind: Partial<Record<EdgeKind, number>>;
    nodesWithEdges: number;
    inDegree: ReturnType<typeof spreadOf>;
    outDegree: ReturnType<typeof spreadOf>;
    topEdges: NamedEdge[];
    nodes: ReturnType<typeof nodeDegrees>;
  };
}

function inspect(file: string, format: GraphFileFormat, graph: DynamicGraph, values: OptionValues): Inspection {
  const snapshots = graph.snapshots();
  const { index } = pickSnapshot(snapshots, values);
  const s = snapshots[index];
  const top = intOption(values, 'top', 10, 0);
  const degrees = nodeDegrees(s);
  const active = degrees.filter((d) => d.inDegree + d.outDegree > 0);
  const distinct = new Set(snapshots.flatMap((x) => x.edges.map((e) => `${e.kind}:${e.src}:${e.dst}`)));
  return {
    file,
    format,
    entities: graph.entities.length,
    windows: snapshots.length,
    window: graph.grid.width,
    unit: graph.grid.unit,
    first: snapshots[0].t,
    last: snapshots[snapshots.length - 1].t,
    edgesPerWindow: spreadOf(snapshots.map((x) => x.edges.length)),
    distinctEdges: distinct.size,
    snapshot: {
      index,
      t: s.t,
      edges: s.edges.length,
      edgesPerKind: edgesPerKind(s),
      nodesWithEdges: active.length,
      inDegree: spreadOf(active.map((d) => d.inDegree)),
      outDegree: spreadOf(active.map((d) => d.outDegree)),
      topEdges: namedEdges(s, topEdges(s.edges, top)),
      nodes: active,
    },
  };
}

function spreadText(s: ReturnType<typeof spreadOf>): string {
  return `min ${fmt(s.min, 0)}, median ${fmt(s.median, 1)}, max ${fmt(s.max, 0)}`;
}

function formatInspection(r: Inspection, graph: DynamicGraph, why: string): string {
  const grid = graph.grid;
  const s = r.snapshot;
  const latency = s.topEdges.some((e) => e.meanUs !== undefined);
  const kinds =
    Object.entries(s.edgesPerKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  return [
    `${r.file}: ${count(r.entities)} entities, ${windowsText(graph.snapshots(), grid)}, ${r.format}`,
    `edges per window: ${spreadText(r.edgesPerWindow)}; distinct edges over all windows: ${count(r.distinctEdges)}`,
    '',
    `window ${s.index} (${timeLabel(s.t, grid)}; ${why}): ${count(s.edges)} edges (${kinds}) ` +
      `among ${s.nodesWithEdges} of ${r.entities} entities`,
    `in-degree of those: ${spreadText(s.inDegree)}; out-degree: ${spreadText(s.outDegree)}`,
    '',
    `top ${s.topEdges.length} edges by weight:`,
    renderTable(
      ['source', 'target', 'kind', 'weight', ...(latency ? ['mean µs', 'p95 µs'] : [])],
      s.topEdges.map((e) => [
        e.source,
        e.target,
        e.kind,
        fmt(e.weight, Number.isInteger(e.weight) ? 0 : 3),
        ...(latency
          ? [e.meanUs === undefined ? '' : fmt(e.meanUs, 0), e.p95Us === undefined ? '' : fmt(e.p95Us, 0)]
          : []),
      ]),
      ['l', 'l', 'l', 'r', 'r', 'r'],
    ),
    '',
    'nodes with edges in this window:',
    renderTable(
      ['node', 'in', 'out', 'in weight', 'out weight'],
      [...s.nodes]
        .sort((a, b) => b.inDegree + b.outDegree - (a.inDegree + a.outDegree) || (a.node < b.node ? -1 : 1))
        .map((d) => [d.node, d.inDegree, d.outDegree, fmt(d.inWeight, 2), fmt(d.outWeight, 2)]),
      ['l', 'r', 'r', 'r', 'r'],
    ),
    '',
  ].join('\n');
}

/** The page of the detailed snapshot: its heat map and tables, drawn by the report package. */
function inspectionPage(r: Inspection, snapshots: readonly GraphSnapshot[], grid: WindowGrid): Promise<string> {
  const snapshot = snapshots[r.snapshot.index];
  return graphSnapshotPage({
    title: `${basename(r.file)}, window ${r.snapshot.index} (${timeLabel(snapshot.t, grid)})`,
    summary:
      `${r.entities} entities, ${windowsText(snapshots, grid)}; edges per ` + `window ${spreadText(r.edgesPerWindow)}`,
    snapshot,
    figureTitle: `${r.snapshot.edges} edges among ${r.snapshot.nodesWithEdges} entities`,
    topEdges: r.snapshot.topEdges,
    nodes: r.snapshot.nodes,
  });
}

export const graphInspect: Command = {
  ...graphInspectDefinition,
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('graph inspect: name exactly one graph file');
    const file = positionals[0];
    const { graph, format } = await readGraphFile(file);
    const r = inspect(file, format, graph, values);
    const why = pickSnapshot(graph.snapshots(), values).why;
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : formatInspection(r, graph, why));
    const html = optionalString(values, 'html');
    if (html) {
      await writeFileAtomic(resolve(html), await inspectionPage(r, graph.snapshots(), graph.grid));
      if (!values.json) process.stdout.write(`picture of window ${r.snapshot.index}: ${html}\n`);
    }
    return 0;
  },
};

export const graphDrift: Command = {
  ...graphDriftDefinition,
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('graph drift: name exactly one graph file');
    const { graph } = await readGraphFile(positionals[0]);
    const snapshots = graph.snapshots();
    const drift: SnapshotDrift[] = driftSeries(snapshots, { kinds: kindsOf(values) });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(drift, null, 2)}\n`);
      return 0;
    }
    const grid = graph.grid;
    const rows = drift.map((d, i) => [
      `${i}→${i + 1}`,
      timeLabel(d.from, grid),
      timeLabel(d.to, grid),
      `${d.edgesBefore}→${d.edgesAfter}`,
      d.added,
      d.removed,
      fmt(d.jaccardDistance, 3),
      fmt(d.weightChange, Number.isInteger(d.weightChange) ? 0 : 2),
      fmt(d.weightChangeNormalised, 3),
      d.inDegreeChange,
      d.outDegreeChange,
    ]);
    if (drift.length === 0) {
      process.stdout.write(`${positionals[0]}: ${windowsText(snapshots, grid)}: one window, no drift to measure\n`);
      return 0;
    }
    process.stdout.write(
      [
        `${positionals[0]}: ${windowsText(snapshots, grid)}, ${drift.length} consecutive pairs`,
        renderTable(
          [
            'windows',
            'from',
            'to',
            'edges',
            'added',
            'removed',
            'Jaccard',
            'Δweight',
            'Δweight share',
            'Δin-degree',
            'Δout-degree',
          ],
          rows,
          ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
        ),
        '',
      ].join('\n'),
    );
    return 0;
  },
};
