/**
 * Faults: the root schedule, their propagation along dependencies with a per-hop delay and attenuation,
 * and the ground truth per node and step that follows from them.
 *
 * A root fault of type k at node r, starting at s for d steps with severity σ, reaches a node v that is h
 * hops away (in the direction of `faults.propagation[k]`, on the call graph in force at s) with intensity
 * σ · a^h during [s + h·δ, s + d + h·δ). Effects reach other nodes only this way — callee terms of latency
 * and errors use the callees' nominal values — so a node departs from its nominal metrics only while a
 * record covers it (plus, for effects on its own capacity, until its backlog has drained).
 */
import { FAULT_TYPES, type FaultConfig, type FaultSpec, type FaultType } from './config';
import type { CallEdge } from './topology';
import { uniformInteger } from './random';

export type FaultRole = 'root' | 'propagated';

/** One fault effect on one node: the root's own, or one propagated to a neighbour. */
export interface FaultRecord {
  /** id of the root fault (0, 1, … in start order) */
  fault: number;
  node: number;
  entity: string;
  type: FaultType;
  role: FaultRole;
  rootNode: number;
  rootEntity: string;
  /** hops from the root (0 for the root) */
  hops: number;
  /** steps after the root's start that the effect starts: hops · delay */
  delay: number;
  /** the effect acts on steps [start, end), clipped to the run */
  start: number;
  end: number;
  /** labelled steps are [start, labelEnd): past `end` while a backlog the fault caused drains (direct effects only) */
  labelEnd: number;
  /** σ · attenuation^hops */
  intensity: number;
  /**
   * true: the fault acts on the node's own dynamics (capacity, admitted load: root faults, and contention
   * spreading to co-located nodes); false: it adds latency, queue and errors (PROPAGATED_IMPACT)
   */
  direct: boolean;
  labelled: boolean;
}

/**
 * `count` root faults: node and type uniform, duration uniform in its range, start uniform so the fault ends within the
 * run.
 */
export function randomFaultSchedule(
  config: FaultConfig,
  nodes: number,
  steps: number,
  uniform: () => number,
): FaultSpec[] {
  const specs: FaultSpec[] = [];
  for (let k = 0; k < config.count; k++) {
    const node = uniformInteger(uniform, 0, nodes - 1);
    const type = config.types[Math.min(config.types.length - 1, Math.floor(uniform() * config.types.length))];
    const duration = uniformInteger(uniform, config.duration[0], config.duration[1]);
    const start = uniformInteger(uniform, config.start, steps - duration);
    const severity = config.severity[0] + uniform() * (config.severity[1] - config.severity[0]);
    specs.push({ node, type, start, duration, severity });
  }
  return specs;
}

/**
 * Hop distance of every node reachable from `from` in at most `maxHops` hops over `neighbours` (breadth first; −1: not
 * reached).
 */
export function hopDistances(from: number, neighbours: readonly (readonly number[])[], maxHops: number): Int32Array {
  const hops = new Int32Array(neighbours.length).fill(-1);
  hops[from] = 0;
  let frontier = [from];
  for (let h = 1; h <= maxHops && frontier.length > 0; h++) {
    const next: number[] = [];
    for (const u of frontier) {
      for (const v of neighbours[u]) {
        if (hops[v] !== -1) continue;
        hops[v] = h;
        next.push(v);
      }
    }
    frontier = next;
  }
  return hops;
}

/** Neighbour lists for one propagation direction over the call edges (or the machines) of one window. */
export function propagationNeighbours(
  direction: 'callers' | 'callees' | 'co-located',
  edges: readonly CallEdge[],
  placement: Int32Array,
): number[][] {
  const N = placement.length;
  const out: number[][] = Array.from({ length: N }, () => []);
  if (direction === 'co-located') {
    const machines = new Map<number, number[]>();
    for (let i = 0; i < N; i++) machines.set(placement[i], [...(machines.get(placement[i]) ?? []), i]);
    for (let i = 0; i < N; i++) out[i] = machines.get(placement[i])!.filter((j) => j !== i);
  } else {
    for (const e of edges) {
      if (direction === 'callers') out[e.dst].push(e.src);
      else out[e.src].push(e.dst);
    }
    for (const list of out) list.sort((a, b) => a - b);
  }
  return out;
}

