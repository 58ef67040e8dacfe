import { ParameterError, type NodeSeries } from '@driftwatch/contracts';
import {
  anomalousSteps,
  consecutiveRuns,
  entityFeatureMoments,
  gatherTrainingWindows,
  normalWindowEnds,
  standardiseNodeSeries,
  withStepsMissing,
} from './series-data';

/** T = 4 steps, N = 2 entities, F = 2 features; entity 1's feature 1 is constant, entity 0's feature 1 misses step 2 */
const series: NodeSeries = {
  id: 'tiny',
  entities: ['e0', 'e1'],
  features: ['f0', 'f1'],
  length: 4,
  // step-major [t][i][f]
  values: Float32Array.from([1, 10, 5, 7, 2, 20, 6, 7, 3, NaN, 7, 7, 6, 30, 8, 7]),
};

describe('st-dda inputs', () => {
  it(
    'standardises per (entity, feature) with the observed steps; constant → std 1, missing → 0 with mask 0 ' +
      '(hand-worked)',
    () => {
      const { mean, std } = entityFeatureMoments(series);
      // e0 f0: 1, 2, 3, 6 → mean 3, variance (4 + 1 + 0 + 9)/4 = 3.5; e0 f1: 10, 20, 30 → mean 20, variance 200/3;
      // e1 f0: 5, 6, 7, 8 → mean 6.5, variance 1.25; e1 f1: constant 7
      expect(Array.from(mean)).toEqual([3, 20, 6.5, 7].map(Math.fround));
      expect(Array.from(std)).toEqual([Math.sqrt(3.5), Math.sqrt(200 / 3), Math.sqrt(1.25), 1].map(Math.fround));
      const z = standardiseNodeSeries(series, { mean, std });
      expect(z.values[(2 * 2 + 0) * 2 + 1]).toBe(0);
      expect(Array.from(z.observed)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]);
      expect(z.values[(3 * 2 + 0) * 2]).toBeCloseTo((6 - 3) / Math.sqrt(3.5), 6);
      expect(z.values[(3 * 2 + 1) * 2 + 1]).toBe(0);
    },
  );

  it('refuses infinities, naming step, entity and feature', () => {
    const bad = { ...series, values: series.values.slice() };
    bad.values[(1 * 2 + 1) * 2] = Infinity;
    expect(() => standardiseNodeSeries(bad, entityFeatureMoments(series))).toThrow(ParameterError);
    expect(() => standardiseNodeSeries(bad, entityFeatureMoments(series))).toThrow(
      /Infinity at step 1, entity 'e1', feature 'f0'/,
    );
  });

  it(
    'lays training windows out step-major: row (w·B + b)·N + i is entity i at step ends[b] − W + 1 + w; ' +
      'targets are step ends[b] + 1',
    () => {
      const z = {
        N: 2,
        F: 2,
        T: 4,
        values: Float32Array.from({ length: 16 }, (_, k) => k),
        observed: Float32Array.from({ length: 16 }, (_, k) => k % 3),
      };
      const W = 2;
      const ends = [2, 1];
      const x = new Float32Array(W * 2 * 4);
      const target = new Float32Array(2 * 4);
      const mask = new Float32Array(2 * 4);
      gatherTrainingWindows(z, W, ends, x, target, mask);
      // value index of (t, i, f) = (t·2 + i)·2 + f: step t holds 4t … 4t + 3
      const stepValues = (t: number) => [4 * t, 4 * t + 1, 4 * t + 2, 4 * t + 3];
      expect(Array.from(x)).toEqual([...stepValues(1), ...stepValues(0), ...stepValues(2), ...stepValues(1)]);
      expect(Array.from(target)).toEqual([...stepValues(3), ...stepValues(2)]);
      expect(Array.from(mask)).toEqual([...stepValues(3), ...stepValues(2)].map((k) => k % 3));
    },
  );

  it('keeps only the training examples (window and next step) free of labelled steps (worked example)', () => {
    // T = 12, N = 2, W = 3: entity 1 labelled at step 5, entity 0 at step 11 (the last step)
    const labels = new Uint8Array(12 * 2);
    labels[5 * 2 + 1] = 1;
    labels[11 * 2] = 1;
    const flags = anomalousSteps({ length: 12, entities: ['a', 'b'], labels });
    expect(Array.from(flags)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    // window ends e = 2 … 10; example e covers steps e − 2 … e + 1:
    // e = 4 (2 … 5), 5, 6, 7 (5 … 8) hold step 5; e = 10 (8 … 11) holds step 11 as its target
    expect(Array.from(normalWindowEnds(12, 3, flags))).toEqual([2, 3, 8, 9]);
    // no labels: every end with a next step
    expect(Array.from(normalWindowEnds(12, 3, new Uint8Array(12)))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(() => normalWindowEnds(12, 3, new Uint8Array(11))).toThrow(/11 step flags for 12 steps/);
    expect(consecutiveRuns(Int32Array.from([2, 3, 8, 9, 11]))).toEqual([
      [2, 3],
      [8, 9],
      [11, 11],
    ]);
  });

  it('leaves labelled steps out of the standardisation', () => {
    // step 3 (e0 f0 = 6, …) flagged: e0 f0 over 1, 2, 3 → mean 2
    const { mean } = entityFeatureMoments(withStepsMissing(series, [0, 0, 0, 1]));
    expect(mean[0]).toBeCloseTo(2, 6);
    expect(series.values[12]).toBe(6);
  });
});
