import fc from 'fast-check';
import { mulberry32 } from '@driftwatch/contracts';
import { peakF1 } from '../metrics/peak-f1';
import { DEFAULT_SELECTORS, deployedMetrics, metricsAtThreshold, type NamedSelector } from './deployed';

const L = -Number.MAX_VALUE;
// docs/divad.md §2 worked example: W = 3 (w = 2), label 7 ignored
const example = [
  { scores: [L, L, 0.55, 0.9, 0.6, 0.7, 0.3, 0.1, 0.8, 0.5, 0.4, 0.2], labels: [0, 0, 0, 1, 1, 0, 0, 0, 7, 2, 0, 0] },
];
const protocol = { delayedWindow: 2, ignoredLabels: [7] };

describe('metricsAtThreshold', () => {
  it.each([
    [0.9, 1, 0.25, 0.4],
    [0.6, 1, 0.5, 2 / 3],
    [0.55, 2 / 3, 0.5, 4 / 7],
    [0.5, 0.75, 1, 6 / 7],
    [L, 3 / 7, 1, 0.6],
  ])('gives the worked example of docs/divad.md §2 at τ = %p', (tau, p, r, f) => {
    const m = metricsAtThreshold(example, tau, protocol);
    expect(m.precision).toBeCloseTo(p, 12);
    expect(m.recall).toBeCloseTo(r, 12);
    expect(m.f1).toBeCloseTo(f, 12);
  });

  it('predicts nothing above every score: P := 1, R = 0, F = 0', () => {
    expect(metricsAtThreshold(example, 2, protocol)).toMatchObject({ precision: 1, recall: 0, f1: 0, predicted: 0 });
  });

  it('keeps per-type recalls at the threshold', () => {
    expect(metricsAtThreshold(example, 0.55, { ...protocol, eventNames: { 1: 'T1', 2: 'T2' } }).recallByEvent).toEqual({
      T1: 1,
      T2: 0,
    });
  });

  it("equals peakF1's figures at peakF1's threshold (random sequences, two event types)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 4 }), (seed, w) => {
        const rand = mulberry32(seed);
        const n = 60;
        const labels = Array.from({ length: n }, () => (rand() < 0.2 ? 1 + Math.floor(rand() * 2) : 0));
        labels[0] = 1;
        const scores = Array.from({ length: n }, () => Math.round(rand() * 20) / 20);
        const opts = { delayedWindow: w };
        const peak = peakF1([{ scores, labels }], opts);
        const at = metricsAtThreshold([{ scores, labels }], peak.threshold, opts);
        expect(at.f1).toBeCloseTo(peak.peakF1, 12);
        expect(at.precision).toBeCloseTo(peak.precision, 12);
        expect(at.recall).toBeCloseTo(peak.recall, 12);
      }),
      { numRuns: 200 },
    );
  });
});

describe('deployedMetrics', () => {
  it('fits each selector on the calibration scores only and evaluates on the test labels', () => {
    // calibration 1..100: p99 (numpy linear) = 99.01, so only the test score 100 is flagged
    const calibration = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    const test = [{ scores: [10, 100, 20, 99], labels: [0, 1, 0, 1] }];
    const [p99] = deployedMetrics(calibration, test, { delayedWindow: 0 }, [DEFAULT_SELECTORS[0]]);
    expect(p99.selector).toBe('p99');
    expect(p99.threshold).toBeCloseTo(99.01, 10);
    expect(p99).toMatchObject({ precision: 1, recall: 0.5 });
    expect(p99.f1).toBeCloseTo(2 / 3, 12);
  });

  it('reports a selector that cannot fit instead of failing the run', () => {
    const broken: NamedSelector = {
      id: 'broken',
      description: 'always fails',
      select: () => {
        throw new Error('no excess');
      },
    };
    const [r] = deployedMetrics([1, 2, 3], [{ scores: [1, 2], labels: [0, 1] }], { delayedWindow: 0 }, [broken]);
    expect(r).toMatchObject({ selector: 'broken', error: 'no excess' });
    expect(r.f1).toBeNaN();
  });

  it('runs every default selector on a heavy-tailed calibration set', () => {
    const rand = mulberry32(7);
    const calibration = Float64Array.from({ length: 5000 }, () => -Math.log(1 - rand()));
    const results = deployedMetrics(calibration, [{ scores: [0.1, 12, 0.3, 9], labels: [0, 1, 0, 1] }], {
      delayedWindow: 0,
    });
    expect(results.map((r) => r.selector)).toEqual(DEFAULT_SELECTORS.map((s) => s.id));
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.threshold).toBeGreaterThan(0.5);
      expect(r.threshold).toBeLessThan(9);
      expect(r.f1).toBe(1);
    }
  });
});
