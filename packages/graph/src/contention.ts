import { ParameterError } from '@driftwatch/contracts';
import { checkTimes, latestTime, type TimedGraphOptions } from './dag-graph';
import { DynamicGraph } from './dynamic-graph';
import { checkGrid, overlapLength, windowStart, windowsOverlapped, type WindowGrid } from './windows';

/**
 * An entity (container, batch task or instance, service) placed on a machine over a time interval
 * (Alibaba 2018 container_meta and batch_instance, schema.txt §3 and §6; Nezha's dependency table).
 */
export interface PlacementRun {
  entity: string;
  machine: string;
  /** ms; null when unknown */
  startMs: number | null;
  /** ms, exclusive; null when open */
  endMs: number | null;
}

export interface ContentionStats {
  placements: number;
  /** placements without a start time: they give no edge */
  untimedPlacements: number;
  /** machines with at least two entities at some time */
  sharedMachines: number;
}

type Interval = [number, number];

/** Union of intervals: sorted, overlapping or touching ones merged, empty ones dropped. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: Interval[] = [];
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/** Intersection of two unions of disjoint sorted intervals (two pointers). */
export function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (hi > lo) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

/**
 * Contention graph per window: entities on the same machine at the same time compete for its CPU, memory,
 * disk and network (docs/spatiotemporal.md §1: the contention graph; the paper's "resource contention"
 * edges). Two entities are linked in window k by an undirected 'contention' edge (stored both ways)
 * whose weight is the time, in seconds, both were on a common machine within the window:
 * w_ij(k) = Σ_machines |P_i ∩ P_j ∩ window k| / 1000, where P_i is the union of entity i's placement
 * intervals on that machine. Rule: overlap time rather than a 0/1 link, so that a brief co-location
 * weighs less than a whole window of it; summed over machines when two entities share several. Open
 * ends run to `endMs`; placements without a start give no edge. Entities are in first-seen order;
 * every window in which a timed placement runs is a snapshot.
 */
export function contentionGraph(
  placements: readonly PlacementRun[],
  options: TimedGraphOptions,
): { graph: DynamicGraph; stats: ContentionStats } {
  const grid: WindowGrid = { width: options.windowMs, origin: options.originMs ?? 0, unit: 'ms' };
  checkGrid(grid, 'contentionGraph');
  const horizon = options.endMs ?? latestTime(placements, grid.origin);
  const graph = new DynamicGraph(grid);
  const stats: ContentionStats = { placements: placements.length, untimedPlacements: 0, sharedMachines: 0 };
  // machine → entity index → its intervals there
  const onMachine = new Map<string, Map<number, Interval[]>>();
  for (const p of placements) {
    if (typeof p.machine !== 'string' || p.machine === '')
      throw new ParameterError(`contentionGraph: placement of ${JSON.stringify(p.entity)} has no machine`);
    checkTimes(p, 'contentionGraph', `placement of ${p.entity}`);
    const entity = graph.entity(p.entity);
    if (p.startMs === null) {
      stats.untimedPlacements++;
      continue;
    }
    const end = p.endMs ?? Math.max(horizon, p.startMs);
    const [first, last] = windowsOverlapped(p.startMs, end, grid);
    graph.touchWindows(first, last);
    let entities = onMachine.get(p.machine);
    if (!entities) onMachine.set(p.machine, (entities = new Map()));
    let list = entities.get(entity);
    if (!list) entities.set(entity, (list = []));
    list.push([p.startMs, end]);
  }
  // (window, i, j) with i < j → overlap ms
  const overlap = new Map<number, Map<number, number>>();
  const n = graph.entities.length;
  for (const entities of onMachine.values()) {
    const unions = [...entities]
      .map(([entity, intervals]) => ({ entity, intervals: mergeIntervals(intervals) }))
      .filter((u) => u.intervals.length > 0);
    unions.sort((x, y) => x.intervals[0][0] - y.intervals[0][0]);
    let shared = false;
    for (let x = 0; x < unions.length; x++) {
      const ux = unions[x];
      const endX = ux.intervals[ux.intervals.length - 1][1];
      for (let y = x + 1; y < unions.length && unions[y].intervals[0][0] < endX; y++) {
        const uy = unions[y];
        const [i, j] = ux.entity < uy.entity ? [ux.entity, uy.entity] : [uy.entity, ux.entity];
        for (const [a, b] of intersectIntervals(ux.intervals, uy.intervals)) {
          shared = true;
          const [first, last] = windowsOverlapped(a, b, grid);
          for (let k = first; k <= last; k++) {
            const ms = overlapLength(a, b, windowStart(k, grid), windowStart(k + 1, grid));
            if (ms <= 0) continue;
            let frame = overlap.get(k);
            if (!frame) overlap.set(k, (frame = new Map()));
            const key = i * n + j;
            frame.set(key, (frame.get(key) ?? 0) + ms);
          }
        }
      }
    }
    if (shared) stats.sharedMachines++;
  }
  for (const [k, frame] of overlap) {
    for (const [key, ms] of frame) {
      const i = Math.floor(key / n);
      const j = key % n;
      graph.addIndexedEdge(k, { src: i, dst: j, kind: 'contention', weight: ms / 1000 });
      graph.addIndexedEdge(k, { src: j, dst: i, kind: 'contention', weight: ms / 1000 });
    }
  }
  return { graph, stats };
}
