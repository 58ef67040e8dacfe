/**
 * Where batch instances and containers ran: plain rows (entity, kind, machine, start, end) that the graph
 * package turns into contention graphs. Times are ms from the trace start (schema.txt, "General facts").
 */

export type PlacementKind = 'batch-instance' | 'container';

export interface Placement {
  /**
   * batch instance: `<job>/<task>/<instance>` (instance names are unique only within a job and task); container: its id
   */
  entity: string;
  kind: PlacementKind;
  machineId: string;
  /** ms from the trace start; null when unknown */
  startMs: number | null;
  /** ms from the trace start, exclusive; null when open (still running at the end of the trace, or unknown) */
  endMs: number | null;
  /** batch instances: the job; containers: the deploy unit (app_du) */
  group: string | null;
}

/** One row of batch_instance as far as placement needs it (schema.txt §6). */
export interface InstanceRow {
  instance: string;
  task: string;
  job: string;
  machineId: string | null;
  startMs: number | null;
  endMs: number | null;
}

/** One row of container_meta (schema.txt §3). */
export interface ContainerEvent {
  containerId: string;
  machineId: string | null;
  timeMs: number | null;
  appDu: string | null;
  status: string | null;
  cpuRequest: number | null;
  cpuLimit: number | null;
  memSize: number | null;
}

/**
 * The placement of one batch instance, or null without a machine. Rule: an end_time of 0 means "after the
 * 8-day span" (trace_2018.md, revision 01251c2e, column comments: "0 means the time stamp is before or
 * after the 8-day time span"), so an end of 0, an empty end or an end before the start is an open end; a
 * start of 0 stays 0 (the trace start).
 */
export function instancePlacement(row: InstanceRow): Placement | null {
  if (row.machineId === null) return null;
  const open = row.endMs === null || row.endMs === 0 || (row.startMs !== null && row.endMs < row.startMs);
  return {
    entity: `${row.job}/${row.task}/${row.instance}`,
    kind: 'batch-instance',
    machineId: row.machineId,
    startMs: row.startMs,
    endMs: open ? null : row.endMs,
    group: row.job,
  };
}

/**
 * Container placements from container_meta events. Rule: a container's events, in time order (file order
 * for equal times), form one placement per run of consecutive events on the same machine; it starts at
 * the run's first event and ends at the first event on another machine, or stays open at the last run.
 * Events without machine or time are left out. Statuses are not interpreted: schema.txt gives them no
 * meaning (§3, "no comment upstream").
 */
export function containerPlacements(events: readonly ContainerEvent[]): Placement[] {
  const byContainer = new Map<string, ContainerEvent[]>();
  for (const e of events) {
    if (e.machineId === null || e.timeMs === null) continue;
    let list = byContainer.get(e.containerId);
    if (!list) byContainer.set(e.containerId, (list = []));
    list.push(e);
  }
  const placements: Placement[] = [];
  for (const [container, list] of byContainer) {
    const sorted = list.map((e, i) => ({ e, i })).sort((a, b) => a.e.timeMs! - b.e.timeMs! || a.i - b.i);
    let current: Placement | null = null;
    for (const { e } of sorted) {
      if (current && current.machineId === e.machineId) {
        current.group ??= e.appDu;
        continue;
      }
      if (current) current.endMs = e.timeMs;
      current = {
        entity: container,
        kind: 'container',
        machineId: e.machineId!,
        startMs: e.timeMs,
        endMs: null,
        group: e.appDu,
      };
      placements.push(current);
    }
  }
  return placements;
}

/** Whether a placement overlaps [fromMs, toMs): unknown starts and open ends reach as far as needed. */
export function overlaps(p: Placement, fromMs: number, toMs: number): boolean {
  return (p.startMs ?? -Infinity) < toMs && (p.endMs ?? Infinity) > fromMs;
}

/** The placements on one machine, optionally only those overlapping [fromMs, toMs). */
export function placementsOn(
  placements: readonly Placement[],
  machineId: string,
  window?: { fromMs: number; toMs: number },
): Placement[] {
  return placements.filter((p) => p.machineId === machineId && (!window || overlaps(p, window.fromMs, window.toMs)));
}

/** The placements of one entity (a container or `<job>/<task>/<instance>`). */
export function placementsOf(placements: readonly Placement[], entity: string): Placement[] {
  return placements.filter((p) => p.entity === entity);
}

/** The placements running at time t: start ≤ t < end (unknown start and open end count as running). */
export function placementsAt(placements: readonly Placement[], tMs: number): Placement[] {
  return placements.filter((p) => (p.startMs ?? -Infinity) <= tMs && tMs < (p.endMs ?? Infinity));
}

/** Placements grouped by machine, machines in first-seen order. */
export function placementsByMachine(placements: readonly Placement[]): Map<string, Placement[]> {
  const byMachine = new Map<string, Placement[]>();
  for (const p of placements) {
    let list = byMachine.get(p.machineId);
    if (!list) byMachine.set(p.machineId, (list = []));
    list.push(p);
  }
  return byMachine;
}
