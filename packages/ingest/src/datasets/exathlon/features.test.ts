import { FeatureMismatchError, ParameterError } from '@driftwatch/contracts';
import {
  addTraceStatistics,
  applyFeaturePlan,
  averageOverActiveSpots,
  columnRole,
  constantFeatures,
  emptyFeatureStatistics,
  engineerExathlonFeatures,
  executorDifference,
  firstDifference,
  nonDecreasingFeatures,
  planExathlonFeatures,
} from './features';
import { parseTraceName } from './names';
import type { PreprocessedExathlonTrace } from './preprocess';

const N = NaN;

/** A preprocessed trace from columns of values (one array per column). */
function traceOf(name: string, columns: Record<string, number[]>, activeExecutors = 1): PreprocessedExathlonTrace {
  const names = Object.keys(columns);
  const length = columns[names[0]].length;
  const values = new Float64Array(length * names.length);
  for (let t = 0; t < length; t++) names.forEach((c, j) => (values[t * names.length + j] = columns[c][t]));
  return {
    info: parseTraceName(name),
    file: `${name}.csv`,
    columns: names,
    length,
    timestamps: BigInt64Array.from({ length }, (_, t) => BigInt(t * 1000)),
    values,
    recordsRead: length,
    spots: [],
    activeExecutors,
    unsetColumns: [],
  };
}

describe('column roles', () => {
  it('separates nmon, spot 5, executor spots 1–4 and driver columns', () => {
    expect(
      ['node7_MEM_memtotal', '5_jvm_heap_used_value', '4_jvm_heap_used_value', 'driver_jvm_heap_used_value'].map(
        columnRole,
      ),
    ).toEqual(['nmon', 'spot5', 'executor', 'driver']);
  });
});

describe('differencing and averaging rules', () => {
  it('first difference, the first row back-filled', () => {
    expect([...firstDifference(Float64Array.of(1, 4, 9, 16))]).toEqual([3, 3, 5, 7]);
    expect(() => firstDifference(Float64Array.of(1))).toThrow(ParameterError);
  });

  it('executor difference keeps −1, restarts at the raw value after −1, leaves the first record NaN', () => {
    expect([...executorDifference(Float64Array.of(-1, -1, 5, 7, -1, 3, 4))]).toEqual([-1, -1, 5, 2, -1, 3, 1]);
    expect([...executorDifference(Float64Array.of(10, 12, 15))]).toEqual([N, 2, 3]);
  });

  it('averages over spots ≠ −1 (and not NaN), −1 when none', () => {
    expect([...averageOverActiveSpots([Float64Array.of(1, -1, -1, N), Float64Array.of(3, 5, -1, 4)], 4)]).toEqual([
      2, 5, -1, 4,
    ]);
  });
});

// two traces: c is a counter (restarting in spot 1 of B after an inactive record), g is 7 whenever active,
// driver_k is constant, driver_up never decreases, driver_wave goes down once
const A = traceOf('1_0_100_1', {
  '1_c': [1, 2, 3],
  '1_g': [7, 7, 7],
  '2_c': [-1, -1, -1],
  '2_g': [-1, -1, -1],
  '5_c': [-1, -1, -1],
  driver_k: [4, 4, 4],
  driver_up: [1, 1, 2],
  driver_wave: [1, 3, 2],
  node5_x: [1, 2, 3],
});
const B = traceOf('6_0_100_2', {
  '1_c': [5, -1, 1],
  '1_g': [7, -1, 7],
  '2_c': [2, 3, 3],
  '2_g': [7, 7, 7],
  '5_c': [-1, -1, -1],
  driver_k: [4, 4, 4],
  driver_up: [2, 5, 5],
  driver_wave: [0, 0, 0],
  node5_x: [1, 2, 3],
});

