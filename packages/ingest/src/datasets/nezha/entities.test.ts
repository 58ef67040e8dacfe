import type { Sequence } from '@driftwatch/contracts';
import { sequencesPerService } from './entities';

const MIN = 60_000;
const t0 = Date.UTC(2023, 0, 29, 8, 41, 0);

const podSeq = (pod: string, offsetsMs: number[], values: number[][]): Sequence => ({
  id: pod,
  entity: pod,
  domain: 'train-ticket/2023-01-29',
  features: ['a', 'b'],
  values: Float32Array.from(values.flat()),
  length: values.length,
  timestamps: BigInt64Array.from(offsetsMs, (o) => BigInt(t0 + o)),
});

describe('sequencesPerService', () => {
  it('keeps a lone pod as it is, renamed to its service', () => {
    const pod = podSeq(
      'ts-food-service-f5756978c-k8vqf',
      [9_000, MIN + 9_000],
      [
        [1, 2],
        [3, 4],
      ],
    );
    const [service] = sequencesPerService(
      [{ pod: pod.entity, service: 'ts-food-service', sequence: pod }],
      (s) => `x/${s}`,
    );
    expect(service.entity).toBe('ts-food-service');
    expect(service.id).toBe('x/ts-food-service');
    expect(Array.from(service.values)).toEqual([1, 2, 3, 4]);
    expect(service.timestamps).toEqual(pod.timestamps);
  });

  it('averages the pods of a service per minute, leaving missing values out', () => {
    // pod 1 at :09 of minutes 0 and 1; pod 2 at :41 of minutes 0 and 2
    const p1 = podSeq(
      'svc-aaa-111',
      [9_000, MIN + 9_000],
      [
        [1, NaN],
        [3, 4],
      ],
    );
    const p2 = podSeq(
      'svc-bbb-222',
      [41_000, 2 * MIN + 41_000],
      [
        [5, 6],
        [7, NaN],
      ],
    );
    const other = podSeq('other-ccc-333', [0], [[9, 9]]);
    const out = sequencesPerService(
      [
        { pod: p1.entity, service: 'svc', sequence: p1 },
        { pod: other.entity, service: 'other', sequence: other },
        { pod: p2.entity, service: 'svc', sequence: p2 },
      ],
      (s) => s,
    );
    expect(out.map((s) => s.entity)).toEqual(['svc', 'other']);
    const svc = out[0];
    // minute 0: a = (1 + 5)/2, b = 6 (pod 1 has none); minute 1: pod 1 only; minute 2: pod 2 only, b missing
    expect(Array.from(svc.values)).toEqual([3, 6, 3, 4, 7, NaN]);
    expect(Array.from(svc.timestamps!, Number)).toEqual([t0, t0 + MIN, t0 + 2 * MIN]);
  });
});
