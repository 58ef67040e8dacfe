import { ParameterError } from '@driftwatch/contracts';
import {
  batchIntervalOf,
  executorHeapMaxBytes,
  executorsFromMetadata,
  exathlonDomainKey,
  memoryFromMetadata,
  memoryGbFromHeapMax,
} from './domain';
import { parseTraceName } from './names';

describe('domain settings', () => {
  it('batch interval: 5 s for apps 1, 2, 4, 5, 6; 20 s for app 3; 10 s for apps 9, 10 (docs/divad.md §5a)', () => {
    expect([1, 2, 4, 5, 6].map(batchIntervalOf)).toEqual([5, 5, 5, 5, 5]);
    expect(batchIntervalOf(3)).toBe(20);
    expect([9, 10].map(batchIntervalOf)).toEqual([10, 10]);
    expect(() => batchIntervalOf(11)).toThrow(ParameterError);
  });

  it('metadata rules: 3 executors for types 2 and 5, else 2; memory 30 GB type 0, 9 GB type 1, else 15', () => {
    expect([0, 1, 2, 3, 4, 5].map(executorsFromMetadata)).toEqual([2, 2, 3, 2, 2, 3]);
    expect([0, 1, 2, 3, 4, 5].map(memoryFromMetadata)).toEqual([30, 9, 15, 15, 15, 15]);
  });

  it(
    'reads 30 GB from the heap max of the included traces, and 9 / 15 GB from the same share of those ' + 'settings',
    () => {
      expect(memoryGbFromHeapMax(30542397440)).toBe(30);
      // 28.44 GiB is 0.948 of 30 GiB; the same share of 9 and 15 GiB
      expect(memoryGbFromHeapMax(0.9482 * 9 * 2 ** 30)).toBe(9);
      expect(memoryGbFromHeapMax(0.9482 * 15 * 2 ** 30)).toBe(15);
    },
  );

  it('takes the most common heap max of active spot records, ignoring −1', () => {
    const columns = ['1_jvm_heap_max_value', '2_jvm_heap_max_value', '3_jvm_heap_max_value'];
    const values = Float64Array.of(5, -1, -1, 7, 7, -1, 7, 7, -1);
    expect(executorHeapMaxBytes({ columns, values, length: 3 })).toBe(7);
    expect(executorHeapMaxBytes({ columns, values: new Float64Array(9).fill(-1), length: 3 })).toBeUndefined();
  });
});

describe('exathlonDomainKey', () => {
  it('is bi-nexec-mem-rate, from the data when observed', () => {
    const d = exathlonDomainKey(parseTraceName('3_2_500000_70'), {
      activeExecutors: 3,
      heapMaxBytes: 0.9482 * 15 * 2 ** 30,
    });
    expect(d).toEqual({
      batchInterval: 20,
      executors: 3,
      memoryGb: 15,
      rate: 500000,
      settings: '20-3-15',
      key: '20-3-15-500000',
      executorsFrom: 'data',
      memoryFrom: 'data',
    });
  });

  it('falls back to the metadata rules and uses a corrected rate when given', () => {
    const d = exathlonDomainKey(parseTraceName('9_1_100000_4'), {}, { correctedRates: { '9_1_100000_4': 50000 } });
    expect(d.key).toBe('10-2-9-50000');
    expect([d.executorsFrom, d.memoryFrom]).toEqual(['metadata', 'metadata']);
  });
});
