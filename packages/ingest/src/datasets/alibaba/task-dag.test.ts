import fc from 'fast-check';
import { buildJobDag, buildJobDags, cyclesOf, dagStats, parseTaskName } from './task-dag';

/**
 * An independent reading of the DAG name form (schema.txt §5) by scanning characters: letters, a number,
 * then `_<number>` any number of times; numbers of 1–9 digits. Returns null when the name is not of
 * that form, and whether it starts like one (letters then a digit).
 */
function scanName(name: string): { dag: { task: number; deps: number[] } | null; dagLike: boolean } {
  const isLetter = (c: string) => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  const isDigit = (c: string) => c >= '0' && c <= '9';
  let i = 0;
  while (i < name.length && isLetter(name[i])) i++;
  const dagLike = i > 0 && i < name.length && isDigit(name[i]);
  if (!dagLike) return { dag: null, dagLike };
  const numbers: number[] = [];
  for (;;) {
    let digits = '';
    while (i < name.length && isDigit(name[i])) digits += name[i++];
    if (digits.length < 1 || digits.length > 9) return { dag: null, dagLike };
    numbers.push(parseInt(digits, 10));
    if (i === name.length) return { dag: { task: numbers[0], deps: numbers.slice(1) }, dagLike };
    if (name[i] !== '_') return { dag: null, dagLike };
    i++;
  }
}

describe('parseTaskName', () => {
  it('reads the upstream examples (trace_2018.md §2.3)', () => {
    expect(parseTaskName('M1')).toEqual({ kind: 'dag', name: 'M1', prefix: 'M', task: 1, dependsOn: [] });
    expect(parseTaskName('M2_1')).toMatchObject({ kind: 'dag', task: 2, dependsOn: [1] });
    expect(parseTaskName('R4_2')).toMatchObject({ kind: 'dag', prefix: 'R', task: 4, dependsOn: [2] });
    expect(parseTaskName('M5_3_4')).toMatchObject({ kind: 'dag', task: 5, dependsOn: [3, 4] });
    expect(parseTaskName('M3_1_2')).toMatchObject({ kind: 'dag', task: 3, dependsOn: [1, 2] });
    expect(parseTaskName('task_Nzg3ODAwNDgzMTAwNTc2NTQ2Mw==')).toEqual({
      kind: 'independent',
      name: 'task_Nzg3ODAwNDgzMTAwNTc2NTQ2Mw==',
    });
  });

  it('treats leading letters as irrelevant and other names as independent', () => {
    expect(parseTaskName('J12_3')).toMatchObject({ kind: 'dag', prefix: 'J', task: 12, dependsOn: [3] });
    expect(parseTaskName('MergeTask')).toMatchObject({ kind: 'independent' });
    expect(parseTaskName('')).toMatchObject({ kind: 'independent' });
    expect(parseTaskName('12_3')).toMatchObject({ kind: 'independent' });
  });

  it('marks names that start like DAG names but break the form as malformed', () => {
    expect(parseTaskName('M3_x')).toMatchObject({ kind: 'malformed' });
    expect(parseTaskName('M3_')).toMatchObject({
      kind: 'malformed',
      reason: expect.stringContaining('no dependency number'),
    });
    expect(parseTaskName('M3__1')).toMatchObject({
      kind: 'malformed',
      reason: expect.stringContaining('empty dependency'),
    });
    expect(parseTaskName('M2-1')).toMatchObject({ kind: 'malformed' });
    expect(parseTaskName('M1234567890')).toMatchObject({
      kind: 'malformed',
      reason: expect.stringContaining('9 digits'),
    });
  });

  it('agrees with a character-scanning reading on arbitrary names', () => {
    const names = fc.string({
      unit: fc.constantFrom('M', 'R', 'j', '_', '0', '1', '7', '9', 'x', '-', '='),
      maxLength: 14,
    });
    fc.assert(
      fc.property(names, (name) => {
        const parsed = parseTaskName(name);
        const scanned = scanName(name);
        if (scanned.dag) {
          expect(parsed).toMatchObject({ kind: 'dag', task: scanned.dag.task, dependsOn: scanned.dag.deps });
        } else {
          expect(parsed.kind).toBe(scanned.dagLike ? 'malformed' : 'independent');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back the numbers of any name written in the DAG form', () => {
    const prefix = fc.string({ unit: fc.constantFrom(...'MRJLabcz'), minLength: 1, maxLength: 3 });
    const number = fc.integer({ min: 0, max: 999_999_999 });
    fc.assert(
      fc.property(prefix, number, fc.array(number, { maxLength: 6 }), (p, task, deps) => {
        const name = `${p}${task}${deps.map((d) => `_${d}`).join('')}`;
        expect(parseTaskName(name)).toEqual({ kind: 'dag', name, prefix: p, task, dependsOn: deps });
      }),
    );
  });

  it('never throws and calls random base64 names independent', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(['dag', 'independent', 'malformed']).toContain(parseTaskName(s).kind);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 24 }), (bytes) => {
        expect(parseTaskName(`task_${Buffer.from(bytes).toString('base64')}`).kind).toBe('independent');
      }),
    );
  });
});

