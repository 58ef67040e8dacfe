import type { Detector, WindowSet } from '@driftwatch/contracts';
import { explainWindows, topFeatures } from './index';

/** Windows from explicit arrays; one domain. */
function windowsOf(rows: number[][], W: number, F: number): WindowSet {
  return {
    windowLength: W,
    featureCount: F,
    count: rows.length,
    domains: ['d'],
    domainOf: () => 0,
    window: (i) => Float32Array.from(rows[i]),
  };
}

/** score = Σ_k c_k · x_k² over the window's last record: feature f's occlusion drop is exactly c_f · x_f². */
function weightedSquares(c: number[]): Detector {
  const F = c.length;
  return {
    id: 'weighted-squares',
    windowLength: 2,
    featureCount: F,
    config: {},
    fit: async () => ({ epochs: 0, seconds: 0 }),
    scoreWindows: async (ws) =>
      Float32Array.from({ length: ws.count }, (_, i) => {
        const w = ws.window(i);
        return c.reduce((s, ck, k) => s + ck * w[F + k] ** 2, 0);
      }),
    save: async () => undefined,
    dispose: () => undefined,
  };
}

describe('explainWindows by occlusion', () => {
  it('gives each feature the score it adds, by brute force on a separable score', async () => {
    const c = [1, 2, 0.5];
    const ws = windowsOf(
      [
        [9, 9, 9, 1, 1, 4],
        [0, 0, 0, 3, 0, -1],
      ],
      2,
      3,
    );
    const { attributions, method } = await explainWindows(weightedSquares(c), ws);
    expect(method).toBe('occlusion');
    expect(Array.from(attributions)).toEqual([1, 2, 8, 9, 0, 0.5]);
    expect(topFeatures(attributions, 3, 0, 2)).toEqual([2, 1]);
    expect(topFeatures(attributions, 3, 1, 5)).toEqual([0, 2, 1]);
  });

  it('uses the detector’s own decomposition when it has one', async () => {
    const own = Object.assign(weightedSquares([1]), {
      featureAttributions: async (ws: WindowSet) => new Float32Array(ws.count).fill(7),
    });
    const r = await explainWindows(own, windowsOf([[0, 1]], 2, 1));
    expect(r).toEqual({ attributions: Float32Array.of(7), method: 'model' });
  });
});
