// Facts of the data README ("Exathlon") checked on the two included raw traces; each file is read once.
import { join } from 'node:path';
import { realDataRoot } from '../../testing/real-data';
import { isNmonColumn, spotOfColumn } from './names';
import { readExathlonTrace, type ExathlonTrace } from './trace';

const dataRoot = realDataRoot('exathlon');
const onRealData = dataRoot ? describe : describe.skip;

/** The columns of a trace, one array each (transposed once: the checks below go column by column). */
function columnsOf(trace: ExathlonTrace): Map<string, Float64Array> {
  const width = trace.columns.length;
  const out = trace.columns.map(() => new Float64Array(trace.length));
  for (let t = 0; t < trace.length; t++) for (let c = 0; c < width; c++) out[c][t] = trace.values[t * width + c];
  return new Map(trace.columns.map((name, c) => [name, out[c]]));
}

const byTrace = new Map<ExathlonTrace, Map<string, Float64Array>>();
/** Column `name` of a trace. */
function column(trace: ExathlonTrace, name: string): Float64Array {
  if (!byTrace.has(trace)) byTrace.set(trace, columnsOf(trace));
  return byTrace.get(trace)!.get(name)!;
}

const utcMs = (iso: string) => BigInt(Date.parse(iso));

onRealData('the included raw traces', () => {
  let app1: ExathlonTrace;
  let app6: ExathlonTrace;
  beforeAll(async () => {
    app1 = await readExathlonTrace(join(dataRoot!, 'exathlon', 'app1', '1_0_100000_15.csv.gz'));
    app6 = await readExathlonTrace(join(dataRoot!, 'exathlon', 'app6', '6_0_50000_48.csv.gz'));
  });

  it('have 2,682 and 2,624 records of 2,283 metric columns, with the first and last t of the README table', () => {
    expect([app1.length, app6.length]).toEqual([2682, 2624]);
    expect([app1.columns.length, app6.columns.length]).toEqual([2283, 2283]);
    expect([app1.timestamps[0], app1.timestamps[app1.length - 1]]).toEqual([
      utcMs('2018-05-07T15:33:31Z'),
      utcMs('2018-05-07T16:18:21Z'),
    ]);
    expect([app6.timestamps[0], app6.timestamps[app6.length - 1]]).toEqual([
      utcMs('2018-05-07T15:34:27Z'),
      utcMs('2018-05-07T16:18:21Z'),
    ]);
  });

  it(
    'end with identical column lists once the streaming prefix is stripped: 243 driver (18 streaming), 5 × ' +
      '140 spot, 4 × 335 nmon',
    () => {
      expect(app6.columns).toEqual(app1.columns);
      expect(app1.columns.filter((c) => c.startsWith('driver_'))).toHaveLength(243);
      expect(app1.columns.filter((c) => c.startsWith('driver_StreamingMetrics_streaming_'))).toHaveLength(18);
      for (let spot = 1; spot <= 5; spot++)
        expect(app1.columns.filter((c) => spotOfColumn(c) === spot)).toHaveLength(140);
      expect(app1.columns.filter(isNmonColumn)).toHaveLength(1340);
      expect([...app1.columns].sort()).toEqual(app1.columns);
    },
  );

  it('hold no empty field (no NaN)', () => {
    expect(app1.values.some(Number.isNaN) || app6.values.some(Number.isNaN)).toBe(false);
  });

  it('show −1 in every record of spots 3, 4 and 5', () => {
    for (const trace of [app1, app6]) {
      for (const name of trace.columns.filter((c) => [3, 4, 5].includes(spotOfColumn(c) ?? 0)))
        expect(column(trace, name).every((v) => v === -1)).toBe(true);
    }
  });

  it('show spots 1 and 2 −1 in their first 1–3 records only, except two max columns that are always −1', () => {
    const alwaysUnset = ['jvm_non-heap_max_value', 'jvm_pools_Metaspace_max_value'];
    for (const trace of [app1, app6]) {
      for (const spot of [1, 2]) {
        for (const suffix of alwaysUnset) expect(column(trace, `${spot}_${suffix}`).every((v) => v === -1)).toBe(true);
        const others = trace.columns.filter((c) => spotOfColumn(c) === spot && !alwaysUnset.some((s) => c.endsWith(s)));
        expect(others).toHaveLength(138);
        const unsetRecords = new Set<number>();
        for (const name of others) column(trace, name).forEach((v, t) => v === -1 && unsetRecords.add(t));
        const prefix = Math.max(...unsetRecords) + 1;
        expect(prefix).toBeGreaterThanOrEqual(1);
        expect(prefix).toBeLessThanOrEqual(3);
        expect(unsetRecords.size).toBe(prefix);
        for (const name of others)
          expect([...column(trace, name).subarray(0, prefix)]).toEqual(new Array(prefix).fill(-1));
      }
    }
  });

  it('show the 9 always −1 nmon columns on every node', () => {
    const names = [
      'CPU_ALL_Busy',
      'MEM_bigfree',
      'PROC_exec',
      'PROC_msg',
      'PROC_read',
      'PROC_sem',
      'PROC_syscall',
      'PROC_write',
      'VM_nr_slab',
    ];
    for (const trace of [app1, app6]) {
      for (let node = 5; node <= 8; node++) {
        const always = trace.columns.filter(
          (c) => c.startsWith(`node${node}_`) && column(trace, c).every((v) => v === -1),
        );
        expect(always.map((c) => c.slice(6)).sort()).toEqual(names);
      }
    }
  });

  it('have 659 constant columns each (all-(−1) ones included)', () => {
    for (const trace of [app1, app6]) {
      const constant = trace.columns.filter((c) => {
        const v = column(trace, c);
        return v.every((x) => x === v[0]);
      });
      expect(constant).toHaveLength(659);
    }
  });

  it('repeat one record five times at data lines 1,730–1,734 of 1_0_100000_15, after a 5 s gap', () => {
    const repeats: number[] = [];
    for (let t = 1; t < app1.length; t++) if (app1.timestamps[t] === app1.timestamps[t - 1]) repeats.push(t);
    // records 1729…1733 (0-based) are data lines 1,730…1,734 and file lines 1,731…1,735
    expect(repeats).toEqual([1730, 1731, 1732, 1733]);
    expect(app1.lines![1729]).toBe(1731);
    expect(app1.timestamps[1729]).toBe(1525708950000n);
    expect(app1.timestamps[1729] - app1.timestamps[1728]).toBe(5000n);
    const width = app1.columns.length;
    const first = app1.values.subarray(1729 * width, 1730 * width);
    for (let t = 1730; t <= 1733; t++) expect(app1.values.subarray(t * width, (t + 1) * width)).toEqual(first);
    expect(app6.timestamps.some((ms, t) => t > 0 && ms === app6.timestamps[t - 1])).toBe(false);
  });
});
