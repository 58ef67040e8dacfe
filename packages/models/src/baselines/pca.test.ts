import { mulberry32, normalSampler, packedWindowSet, ParameterError } from '@driftwatch/contracts';
import { componentsForVariance, Pca } from './pca';

/** Orthonormal vectors by classical Gram–Schmidt, written here independently of linalg. */
function orthonormal(vectors: number[][]): number[][] {
  const out: number[][] = [];
  for (const v of vectors) {
    const w = [...v];
    for (const u of out) {
      const dot = w.reduce((s, x, i) => s + x * u[i], 0);
      for (let i = 0; i < w.length; i++) w[i] -= dot * u[i];
    }
    const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    out.push(w.map((x) => x / norm));
  }
  return out;
}

describe('componentsForVariance (sklearn: fewest axes whose ratios sum to more than p)', () => {
  it('follows a hand-computed example', () => {
    const variances = [5, 3, 1, 1]; // ratios .5 .3 .1 .1, cumulative .5 .8 .9 1
    expect(componentsForVariance(variances, 0.4)).toBe(1);
    expect(componentsForVariance(variances, 0.6)).toBe(2);
    expect(componentsForVariance(variances, 0.85)).toBe(3);
    expect(componentsForVariance(variances, 0.95)).toBe(4);
    expect(componentsForVariance([0, 0], 0.5)).toBe(1);
  });
});

describe('Pca', () => {
  const d = 5;
  const rand = mulberry32(9);
  const normal = normalSampler(rand);
  const [u1, u2, off] = orthonormal([0, 1, 2].map(() => Array.from({ length: d }, () => normal())));
  // training windows: a mean 2·off outside the plane span(u1, u2), spread 3 and 1 within the plane
  const n = 400;
  const train = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const a = 3 * normal();
    const b = normal();
    for (let i = 0; i < d; i++) train[r * d + i] = 2 * off[i] + a * u1[i] + b * u2[i];
  }

  it('scores the squared distance to the fitted plane, without centring', async () => {
    const pca = new Pca({ components: 2 });
    await pca.fit(packedWindowSet(train, 1, d), { seed: 0 });
    const probe = (x: number[]) => pca.scoreWindows(packedWindowSet(Float32Array.from(x), 1, d)).then((s) => s[0]);
    // in the plane: error 0; the training mean itself: ‖2·off‖² = 4 (centring would give 0)
    expect(await probe(u1.map((x, i) => 5 * x - 2 * u2[i]))).toBeCloseTo(0, 4);
    expect(await probe(off.map((x) => 2 * x))).toBeCloseTo(4, 3);
    // a point with an off-plane part c·off: error c² (computed from the test's own basis)
    const c = 1.7;
    expect(await probe(u1.map((x, i) => x + c * off[i] + 0.5 * u2[i]))).toBeCloseTo(c * c, 3);
  });

  it('chooses the number of axes from a variance fraction', async () => {
    const pca = new Pca({ components: 0.5 });
    await pca.fit(packedWindowSet(train, 1, d), { seed: 0 });
    // within-plane variances ≈ 9 and 1 of a total ≈ 10: the first axis explains ≈ 0.9 > 0.5
    expect(pca.model!.components).toBe(1);
  });

  it('validates its parameters', async () => {
    expect(() => new Pca({ components: 0 })).toThrow(ParameterError);
    expect(() => new Pca({ components: 1.5 })).toThrow(/components must be a positive integer or a number in \(0, 1\)/);
    expect(() => new Pca({ nComponents: 2 } as Record<string, unknown>)).toThrow(/unknown parameter/);
    await expect(new Pca({ components: 6 }).fit(packedWindowSet(train, 1, d), { seed: 0 })).rejects.toThrow(
      /exceeds the 5 features/,
    );
  });
});
