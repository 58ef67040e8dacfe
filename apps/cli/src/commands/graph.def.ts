import { dataRootOption, defineCommand } from '../command';

export const graphBuildDefinition = defineCommand({
  path: ['graph', 'build'],
  summary:
    'dependency graphs per time window from Nezha spans or dependency tables, Alibaba batch tables or an edge list',
  usage:
    'driftwatch graph build (--nezha <date> | --alibaba <dir> | --edges <file.csv>) [--window <sec>] ' +
    '[--out FILE] [--format jsonl|arrow]',
  description: [
    'Builds a dynamic graph — one snapshot per observed time window over one entity order — and writes it as JSON',
    'Lines (one snapshot per line: t, window, unit, nodes, edges) or Arrow IPC (one row per edge; the entity order',
    'and windows in the schema metadata), atomically.',
    '  --nezha <date>: call graph from the trace files of the date (parent span → child span gives caller service →',
    '    callee service; weight = calls; mean and p95 latency of the called spans), streamed file by file; or, for',
    '    --source dependency or a date without traces (2022-08-22), the dependency table: calls plus contention',
    '    between services on one host, in one window.',
    '  --alibaba <dir>: the batch tables of Alibaba 2018. --kind call: machine-level call graph of the job DAGs',
    '    (pairs of upstream × downstream instances, counted while the downstream instance runs); --kind contention:',
    '    containers and batch tasks on a common machine, weight = seconds together in the window.',
    '  --edges <file.csv>: a Source,Target[,Weight] edge list (IPv4 targets are hosts), one window.',
  ].join('\n'),
  options: {
    nezha: {
      type: 'string',
      valueName: 'date',
      description:
        'a Nezha date under <data root>/nezha: 2023-01-29 (TrainTicket, traces), 2022-08-22 ' +
        '(OnlineBoutique, dependency table)',
    },
    source: {
      type: 'string',
      valueName: 'spans|dependency',
      choices: ['spans', 'dependency'],
      description:
        'with --nezha: trace files or construct_data/<date>/metric/dependency.csv (default: spans when the ' +
        'date has trace files)',
    },
    phase: {
      type: 'string',
      valueName: 'rca|construct|all',
      default: 'all',
      choices: ['rca', 'construct', 'all'],
      description: 'with --nezha spans: the trace files of the fault-suffering phase, the fault-free one, or both',
    },
    minutes: {
      type: 'string',
      valueName: 'HH_MM,…',
      description: 'with --nezha spans: only these trace files (e.g. 14_49,14_50,14_51)',
    },
    alibaba: {
      type: 'string',
      valueName: 'dir',
      description: 'a folder with the Alibaba 2018 tables (batch_instance.csv, batch_task.csv, container_meta.csv)',
    },
    kind: {
      type: 'string',
      valueName: 'call|contention',
      default: 'call',
      choices: ['call', 'contention'],
      description: 'with --alibaba: the machine call graph of the DAGs or the contention graph',
    },
    edges: {
      type: 'string',
      valueName: 'file.csv',
      description: 'an edge-list CSV with Source, Target and optionally Weight columns',
    },
    window: { type: 'string', valueName: 'sec', default: '60', description: 'window length in seconds' },
    'self-calls': {
      type: 'boolean',
      description: 'keep calls within one service (parent and child span in the same service)',
    },
    'max-open-spans': {
      type: 'string',
      valueName: 'n',
      default: '200000',
      description: 'spans of unfinished traces held to match parents; older traces are forgotten past it',
    },
    out: {
      type: 'string',
      valueName: 'file',
      description: 'output file (default: <source>.graph.jsonl, or .arrow with --format arrow)',
    },
    format: {
      type: 'string',
      valueName: 'jsonl|arrow',
      choices: ['jsonl', 'arrow'],
      description: 'output format (default: from the --out extension, else jsonl)',
    },
    force: { type: 'boolean', description: 'replace an existing output file' },
    ...dataRootOption,
  },
  examples: [
    'driftwatch graph build --nezha 2023-01-29 --window 60 --out tt.graph.jsonl',
    'driftwatch graph build --nezha 2023-01-29 --phase rca --minutes 14_49,14_50,14_51 --window 10 --out ' +
      'cpu-fault.arrow',
    'driftwatch graph build --nezha 2022-08-22 --out ob-dependency.graph.jsonl',
    'driftwatch graph build --alibaba /data/alibaba --kind contention --window 300 --out contention.arrow',
    'driftwatch graph build --edges dependency.csv',
  ],
});

export const graphInspectDefinition = defineCommand({
  path: ['graph', 'inspect'],
  summary: 'entities, windows, edges, degree summary and top edges of a graph file; --html draws one snapshot',
  usage: 'driftwatch graph inspect <file> [--at <n>] [--top <k>] [--html out.html] [--json]',
  description: [
    'Reads a graph file of `driftwatch graph build` (JSON Lines or Arrow) and prints its entities, windows and edge',
    'counts, then one snapshot in detail: edges per kind, in/out-degree spread, the heaviest edges (with latencies',
    'for call graphs from spans) and the degree of each node. --html writes a page with the snapshot as an',
    'adjacency heat map (rows callers, columns callees), written atomically.',
  ].join('\n'),
  arguments: [
    { name: 'file', required: true, description: 'a graph file of `driftwatch graph build` (.jsonl or .arrow)' },
  ],
  options: {
    at: {
      type: 'string',
      valueName: 'n',
      description: 'the snapshot to detail, 0-based among the windows (default: the one with the most edges)',
    },
    top: { type: 'string', valueName: 'k', default: '10', description: 'how many of the heaviest edges to list' },
    html: { type: 'string', valueName: 'file', description: 'also write an HTML page with a picture of the snapshot' },
    json: { type: 'boolean', description: 'print the inspection as JSON' },
  },
  examples: [
    'driftwatch graph inspect tt.graph.jsonl',
    'driftwatch graph inspect tt.graph.jsonl --at 3 --top 20 --html tt-window3.html',
    'driftwatch graph inspect contention.arrow --json',
  ],
});

export const graphDriftDefinition = defineCommand({
  path: ['graph', 'drift'],
  summary: 'drift between consecutive snapshots of a graph file: edge Jaccard distance, weight change, degree change',
  usage: 'driftwatch graph drift <file> [--kinds call,contention,correlation] [--json]',
  description: [
    'For each pair of consecutive observed windows: edges before and after, added and removed, the edge Jaccard',
    'distance 1 − |E₁∩E₂|/|E₁∪E₂|, the total absolute weight change Σ|w₂−w₁| and its share of Σw₁+Σw₂, and the L1',
    'change of the in- and out-degree vectors. Edges are matched by kind and entity names.',
  ].join('\n'),
  arguments: [
    { name: 'file', required: true, description: 'a graph file of `driftwatch graph build` (.jsonl or .arrow)' },
  ],
  options: {
    kinds: { type: 'string', valueName: 'k,…', description: 'edge kinds compared (default: all)' },
    json: { type: 'boolean', description: 'print the drift per window as JSON' },
  },
  examples: ['driftwatch graph drift tt.graph.jsonl', 'driftwatch graph drift contention.arrow --json'],
});
