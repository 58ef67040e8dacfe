import fc from 'fast-check';
import { ParameterError } from '@driftwatch/contracts';
import { machineCallGraph, type InstanceRun, type TaskDependency } from './dag-graph';
import type { DynamicGraph } from './dynamic-graph';

const run = (
  job: string,
  task: string,
  machine: string,
  startMs: number | null,
  endMs: number | null,
): InstanceRun => ({ job, task, machine, startMs, endMs });

/** Every edge of every snapshot as `window start: source→target weight`. */
function edgeLines(graph: DynamicGraph): string[] {
  return graph
    .snapshots()
    .flatMap((s) => s.edges.map((e) => `${s.t / 1000}s: ${s.nodes[e.src]}→${s.nodes[e.dst]} ${e.weight}`));
}

describe('machineCallGraph, hand-worked', () => {
  // job j1: M1 has 3 instances (m1, m1, m2) in the first minute; R2_1 (depends on M1) runs on m2 over
  // [100 s, 130 s) and on m3 over [110 s, 200 s). Windows of 60 s from 0.
  const instances = [
    run('j1', 'M1', 'm1', 0, 50_000),
    run('j1', 'M1', 'm1', 10_000, 40_000),
    run('j1', 'M1', 'm2', 5_000, 55_000),
    run('j1', 'R2_1', 'm2', 100_000, 130_000),
    run('j1', 'R2_1', 'm3', 110_000, 200_000),
  ];
  const deps: TaskDependency[] = [{ job: 'j1', upstream: 'M1', downstream: 'R2_1' }];

  it('counts upstream × running downstream instance pairs per machine pair and window', () => {
    const { graph, stats } = machineCallGraph(deps, instances, { windowMs: 60_000 });
    expect(graph.entities).toEqual(['m1', 'm2', 'm3']);
    // window 0 has only M1 running: observed, no edges. m2 → m2 (1 pair) is a self-loop and left out.
    expect(graph.snapshots().map((s) => s.t / 1000)).toEqual([0, 60, 120, 180]);
    expect(edgeLines(graph)).toEqual([
      '60s: m1→m2 2',
      '60s: m1→m3 2',
      '60s: m2→m3 1',
      '120s: m1→m2 2',
      '120s: m1→m3 2',
      '120s: m2→m3 1',
      '180s: m1→m3 2',
      '180s: m2→m3 1',
    ]);
    // the m2 → m2 pair in windows 1 and 2
    expect(stats).toEqual({ dependencies: 1, dependenciesWithoutInstances: 0, untimedInstances: 0, selfLoopPairs: 2 });
    const withLoops = machineCallGraph(deps, instances, { windowMs: 60_000, selfLoops: true });
    expect(edgeLines(withLoops.graph).filter((l) => l.includes('m2→m2'))).toEqual(['60s: m2→m2 1', '120s: m2→m2 1']);
  });

  it('runs open ends to the horizon and reports untimed instances and dependencies without instances', () => {
    const more = [
      ...instances,
      run('j2', 'M1', 'm4', 0, 10_000),
      run('j2', 'M2_1', 'm1', 170_000, null),
      run('j2', 'M2_1', 'm2', null, 180_000),
    ];
    const deps2: TaskDependency[] = [
      ...deps,
      { job: 'j2', upstream: 'M1', downstream: 'M2_1' },
      { job: 'j2', upstream: 'M9', downstream: 'M2_1' },
    ];
    // the latest time in the rows is 200 s: the open instance runs [170 s, 200 s), windows 2 and 3
    const { graph, stats } = machineCallGraph(deps2, more, { windowMs: 60_000 });
    expect(edgeLines(graph).filter((l) => l.includes('m4'))).toEqual(['120s: m4→m1 1', '180s: m4→m1 1']);
    expect(stats).toMatchObject({ dependencies: 3, dependenciesWithoutInstances: 1, untimedInstances: 1 });
    // an explicit horizon past 240 s adds window 4
    expect(
      edgeLines(machineCallGraph(deps2, more, { windowMs: 60_000, endMs: 250_000 }).graph).filter((l) =>
        l.includes('m4'),
      ),
    ).toEqual(['120s: m4→m1 1', '180s: m4→m1 1', '240s: m4→m1 1']);
  });

  it('rejects rows without a machine and bad times', () => {
    expect(() => machineCallGraph(deps, [run('j', 'M1', '', 0, 1)], { windowMs: 1000 })).toThrow(ParameterError);
    expect(() => machineCallGraph(deps, [run('j', 'M1', 'm', NaN, 1)], { windowMs: 1000 })).toThrow(/start/);
    expect(() => machineCallGraph(deps, [], { windowMs: -1 })).toThrow(ParameterError);
  });
});

describe('machineCallGraph against brute force', () => {
  it('equals counting every (upstream, downstream) pair and every window by direct interval tests', () => {
    const machines = ['m1', 'm2', 'm3', 'm4'];
    const instanceArb = fc.record({
      task: fc.constantFrom('M1', 'M2', 'R3'),
      machine: fc.constantFrom(...machines),
      start: fc.option(fc.integer({ min: 0, max: 300 }), { freq: 8 }),
      length: fc.option(fc.integer({ min: 0, max: 120 }), { freq: 6 }),
    });
    fc.assert(
      fc.property(fc.array(instanceArb, { maxLength: 25 }), fc.constantFrom(30, 45, 60), (specs, width) => {
        const rows = specs.map((s) =>
          run(
            'j',
            s.task,
            s.machine,
            s.start === null ? null : s.start * 1000,
            s.start === null || s.length === null ? null : (s.start + s.length) * 1000,
          ),
        );
        const deps: TaskDependency[] = [
          { job: 'j', upstream: 'M1', downstream: 'M2' },
          { job: 'j', upstream: 'M1', downstream: 'R3' },
          { job: 'j', upstream: 'M2', downstream: 'R3' },
        ];
        const { graph } = machineCallGraph(deps, rows, { windowMs: width * 1000 });
        const horizon = Math.max(0, ...rows.flatMap((r) => [r.startMs ?? -Infinity, r.endMs ?? -Infinity]));
        const expected = new Map<string, number>();
        for (const d of deps) {
          for (const a of rows.filter((r) => r.task === d.upstream)) {
            for (const b of rows.filter((r) => r.task === d.downstream)) {
              if (b.startMs === null || a.machine === b.machine) continue;
              const s = b.startMs;
              const e = b.endMs ?? Math.max(horizon, s);
              for (let k = -2; k * width * 1000 < 1e6; k++) {
                const lo = k * width * 1000;
                const hi = lo + width * 1000;
                const active = e > s ? s < hi && e > lo : s >= lo && s < hi;
                if (!active) continue;
                const key = `${lo / 1000}s: ${a.machine}→${b.machine}`;
                expected.set(key, (expected.get(key) ?? 0) + 1);
              }
            }
          }
        }
        const got = edgeLines(graph);
        expect(got.sort()).toEqual([...expected].map(([k, v]) => `${k} ${v}`).sort());
      }),
      { numRuns: 200 },
    );
  });
});
