/**
 * Batch job DAGs from task names (trace_2018.md §2.3, restated in schema.txt §5 "DAG encoding"): in a
 * name such as `M5_3_4` only the numbers matter — task 5 depends on tasks 3 and 4; the leading letters
 * (M, R, J, …) carry no dependency information. Names outside this form (`task_Nzg3…==`, `MergeTask`)
 * are tasks outside any DAG and independent.
 */

/** What a task name says about the DAG. */
export type TaskNameInfo =
  | { kind: 'dag'; name: string; prefix: string; task: number; dependsOn: number[] }
  | { kind: 'independent'; name: string }
  | { kind: 'malformed'; name: string; reason: string };

// letters, the task number, then `_<number>` per dependency; numbers of ≤ 9 digits stay exact
const DAG_NAME = /^([A-Za-z]+)(\d{1,9})((?:_\d{1,9})*)$/;
// letters followed by a digit: the name was meant to be a DAG name
const DAG_LIKE = /^[A-Za-z]+\d/;

/**
 * Parses a task name. Rule (schema.txt §5): `<letters><task>(_<dependency>)*` is a DAG task; a name that
 * starts like one (letters then a digit) but breaks that form (`M3_x`, `M3_`, `M2-1`) is 'malformed' and
 * is treated as independent, and reported, rather than rejected: one odd name must not stop reading a
 * trace of millions of tasks. Everything else is independent. Never throws.
 */
export function parseTaskName(name: string): TaskNameInfo {
  const match = DAG_NAME.exec(name);
  if (match) {
    const dependsOn = match[3] === '' ? [] : match[3].slice(1).split('_').map(Number);
    return { kind: 'dag', name, prefix: match[1], task: Number(match[2]), dependsOn };
  }
  if (DAG_LIKE.test(name)) return { kind: 'malformed', name, reason: malformedReason(name) };
  return { kind: 'independent', name };
}

/** Why a DAG-like name does not parse, for the report (schema.txt §5 form `<letters><n>(_<n>)*`). */
function malformedReason(name: string): string {
  if (/\d{10,}/.test(name)) return 'a task number longer than 9 digits';
  if (name.endsWith('_')) return 'a "_" with no dependency number after it';
  if (name.includes('__')) return 'an empty dependency between two "_"';
  return 'characters other than digits after the letters (expected <letters><task>(_<dependency>)*)';
}

/** One task of a job as read from batch_task (schema.txt §5). */
export interface BatchTask {
  job: string;
  name: string;
  instanceNum: number | null;
  taskType: string | null;
  status: string | null;
  /** ms from the trace start */
  startMs: number | null;
  endMs: number | null;
  planCpu: number | null;
  planMem: number | null;
}

/** A dependency edge: `from` must finish before `to` starts (task names). */
export interface DagEdge {
  from: string;
  to: string;
}

export type DagProblemKind =
  'missing-dependency' | 'cycle' | 'malformed-name' | 'duplicate-task-number' | 'duplicate-task-name';

export interface DagProblem {
  kind: DagProblemKind;
  /** the task names involved */
  tasks: string[];
  detail: string;
}

/** One job's task graph. */
export interface JobDag {
  job: string;
  /** every task of the job, in first-seen order (DAG tasks and independent ones) */
  tasks: string[];
  /** task name → its number, for the tasks in the DAG */
  taskNumbers: Record<string, number>;
  /** dependency → dependent, no duplicates */
  edges: DagEdge[];
  /** tasks outside the DAG: random names and malformed DAG names */
  independent: string[];
  problems: DagProblem[];
  /** the tasks in an order where every edge goes forward; null when the graph has a cycle */
  order: string[] | null;
  /** tasks on the longest dependency chain (1 for tasks without edges); null when cyclic */
  depth: number | null;
}

/**
 * The DAG of one job from its task names: nodes are the tasks, edges run dependency → dependent.
 * Problems are reported, never thrown: a dependency on a task number the job lacks (no edge is made), a
 * repeated task name (the first row wins), two names with one number (`M1`, `R1`: edges use the first),
 * malformed names, and cycles (each strongly connected component with more than one task, or a task that
 * depends on itself).
 */
export function buildJobDag(job: string, taskNames: readonly string[]): JobDag {
  const tasks: string[] = [];
  const seen = new Set<string>();
  const problems: DagProblem[] = [];
  const independent: string[] = [];
  const byNumber = new Map<number, string>();
  const parsed: Extract<TaskNameInfo, { kind: 'dag' }>[] = [];
  for (const name of taskNames) {
    if (seen.has(name)) {
      problems.push({
        kind: 'duplicate-task-name',
        tasks: [name],
        detail: `task name "${name}" occurs more than once in job ${job}; the first is used`,
      });
      continue;
    }
    seen.add(name);
    tasks.push(name);
    const info = parseTaskName(name);
    if (info.kind === 'independent') independent.push(name);
    else if (info.kind === 'malformed') {
      independent.push(name);
      problems.push({
        kind: 'malformed-name',
        tasks: [name],
        detail: `task name "${name}" has ${info.reason}; treated as an independent task`,
      });
    } else {
      const other = byNumber.get(info.task);
      if (other !== undefined) {
        problems.push({
          kind: 'duplicate-task-number',
          tasks: [other, name],
          detail: `"${other}" and "${name}" both are task ${info.task}; dependencies on ${info.task} use "${other}"`,
        });
      } else byNumber.set(info.task, name);
      parsed.push(info);
    }
  }
  const edges: DagEdge[] = [];
  const edgeKeys = new Set<string>();
  for (const info of parsed) {
    for (const dependency of info.dependsOn) {
      const from = byNumber.get(dependency);
      if (from === undefined) {
        problems.push({
          kind: 'missing-dependency',
          tasks: [info.name],
          detail: `"${info.name}" depends on task ${dependency}, which job ${job} does not have`,
        });
        continue;
      }
      const key = `${from}\u0000${info.name}`;
      if (edgeKeys.has(key)) continue;
      edgeKeys.add(key);
      edges.push({ from, to: info.name });
    }
  }
  for (const cycle of cyclesOf(tasks, edges)) {
    problems.push({
      kind: 'cycle',
      tasks: cycle,
      detail: `tasks ${cycle.map((t) => `"${t}"`).join(', ')} depend on each other in a cycle`,
    });
  }
  const cyclic = problems.some((p) => p.kind === 'cycle');
  const taskNumbers: Record<string, number> = {};
  for (const info of parsed) taskNumbers[info.name] = info.task;
  return {
    job,
    tasks,
    taskNumbers,
    edges,
    independent,
    problems,
    order: cyclic ? null : topologicalOrder(tasks, edges),
    depth: cyclic ? null : longestChain(tasks, edges),
  };
}

