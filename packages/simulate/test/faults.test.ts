import {
  CONTENTION_STEAL,
  FAULT_TYPES,
  PROPAGATED_IMPACT,
  simulateCluster,
  type FaultSpec,
  type Simulation,
} from '../src';
import { callersOf, cell, hopsFrom, snapshotAt } from './helpers';

const N = 16;
const T = 300;
const F = 5;
const [CPU, MEMORY, LATENCY, QUEUE, ERRORS] = [0, 1, 2, 3, 4];
// no measurement noise, no bursts: the only difference between two runs is the fault
const quiet = { nodes: N, steps: T, measurementNoise: 0, rewiring: 0.02, utilisation: 0.3, workload: { burstRate: 0 } };
const seed = 11;

function withFaults(schedule: FaultSpec[], faults: Record<string, unknown> = {}): Simulation {
  return simulateCluster({ ...quiet, faults: { delay: 3, attenuation: 0.5, maxHops: 2, ...faults, schedule } }, seed);
}

/** faulty − nominal for metric f of node i at step t */
const delta = (faulty: Simulation, nominal: Simulation, t: number, i: number, f: number) =>
  cell(faulty.series.values, N, F, t, i, f) - cell(nominal.series.values, N, F, t, i, f);

describe('fault propagation (closed form)', () => {
  const nominal = withFaults([]);

  it(
    'a link blockage reaches each caller h hops up exactly h·delay steps later, with σ·a^h of the impact, ' +
      'and nothing else changes',
    () => {
      // a database with a caller that has callers itself, so that hops 1 and 2 both exist
      const g0 = snapshotAt(nominal.trueGraphs, 100);
      const target = g0.nodes.findIndex(
        (name, v) => name.startsWith('db-') && callersOf(g0, v).some((c) => callersOf(g0, c).length > 0),
      );
      expect(target).toBeGreaterThanOrEqual(0);
      const faulty = withFaults([{ node: target, type: 'link-blockage', start: 100, duration: 30, severity: 0.8 }]);
      expect(JSON.stringify(faulty.trueGraphs)).toBe(JSON.stringify(nominal.trueGraphs));
      const hops = hopsFrom(target, N, (v) => callersOf(g0, v), 2);
      expect(hops.filter((h) => h === 1).length).toBeGreaterThan(0);
      expect(hops.filter((h) => h === 2).length).toBeGreaterThan(0);
      const mismatches: string[] = [];
      for (let v = 0; v < N; v++) {
        if (v === target) continue;
        for (let t = 0; t < T; t++) {
          const h = hops[v];
          const on = h > 0 && t >= 100 + 3 * h && t < 130 + 3 * h;
          const intensity = on ? 0.8 * 0.5 ** h : 0;
          const expected = [
            0,
            0,
            intensity * PROPAGATED_IMPACT['link-blockage'].latencyMs,
            intensity * PROPAGATED_IMPACT['link-blockage'].queue,
            intensity * PROPAGATED_IMPACT['link-blockage'].errors,
          ];
          for (let f = 0; f < F; f++) {
            const d = delta(faulty, nominal, t, v, f);
            // float32 storage: differences carry an error of about one ulp of the value
            const tolerance = 1e-6 * Math.max(1, Math.abs(cell(faulty.series.values, N, F, t, v, f)));
            if (Math.abs(d - expected[f]) > tolerance)
              mismatches.push(`${g0.nodes[v]} (hop ${h}) t=${t} f=${f}: ${d} vs ${expected[f]}`);
          }
        }
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
      // the root itself changes only while the fault acts
      for (let t = 0; t < T; t++) {
        const moved = [CPU, MEMORY, LATENCY, QUEUE, ERRORS].some((f) => delta(faulty, nominal, t, target, f) !== 0);
        if (t < 100 || t >= 130) expect([t, moved]).toEqual([t, false]);
      }
      expect(delta(faulty, nominal, 110, target, LATENCY)).toBeGreaterThan(1000);
    },
  );

  it(
    'CPU contention steals κ·σ of the CPU at its node and κ·σ·a at every node of the same machine, delay ' +
      'steps later',
    () => {
      const machineOf = nominal.layout.placement;
      const target = Array.from(machineOf).findIndex(
        (m, v) => Array.from(machineOf).filter((x, u) => x === m && u !== v).length >= 2,
      );
      const faulty = withFaults([{ node: target, type: 'cpu-contention', start: 50, duration: 40, severity: 0.6 }]);
      const mismatches: string[] = [];
      for (let v = 0; v < N; v++) {
        const colocated = v !== target && machineOf[v] === machineOf[target];
        for (let t = 0; t < T; t++) {
          let expected = 0;
          if (v === target && t >= 50 && t < 90) expected = 100 * CONTENTION_STEAL * 0.6;
          if (colocated && t >= 53 && t < 93) expected = 100 * CONTENTION_STEAL * 0.6 * 0.5;
          const d = delta(faulty, nominal, t, v, CPU);
          if (Math.abs(d - expected) > 1e-4) mismatches.push(`${v} t=${t}: ${d} vs ${expected}`);
          // nodes elsewhere do not notice at all
          if (
            v !== target &&
            !colocated &&
            [MEMORY, LATENCY, QUEUE, ERRORS].some((f) => delta(faulty, nominal, t, v, f) !== 0)
          )
            mismatches.push(`${v} t=${t} moved`);
        }
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
      expect(faulty.faults.filter((r) => r.role === 'propagated').map((r) => r.node)).toEqual(
        Array.from(machineOf).flatMap((m, v) => (v !== target && m === machineOf[target] ? [v] : [])),
      );
    },
  );

  it('stops at maxHops and goes nowhere with propagation none', () => {
    const g0 = snapshotAt(nominal.trueGraphs, 20);
    const target = g0.nodes.findIndex((name) => name.startsWith('db-'));
    const spec: FaultSpec = { node: target, type: 'process-failure', start: 20, duration: 10, severity: 1 };
    const oneHop = withFaults([spec], { maxHops: 1 });
    const expected = hopsFrom(target, N, (v) => callersOf(g0, v), 1).flatMap((h, v) => (h === 1 ? [v] : []));
    expect(oneHop.faults.filter((r) => r.role === 'propagated').map((r) => r.node)).toEqual(expected);
    const alone = withFaults([spec], { propagation: { 'process-failure': 'none' } });
    expect(alone.faults.map((r) => r.role)).toEqual(['root']);
  });
});

describe('the fault table and the ground truth', () => {
  const options = {
    nodes: 24,
    steps: 800,
    rewiring: 0.02,
    faults: { count: 12, start: 200, delay: 2, attenuation: 0.5, maxHops: 3, labelFraction: 0.3 },
  };
  const sim = simulateCluster(options, 21);
  const nominal = simulateCluster({ ...options, faults: { ...options.faults, schedule: [] } }, 21);
  const M = 24;

  it('draws the root faults inside the allowed span, of the allowed types, durations and severities', () => {
    expect(sim.rootFaults).toHaveLength(12);
    for (const f of sim.rootFaults) {
      expect(f.start).toBeGreaterThanOrEqual(200);
      expect(f.start + f.duration).toBeLessThanOrEqual(800);
      expect(f.duration).toBeGreaterThanOrEqual(20);
      expect(f.duration).toBeLessThanOrEqual(60);
      expect(f.severity).toBeGreaterThanOrEqual(0.5);
      expect(f.severity).toBeLessThanOrEqual(1);
    }
    expect(new Set(sim.rootFaults.map((f) => f.type)).size).toBeGreaterThan(2);
  });

  it(
    'lists, for each root fault, the nodes its direction reaches within maxHops on the graph in force at its ' +
      'start',
    () => {
      const roots = sim.faults.filter((r) => r.role === 'root');
      expect(roots).toHaveLength(12);
      // hops 1 and 2 both occur, so the labelling rule below is exercised both ways
      expect(new Set(sim.faults.map((r) => r.hops))).toEqual(new Set([0, 1, 2]));
      for (const root of roots) {
        const g = snapshotAt(sim.trueGraphs, root.start);
        const direction = root.type === 'cpu-contention' ? 'co-located' : 'callers';
        const next = (v: number) =>
          direction === 'co-located'
            ? Array.from(sim.layout.placement).flatMap((m, u) => (u !== v && m === sim.layout.placement[v] ? [u] : []))
            : callersOf(g, v);
        const hops = hopsFrom(root.node, M, next, 3);
        const expected = hops.flatMap((h, v) => (h > 0 && root.start + 2 * h < 800 ? [`${v}@${h}`] : [])).sort();
        const listed = sim.faults.filter((r) => r.fault === root.fault && r.role === 'propagated');
        expect(listed.map((r) => `${r.node}@${r.hops}`).sort()).toEqual(expected);
        for (const r of listed) {
          expect(r.delay).toBe(2 * r.hops);
          expect(r.start).toBe(root.start + 2 * r.hops);
          expect(r.end).toBe(Math.min(800, root.end + 2 * r.hops));
          expect(r.intensity).toBeCloseTo(root.intensity * 0.5 ** r.hops, 12);
          // 0.5 ≥ 0.3 is labelled, 0.25 is not
          expect(r.labelled).toBe(r.hops === 1);
        }
      }
    },
  );

  it('labels exactly the cells that labelled records cover, with the type of the most intense one', () => {
    const expectedLabels = new Uint8Array(800 * M);
    const strongest = new Float64Array(800 * M).fill(-1);
    const expectedEvent = new Int16Array(800 * M).fill(-1);
    for (const r of sim.faults) {
      if (!r.labelled) continue;
      for (let t = r.start; t < r.labelEnd; t++) {
        const k = t * M + r.node;
        expectedLabels[k] = 1;
        if (r.intensity > strongest[k]) {
          strongest[k] = r.intensity;
          expectedEvent[k] = FAULT_TYPES.indexOf(r.type);
        }
      }
    }
    expect(Buffer.from(sim.series.labels!).equals(Buffer.from(expectedLabels))).toBe(true);
    expect(Buffer.from(sim.series.eventOf!.buffer).equals(Buffer.from(expectedEvent.buffer))).toBe(true);
    expect(sim.series.eventTypes).toEqual(['cpu-contention', 'link-blockage', 'queue-buildup', 'process-failure']);
    const positives = expectedLabels.reduce((a, b) => a + b, 0);
    expect(positives).toBeGreaterThan(100);
  });

  it('extends a label past the fault only while a backlog the fault built drains, and only for direct effects', () => {
    const extended = sim.faults.filter((r) => r.labelEnd > r.end);
    expect(extended.length).toBeGreaterThan(0);
    for (const r of sim.faults) {
      expect(r.labelEnd).toBeGreaterThanOrEqual(r.end);
      if (!r.direct) expect(r.labelEnd).toBe(r.end);
    }
    // the last step of each extension still differs from the run without faults
    for (const r of extended) {
      const k = (r.labelEnd - 1) * M + r.node;
      expect([0, 1, 2, 3, 4].some((f) => sim.series.values[k * F + f] !== nominal.series.values[k * F + f])).toBe(true);
    }
  });

  it('leaves every cell no record covers exactly as it is without faults', () => {
    const covered = new Uint8Array(800 * M);
    for (const r of sim.faults) for (let t = r.start; t < Math.max(r.end, r.labelEnd); t++) covered[t * M + r.node] = 1;
    let differing = 0;
    let outside = 0;
    for (let k = 0; k < 800 * M; k++) {
      if (covered[k]) continue;
      outside++;
      for (let f = 0; f < F; f++) if (sim.series.values[k * F + f] !== nominal.series.values[k * F + f]) differing++;
    }
    expect(outside).toBeGreaterThan(800 * M * 0.5);
    expect(differing).toBe(0);
  });

  it('labels only the roots without labelPropagated, and every reached node with labelFraction 0', () => {
    const rootsOnly = simulateCluster({ ...options, faults: { ...options.faults, labelPropagated: false } }, 21);
    expect(rootsOnly.faults.filter((r) => r.labelled).every((r) => r.role === 'root')).toBe(true);
    const everyone = simulateCluster({ ...options, faults: { ...options.faults, labelFraction: 0 } }, 21);
    expect(everyone.faults.every((r) => r.labelled)).toBe(true);
    const count = (s: Simulation) => s.series.labels!.reduce((a, b) => a + b, 0);
    expect(count(rootsOnly)).toBeLessThan(count(sim));
    expect(count(sim)).toBeLessThan(count(everyone));
  });
});
