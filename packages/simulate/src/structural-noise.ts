/**
 * The observed graph of a window (docs/spatiotemporal.md §4d, structural noise): a fraction ε of the true
 * edges is dropped and as many false edges are added, so a detector given the observed graph sees the
 * right number of edges but ε of them wrong.
 */
import type { GraphEdge, GraphSnapshot } from '@driftwatch/contracts';

/**
 * m = round(ε · |E|) true edges removed (uniform, without replacement) and m false ones added: ordered
 * pairs (i ≠ j) that are not true edges, uniform, each with the weight of a random true edge so that
 * weights do not give them away. A DAG has at most N(N − 1)/2 edges, so there are always ≥ m free pairs.
 */
export function observedSnapshot(truth: GraphSnapshot, noise: number, uniform: () => number): GraphSnapshot {
  const N = truth.nodes.length;
  const E = truth.edges.length;
  const m = Math.round(noise * E);
  if (m === 0) return { t: truth.t, nodes: truth.nodes, edges: truth.edges.map((e) => ({ ...e })) };
  // partial Fisher–Yates: the last m positions of `order` are the removed edges
  const order = Array.from({ length: E }, (_, k) => k);
  for (let k = E - 1; k >= E - m; k--) {
    const j = Math.floor(uniform() * (k + 1));
    [order[k], order[j]] = [order[j], order[k]];
  }
  const kept = order.slice(0, E - m).map((k) => ({ ...truth.edges[k] }));
  const taken = new Set(truth.edges.map((e) => e.src * N + e.dst));
  const added: GraphEdge[] = [];
  while (added.length < m) {
    const src = Math.floor(uniform() * N);
    const dst = Math.floor(uniform() * N);
    if (src === dst || taken.has(src * N + dst)) continue;
    taken.add(src * N + dst);
    added.push({ src, dst, kind: 'call', weight: truth.edges[Math.floor(uniform() * E)].weight });
  }
  const edges = [...kept, ...added].sort((a, b) => a.src - b.src || a.dst - b.dst);
  return { t: truth.t, nodes: truth.nodes, edges };
}