/** One DAG per job, jobs in first-seen order (schema.txt §5: task names are unique within a job). */
export function buildJobDags(tasks: Iterable<Pick<BatchTask, 'job' | 'name'>>): JobDag[] {
  const byJob = new Map<string, string[]>();
  for (const { job, name } of tasks) {
    let names = byJob.get(job);
    if (!names) byJob.set(job, (names = []));
    names.push(name);
  }
  return [...byJob].map(([job, names]) => buildJobDag(job, names));
}

/** Kahn's algorithm: nodes whose dependencies are all placed come next, ties in node order. */
function topologicalOrder(nodes: readonly string[], edges: readonly DagEdge[]): string[] {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const indegree = new Int32Array(nodes.length);
  const out: number[][] = nodes.map(() => []);
  for (const e of edges) {
    out[index.get(e.from)!].push(index.get(e.to)!);
    indegree[index.get(e.to)!]++;
  }
  const ready: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (indegree[i] === 0) ready.push(i);
  const order: string[] = [];
  for (let k = 0; k < ready.length; k++) {
    const i = ready[k];
    order.push(nodes[i]);
    for (const j of out[i]) if (--indegree[j] === 0) ready.push(j);
  }
  return order;
}

/** Number of tasks on the longest path, by dynamic programming over a topological order (acyclic only). */
function longestChain(nodes: readonly string[], edges: readonly DagEdge[]): number {
  if (nodes.length === 0) return 0;
  const chain = new Map<string, number>(nodes.map((n) => [n, 1]));
  const out = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) out.get(e.from)!.push(e.to);
  for (const n of topologicalOrder(nodes, edges))
    for (const m of out.get(n)!) chain.set(m, Math.max(chain.get(m)!, chain.get(n)! + 1));
  return Math.max(...chain.values());
}

/**
 * The cycles of a directed graph: its strongly connected components with more than one node, plus nodes
 * with an edge to themselves (Tarjan 1972, iterative so deep chains cannot overflow the stack).
 */
export function cyclesOf(nodes: readonly string[], edges: readonly DagEdge[]): string[][] {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const out: number[][] = nodes.map(() => []);
  const selfLoop = new Uint8Array(nodes.length);
  for (const e of edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined) continue;
    out[a].push(b);
    if (a === b) selfLoop[a] = 1;
  }
  const order = new Int32Array(nodes.length).fill(-1);
  const low = new Int32Array(nodes.length);
  const onStack = new Uint8Array(nodes.length);
  const stack: number[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (let root = 0; root < nodes.length; root++) {
    if (order[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, next] = frame;
      if (next < out[v].length) {
        frame[1]++;
        const w = out[v][next];
        if (order[w] === -1) {
          order[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], order[w]);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] !== order[v]) continue;
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = 0;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || selfLoop[v]) cycles.push(component.sort((a, b) => a - b).map((i) => nodes[i]));
    }
  }
  return cycles;
}

/** Counts over many job DAGs, for reports. */
export interface DagStats {
  jobs: number;
  tasks: number;
  dagTasks: number;
  independentTasks: number;
  edges: number;
  /** jobs with at least one edge */
  jobsWithEdges: number;
  maxDepth: number;
  /** problems per kind */
  problems: Partial<Record<DagProblemKind, number>>;
}

/** Sums of the per-job counts (tasks = DAG tasks + independent tasks). */
export function dagStats(dags: readonly JobDag[]): DagStats {
  const stats: DagStats = {
    jobs: dags.length,
    tasks: 0,
    dagTasks: 0,
    independentTasks: 0,
    edges: 0,
    jobsWithEdges: 0,
    maxDepth: 0,
    problems: {},
  };
  for (const dag of dags) {
    stats.tasks += dag.tasks.length;
    stats.independentTasks += dag.independent.length;
    stats.dagTasks += dag.tasks.length - dag.independent.length;
    stats.edges += dag.edges.length;
    if (dag.edges.length > 0) stats.jobsWithEdges++;
    stats.maxDepth = Math.max(stats.maxDepth, dag.depth ?? 0);
    for (const p of dag.problems) stats.problems[p.kind] = (stats.problems[p.kind] ?? 0) + 1;
  }
  return stats;
}
