import { InputError } from '@driftwatch/contracts';
import {
  executorFeatureOf,
  isDriverColumn,
  isNmonColumn,
  parseTraceName,
  spotOfColumn,
  stripStreamingPrefix,
  traceNameOfFile,
} from './names';

describe('trace names', () => {
  it('reads app, type, rate and id from <app>_<type>_<rate>_<id>', () => {
    expect(parseTraceName('10_2_1000000_67')).toEqual({
      name: '10_2_1000000_67',
      app: 10,
      type: 2,
      traceType: 'bursty_input_crash',
      rate: 1000000,
      id: 67,
    });
    expect(parseTraceName('6_0_50000_48').traceType).toBe('undisturbed');
    expect(parseTraceName('1_5_1000000_86').traceType).toBe('process_failure');
  });

  it('takes the name of .csv and .csv.gz files', () => {
    expect(traceNameOfFile('data/app1/1_0_100000_15.csv.gz')).toBe('1_0_100000_15');
    expect(traceNameOfFile('1_0_100000_15.csv')).toBe('1_0_100000_15');
  });

  it('rejects other names and type digits beyond 5, naming the file', () => {
    expect(() => parseTraceName('1_0_100000', 'x/1_0_100000.csv')).toThrow(InputError);
    expect(() => parseTraceName('1_6_100000_3', 'f.csv')).toThrow(
      /^f\.csv: expected a trace name .*type 0–5, found "1_6_100000_3"$/,
    );
  });
});

describe('stripStreamingPrefix', () => {
  it('removes the per-run part of the data README example, leaving driver_StreamingMetrics_…', () => {
    expect(
      stripStreamingPrefix(
        'driver_benchmark_userclicks_1_19_10000_100000_batch35_1__StreamingMetrics_streaming_lastCompletedB' +
          'atch_processingDelay_value',
      ),
    ).toBe('driver_StreamingMetrics_streaming_lastCompletedBatch_processingDelay_value');
  });

  it('gives the same name for the two runs of the included traces', () => {
    const a = 'driver_benchmark_userclicks_1_19_10000_100000_batch35_1__StreamingMetrics_streaming_receivers_value';
    const b = 'driver_benchmark_userclicks_8_20_10000_50000_batch36_1__StreamingMetrics_streaming_receivers_value';
    expect(stripStreamingPrefix(a)).toBe(stripStreamingPrefix(b));
  });

  it('leaves other columns alone', () => {
    expect(stripStreamingPrefix('driver_jvm_heap_used_value')).toBe('driver_jvm_heap_used_value');
    expect(stripStreamingPrefix('node5_CPU001_User%')).toBe('node5_CPU001_User%');
  });
});

describe('column kinds', () => {
  it('knows spots, nmon and driver columns', () => {
    expect(spotOfColumn('3_jvm_heap_used_value')).toBe(3);
    expect(spotOfColumn('5_executor_runTime_count')).toBe(5);
    expect(spotOfColumn('driver_jvm_heap_used_value')).toBeUndefined();
    expect(spotOfColumn('node5_MEM_memtotal')).toBeUndefined();
    expect(isNmonColumn('node8_VM_pswpin')).toBe(true);
    expect(isNmonColumn('node4_VM_pswpin')).toBe(false);
    expect(isDriverColumn('driver_DAGScheduler_job_allJobs_value')).toBe(true);
    expect(executorFeatureOf('2_executor_cpuTime_count')).toBe('executor_cpuTime_count');
  });
});
