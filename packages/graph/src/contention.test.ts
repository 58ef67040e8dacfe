import fc from 'fast-check';
import { ParameterError } from '@driftwatch/contracts';
import { contentionGraph, intersectIntervals, mergeIntervals, type PlacementRun } from './contention';
import type { DynamicGraph } from './dynamic-graph';

const at = (entity: string, machine: string, startS: number | null, endS: number | null): PlacementRun => ({
  entity,
  machine,
  startMs: startS === null ? null : startS * 1000,
  endMs: endS === null ? null : endS * 1000,
});

function edgeLines(graph: DynamicGraph): string[] {
  return graph
    .snapshots()
    .flatMap((s) => s.edges.map((e) => `${s.t / 1000}s: ${s.nodes[e.src]}–${s.nodes[e.dst]} ${e.weight}`));
}

describe('interval helpers', () => {
  it('merges overlapping and touching intervals, drops empty ones', () => {
    expect(
      mergeIntervals([
        [5, 8],
        [0, 2],
        [2, 3],
        [7, 10],
        [4, 4],
      ]),
    ).toEqual([
      [0, 3],
      [5, 10],
    ]);
  });
  it('intersects two unions', () => {
    expect(
      intersectIntervals(
        [
          [0, 5],
          [10, 20],
        ],
        [
          [3, 12],
          [15, 16],
          [19, 30],
        ],
      ),
    ).toEqual([
      [3, 5],
      [10, 12],
      [15, 16],
      [19, 20],
    ]);
  });
});

describe('contentionGraph, hand-worked', () => {
  // m1: A [0, 90 s), B [30 s, 150 s), C [100 s, 110 s); m2: A [200 s, 230 s), B from 210 s, open
  const placements = [
    at('A', 'm1', 0, 90),
    at('B', 'm1', 30, 150),
    at('C', 'm1', 100, 110),
    at('A', 'm2', 200, 230),
    at('B', 'm2', 210, null),
  ];

  it('weighs each pair by the seconds both spent on a common machine in the window', () => {
    const { graph, stats } = contentionGraph(placements, { windowMs: 60_000, endMs: 240_000 });
    expect(graph.entities).toEqual(['A', 'B', 'C']);
    // A–B on m1 over [30, 90): 30 s in each of windows 0 and 1; B–C over [100, 110): 10 s in window 1;
    // A–C never overlap; A–B on m2 over [210, 230): 20 s in window 3; window 2 only has B alone
    expect(edgeLines(graph)).toEqual([
      '0s: A–B 30',
      '0s: B–A 30',
      '60s: A–B 30',
      '60s: B–A 30',
      '60s: B–C 10',
      '60s: C–B 10',
      '180s: A–B 20',
      '180s: B–A 20',
    ]);
    expect(graph.windows()).toEqual([0, 1, 2, 3]);
    expect(stats).toEqual({ placements: 5, untimedPlacements: 0, sharedMachines: 2 });
  });

  it('without a horizon open ends stop at the latest time in the rows (230 s here)', () => {
    const { graph } = contentionGraph(placements, { windowMs: 60_000 });
    expect(edgeLines(graph).filter((l) => l.startsWith('180s'))).toEqual(['180s: A–B 20', '180s: B–A 20']);
    const shorter = contentionGraph([at('A', 'm', 0, 100), at('B', 'm', 50, null)], { windowMs: 60_000 });
    // B runs [50, 100): 10 s in window 0, 40 s in window 1
    expect(edgeLines(shorter.graph)).toEqual(['0s: A–B 10', '0s: B–A 10', '60s: A–B 40', '60s: B–A 40']);
  });

  it('sums over machines and unions an entity’s repeated placements', () => {
    // X and Y share m1 for [0, 20) and m2 for [10, 30); X's two runs on m1 overlap and count once
    const { graph } = contentionGraph(
      [at('X', 'm1', 0, 20), at('X', 'm1', 5, 15), at('Y', 'm1', 0, 40), at('X', 'm2', 10, 30), at('Y', 'm2', 0, 30)],
      { windowMs: 60_000 },
    );
    expect(edgeLines(graph)).toEqual(['0s: X–Y 40', '0s: Y–X 40']);
  });

  it('skips untimed placements and rejects bad rows', () => {
    const { stats, graph } = contentionGraph([at('A', 'm', null, 10), at('B', 'm', 0, 10)], { windowMs: 1000 });
    expect(stats.untimedPlacements).toBe(1);
    expect(edgeLines(graph)).toEqual([]);
    expect(() => contentionGraph([at('A', '', 0, 1)], { windowMs: 1000 })).toThrow(ParameterError);
    expect(() =>
      contentionGraph([{ entity: 'A', machine: 'm', startMs: 0, endMs: Infinity }], { windowMs: 1000 }),
    ).toThrow(/end/);
  });
});

describe('contentionGraph against brute force', () => {
  it('equals counting, second by second, when two entities are on the same machine', () => {
    const placement = fc.record({
      entity: fc.constantFrom('A', 'B', 'C', 'D'),
      machine: fc.constantFrom('m1', 'm2'),
      start: fc.option(fc.integer({ min: 0, max: 200 }), { freq: 10 }),
      length: fc.option(fc.integer({ min: 0, max: 90 }), { freq: 6 }),
    });
    fc.assert(
      fc.property(fc.array(placement, { maxLength: 14 }), fc.constantFrom(20, 30, 60), (specs, width) => {
        const rows = specs.map((s) =>
          at(s.entity, s.machine, s.start, s.start === null || s.length === null ? null : s.start + s.length),
        );
        const horizon = 320;
        const { graph } = contentionGraph(rows, { windowMs: width * 1000, endMs: horizon * 1000 });
        // presence[entity][machine] = set of whole seconds present (all times are whole seconds)
        const present = (entity: string, machine: string, second: number) =>
          rows.some(
            (r) =>
              r.entity === entity &&
              r.machine === machine &&
              r.startMs !== null &&
              r.startMs / 1000 <= second &&
              second < (r.endMs ?? Math.max(horizon * 1000, r.startMs)) / 1000,
          );
        const expected: string[] = [];
        const names = ['A', 'B', 'C', 'D'];
        for (let k = 0; k * width < horizon + width; k++) {
          for (const x of names) {
            for (const y of names) {
              if (x === y) continue;
              let seconds = 0;
              for (const m of ['m1', 'm2'])
                for (let sec = k * width; sec < (k + 1) * width; sec++)
                  if (present(x, m, sec) && present(y, m, sec)) seconds++;
              if (seconds > 0) expected.push(`${k * width}s: ${x}–${y} ${seconds}`);
            }
          }
        }
        expect(edgeLines(graph).sort()).toEqual(expected.sort());
      }),
      { numRuns: 150 },
    );
  });
});
