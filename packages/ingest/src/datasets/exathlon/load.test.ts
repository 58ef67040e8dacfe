import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataRootError } from '@driftwatch/contracts';
import { listExathlonTraces, loadExathlon, summariseExathlon, type ExathlonProgress } from './load';

const HEADER = 't,driver_a,driver_b,1_executor_runTime_count,1_jvm_heap_max_value,node5_x';
const HEAP = 30542397440;
/** Rows of the header above from columns of values. */
const csv = (t: number[], a: number[], b: number[], runTime: number[]) =>
  [HEADER, ...t.map((s, i) => `${s},${a[i]},${b[i]},${runTime[i]},${HEAP},${i}`)].join('\n') + '\n';

describe('loadExathlon on a generated data root', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'exathlon-load-'));
    for (const app of ['app1', 'app2', 'app10']) await mkdir(join(root, 'exathlon', app), { recursive: true });
    await writeFile(
      join(root, 'exathlon', 'app1', '1_0_100_1.csv'),
      csv([0, 1, 2, 3], [1, 2, 3, 4], [5, 6, 5, 6], [10, 20, 30, 40]),
    );
    await writeFile(
      join(root, 'exathlon', 'app2', '2_1_100_2.csv.gz'),
      gzipSync(csv([10, 11, 12, 13, 14], [1, 3, 6, 10, 15], [7, 8, 7, 8, 7], [5, 6, 7, 8, 9])),
    );
    await writeFile(join(root, 'exathlon', 'app10', '10_0_5_3.csv'), csv([0, 1], [1, 1], [1, 1], [1, 1]));
    await writeFile(
      join(root, 'exathlon', 'ground_truth.csv'),
      'trace_name,trace_type,anomaly_type,anomaly_details,root_cause_start,root_cause_end,' +
        'extended_effect_end\n2_1_100_2,bursty_input,bursty_input,,12.0,13.0,\n',
    );
  });
  afterAll(async () => {
    await rm(root, { recursive: true });
  });

  it('lists trace files in natural order', async () => {
    expect((await listExathlonTraces(root)).map((f) => f.name)).toEqual(['1_0_100_1', '2_1_100_2', '10_0_5_3']);
  });

  it('reads, preprocesses, labels and engineers the chosen traces (values worked by hand)', async () => {
    const loaded = await loadExathlon(root, { traces: ['1_0_100_1', '2_1_100_2'] });
    // heap max is constant → dropped; driver_a and the runTime counter never decrease → differenced
    expect(loaded.featurePlan.features).toEqual(['driver_b', 'driver_a_1_diff', 'avg_executor_runTime_count_1_diff']);
    const [first, second] = loaded.sequences;
    expect(second.id).toBe('exathlon/2_1_100_2');
    expect(second.entity).toBe('app2');
    // driver_b as is; diff(driver_a) = [·,2,3,4,5] back-filled; diff(runTime) = 1 each second
    expect([...second.values]).toEqual([7, 2, 1, 8, 2, 1, 7, 3, 1, 8, 4, 1, 7, 5, 1]);
    expect([...second.labels!]).toEqual([0, 0, 1, 1, 0]);
    expect(second.ranges).toEqual([{ start: 2, end: 4, eventType: 'bursty_input' }]);
    expect([...first.labels!]).toEqual([0, 0, 0, 0]);
    // app 2: 5 s batches; one active spot; heap max 30 GB read from the data (the type-1 metadata rule would say 9)
    expect(second.domain).toBe('5-1-30-100');
    expect(loaded.traces[1].domain.memoryFrom).toBe('data');
    expect(loaded.events).toHaveLength(1);
    expect(loaded.preprocessed).toBeUndefined();
  });

  it('gives the same result when it holds each trace instead of reading it twice', async () => {
    const held = await loadExathlon(root, { traces: ['1_0_100_1', '2_1_100_2'], holdTraces: true });
    const reread = await loadExathlon(root, { traces: ['1_0_100_1', '2_1_100_2'], keepPreprocessed: true });
    expect(reread.sequences.map((s) => [...s.values])).toEqual(held.sequences.map((s) => [...s.values]));
    expect(reread.preprocessed!.map((t) => t.info.name)).toEqual(['1_0_100_1', '2_1_100_2']);
  });

  it('applies given lists in one pass and reports progress per stage', async () => {
    const events: ExathlonProgress[] = [];
    const loaded = await loadExathlon(root, {
      traces: ['1_0_100_1'],
      dropped: [],
      cumulative: [],
      onProgress: (p) => events.push(p),
    });
    expect(loaded.featurePlan.features).toEqual([
      'driver_a',
      'driver_b',
      'avg_executor_runTime_count',
      'avg_jvm_heap_max_value',
    ]);
    expect([...new Set(events.map((e) => e.stage))]).toEqual(['read', 'preprocess', 'features']);
    expect(events.find((e) => e.stage === 'read')).toMatchObject({ trace: '1_0_100_1', index: 1, of: 1, rows: 4 });
    expect(events.filter((e) => e.stage === 'preprocess')).toHaveLength(1);
  });

  it('reads each trace twice to derive a plan unless told to hold the traces', async () => {
    const count = async (holdTraces: boolean) => {
      let preprocessed = 0;
      await loadExathlon(root, {
        traces: ['1_0_100_1', '2_1_100_2'],
        holdTraces,
        onProgress: (p) => (preprocessed += p.stage === 'preprocess' ? 1 : 0),
      });
      return preprocessed;
    };
    expect(await count(false)).toBe(4);
    expect(await count(true)).toBe(2);
  });

  it('summarises with label counts by event type and notes', async () => {
    const inspection = summariseExathlon(await loadExathlon(root, { traces: ['1_0_100_1', '2_1_100_2'] }));
    expect(inspection.labelCounts).toEqual({ normal: 7, bursty_input: 2 });
    expect(inspection.rangeCounts).toEqual({ bursty_input: 1 });
    expect(inspection.tables).toEqual({ 'ground_truth.csv': 1 });
    expect(inspection.samplingStepMs).toBe(1000);
    expect(inspection.notes.join('\n')).toContain('2_1_100_2: 5 records read → 5 at 1 s; domain 5-1-30-100');
  });

  it('names the available traces when one is unknown', async () => {
    await expect(loadExathlon(root, { traces: ['1_0_100_9'] })).rejects.toThrow(DataRootError);
    await expect(loadExathlon(root, { traces: ['1_0_100_9'] })).rejects.toThrow(
      /available: 1_0_100_1, 2_1_100_2, 10_0_5_3/,
    );
  });

  it('needs ground_truth.csv for disturbed traces only, and the exathlon folder', async () => {
    const bare = await mkdtemp(join(tmpdir(), 'exathlon-bare-'));
    try {
      await expect(loadExathlon(bare)).rejects.toThrow(/data set "exathlon" not found/);
      await mkdir(join(bare, 'exathlon', 'app2'), { recursive: true });
      await writeFile(join(bare, 'exathlon', 'app2', '2_1_100_2.csv'), csv([0, 1], [1, 2], [1, 2], [1, 2]));
      await expect(loadExathlon(bare)).rejects.toThrow(/ground_truth\.csv is missing/);
      await writeFile(join(bare, 'exathlon', 'app2', '2_0_100_4.csv'), csv([0, 1], [1, 2], [1, 2], [1, 2]));
      expect((await loadExathlon(bare, { traces: ['2_0_100_4'] })).events).toEqual([]);
    } finally {
      await rm(bare, { recursive: true });
    }
  });
});