describe('default plan from the traces', () => {
  const stats = emptyFeatureStatistics(A.columns);
  addTraceStatistics(stats, A);
  addTraceStatistics(stats, B);

  it('finds the constant and the never-decreasing features (executors: active values, within active runs)', () => {
    expect(constantFeatures(stats)).toEqual(['driver_k', 'g']);
    expect(nonDecreasingFeatures(stats)).toEqual(['driver_up', 'c']);
  });

  it('plans nmon and spot 5 away, constants dropped, counters differenced', () => {
    const plan = planExathlonFeatures(stats);
    expect(plan).toMatchObject({
      droppedConstant: ['driver_k', 'g'],
      cumulative: ['driver_up', 'c'],
      driverIdentity: ['driver_wave'],
      driverDifferenced: ['driver_up'],
      executorAveraged: [],
      executorDifferenced: ['c'],
      features: ['driver_wave', 'driver_up_1_diff', 'avg_c_1_diff'],
      counts: { input: 9, nmon: 1, spot5: 1, constantDriver: 1, constantExecutorFeatures: 1 },
    });
  });

  it('computes the features of each trace (worked by hand)', () => {
    const plan = planExathlonFeatures(stats);
    // A: wave as is; diff(up) = [·,0,1] → [0,0,1]; spot 1 diffs [·,1,1], spot 2 inactive → avg [·,1,1] → [1,1,1]
    expect([...applyFeaturePlan(A, plan)]).toEqual([1, 0, 1, 3, 0, 1, 2, 1, 1]);
    // B: diff(up) = [·,3,0] → [3,3,0]; spot 1 [·,−1,1 (raw after −1)], spot 2 [·,1,0] → avg [·,1,0.5] → [1,1,0.5]
    expect([...applyFeaturePlan(B, plan)]).toEqual([0, 3, 1, 0, 3, 1, 0, 0, 0.5]);
  });
});

describe('plan from given lists', () => {
  it(
    'drops or differences an executor feature when any of its spot columns is listed; ignores nmon in the ' + 'lists',
    () => {
      const stats = emptyFeatureStatistics(A.columns);
      const plan = planExathlonFeatures(stats, { dropped: ['3_g', 'node5_x'], cumulative: ['driver_wave', '4_c'] });
      expect(plan).toMatchObject({
        droppedFrom: 'given',
        cumulativeFrom: 'given',
        droppedConstant: ['g'],
        driverIdentity: ['driver_k', 'driver_up'],
        driverDifferenced: ['driver_wave'],
        executorAveraged: [],
        executorDifferenced: ['c'],
        features: ['driver_k', 'driver_up', 'driver_wave_1_diff', 'avg_c_1_diff'],
      });
    },
  );

  it('averages non-cumulative executor features over active spots', () => {
    const plan = planExathlonFeatures(emptyFeatureStatistics(A.columns), { dropped: [], cumulative: [] });
    expect(plan.executorAveraged).toEqual(['c', 'g']);
    const values = applyFeaturePlan(B, plan);
    const width = plan.features.length;
    const g = plan.features.indexOf('avg_g');
    expect([0, 1, 2].map((t) => values[t * width + g])).toEqual([7, 7, 7]);
    const c = plan.features.indexOf('avg_c');
    expect([0, 1, 2].map((t) => values[t * width + c])).toEqual([3.5, 3, 2]);
  });
});

describe('engineerExathlonFeatures', () => {
  it('gives one float32 Sequence per trace with id, entity and domain', () => {
    const { plan, sequences } = engineerExathlonFeatures([A, B]);
    expect(sequences.map((s) => [s.id, s.entity, s.domain, s.length])).toEqual([
      ['exathlon/1_0_100_1', 'app1', '5-1-30-100', 3],
      ['exathlon/6_0_100_2', 'app6', '5-1-30-100', 3],
    ]);
    expect(sequences[1].values).toBeInstanceOf(Float32Array);
    expect([...sequences[1].values]).toEqual([0, 3, 1, 0, 3, 1, 0, 0, 0.5]);
    expect(sequences[0].features).toEqual(plan.features);
  });

  it('rejects a trace whose columns differ from the plan', () => {
    const { plan } = engineerExathlonFeatures([A]);
    const other = traceOf('1_0_100_3', { driver_k: [1, 2] });
    expect(() => applyFeaturePlan(other, plan)).toThrow(FeatureMismatchError);
  });

  it('needs two records to difference', () => {
    const one = traceOf('1_0_100_3', { driver_up: [1] });
    const plan = planExathlonFeatures(emptyFeatureStatistics(one.columns), { dropped: [], cumulative: ['driver_up'] });
    expect(() => applyFeaturePlan(one, plan)).toThrow(ParameterError);
  });
});