describe('buildJobDag', () => {
  it('builds the upstream Job-A example: edges dependency → dependent, depth 4', () => {
    const dag = buildJobDag('j_A', ['M1', 'M2_1', 'M3_1', 'R4_2', 'M5_3_4']);
    expect(dag.edges).toEqual([
      { from: 'M1', to: 'M2_1' },
      { from: 'M1', to: 'M3_1' },
      { from: 'M2_1', to: 'R4_2' },
      { from: 'M3_1', to: 'M5_3_4' },
      { from: 'R4_2', to: 'M5_3_4' },
    ]);
    expect(dag.problems).toEqual([]);
    // M1 → M2_1 → R4_2 → M5_3_4 is the longest chain
    expect(dag.depth).toBe(4);
    expect(dag.order).toEqual(['M1', 'M2_1', 'M3_1', 'R4_2', 'M5_3_4']);
    expect(dag.taskNumbers).toEqual({ M1: 1, M2_1: 2, M3_1: 3, R4_2: 4, M5_3_4: 5 });
  });

  it('gives M3_1_2 edges from tasks 1 and 2, whatever order the rows come in', () => {
    const dag = buildJobDag('j_1', ['M3_1_2', 'R2', 'M1']);
    expect(dag.edges).toEqual([
      { from: 'M1', to: 'M3_1_2' },
      { from: 'R2', to: 'M3_1_2' },
    ]);
    expect(dag.order).toEqual(['R2', 'M1', 'M3_1_2']);
    expect(dag.depth).toBe(2);
  });

  it('keeps random and malformed names as independent tasks, reporting the malformed ones', () => {
    const dag = buildJobDag('j_2', ['task_Nzg3ODAwNDgzMTAwNTc2NTQ2Mw==', 'M1', 'M3_x']);
    expect(dag.tasks).toEqual(['task_Nzg3ODAwNDgzMTAwNTc2NTQ2Mw==', 'M1', 'M3_x']);
    expect(dag.independent).toEqual(['task_Nzg3ODAwNDgzMTAwNTc2NTQ2Mw==', 'M3_x']);
    expect(dag.edges).toEqual([]);
    expect(dag.problems).toEqual([
      { kind: 'malformed-name', tasks: ['M3_x'], detail: expect.stringContaining('independent') },
    ]);
    expect(dag.depth).toBe(1);
  });

  it('reports dependencies on tasks the job lacks, without an edge', () => {
    const dag = buildJobDag('j_3', ['M1', 'M2_1_7']);
    expect(dag.edges).toEqual([{ from: 'M1', to: 'M2_1_7' }]);
    expect(dag.problems).toEqual([
      { kind: 'missing-dependency', tasks: ['M2_1_7'], detail: expect.stringContaining('task 7') },
    ]);
  });

  it('reports cycles and self-dependencies, and gives no order then', () => {
    const dag = buildJobDag('j_4', ['M1_3', 'M2_1', 'M3_2', 'M4_4', 'M5_1']);
    expect(dag.problems.filter((p) => p.kind === 'cycle').map((p) => p.tasks)).toEqual([
      ['M1_3', 'M2_1', 'M3_2'],
      ['M4_4'],
    ]);
    expect(dag.order).toBeNull();
    expect(dag.depth).toBeNull();
  });

  it('reports repeated names and repeated task numbers; the first one is used', () => {
    const dag = buildJobDag('j_5', ['M1', 'R1', 'M2_1', 'M2_1']);
    expect(dag.tasks).toEqual(['M1', 'R1', 'M2_1']);
    expect(dag.problems.map((p) => [p.kind, p.tasks])).toEqual([
      ['duplicate-task-number', ['M1', 'R1']],
      ['duplicate-task-name', ['M2_1']],
    ]);
    expect(dag.edges).toEqual([{ from: 'M1', to: 'M2_1' }]);
  });

  it('groups tasks by job and sums the counts', () => {
    const dags = buildJobDags([
      { job: 'j_1', name: 'M1' },
      { job: 'j_2', name: 'task_abc=' },
      { job: 'j_1', name: 'R2_1' },
      { job: 'j_2', name: 'M3_x' },
    ]);
    expect(dags.map((d) => [d.job, d.tasks])).toEqual([
      ['j_1', ['M1', 'R2_1']],
      ['j_2', ['task_abc=', 'M3_x']],
    ]);
    expect(dagStats(dags)).toEqual({
      jobs: 2,
      tasks: 4,
      dagTasks: 2,
      independentTasks: 2,
      edges: 1,
      jobsWithEdges: 1,
      maxDepth: 2,
      problems: { 'malformed-name': 1 },
    });
  });
});

