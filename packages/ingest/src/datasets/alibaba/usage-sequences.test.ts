import type { Sequence } from '@driftwatch/contracts';
import { modalStepMs, readUsageSequences } from './usage-sequences';
import { inputErrorOf } from '../../testing/input-error';

// Hand-worked example, rows not in time order. m_1 after sorting, with the t=30 duplicate resolved to
// the first row (line 4), −1/101 masked in the [0, 100] columns, mkpi (no range) kept:
//   t=0   [10, 50, –,   −1, –,  5, –]     line 3
//   t=30  [20, –,  2.5, 3,  40, –, –]     line 4 (line 6 is the duplicate)
//   t=70  [–,  54, –,   –,  –,  –, –]     line 2
//   t=190 [40, 56, –,   –,  –,  –, 7]     line 5
// 60 s steps: step 0 = means of t=0 and t=30; step 1 = t=70; step 2 empty; step 3 = t=190; then empty
// steps take the previous value and leading ones the next.
const file = 'machine_usage.csv';
const rows = [
  'm_2,0,50,60,1,2,3,4,5',
  'm_1,70,-1,54,,,,,',
  'm_1,0,10,50,,-1,101,5,-1',
  'm_1,30,20,101,2.5,3,40,,',
  'm_1,190,40,56,,,,,7',
  'm_1,30,99,99,99,99,99,99,99',
];
const input = { file, data: rows.join('\n') + '\n' };

/** Feature f of a sequence over time. */
const feature = (seq: Sequence, f: number) =>
  Array.from({ length: seq.length }, (_, t) => seq.values[t * seq.features.length + f]);
const byEntity = (sequences: Sequence[], entity: string) => sequences.find((s) => s.entity === entity)!;

describe('readUsageSequences (machine_usage)', () => {
  it('sorts, drops the later duplicate, masks −1/101 and averages per 60 s step', async () => {
    const result = await readUsageSequences('machine_usage', input, { stepMs: 60_000 });
    expect(result.sequences.map((s) => s.entity)).toEqual(['m_1', 'm_2']);
    const m1 = byEntity(result.sequences, 'm_1');
    expect(m1.id).toBe('alibaba-v2018/machine/m_1');
    expect(m1.features).toEqual([
      'cpu_util_percent',
      'mem_util_percent',
      'mem_gps',
      'mkpi',
      'net_in',
      'net_out',
      'disk_io_percent',
    ]);
    expect(Array.from(m1.timestamps!, Number)).toEqual([0, 60_000, 120_000, 180_000]);
    expect(feature(m1, 0)).toEqual([15, 15, 15, 40]);
    expect(feature(m1, 1)).toEqual([50, 54, 54, 56]);
    expect(feature(m1, 2)).toEqual([2.5, 2.5, 2.5, 2.5]);
    expect(feature(m1, 3)).toEqual([1, 1, 1, 1]);
    expect(feature(m1, 4)).toEqual([40, 40, 40, 40]);
    expect(feature(m1, 5)).toEqual([5, 5, 5, 5]);
    expect(feature(m1, 6)).toEqual([7, 7, 7, 7]);
    const m2 = byEntity(result.sequences, 'm_2');
    expect(Array.from(m2.values)).toEqual([50, 60, 1, 2, 3, 4, 5]);
    expect(result.rows).toBe(6);
    expect(result.keptRows).toBe(6);
    expect(result.duplicatesDropped).toBe(1);
  });

  it("keeps the later duplicate with duplicates 'last'", async () => {
    const m1 = byEntity(
      (await readUsageSequences('machine_usage', input, { stepMs: 60_000, duplicates: 'last' })).sequences,
      'm_1',
    );
    // step 0 = means of t=0 and line 6's t=30 values
    expect(Array.from(m1.values.subarray(0, 7))).toEqual([54.5, 74.5, 99, 49, 99, 52, 99]);
  });

  it('keeps raw records with stepMs null and reports the modal raw step', async () => {
    const result = await readUsageSequences('machine_usage', input, { stepMs: null });
    const m1 = byEntity(result.sequences, 'm_1');
    expect(Array.from(m1.timestamps!, Number)).toEqual([0, 30_000, 70_000, 190_000]);
    expect(feature(m1, 0)).toEqual([10, 20, NaN, 40]);
    // steps 30, 40 and 120 s occur once each: the smallest wins the tie
    expect(result.rawStepMs).toBe(30_000);
  });

  it('keeps only the rows of the machines asked for', async () => {
    const result = await readUsageSequences('machine_usage', input, { keepMachine: (m) => m === 'm_2' });
    expect(result.sequences.map((s) => s.entity)).toEqual(['m_2']);
    expect([result.rows, result.keptRows, result.duplicatesDropped]).toEqual([6, 1, 0]);
  });

  it('names file, line and column of a duplicate time under the error policy', async () => {
    const error = await inputErrorOf(readUsageSequences('machine_usage', input, { duplicates: 'error' }));
    expect(error.location).toEqual({ file, line: 6, column: 5 });
    expect(error.message).toMatch(/^machine_usage\.csv:6:5: expected one record per time within entity "m_1"/);
    expect(error.message).toContain('line 4');
  });

  it('names file, line and column of a time that goes back under strict order', async () => {
    const error = await inputErrorOf(readUsageSequences('machine_usage', input, { order: 'strict' }));
    // m_1's rows in file order: t=70 (line 2), then t=0 (line 3)
    expect(error.location).toEqual({ file, line: 3, column: 5 });
  });

  it('names the column of a row without a machine id', async () => {
    const error = await inputErrorOf(
      readUsageSequences('machine_usage', { file, data: 'm_1,0,1,2,,,,,\n,10,1,2,,,,,\n' }),
    );
    expect(error.location).toEqual({ file, line: 2, column: 1 });
  });
});

describe('readUsageSequences (container_usage)', () => {
  it('uses container_id as entity, 8 features, and masks −1/101 except in cpi and mpki', async () => {
    const data = ['c_1,m_1,0,10,-1,-1,101,-1,1,2,3', 'c_1,m_1,10,30,40,1.5,2,4,,,'].join('\n');
    const { sequences } = await readUsageSequences(
      'container_usage',
      { file: 'container_usage.csv', data },
      { stepMs: 20_000 },
    );
    expect(sequences).toHaveLength(1);
    const c1 = sequences[0];
    expect(c1.id).toBe('alibaba-v2018/container/c_1');
    expect(c1.features).toEqual([
      'cpu_util_percent',
      'mem_util_percent',
      'cpi',
      'mem_gps',
      'mpki',
      'net_in',
      'net_out',
      'disk_io_percent',
    ]);
    // one 20 s step: cpu (10+30)/2, mem 40, cpi (−1+1.5)/2, mem_gps 2, mpki (−1+4)/2, net 1, 2, disk 3
    expect(Array.from(c1.values)).toEqual([20, 40, 0.25, 2, 1.5, 1, 2, 3]);
  });
});

describe('modalStepMs', () => {
  it('counts steps over all sequences', () => {
    const seq = (times: number[]): Sequence => ({
      id: 'x',
      entity: 'x',
      domain: 'x',
      features: ['a'],
      values: new Float32Array(times.length),
      length: times.length,
      timestamps: BigInt64Array.from(times, BigInt),
    });
    expect(modalStepMs([seq([0, 10, 20, 40]), seq([5, 25, 35])])).toBe(10);
    expect(modalStepMs([seq([0])])).toBeUndefined();
  });
});
