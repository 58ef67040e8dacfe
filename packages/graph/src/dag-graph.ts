import { ParameterError } from '@driftwatch/contracts';
import { DynamicGraph } from './dynamic-graph';
import { checkGrid, windowsOverlapped, type WindowGrid } from './windows';

/** A dependency of a batch job's DAG: `upstream` must finish before `downstream` starts (task names of one job). */
export interface TaskDependency {
  job: string;
  upstream: string;
  downstream: string;
}

/** Where and when one instance of a batch task ran (Alibaba 2018 batch_instance, schema.txt §6). */
export interface InstanceRun {
  job: string;
  task: string;
  machine: string;
  /** ms from the trace start; null when unknown */
  startMs: number | null;
  /** ms from the trace start, exclusive; null when open (still running, or unknown) */
  endMs: number | null;
}

export interface TimedGraphOptions {
  /** window length, ms */
  windowMs: number;
  /** start of window 0, ms (default 0, the trace start) */
  originMs?: number;
  /** where open ends stop, ms (default: the latest start or end time among the rows) */
  endMs?: number;
}

export interface MachineCallOptions extends TimedGraphOptions {
  /** keep hand-offs between instances on the same machine as self-loops (default false: they cross no network) */
  selfLoops?: boolean;
}

export interface MachineCallStats {
  dependencies: number;
  /** dependencies whose upstream or downstream task has no instance with a machine */
  dependenciesWithoutInstances: number;
  /** downstream instances without a start time: they give no edge */
  untimedInstances: number;
  /** (instance pair, window) counts of pairs on one machine, left out (unless `selfLoops`) */
  selfLoopPairs: number;
}

/**
 * The latest finite time among starts and ends (where open ends stop when no horizon is given), or the
 * origin when there is none.
 */
export function latestTime(rows: Iterable<{ startMs: number | null; endMs: number | null }>, fallback: number): number {
  let latest = -Infinity;
  for (const r of rows) {
    if (r.startMs !== null && Number.isFinite(r.startMs)) latest = Math.max(latest, r.startMs);
    if (r.endMs !== null && Number.isFinite(r.endMs)) latest = Math.max(latest, r.endMs);
  }
  return latest === -Infinity ? fallback : latest;
}

/**
 * Machine-level call graph of batch jobs per window: each DAG dependency upstream → downstream hands data
 * from every upstream instance to every downstream instance, so it links the machine of each upstream
 * instance to the machine of each downstream instance (docs/spatiotemporal.md §3: "batch DAGs, placement").
 * Weight of machine A → machine B in window k = the number of instance pairs (a, b) — a of the upstream
 * task on A, b of the downstream task on B — with b running in window k. Rule: a pair is active while
 * the downstream instance runs, because that is when it reads the upstream output; requiring the
 * upstream instance to run too would drop nearly every pair, since a DAG dependency finishes before its
 * dependant starts. An instance runs over [start, end) (an open end runs to `endMs`); one without a
 * start gives no edge. Machines are the entities, in first-seen order of the instances; every
 * window in which a timed instance runs is a snapshot. Kind 'call'.
 */
export function machineCallGraph(
  dependencies: readonly TaskDependency[],
  instances: readonly InstanceRun[],
  options: MachineCallOptions,
): { graph: DynamicGraph; stats: MachineCallStats } {
  const grid: WindowGrid = { width: options.windowMs, origin: options.originMs ?? 0, unit: 'ms' };
  checkGrid(grid, 'machineCallGraph');
  const horizon = options.endMs ?? latestTime(instances, grid.origin);
  const graph = new DynamicGraph(grid);
  const byTask = new Map<string, InstanceRun[]>();
  for (const run of instances) {
    if (typeof run.machine !== 'string' || run.machine === '')
      throw new ParameterError(`machineCallGraph: instance of ${run.job}/${run.task} has no machine`);
    checkTimes(run, 'machineCallGraph', `${run.job}/${run.task}`);
    graph.entity(run.machine);
    const key = taskKey(run.job, run.task);
    let list = byTask.get(key);
    if (!list) byTask.set(key, (list = []));
    list.push(run);
    if (run.startMs !== null) {
      const [first, last] = windowsOverlapped(run.startMs, run.endMs ?? Math.max(horizon, run.startMs), grid);
      graph.touchWindows(first, last);
    }
  }
  const stats: MachineCallStats = {
    dependencies: dependencies.length,
    dependenciesWithoutInstances: 0,
    untimedInstances: 0,
    selfLoopPairs: 0,
  };
  // (window, source machine, target machine) → instance pairs
  const pairs = new Map<number, Map<string, number>>();
  const countedUntimed = new Set<InstanceRun>();
  for (const dep of dependencies) {
    const upstream = byTask.get(taskKey(dep.job, dep.upstream)) ?? [];
    const downstream = byTask.get(taskKey(dep.job, dep.downstream)) ?? [];
    if (upstream.length === 0 || downstream.length === 0) {
      stats.dependenciesWithoutInstances++;
      continue;
    }
    const upstreamPerMachine = new Map<string, number>();
    for (const a of upstream) upstreamPerMachine.set(a.machine, (upstreamPerMachine.get(a.machine) ?? 0) + 1);
    for (const b of downstream) {
      if (b.startMs === null) {
        if (!countedUntimed.has(b)) stats.untimedInstances++;
        countedUntimed.add(b);
        continue;
      }
      const [first, last] = windowsOverlapped(b.startMs, b.endMs ?? Math.max(horizon, b.startMs), grid);
      for (const [machine, count] of upstreamPerMachine) {
        if (machine === b.machine && !options.selfLoops) {
          stats.selfLoopPairs += count * (last - first + 1);
          continue;
        }
        const edge = `${graph.entity(machine)}:${graph.entity(b.machine)}`;
        for (let k = first; k <= last; k++) {
          let frame = pairs.get(k);
          if (!frame) pairs.set(k, (frame = new Map()));
          frame.set(edge, (frame.get(edge) ?? 0) + count);
        }
      }
    }
  }
  for (const [k, frame] of pairs) {
    for (const [edge, weight] of frame) {
      const [src, dst] = edge.split(':').map(Number);
      graph.addIndexedEdge(k, { src, dst, kind: 'call', weight });
    }
  }
  return { graph, stats };
}

function taskKey(job: string, task: string): string {
  return `${job}\u0000${task}`;
}

/** Start and end must be finite numbers or null. */
export function checkTimes(run: { startMs: number | null; endMs: number | null }, where: string, what: string): void {
  for (const [name, v] of [
    ['start', run.startMs],
    ['end', run.endMs],
  ] as const) {
    if (v !== null && !Number.isFinite(v))
      throw new ParameterError(`${where}: ${what} has ${name} ${v}; expected a finite time in ms or null`);
  }
}
