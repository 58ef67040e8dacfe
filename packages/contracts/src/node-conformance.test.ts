import { validateNodeSeries } from './node-series';
import { nodeConformanceData, withoutLabels } from './node-conformance';

describe('the node-detector conformance data', () => {
  it(
    'is a valid labelled cluster on a ring: N = 6, F = 3, T = 200 / 100 / 160, 8 and 6 anomalies of 3 steps, ' +
      'none in validation',
    () => {
      const { train, validation, test } = nodeConformanceData();
      for (const s of [train, validation, test]) validateNodeSeries(s);
      expect([train.length, validation.length, test.length]).toEqual([200, 100, 160]);
      expect([train.entities.length, train.features.length]).toEqual([6, 3]);
      const count = (l: Uint8Array) => l.reduce((s, v) => s + v, 0);
      expect([count(train.labels!), count(validation.labels!), count(test.labels!)]).toEqual([24, 0, 18]);
      // the ring 0 – 1 – … – 5 – 0, both directions
      const pairs = train.graphs![0].edges.map((e) => `${e.src}-${e.dst}`).sort();
      expect(pairs).toEqual(['0-1', '0-5', '1-0', '1-2', '2-1', '2-3', '3-2', '3-4', '4-3', '4-5', '5-0', '5-4']);
    },
  );

  it(
    'plants the anomalies well above the normal signal: every labelled value exceeds the largest normal ' +
      'value of its entity and feature minus 1.6',
    () => {
      const { test } = nodeConformanceData();
      const N = 6;
      const F = 3;
      for (let i = 0; i < N; i++) {
        for (let f = 0; f < F; f++) {
          let normalMax = -Infinity;
          let anomalyMin = Infinity;
          for (let t = 0; t < test.length; t++) {
            const v = test.values[(t * N + i) * F + f];
            if (test.labels![t * N + i]) anomalyMin = Math.min(anomalyMin, v);
            else normalMax = Math.max(normalMax, v);
          }
          // normal values span 2·1 (the cycle) + 0.8 (the regimes) + noise; a shift of 4 leaves the anomaly ≥ 1.2 −
          // noise above that span's top, so this holds for any shift above about 1.6 + noise and fails for small ones
          if (anomalyMin < Infinity) expect(anomalyMin).toBeGreaterThan(normalMax - 1.6);
        }
      }
    },
  );

  it('is reproducible from its options, and withoutLabels strips labels and event codes only', () => {
    const a = nodeConformanceData({ entities: 4, features: 2, length: 80, seed: 3 });
    const b = nodeConformanceData({ entities: 4, features: 2, length: 80, seed: 3 });
    expect(Array.from(a.train.values)).toEqual(Array.from(b.train.values));
    expect(Array.from(a.test.labels!)).toEqual(Array.from(b.test.labels!));
    const bare = withoutLabels(a.train);
    expect([bare.labels, bare.eventOf, bare.eventTypes]).toEqual([undefined, undefined, undefined]);
    expect('labels' in bare).toBe(false);
    expect(bare.values).toBe(a.train.values);
    expect(a.train.labels).toBeDefined();
  });
});