/**
 * Every effect of every root fault, roots first within a fault, then by hop and node. `edgesAt(t)` gives
 * the call edges in force at step t. `labelEnd` is `end` here; the simulation extends it for direct
 * effects once it knows when each node's backlog drained.
 */
export function faultRecords(
  specs: readonly FaultSpec[],
  config: FaultConfig,
  entities: string[],
  steps: number,
  edgesAt: (t: number) => readonly CallEdge[],
  placement: Int32Array,
): FaultRecord[] {
  const ordered = specs.map((spec, k) => ({ spec, k })).sort((a, b) => a.spec.start - b.spec.start || a.k - b.k);
  const records: FaultRecord[] = [];
  ordered.forEach(({ spec }, fault) => {
    const direction = config.propagation[spec.type];
    const reach =
      direction === 'none'
        ? null
        : hopDistances(spec.node, propagationNeighbours(direction, edgesAt(spec.start), placement), config.maxHops);
    const byHop: { node: number; hops: number }[] = [{ node: spec.node, hops: 0 }];
    if (reach) {
      for (let v = 0; v < entities.length; v++) if (reach[v] > 0) byHop.push({ node: v, hops: reach[v] });
      byHop.sort((a, b) => a.hops - b.hops || a.node - b.node);
    }
    for (const { node, hops } of byHop) {
      const delay = hops * config.delay;
      const start = spec.start + delay;
      if (start >= steps) continue;
      const end = Math.min(steps, spec.start + spec.duration + delay);
      const factor = config.attenuation ** hops;
      const role: FaultRole = hops === 0 ? 'root' : 'propagated';
      records.push({
        fault,
        node,
        entity: entities[node],
        type: spec.type,
        role,
        rootNode: spec.node,
        rootEntity: entities[spec.node],
        hops,
        delay,
        start,
        end,
        labelEnd: end,
        intensity: spec.severity * factor,
        direct: role === 'root' || (spec.type === 'cpu-contention' && direction === 'co-located'),
        // relative tolerance: 0.5^2 must count as ≥ 0.25
        labelled: role === 'root' || (config.labelPropagated && factor >= config.labelFraction * (1 - 1e-12)),
      });
    }
  });
  return records;
}

/**
 * Intensity of each fault type at each (t, i), the largest of the records that cover it; direct and additive effects
 * apart.
 */
export interface FaultIntensities {
  direct: Record<FaultType, Float32Array>;
  additive: Record<FaultType, Float32Array>;
}

export function faultIntensities(records: readonly FaultRecord[], steps: number, nodes: number): FaultIntensities {
  const make = () =>
    Object.fromEntries(FAULT_TYPES.map((k) => [k, new Float32Array(steps * nodes)])) as Record<FaultType, Float32Array>;
  const out: FaultIntensities = { direct: make(), additive: make() };
  for (const r of records) {
    const target = (r.direct ? out.direct : out.additive)[r.type];
    for (let t = r.start; t < r.end; t++)
      target[t * nodes + r.node] = Math.max(target[t * nodes + r.node], r.intensity);
  }
  return out;
}

/**
 * Ground truth from the labelled records: label 1 on [start, labelEnd); the event is the type of the most
 * intense labelled record covering the cell (the earlier record on a tie).
 */
export function groundTruth(
  records: readonly FaultRecord[],
  steps: number,
  nodes: number,
): { labels: Uint8Array; eventOf: Int16Array } {
  const labels = new Uint8Array(steps * nodes);
  const eventOf = new Int16Array(steps * nodes).fill(-1);
  const best = new Float64Array(steps * nodes);
  for (const r of records) {
    if (!r.labelled) continue;
    const code = FAULT_TYPES.indexOf(r.type);
    for (let t = r.start; t < r.labelEnd; t++) {
      const cell = t * nodes + r.node;
      if (labels[cell] === 1 && best[cell] >= r.intensity) continue;
      labels[cell] = 1;
      best[cell] = r.intensity;
      eventOf[cell] = code;
    }
  }
  return { labels, eventOf };
}
