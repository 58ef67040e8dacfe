import { validateNodeSeries } from '@driftwatch/contracts';
import { simulateCluster } from '../src';
import { difference, edgeKeys, isAcyclic } from './helpers';

// graph properties only: no faults, few steps per window so that there are many windows
const graphRun = (options: Parameters<typeof simulateCluster>[0], seed = 3) =>
  simulateCluster({ faults: { count: 0 }, measurementNoise: 0, ...options }, seed);

describe('the true call graph', () => {
  const layered = graphRun({ nodes: 40, steps: 2400, graphWindow: 2, rewiring: 0.05 });
  const dag = graphRun({ nodes: 30, steps: 2400, graphWindow: 2, rewiring: 0.05, topology: 'dag', roots: 3 });

  it('stays acyclic through every rewiring (Kahn), in both topologies', () => {
    for (const g of [...layered.trueGraphs, ...dag.trueGraphs]) expect(isAcyclic(g)).toBe(true);
    // many windows and many moves, so the check has had the chance to fail
    expect(layered.trueGraphs).toHaveLength(1200);
    expect(layered.rewiring.moves).toBeGreaterThan(1000);
  });

  it('keeps the layers of a microservice application: frontend → svc1 → svc2 → db, services may call databases', () => {
    const tierOf = (name: string) => name.replace(/-\d+$/, '');
    const allowed = new Set(['frontend>svc1', 'svc1>svc2', 'svc1>db', 'svc2>db']);
    const seen = new Set<string>();
    for (const g of layered.trueGraphs)
      for (const e of g.edges) seen.add(`${tierOf(g.nodes[e.src])}>${tierOf(g.nodes[e.dst])}`);
    // every allowed kind occurs, and nothing else
    expect([...seen].sort()).toEqual([...allowed].sort());
  });

  it('starts with every non-entry node called by someone and every node with callees calling at least one', () => {
    for (const sim of [layered, dag]) {
      const g = sim.trueGraphs[0];
      const called = new Set(g.edges.map((e) => e.dst));
      const calling = new Set(g.edges.map((e) => e.src));
      g.nodes.forEach((name, i) => {
        const entry = /^(frontend|entry)-/.test(name);
        expect([name, called.has(i)]).toEqual([name, !entry]);
        if (!/^db-/.test(name) && i < g.nodes.length - 1) expect([name, calling.has(i)]).toEqual([name, true]);
      });
    }
  });

  it(
    'rewires each edge with the given probability per window: the empirical edge change rate is within 4 ' +
      'binomial σ',
    () => {
      // a layered cluster always has a free callee; in a DAG the last nodes may not, and such draws leave the edge
      expect(layered.rewiring.blocked).toBe(0);
      expect(dag.rewiring.blocked).toBeGreaterThan(0);
      for (const [sim, rate] of [
        [layered, 0.05],
        [dag, 0.05],
      ] as const) {
        let trials = 0;
        let changed = 0;
        for (let k = 1; k < sim.trueGraphs.length; k++) {
          const before = edgeKeys(sim.trueGraphs[k - 1]);
          const after = edgeKeys(sim.trueGraphs[k]);
          const removed = difference(before, after).length;
          // a move takes one edge away and puts one in: the edge count never changes
          expect(difference(after, before).length).toBe(removed);
          trials += before.size;
          changed += removed;
        }
        const sd = Math.sqrt(trials * rate * (1 - rate));
        // moves drawn = edges that changed + draws that found no free callee
        expect(Math.abs(changed + sim.rewiring.blocked - trials * rate)).toBeLessThan(4 * sd);
        expect(changed).toBe(sim.rewiring.moves);
        expect(trials).toBe(sim.rewiring.trials);
      }
    },
  );

  it('never changes without rewiring', () => {
    const still = graphRun({ nodes: 16, steps: 200, graphWindow: 5, rewiring: 0 });
    const first = JSON.stringify(still.trueGraphs[0].edges);
    for (const g of still.trueGraphs) expect(JSON.stringify(g.edges)).toBe(first);
  });

  it('weights edges by routing fractions: each caller forwards exactly forwardShare of its requests', () => {
    const sim = graphRun({ nodes: 24, steps: 100, forwardShare: 0.7 });
    for (const g of sim.trueGraphs) {
      const out = new Map<number, number>();
      for (const e of g.edges) out.set(e.src, (out.get(e.src) ?? 0) + e.weight);
      for (const total of out.values()) expect(total).toBeCloseTo(0.7, 12);
    }
  });
});

describe('the observed graph', () => {
  it('drops exactly round(ε·|E|) true edges and adds as many false ones, per window', () => {
    for (const noise of [0, 0.1, 0.37, 1]) {
      const sim = graphRun({ nodes: 32, steps: 400, structuralNoise: noise, rewiring: 0.02 });
      const observed = sim.series.graphs!;
      expect(observed.map((g) => g.t)).toEqual(sim.trueGraphs.map((g) => g.t));
      const counts = observed.map((obs, k) => {
        const truth = edgeKeys(sim.trueGraphs[k]);
        const seen = edgeKeys(obs);
        // removed, added, expected, duplicates, self-loops
        return [
          difference(truth, seen).length,
          difference(seen, truth).length,
          Math.round(noise * truth.size),
          obs.edges.length - seen.size,
          obs.edges.filter((e) => e.src === e.dst).length,
        ];
      });
      expect(counts).toEqual(counts.map(([, , m]) => [m, m, m, 0, 0]));
      if (noise > 0) expect(counts.every(([, , m]) => m > 0)).toBe(true);
    }
  });

  it('is a different draw in each window, aligned to the entities', () => {
    const sim = graphRun({ nodes: 32, steps: 400, structuralNoise: 0.2, rewiring: 0 });
    const distinct = new Set(sim.series.graphs!.map((g) => JSON.stringify(g.edges)));
    expect(distinct.size).toBeGreaterThan(15);
    expect(() => validateNodeSeries(sim.series)).not.toThrow();
    for (const g of sim.series.graphs!) expect(g.nodes).toEqual(sim.series.entities);
  });
});
