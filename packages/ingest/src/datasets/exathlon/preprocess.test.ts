import { parseTraceName } from './names';
import {
  allMissingRuns,
  fillForwardThenBackward,
  inactiveRuleOf,
  minusOneToNaN,
  negativesToOpposite,
  preprocessExathlonTrace,
  resampleMaxPerSecond,
  unsetColumnsToMinusOne,
} from './preprocess';
import type { ExathlonTrace } from './trace';

const N = NaN;

/** A trace from columns of values (one array per column) and times in seconds. */
function traceOf(name: string, seconds: number[], columns: Record<string, number[]>): ExathlonTrace {
  const names = Object.keys(columns);
  const values = new Float64Array(seconds.length * names.length);
  seconds.forEach((_, t) => names.forEach((c, j) => (values[t * names.length + j] = columns[c][t])));
  return {
    info: parseTraceName(name),
    file: `${name}.csv`,
    columns: names,
    length: seconds.length,
    timestamps: BigInt64Array.from(seconds, (s) => BigInt(s * 1000)),
    values,
  };
}

/** Column `name` of a row-major result. */
function column(result: { columns: string[]; values: Float64Array; length: number }, name: string): number[] {
  const c = result.columns.indexOf(name);
  return Array.from({ length: result.length }, (_, t) => result.values[t * result.columns.length + c]);
}

describe('step (1): −1 → NaN', () => {
  it('replaces exactly −1 and leaves the input alone', () => {
    const input = Float64Array.of(1, -1, -1.5, 0);
    expect([...minusOneToNaN(input)]).toEqual([1, N, -1.5, 0]);
    expect([...input]).toEqual([1, -1, -1.5, 0]);
  });
});

describe('step (2): all-missing runs', () => {
  it('finds maximal runs where every listed column is NaN', () => {
    // 6 records × 3 columns; only columns 0 and 1 are tested
    const values = Float64Array.of(N, N, 1, N, N, 2, N, 5, N, N, N, N, 3, 4, N, N, N, 0);
    expect(allMissingRuns(values, 6, 3, [0, 1])).toEqual([
      { start: 0, end: 2 },
      { start: 3, end: 4 },
      { start: 5, end: 6 },
    ]);
  });

  it('finds none without columns', () => {
    expect(allMissingRuns(Float64Array.of(N, N), 2, 1, [])).toEqual([]);
  });
});

describe('step (2): inactive rules', () => {
  const context = { length: 1000, traceType: 0, counterBefore: N, counterAfter: N };
  it('whole trace', () => {
    expect(inactiveRuleOf({ start: 0, end: 50 }, { ...context, length: 50 })).toBe('whole-trace');
  });
  it('starts or ends the trace and lasts ≥ 600 records', () => {
    expect(inactiveRuleOf({ start: 0, end: 600 }, context)).toBe('trace-edge');
    expect(inactiveRuleOf({ start: 0, end: 599 }, context)).toBeUndefined();
    expect(inactiveRuleOf({ start: 400, end: 1000 }, context)).toBe('trace-edge');
    expect(inactiveRuleOf({ start: 401, end: 1000 }, context)).toBeUndefined();
  });
  it('ends a T2 trace and lasts ≥ 10 records (ending runs only, T2 only)', () => {
    expect(inactiveRuleOf({ start: 990, end: 1000 }, { ...context, traceType: 2 })).toBe('t2-trace-end');
    expect(inactiveRuleOf({ start: 991, end: 1000 }, { ...context, traceType: 2 })).toBeUndefined();
    expect(inactiveRuleOf({ start: 990, end: 1000 }, { ...context, traceType: 1 })).toBeUndefined();
    expect(inactiveRuleOf({ start: 0, end: 10 }, { ...context, traceType: 2 })).toBeUndefined();
  });
  it('between valid records: inactive only if the runTime counter went down', () => {
    expect(inactiveRuleOf({ start: 10, end: 20 }, { ...context, counterBefore: 50, counterAfter: 3 })).toBe(
      'counter-reset',
    );
    expect(inactiveRuleOf({ start: 10, end: 20 }, { ...context, counterBefore: 50, counterAfter: 50 })).toBeUndefined();
    expect(inactiveRuleOf({ start: 10, end: 20 }, { ...context, counterBefore: N, counterAfter: 3 })).toBeUndefined();
  });
});

