import { ParameterError, type Sequence } from '@driftwatch/contracts';
import { splitSequence, tailSplit } from './split';

const T = 20;
const s: Sequence = {
  id: 'x',
  entity: 'e',
  domain: 'd',
  features: ['a', 'b'],
  values: Float32Array.from({ length: T * 2 }, (_, i) => i),
  length: T,
  labels: Uint8Array.from({ length: T }, (_, t) => ((t >= 3 && t < 8) || t === 15 ? 1 : 0)),
  timestamps: BigInt64Array.from({ length: T }, (_, t) => BigInt(t * 300_000)),
  ranges: [
    { start: 3, end: 8, eventType: 'metric' },
    { start: 15, end: 16, eventType: 'temporal' },
  ],
};

describe('splitSequence', () => {
  it('splits values, labels and timestamps as views and clips ranges', () => {
    const [head, tail] = splitSequence(s, 5);
    expect(head.length + tail.length).toBe(T);
    expect(head.values.buffer).toBe(s.values.buffer);
    expect(Array.from(tail.values.subarray(0, 2))).toEqual([10, 11]);
    expect(Array.from(tail.labels!.subarray(0, 4))).toEqual([1, 1, 1, 0]);
    expect(tail.timestamps![0]).toBe(1_500_000n);
    expect(head.ranges).toEqual([{ start: 3, end: 5, eventType: 'metric' }]);
    expect(tail.ranges).toEqual([
      { start: 0, end: 3, eventType: 'metric' },
      { start: 10, end: 11, eventType: 'temporal' },
    ]);
    expect(head.id).toBe('x[0:5]');
    expect(tail.id).toBe('x[5:20]');
  });
  it('rejects split points outside [0, T]', () => {
    expect(() => splitSequence(s, 21)).toThrow(ParameterError);
    expect(() => splitSequence(s, 1.5)).toThrow(ParameterError);
    expect(splitSequence(s, 0)[0].length).toBe(0);
  });
});

describe('tailSplit', () => {
  it('puts the last ⌊fraction·T⌋ records in the tail', () => {
    for (const [fraction, tail] of [
      [0.15, 3],
      [0.5, 10],
      [0.99, 19],
      [0, 0],
      [1, 20],
    ] as const) {
      const parts = tailSplit(s, fraction);
      expect([fraction, parts.tail.length, parts.head.length]).toEqual([fraction, tail, T - tail]);
    }
    // the ASD protocol: 15% of a server's 12960 records
    expect(
      tailSplit(
        {
          ...s,
          length: 12960,
          values: new Float32Array(12960 * 2),
          labels: undefined,
          timestamps: undefined,
          ranges: undefined,
        },
        0.15,
      ).tail.length,
    ).toBe(1944);
    expect(() => tailSplit(s, 1.2)).toThrow(ParameterError);
  });
});
