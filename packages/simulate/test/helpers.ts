/**
 * Independent checks for the simulator's tests: written from the definitions, sharing no code with the
 * package, so a bug in the package cannot hide behind the same bug here.
 */
import type { GraphSnapshot } from '@driftwatch/contracts';

/** Kahn's algorithm: a graph is acyclic iff repeatedly removing nodes without incoming edges removes them all. */
export function isAcyclic(g: GraphSnapshot): boolean {
  const n = g.nodes.length;
  const indegree = new Array<number>(n).fill(0);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const e of g.edges) {
    indegree[e.dst]++;
    out[e.src].push(e.dst);
  }
  const ready = indegree.flatMap((d, i) => (d === 0 ? [i] : []));
  let removed = 0;
  while (ready.length > 0) {
    const u = ready.pop()!;
    removed++;
    for (const v of out[u]) if (--indegree[v] === 0) ready.push(v);
  }
  return removed === n;
}

export function edgeKeys(g: GraphSnapshot): Set<string> {
  return new Set(g.edges.map((e) => `${e.src}>${e.dst}`));
}

export function difference<T>(a: Set<T>, b: Set<T>): T[] {
  return [...a].filter((x) => !b.has(x));
}

/**
 * The snapshot in force at step t: the last one whose t is ≤ t (a linear scan, unlike the binary search of contracts).
 */
export function snapshotAt(graphs: readonly GraphSnapshot[], t: number): GraphSnapshot {
  let found = graphs[0];
  for (const g of graphs) if (g.t <= t) found = g;
  return found;
}

/** Breadth-first hop counts from `root` following `next` (−1: unreachable within maxHops). */
export function hopsFrom(root: number, n: number, next: (u: number) => number[], maxHops: number): number[] {
  const hops = new Array<number>(n).fill(-1);
  hops[root] = 0;
  const queue = [root];
  while (queue.length > 0) {
    const u = queue.shift()!;
    if (hops[u] === maxHops) continue;
    for (const v of next(u)) {
      if (hops[v] !== -1) continue;
      hops[v] = hops[u] + 1;
      queue.push(v);
    }
  }
  return hops;
}

/** Callers of node v in a snapshot. */
export function callersOf(g: GraphSnapshot, v: number): number[] {
  return g.edges.filter((e) => e.dst === v).map((e) => e.src);
}

/** Value of metric f of node i at step t in a step-major T·N·F array. */
export function cell(values: Float32Array, nodes: number, features: number, t: number, i: number, f: number): number {
  return values[(t * nodes + i) * features + f];
}