describe('step (4): ffill then bfill', () => {
  it('fills each column forward, then its leading gap backward; a column without values stays NaN', () => {
    const values = Float64Array.of(N, N, 1, N, N, N, 3, N, N, N);
    fillForwardThenBackward(values, 5, 2);
    expect([...values]).toEqual([1, N, 1, N, 1, N, 3, N, 3, N]);
  });
});

describe('step (5): negatives → opposite', () => {
  it('flips values < 0 except the −1 placeholder', () => {
    const values = Float64Array.of(-1, -2.5, 0, 3, -0.5);
    negativesToOpposite(values);
    expect([...values]).toEqual([-1, 2.5, 0, 3, 0.5]);
  });
});

describe('step (6): 1 s resampling with max', () => {
  it('merges records of one second by max (NaN left out), fills empty seconds forward, a leading gap backward', () => {
    const times = BigInt64Array.of(10000n, 10000n, 11000n, 14000n);
    const values = Float64Array.of(1, N, 3, N, 2, 4, 5, 7);
    const r = resampleMaxPerSecond(times, values, 4, 2);
    expect([...r.timestamps]).toEqual([10000n, 11000n, 12000n, 13000n, 14000n]);
    expect([...r.values]).toEqual([3, 4, 2, 4, 2, 4, 2, 4, 5, 7]);
  });

  it('floors sub-second times to their second', () => {
    const r = resampleMaxPerSecond(BigInt64Array.of(1500n, 1999n, 2001n), Float64Array.of(1, 2, 3), 3, 1);
    expect([...r.timestamps]).toEqual([1000n, 2000n]);
    expect([...r.values]).toEqual([2, 3]);
  });
});

describe('columns without any value', () => {
  it('get −1 and are reported', () => {
    const values = Float64Array.of(1, N, 2, N);
    expect(unsetColumnsToMinusOne(values, 2, 2)).toEqual([1]);
    expect([...values]).toEqual([1, -1, 2, -1]);
  });
});

