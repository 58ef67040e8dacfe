// The whole pipeline on the two included traces (data README "Exathlon"), loaded once.
import { realDataRoot } from '../../testing/real-data';
import { summariseExathlon, loadExathlon, type LoadedExathlon } from './load';
import { isNmonColumn, spotOfColumn } from './names';

const dataRoot = realDataRoot('exathlon');
const onRealData = dataRoot ? describe : describe.skip;

onRealData('loadExathlon on the included traces', () => {
  let loaded: LoadedExathlon;
  beforeAll(async () => {
    loaded = await loadExathlon(dataRoot!, { keepPreprocessed: true, holdTraces: true });
  });

  it('loads both undisturbed traces and all 109 ground-truth rows', () => {
    expect(loaded.traces.map((t) => t.name)).toEqual(['1_0_100000_15', '6_0_50000_48']);
    expect(loaded.events).toHaveLength(109);
  });

  it(
    'resamples to one record per second from the first to the last t (15:33:31–16:18:21 and ' + '15:34:27–16:18:21)',
    () => {
      expect(loaded.traces.map((t) => [t.recordsRead, t.records])).toEqual([
        [2682, 44 * 60 + 50 + 1],
        [2624, 43 * 60 + 54 + 1],
      ]);
      for (const trace of loaded.preprocessed!) {
        const steps = new Set(trace.timestamps.slice(1).map((ms, t) => ms - trace.timestamps[t]));
        expect([...steps]).toEqual([1000n]);
      }
    },
  );

  it('merges the five repeated records of 1_0_100000_15 into the second 1525708950', () => {
    const trace = loaded.preprocessed![0];
    const at = trace.timestamps.indexOf(1525708950000n);
    expect(trace.timestamps.lastIndexOf(1525708950000n)).toBe(at);
    // the 5 s gap before it is filled forward: the 4 seconds before hold the record of 1525708945
    const width = trace.columns.length;
    expect(trace.values.subarray((at - 1) * width, at * width)).toEqual(
      trace.values.subarray((at - 5) * width, (at - 4) * width),
    );
  });

  it('finds spots 3 and 4 inactive for the whole trace, spots 1 and 2 active with a short missing start', () => {
    for (const trace of loaded.traces) {
      expect(trace.activeExecutors).toBe(2);
      const [s1, s2, s3, s4] = trace.spots;
      for (const s of [s3, s4])
        expect(s.runs).toEqual([
          expect.objectContaining({ start: 0, end: trace.recordsRead, kind: 'inactive', rule: 'whole-trace' }),
        ]);
      for (const s of [s1, s2]) {
        expect(s.active).toBe(true);
        expect(s.runs).toHaveLength(1);
        expect(s.runs[0]).toMatchObject({ start: 0, kind: 'missing' });
        expect(s.runs[0].end).toBeLessThanOrEqual(3);
      }
    }
  });

  it('leaves no NaN; only columns never valued stay −1: 36 nmon, 140 spot-5, 2 driver and 2 per active spot', () => {
    for (const trace of loaded.preprocessed!) {
      expect(trace.values.some(Number.isNaN)).toBe(false);
      const unset = trace.unsetColumns;
      expect(unset.filter(isNmonColumn)).toHaveLength(36);
      expect(unset.filter((c) => spotOfColumn(c) === 5)).toHaveLength(140);
      expect(unset.filter((c) => c.startsWith('driver_')).sort()).toEqual([
        'driver_jvm_non-heap_max_value',
        'driver_jvm_pools_Metaspace_max_value',
      ]);
      expect(unset.filter((c) => [1, 2].includes(spotOfColumn(c) ?? 0))).toHaveLength(4);
      expect(unset).toHaveLength(182);
    }
  });

  it('has no labelled record: both traces are undisturbed', () => {
    for (const seq of loaded.sequences) {
      expect(seq.labels!.every((l) => l === 0)).toBe(true);
      expect(seq.ranges).toEqual([]);
    }
  });

  it('engineers 229 features = 166 driver + 63 executor, without NaN', () => {
    // upstream's 237 = 168 + 69 come from constants over all 93 traces; over two undisturbed 30 GB traces two more
    // driver columns and six more executor features are constant (see the README section)
    const plan = loaded.featurePlan;
    expect(plan.counts).toEqual({
      input: 2283,
      nmon: 1340,
      spot5: 140,
      constantDriver: 77,
      constantExecutorFeatures: 77,
    });
    expect(plan.driverIdentity.length + plan.driverDifferenced.length).toBe(166);
    expect(plan.executorAveraged.length + plan.executorDifferenced.length).toBe(63);
    expect(plan.features).toHaveLength(229);
    for (const seq of loaded.sequences) {
      expect(seq.features).toEqual(plan.features);
      expect(seq.values.some(Number.isNaN)).toBe(false);
    }
  });

  it('differences the Spark counters and keeps the gauges', () => {
    const plan = loaded.featurePlan;
    for (const counter of [
      'driver_StreamingMetrics_streaming_totalCompletedBatches_value',
      'driver_StreamingMetrics_streaming_totalProcessedRecords_value',
      'driver_LiveListenerBus_numEventsPosted_count',
    ]) {
      expect(plan.driverDifferenced).toContain(counter);
    }
    for (const counter of ['executor_runTime_count', 'executor_cpuTime_count', 'executor_recordsRead_count'])
      expect(plan.executorDifferenced).toContain(counter);
    expect(plan.driverIdentity).toContain('driver_StreamingMetrics_streaming_lastCompletedBatch_processingDelay_value');
    expect(plan.driverIdentity).toContain('driver_jvm_heap_used_value');
    expect(plan.executorAveraged).toContain('jvm_heap_used_value');
    // spot 1 and 2 both run: the averaged runTime increments are never the −1 of "no executor"
    const seq = loaded.sequences[0];
    const f = seq.features.indexOf('avg_executor_runTime_count_1_diff');
    let smallest = Infinity;
    for (let t = 0; t < seq.length; t++) smallest = Math.min(smallest, seq.values[t * seq.features.length + f]);
    expect(smallest).toBeGreaterThanOrEqual(0);
  });

  it('keys both traces as 5 s batches, 2 executors, 30 GB, at the rate of their names', () => {
    expect(loaded.sequences.map((s) => s.domain)).toEqual(['5-2-30-100000', '5-2-30-50000']);
    for (const t of loaded.traces) expect([t.domain.executorsFrom, t.domain.memoryFrom]).toEqual(['data', 'data']);
  });

  it('summarises as one record per second in two applications', () => {
    const inspection = summariseExathlon(loaded);
    expect(inspection.entities).toEqual(['app1', 'app6']);
    expect(inspection.records).toBe(2691 + 2635);
    expect(inspection.samplingStepMs).toBe(1000);
    expect(inspection.labelCounts).toEqual({ normal: 2691 + 2635 });
    expect(inspection.columns).toHaveLength(229);
    expect(inspection.columns.every((c) => c.missingShare === 0)).toBe(true);
    expect(inspection.tables).toEqual({ 'ground_truth.csv': 109 });
  });
});
