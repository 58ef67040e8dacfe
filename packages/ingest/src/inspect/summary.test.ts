import type { Sequence } from '@driftwatch/contracts';
import { summariseSequences } from './summary';

const base = { domain: 'd', features: ['a', 'b'] };

describe('summariseSequences', () => {
  it('counts records, NaN shares, the modal step, labels per event type and ranges', () => {
    const seqs: Sequence[] = [
      {
        ...base,
        id: 'x/1',
        entity: 'x',
        // a: one NaN of 4; b: two NaN of 4
        values: Float32Array.from([1, NaN, NaN, 2, 3, 4, 5, NaN]),
        length: 4,
        timestamps: BigInt64Array.from([0n, 1000n, 2000n, 5000n]),
        labels: Uint8Array.from([0, 3, 3, 1]),
        ranges: [
          { start: 1, end: 3, eventType: 'cpu' },
          { start: 3, end: 4, eventType: 'T1', ignored: true },
        ],
      },
      {
        ...base,
        id: 'y/1',
        entity: 'y',
        values: Float32Array.from([1, 1, 1, 1]),
        length: 2,
        timestamps: BigInt64Array.from([7000n, 8000n]),
      },
    ];
    const r = summariseSequences('demo', seqs);
    expect(r.records).toBe(6);
    expect(r.entities).toEqual(['x', 'y']);
    expect(r.columns).toEqual([
      { name: 'a', type: 'float32', missingShare: 1 / 6 },
      { name: 'b', type: 'float32', missingShare: 2 / 6 },
    ]);
    expect(r.timeSpan).toEqual({ startMs: 0, endMs: 8000 });
    expect(r.samplingStepMs).toBe(1000); // gaps 1000, 1000, 3000, 1000
    expect(r.labelCounts).toEqual({ normal: 1, cpu: 2, T1: 1, unlabelled: 2 });
    expect(r.rangeCounts).toEqual({ cpu: 1, 'T1 (ignored)': 1 });
  });
});