describe('preprocessExathlonTrace on a hand-made trace', () => {
  // record 3 and 4 share t = 3 s; spot 1 misses records 0–1 and 5; spot 2 misses 2–3 and its counter restarts
  const seconds = [0, 1, 2, 3, 3, 4, 5, 6];
  const columns = {
    '1_a': [-1, -1, 5, 6, 6, -1, 8, 9],
    '1_executor_runTime_count': [-1, -1, 10, 20, 20, -1, 30, 40],
    '2_a': [1, 2, -1, -1, 4, 5, 6, 7],
    '2_executor_runTime_count': [100, 200, -1, -1, 5, 6, 7, 8],
    driver_x: [-1, -3, -1, 4, 4, -1, 6, -1],
  };

  it('classifies the runs: spot 1 missing twice, spot 2 inactive by counter reset', () => {
    const r = preprocessExathlonTrace(traceOf('1_0_100_1', seconds, columns));
    expect(
      r.spots.map((s) => ({
        spot: s.spot,
        active: s.active,
        runs: s.runs.map(({ start, end, kind, rule }) => ({ start, end, kind, rule })),
      })),
    ).toEqual([
      {
        spot: 1,
        active: true,
        runs: [
          { start: 0, end: 2, kind: 'missing', rule: undefined },
          { start: 5, end: 6, kind: 'missing', rule: undefined },
        ],
      },
      { spot: 2, active: true, runs: [{ start: 2, end: 4, kind: 'inactive', rule: 'counter-reset' }] },
      { spot: 3, active: false, runs: [] },
      { spot: 4, active: false, runs: [] },
    ]);
    expect(r.activeExecutors).toBe(2);
    expect(r.spots[1].runs[0]).toMatchObject({ startMs: 2000, lastMs: 3000 });
  });

  it('fills missing values, keeps inactive −1, flips negatives and merges the duplicate second by max', () => {
    const trace = traceOf('1_0_100_1', seconds, columns);
    const raw = [...trace.values];
    const r = preprocessExathlonTrace(trace);
    expect([...trace.values]).toEqual(raw);
    expect([...r.timestamps]).toEqual([0n, 1000n, 2000n, 3000n, 4000n, 5000n, 6000n]);
    expect(r.recordsRead).toBe(8);
    expect(column(r, '1_a')).toEqual([5, 5, 5, 6, 6, 8, 9]);
    expect(column(r, '1_executor_runTime_count')).toEqual([10, 10, 10, 20, 20, 30, 40]);
    // second 3 holds an inactive record (−1) and an active one (4): max keeps 4
    expect(column(r, '2_a')).toEqual([1, 2, -1, 4, 5, 6, 7]);
    expect(column(r, '2_executor_runTime_count')).toEqual([100, 200, -1, 5, 6, 7, 8]);
    // −1 → NaN → ffill (−3 …) → bfill → opposite
    expect(column(r, 'driver_x')).toEqual([3, 3, 3, 4, 4, 6, 6]);
    expect(r.unsetColumns).toEqual([]);
    expect(r.values.some(Number.isNaN)).toBe(false);
  });

  it('step (3): keeps only the used columns and tests a spot on its used columns and counter', () => {
    const withConstant = { ...columns, '1_b': [3, 3, 3, 3, 3, 3, 3, 3] };
    expect(preprocessExathlonTrace(traceOf('1_0_100_1', seconds, withConstant)).spots[0].runs).toEqual([]);
    const r = preprocessExathlonTrace(traceOf('1_0_100_1', seconds, withConstant), {
      usedColumns: ['1_a', 'driver_x'],
    });
    expect(r.columns).toEqual(['1_a', 'driver_x']);
    expect(r.spots[0].runs.map((x) => [x.start, x.end])).toEqual([
      [0, 2],
      [5, 6],
    ]);
  });

  it('keeps a 10-record run ending a T2 trace inactive, and fills it in a T1 trace', () => {
    const s = Array.from({ length: 12 }, (_, t) => t);
    const spot = {
      '1_a': [1, 2, ...new Array(10).fill(-1)],
      '1_executor_runTime_count': [1, 2, ...new Array(10).fill(-1)],
    };
    const t2 = preprocessExathlonTrace(traceOf('1_2_100_1', s, spot));
    expect(column(t2, '1_a')).toEqual([1, 2, ...new Array(10).fill(-1)]);
    expect(t2.spots[0].runs[0]).toMatchObject({ start: 2, end: 12, kind: 'inactive', rule: 't2-trace-end' });
    const t1 = preprocessExathlonTrace(traceOf('1_1_100_1', s, spot));
    expect(column(t1, '1_a')).toEqual([1, 2, ...new Array(10).fill(2)]);
  });

  it('sets a column without values to −1 and a spot without records to inactive', () => {
    const r = preprocessExathlonTrace(
      traceOf('1_0_100_1', [0, 1], { '3_a': [-1, -1], driver_y: [-1, -1], driver_z: [1, 2] }),
    );
    expect(r.unsetColumns).toEqual(['driver_y']);
    expect(column(r, '3_a')).toEqual([-1, -1]);
    expect(r.spots[2]).toMatchObject({
      spot: 3,
      active: false,
      runs: [{ start: 0, end: 2, kind: 'inactive', rule: 'whole-trace' }],
    });
    expect(r.activeExecutors).toBe(0);
  });
});