/** Task names for numbers 1…n with the given dependency lists. */
const namesOf = (deps: number[][]) => deps.map((d, i) => `M${i + 1}${d.map((x) => `_${x}`).join('')}`);

/** Longest chain by trying every path from every node (exponential, fine for ≤ 7 nodes). */
function bruteLongest(n: number, deps: number[][]): number {
  const longestEndingAt = (v: number): number =>
    Math.max(1, ...deps[v - 1].filter((d) => d >= 1 && d <= n).map((d) => 1 + longestEndingAt(d)));
  let best = 0;
  for (let v = 1; v <= n; v++) best = Math.max(best, longestEndingAt(v));
  return best;
}

/** Whether some node reaches itself, by depth-first search from every node. */
function bruteHasCycle(n: number, deps: number[][]): boolean {
  const dependents = Array.from({ length: n + 1 }, () => [] as number[]);
  deps.forEach((d, i) => d.forEach((x) => x >= 1 && x <= n && dependents[x].push(i + 1)));
  for (let start = 1; start <= n; start++) {
    const stack = [...dependents[start]];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (v === start) return true;
      if (seen.has(v)) continue;
      seen.add(v);
      stack.push(...dependents[v]);
    }
  }
  return false;
}

describe('buildJobDag properties', () => {
  const acyclicDeps = fc
    .integer({ min: 1, max: 7 })
    .chain((n) =>
      fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          i === 0 ? fc.constant([] as number[]) : fc.uniqueArray(fc.integer({ min: 1, max: i }), { maxLength: 3 }),
        ),
      ),
    );

  it(
    'on names that only point back: no problems, a topological order, edges = dependencies, depth = longest ' + 'path',
    () => {
      fc.assert(
        fc.property(acyclicDeps, (deps) => {
          const dag = buildJobDag('j', namesOf(deps));
          expect(dag.problems).toEqual([]);
          const position = new Map(dag.order!.map((name, i) => [name, i]));
          expect(position.size).toBe(deps.length);
          for (const e of dag.edges) expect(position.get(e.from)!).toBeLessThan(position.get(e.to)!);
          expect(dag.edges.length).toBe(deps.reduce((s, d) => s + d.length, 0));
          expect(dag.depth).toBe(bruteLongest(deps.length, deps));
        }),
      );
    },
  );

  it('on arbitrary dependencies: a cycle is reported exactly when one exists', () => {
    const anyDeps = fc
      .integer({ min: 1, max: 6 })
      .chain((n) =>
        fc.array(fc.uniqueArray(fc.integer({ min: 1, max: n }), { maxLength: 3 }), { minLength: n, maxLength: n }),
      );
    fc.assert(
      fc.property(anyDeps, (deps) => {
        const dag = buildJobDag('j', namesOf(deps));
        const cyclic = dag.problems.some((p) => p.kind === 'cycle');
        expect(cyclic).toBe(bruteHasCycle(deps.length, deps));
        expect(dag.order === null).toBe(cyclic);
      }),
    );
  });
});

describe('cyclesOf', () => {
  it('finds each strongly connected component once, and survives long chains', () => {
    const n = 20_000;
    const nodes = Array.from({ length: n }, (_, i) => `t${i}`);
    const edges = nodes.slice(1).map((to, i) => ({ from: nodes[i], to }));
    expect(cyclesOf(nodes, edges)).toEqual([]);
    expect(cyclesOf(nodes, [...edges, { from: nodes[n - 1], to: nodes[0] }])).toEqual([nodes]);
  });
});
