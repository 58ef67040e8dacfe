import { ParameterError, type NodeSeries } from '@driftwatch/contracts';
import {
  checkSupervisedSeries,
  featureScaling,
  gatherSampleWindows,
  nodeScoresOf,
  resolvePositiveWeight,
  sampleCount,
  sampleLabels,
  sampleOrigin,
  sampleWeights,
} from './samples';

/** T = 5 steps, N = 3 entities, F = 2 features; the value encodes its own coordinates: 100·t + 10·i + f. */
function coded(): NodeSeries {
  const T = 5;
  const N = 3;
  const F = 2;
  const values = new Float32Array(T * N * F);
  const labels = new Uint8Array(T * N);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < N; i++) for (let f = 0; f < F; f++) values[(t * N + i) * F + f] = 100 * t + 10 * i + f;
  labels[3 * N + 1] = 1; // entity 1 at step 3
  labels[4 * N + 2] = 2; // any label > 0 is anomalous
  labels[0 * N + 0] = 1; // before the first full window: no sample
  return { id: 'coded', entities: ['a', 'b', 'c'], features: ['x', 'y'], length: T, values, labels };
}

describe('samples of a NodeSeries', () => {
  it('has one sample per (window end t ≥ W − 1, entity), numbered step-major', () => {
    expect(sampleCount(5, 3, 3)).toBe(9);
    expect(sampleCount(5, 3, 5)).toBe(3);
    expect(sampleCount(4, 3, 5)).toBe(0);
    const seen = new Set<string>();
    for (let k = 0; k < 9; k++) {
      const { t, i } = sampleOrigin(k, 3, 3);
      seen.add(`${t},${i}`);
    }
    const expected = new Set<string>();
    for (let t = 2; t < 5; t++) for (let i = 0; i < 3; i++) expected.add(`${t},${i}`);
    expect(seen).toEqual(expected);
  });

  it("gathers each sample's window: the entity's own W steps ending at t, step by step", () => {
    const series = coded();
    const W = 3;
    const indices = [0, 4, 8, 5];
    const out = new Float32Array(indices.length * W * 2);
    gatherSampleWindows(series, W, indices, out);
    indices.forEach((k, b) => {
      const { t, i } = sampleOrigin(k, 3, W);
      for (let r = 0; r < W; r++) {
        for (let f = 0; f < 2; f++) {
          const v = out[b * W * 2 + r * 2 + f];
          // decode the coordinates the value carries
          expect([Math.floor(v / 100), Math.floor((v % 100) / 10), v % 10]).toEqual([t - W + 1 + r, i, f]);
        }
      }
    });
  });

  it('labels a sample with its entity at the last step (any label > 0 counts as 1)', () => {
    const series = coded();
    const labels = sampleLabels(series, 3);
    const expected = Array.from({ length: 9 }, (_, k) => {
      const { t, i } = sampleOrigin(k, 3, 3);
      return (t === 3 && i === 1) || (t === 4 && i === 2) ? 1 : 0;
    });
    expect(Array.from(labels)).toEqual(expected);
    expect(() => sampleLabels({ ...series, labels: undefined }, 3)).toThrow(ParameterError);
  });

  it('lays sample scores out as T·N with NaN before step W − 1', () => {
    const series = coded();
    const out = nodeScoresOf(
      series,
      3,
      Float32Array.from({ length: 9 }, (_, k) => k + 1),
    );
    expect(out.length).toBe(15);
    for (let t = 0; t < 5; t++) {
      for (let i = 0; i < 3; i++) {
        const s = out[t * 3 + i];
        if (t < 2) expect(s).toBeNaN();
        else expect(s).toBe((t - 2) * 3 + i + 1);
      }
    }
    expect(
      Array.from(nodeScoresOf({ ...series, length: 1, values: series.values.subarray(0, 6) }, 3, new Float32Array(0))),
    ).toEqual([NaN, NaN, NaN]);
  });

  it(
    'standardises with per-feature mean and population std of the finite values; missing → 0, a constant ' +
      'feature keeps scale 1',
    () => {
      const values = Float32Array.from([1, 5, NaN, 5, 3, 5, 7, 5, 4, NaN, 2, 5]);
      const series: NodeSeries = { id: 's', entities: ['a', 'b'], features: ['u', 'v'], length: 3, values };
      const { center, scale } = featureScaling(series);
      const u = [1, 3, 7, 4, 2];
      const mean = u.reduce((a, b) => a + b, 0) / u.length;
      const sd = Math.sqrt(u.reduce((a, b) => a + (b - mean) ** 2, 0) / u.length);
      expect(center[0]).toBeCloseTo(mean, 12);
      expect(scale[0]).toBeCloseTo(sd, 12);
      expect([center[1], scale[1]]).toEqual([5, 1]);
      const out = new Float32Array(2 * 2);
      // W = 2: sample 0 is entity a over steps 0 and 1
      gatherSampleWindows(series, 2, [0], out, { center, scale });
      expect(out[0]).toBeCloseTo((1 - mean) / sd, 6);
      expect(out[1]).toBe(0);
      expect(out[2]).toBeCloseTo((3 - mean) / sd, 6);
      expect(out[3]).toBe(0);
      gatherSampleWindows(series, 2, [1], out, { center, scale });
      // entity b, step 0, feature u is missing
      expect(out[0]).toBe(0);
    },
  );

  it("weights positives by n₋/n₊ ('balanced') or a given factor, and refuses a single class", () => {
    const labels = Uint8Array.from([0, 1, 0, 0, 1, 0, 0, 0]);
    expect(resolvePositiveWeight(labels, 'balanced', 'x')).toBe(6 / 2);
    expect(resolvePositiveWeight(labels, 7, 'x')).toBe(7);
    expect(Array.from(sampleWeights(labels, 3))).toEqual([1, 3, 1, 1, 3, 1, 1, 1]);
    expect(() => resolvePositiveWeight(new Uint8Array(4), 'balanced', 'x')).toThrow(/0 anomalous and 4 normal/);
    expect(() => resolvePositiveWeight(Uint8Array.from([1, 1]), 2, 'x')).toThrow(ParameterError);
  });

  it(
    'rejects infinite values (naming step, entity and feature), series shorter than a window and missing ' + 'labels',
    () => {
      const series = coded();
      const values = series.values.slice();
      values[(2 * 3 + 1) * 2 + 1] = -Infinity;
      expect(() => checkSupervisedSeries({ ...series, values }, 3, 'mlp', { labels: true })).toThrow(
        /-Infinity at step 2, entity 'b', feature 'y'/,
      );
      expect(() => checkSupervisedSeries(series, 6, 'mlp', { labels: true })).toThrow(
        /5 steps, fewer than one window of 6/,
      );
      expect(() => checkSupervisedSeries({ ...series, labels: undefined }, 3, 'mlp', { labels: true })).toThrow(
        ParameterError,
      );
      expect(() => checkSupervisedSeries({ ...series, labels: undefined }, 3, 'mlp', { labels: false })).not.toThrow();
      expect(() =>
        checkSupervisedSeries({ ...series, values: values.subarray(1) }, 3, 'mlp', { labels: false }),
      ).toThrow(ParameterError);
    },
  );
});
