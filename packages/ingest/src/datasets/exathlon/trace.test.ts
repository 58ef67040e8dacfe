import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '@driftwatch/contracts';
import { readExathlonTrace } from './trace';

const STREAMING = 'driver_benchmark_app_1_2_3_4_batch5_1__StreamingMetrics_streaming_receivers_value';
const TINY = [
  `t,node5_CPU_ALL_Idle%,${STREAMING},1_executor_runTime_count,driver_jvm_heap_used_value`,
  '100,5,1,-1,7',
  '101,6,1,10,8',
  '101,6,1,10,8',
  '103,4,1,12,9',
].join('\n');

async function inputErrorOf(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('no error thrown');
}

describe('readExathlonTrace on a hand-made trace', () => {
  it(
    'strips the streaming prefix, sorts the columns, ' + 'keeps file order and duplicate records, times in ms',
    async () => {
      const trace = await readExathlonTrace({ file: 'tiny.csv', data: TINY }, { name: '1_0_100_1' });
      expect(trace.info).toMatchObject({ app: 1, type: 0, rate: 100, id: 1 });
      // '1' < 'd' < 'n', and 'S' < 'j' in code-unit order
      expect(trace.columns).toEqual([
        '1_executor_runTime_count',
        'driver_StreamingMetrics_streaming_receivers_value',
        'driver_jvm_heap_used_value',
        'node5_CPU_ALL_Idle%',
      ]);
      expect(trace.length).toBe(4);
      expect([...trace.timestamps]).toEqual([100000n, 101000n, 101000n, 103000n]);
      expect([...trace.values]).toEqual([-1, 1, 7, 5, 10, 1, 8, 6, 10, 1, 8, 6, 12, 1, 9, 4]);
      expect([...trace.lines!]).toEqual([2, 3, 4, 5]);
    },
  );

  it('reads a .csv.gz file by path and takes the trace name from it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exathlon-trace-'));
    try {
      const path = join(dir, '6_3_50000_9.csv.gz');
      await writeFile(path, gzipSync(TINY));
      const trace = await readExathlonTrace(path);
      expect(trace.info).toMatchObject({ name: '6_3_50000_9', app: 6, traceType: 'stalled_input', rate: 50000 });
      expect(trace.length).toBe(4);
      expect(trace.values[15]).toBe(4);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('rejects a time that goes back, naming line and column', async () => {
    const text = TINY + '\n99,1,1,1,1\n';
    const e = await inputErrorOf(readExathlonTrace({ file: 'tiny.csv', data: text }, { name: '1_0_100_1' }));
    expect(e.location).toEqual({ file: 'tiny.csv', line: 6, column: 1 });
    expect(e.message).toContain('line 5 has 103 s');
  });

  it('rejects a header that does not start with t', async () => {
    const e = await inputErrorOf(readExathlonTrace({ file: 'tiny.csv', data: 'a,t\n1,2\n' }, { name: '1_0_100_1' }));
    expect(e.location).toEqual({ file: 'tiny.csv', line: 1, column: 1 });
  });

  it("passes on the reader's error for a field that is not a number", async () => {
    const text = TINY.replace('101,6,1,10,8', '101,6,x,10,8');
    // "101,6," is 6 characters: the bad field starts at column 7 of line 3
    const e = await inputErrorOf(readExathlonTrace({ file: 'tiny.csv', data: text }, { name: '1_0_100_1' }));
    expect(e.location).toMatchObject({ file: 'tiny.csv', line: 3, column: 7 });
  });

  it('rejects names that collide once the prefix is stripped', async () => {
    const other = STREAMING.replace('batch5', 'batch6');
    const e = await inputErrorOf(
      readExathlonTrace({ file: 'tiny.csv', data: `t,${STREAMING},${other}\n1,2,3\n` }, { name: '1_0_100_1' }),
    );
    expect(e.location).toEqual({ file: 'tiny.csv', line: 1 });
  });

  it('needs a trace name', async () => {
    await expect(readExathlonTrace({ file: 'tiny.csv', data: TINY })).rejects.toThrow(
      /tiny\.csv: expected a trace name/,
    );
  });
});
