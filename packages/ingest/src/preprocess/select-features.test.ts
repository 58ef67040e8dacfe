import type { Sequence } from '@driftwatch/contracts';
import { featureDifference, selectFeatures } from './select-features';

const seq: Sequence = {
  id: 's',
  entity: 'e',
  domain: 'e',
  features: ['a', 'b', 'c'],
  values: Float32Array.of(1, 2, 3, 4, 5, 6),
  length: 2,
};

describe('selectFeatures', () => {
  it('gathers the named columns in the given order, row by row', () => {
    const picked = selectFeatures(seq, ['c', 'a']);
    expect(picked.features).toEqual(['c', 'a']);
    expect(Array.from(picked.values)).toEqual([3, 1, 6, 4]);
    expect(selectFeatures(seq, ['a', 'b', 'c'])).toBe(seq);
    expect(() => selectFeatures(seq, ['a', 'z'])).toThrow('s has no column z');
  });

  it('lists the names each side lacks', () => {
    expect(featureDifference(['a', 'b', 'c'], ['c', 'd', 'a'])).toEqual({ missing: ['b'], extra: ['d'] });
  });
});
