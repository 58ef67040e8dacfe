import { graphAt, nodeSeriesToSequences, nodeValueIndex, validateNodeSeries, type NodeSeries } from './node-series';
import { ParameterError } from './errors';

/** 4 steps × 2 entities × 2 features; value = 100·t + 10·i + f, so every cell names its own position. */
function example(): NodeSeries {
  const T = 4;
  const N = 2;
  const F = 2;
  const values = new Float32Array(T * N * F);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < N; i++) for (let f = 0; f < F; f++) values[(t * N + i) * F + f] = 100 * t + 10 * i + f;
  return {
    id: 'sim/x',
    entities: ['a', 'b'],
    features: ['cpu', 'latency'],
    length: T,
    values,
    timestamps: BigInt64Array.from([0n, 60000n, 120000n, 180000n]),
    // entity b is anomalous at steps 1, 2 (type 1) and 3 (type 0); a at step 0 (type 0)
    labels: Uint8Array.from([1, 0, 0, 1, 0, 1, 0, 1]),
    eventOf: Int16Array.from([0, -1, -1, 1, -1, 1, -1, 0]),
    eventTypes: ['cpu-contention', 'link-blockage'],
  };
}

describe('nodeSeriesToSequences', () => {
  it('cuts the step-major values into one row-major sequence per entity (hand-worked)', () => {
    const [a, b] = nodeSeriesToSequences(example());
    expect(a.id).toBe('sim/x/a');
    expect(a.entity).toBe('a');
    expect(a.domain).toBe('a');
    expect(a.length).toBe(4);
    expect(Array.from(a.values)).toEqual([0, 1, 100, 101, 200, 201, 300, 301]);
    expect(Array.from(b.values)).toEqual([10, 11, 110, 111, 210, 211, 310, 311]);
    expect(Array.from(b.timestamps!)).toEqual([0n, 60000n, 120000n, 180000n]);
    expect(nodeValueIndex(example(), 2, 1, 1)).toBe(11);
  });

  it('turns labels into event codes eventOf + 1 and runs of one code into named ranges', () => {
    const [a, b] = nodeSeriesToSequences(example());
    expect(Array.from(a.labels!)).toEqual([1, 0, 0, 0]);
    expect(a.ranges).toEqual([{ start: 0, end: 1, eventType: 'cpu-contention' }]);
    expect(Array.from(b.labels!)).toEqual([0, 2, 2, 1]);
    expect(b.ranges).toEqual([
      { start: 1, end: 3, eventType: 'link-blockage' },
      { start: 3, end: 4, eventType: 'cpu-contention' },
    ]);
  });

  it('gives code 1 and the type "anomaly" when the series has labels but no event types', () => {
    const series = { ...example(), eventOf: undefined, eventTypes: undefined };
    const [, b] = nodeSeriesToSequences(series);
    expect(Array.from(b.labels!)).toEqual([0, 1, 1, 1]);
    expect(b.ranges).toEqual([{ start: 1, end: 4, eventType: 'anomaly' }]);
  });

  it('copies, so changing a sequence leaves the series as it was', () => {
    const series = example();
    const [a] = nodeSeriesToSequences(series);
    a.values[0] = -1;
    expect(series.values[0]).toBe(0);
  });

  it('refuses a series whose arrays disagree with its shape', () => {
    expect(() => nodeSeriesToSequences({ ...example(), values: new Float32Array(3) })).toThrow(ParameterError);
    expect(() => validateNodeSeries({ ...example(), labels: new Uint8Array(5) })).toThrow(/5 labels; expected T·N = 8/);
  });
});

describe('graphAt', () => {
  it('picks the last snapshot that starts at or before t', () => {
    const g = (t: number) => ({ t, nodes: ['a', 'b'], edges: [] });
    const series = { graphs: [g(0), g(20), g(40)] };
    expect(graphAt(series, 19)!.t).toBe(0);
    expect(graphAt(series, 20)!.t).toBe(20);
    expect(graphAt(series, 1000)!.t).toBe(40);
    expect(graphAt({ graphs: [g(5)] }, 4)).toBeUndefined();
  });
});
