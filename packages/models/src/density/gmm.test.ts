import { ParameterError, mulberry32, normalSampler } from '@driftwatch/contracts';
import { fitGaussianMixture, gaussianMixtureScore, kMeans, seededSubsample } from './gmm';

/** n points from a 2-D mixture; component c drawn with probability w_c, x = m_c + A_c·z with A_c A_cᵀ = Σ_c */
function sample2d(n: number, seed: number, w: number[], means: number[][], chol: number[][][]) {
  const u = mulberry32(seed);
  const normal = normalSampler(mulberry32(seed + 1));
  const data = new Float64Array(n * 2);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = u() < w[0] ? 0 : 1;
    const z0 = normal();
    const z1 = normal();
    const a = chol[c];
    data[i * 2] = means[c][0] + a[0][0] * z0;
    data[i * 2 + 1] = means[c][1] + a[1][0] * z0 + a[1][1] * z1;
    label[i] = c;
  }
  return { data, label };
}

// Σ_0 = [[1, 0.5], [0.5, 1]] (Cholesky [[1, 0], [0.5, √0.75]]), Σ_1 = [[0.5, 0], [0, 2]]
const W = [0.3, 0.7];
const MEANS = [
  [-3, 0],
  [3, 1],
];
const COVS = [
  [1, 0.5, 0.5, 1],
  [0.5, 0, 0, 2],
];
const CHOL = [
  [
    [1, 0],
    [0.5, Math.sqrt(0.75)],
  ],
  [
    [Math.sqrt(0.5), 0],
    [0, Math.sqrt(2)],
  ],
];

/** ln N(x; μ, Σ) for 2×2 Σ with the inverse and determinant written out */
function logN2(x: number[], mu: number[], c: number[]): number {
  const det = c[0] * c[3] - c[1] * c[2];
  const r0 = x[0] - mu[0];
  const r1 = x[1] - mu[1];
  const q = (c[3] * r0 * r0 - (c[1] + c[2]) * r0 * r1 + c[0] * r1 * r1) / det;
  return -0.5 * q - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
}

describe('fitGaussianMixture', () => {
  const { data } = sample2d(2000, 5, W, MEANS, CHOL);
  const gm = fitGaussianMixture(data, 2000, 2, { components: 2 });

  it('recovers the weights, means and covariances of a well-separated 2-component mixture', () => {
    expect(gm.converged).toBe(true);
    // components come in k-means order: match them by the sign of the first mean coordinate
    const order = gm.means[0] < gm.means[2] ? [0, 1] : [1, 0];
    order.forEach((c, truth) => {
      expect(Math.abs(gm.weights[c] - W[truth])).toBeLessThan(0.03);
      for (let j = 0; j < 2; j++) expect(Math.abs(gm.means[c * 2 + j] - MEANS[truth][j])).toBeLessThan(0.15);
      for (let j = 0; j < 4; j++) expect(Math.abs(gm.covariances[c * 4 + j] - COVS[truth][j])).toBeLessThan(0.2);
    });
    expect(gm.weights[0] + gm.weights[1]).toBeCloseTo(1, 12);
  });

  it('scores the log density of the fitted mixture, ln Σ_c w_c N(x; μ_c, Σ_c)', () => {
    for (const x of [
      [0, 0],
      [-3, 0.2],
      [4, -2],
      [10, 10],
    ]) {
      const direct = Math.log(
        gm.weights[0] * Math.exp(logN2(x, gm.means.slice(0, 2), gm.covariances.slice(0, 4))) +
          gm.weights[1] * Math.exp(logN2(x, gm.means.slice(2, 4), gm.covariances.slice(4, 8))),
      );
      expect(gaussianMixtureScore(gm, x)).toBeCloseTo(direct, 9);
      expect(gaussianMixtureScore(gm, [7, 7, ...x], 2)).toBeCloseTo(direct, 9);
    }
  });

  it('is deterministic under its seed and survives a JSON round trip unchanged', () => {
    const again = fitGaussianMixture(data, 2000, 2, { components: 2 });
    expect(again).toEqual(gm);
    const copy = JSON.parse(JSON.stringify(gm));
    expect(copy).toEqual(gm);
    expect(gaussianMixtureScore(copy, [0.5, 0.5])).toBe(gaussianMixtureScore(gm, [0.5, 0.5]));
  });

  it('has a mean log-likelihood close to that of the true mixture', () => {
    let fitted = 0;
    let truth = 0;
    for (let i = 0; i < 2000; i++) {
      const x = [data[i * 2], data[i * 2 + 1]];
      fitted += gaussianMixtureScore(gm, x) / 2000;
      truth +=
        Math.log(W[0] * Math.exp(logN2(x, MEANS[0], COVS[0])) + W[1] * Math.exp(logN2(x, MEANS[1], COVS[1]))) / 2000;
    }
    // ML fit: at least as likely as the truth on its own sample, and not by much
    expect(fitted).toBeGreaterThanOrEqual(truth - 1e-9);
    expect(fitted - truth).toBeLessThan(0.01);
    expect(gm.lowerBound).toBeCloseTo(fitted, 2);
  });

  it('adds regCovar to the diagonal (a single point per component gives exactly regCovar·I)', () => {
    const g = fitGaussianMixture([0, 0, 10, 10], 2, 2, { components: 2, regCovar: 0.25 });
    const byFirst = g.means[0] < g.means[2] ? [0, 1] : [1, 0];
    // sklearn adds 10·ε to every component's mass, hence "close to" rather than equal
    g.means.slice(byFirst[1] * 2, byFirst[1] * 2 + 2).forEach((v) => expect(v).toBeCloseTo(10, 12));
    for (const c of [0, 1])
      expect(g.covariances.slice(c * 4, c * 4 + 4).map((v) => +v.toFixed(12))).toEqual([0.25, 0, 0, 0.25]);
  });

  it('rejects impossible requests with a ParameterError', () => {
    expect(() => fitGaussianMixture([1, 2, 3], 3, 1, { components: 4 })).toThrow(ParameterError);
    expect(() => fitGaussianMixture([1, NaN, 3, 4], 2, 2, { components: 1 })).toThrow(ParameterError);
    expect(() => fitGaussianMixture([1, 2, 3], 2, 2, { components: 1 })).toThrow(ParameterError);
    // two identical points and no regularisation: a singular covariance
    expect(() => fitGaussianMixture([1, 1, 1, 1], 2, 2, { components: 1, regCovar: 0 })).toThrow(
      /not positive definite/,
    );
  });
});

/** ln of the true mixture's density, from the 2×2 formula: the yardstick no fit computed */
function trueLogDensity(x: number[]): number {
  return Math.log(W[0] * Math.exp(logN2(x, MEANS[0], COVS[0])) + W[1] * Math.exp(logN2(x, MEANS[1], COVS[1])));
}

/** mean ln p of the rows of a 2-D buffer under a density */
function meanLogDensity(rows: Float64Array, logp: (x: number[]) => number): number {
  let s = 0;
  for (let i = 0; i < rows.length / 2; i++) s += logp([rows[i * 2], rows[i * 2 + 1]]);
  return s / (rows.length / 2);
}

describe('fitGaussianMixture on a subsample (maxPoints)', () => {
  const n = 20_000;
  const { data } = sample2d(n, 11, W, MEANS, CHOL);
  // points no fit sees, from the same mixture
  const heldOut = sample2d(5000, 23, W, MEANS, CHOL).data;
  const full = fitGaussianMixture(data, n, 2, { components: 2 });
  const sub = fitGaussianMixture(data, n, 2, { components: 2, maxPoints: 1000 });

  it('recovers the weights, means and covariances of the mixture the data was drawn from', () => {
    const order = sub.means[0] < sub.means[2] ? [0, 1] : [1, 0];
    order.forEach((c, truth) => {
      expect(Math.abs(sub.weights[c] - W[truth])).toBeLessThan(0.05);
      for (let j = 0; j < 2; j++) expect(Math.abs(sub.means[c * 2 + j] - MEANS[truth][j])).toBeLessThan(0.2);
      for (let j = 0; j < 4; j++) expect(Math.abs(sub.covariances[c * 4 + j] - COVS[truth][j])).toBeLessThan(0.3);
    });
  });

  it('keeps the held-out log-likelihood within 0.02 nat of the full fit and of the true mixture', () => {
    const truth = meanLogDensity(heldOut, trueLogDensity);
    const ofFull = meanLogDensity(heldOut, (x) => gaussianMixtureScore(full, x));
    const ofSub = meanLogDensity(heldOut, (x) => gaussianMixtureScore(sub, x));
    expect(Math.abs(ofFull - truth)).toBeLessThan(0.005);
    expect(Math.abs(ofSub - ofFull)).toBeLessThan(0.02);
    // fitted on 1000 points, its lower bound is that subsample's mean log-likelihood, not the whole data's
    expect(sub.lowerBound).not.toBeCloseTo(full.lowerBound, 6);
  });

  it('is the full fit when maxPoints is at least the number of rows', () => {
    expect(fitGaussianMixture(data, n, 2, { components: 2, maxPoints: n })).toEqual(full);
  });

  it('rejects a subsample smaller than the components', () => {
    expect(() => fitGaussianMixture(data, n, 2, { components: 2, maxPoints: 1 })).toThrow(
      /maxPoints 1 cannot fit 2 components/,
    );
  });
});

describe('seededSubsample', () => {
  it('draws m distinct rows in increasing order, the same under one seed, all rows when m ≥ n', () => {
    const rows = seededSubsample(1000, 100, 3);
    expect(rows).toHaveLength(100);
    expect(new Set(rows).size).toBe(100);
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThan(rows[i - 1]);
    expect(Math.min(...rows)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...rows)).toBeLessThan(1000);
    expect(seededSubsample(1000, 100, 3)).toEqual(rows);
    expect(seededSubsample(1000, 100, 4)).not.toEqual(rows);
    expect(Array.from(seededSubsample(5, 9, 0))).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives every row the same chance m/n (counts over 4000 draws within 5 standard deviations)', () => {
    const n = 20;
    const m = 5;
    const draws = 4000;
    const counts = new Array<number>(n).fill(0);
    for (let seed = 0; seed < draws; seed++) for (const r of seededSubsample(n, m, seed)) counts[r]++;
    // each count is Binomial(draws, m/n): mean 1000, sd √(4000·0.25·0.75) ≈ 27.4
    const p = m / n;
    const sd = Math.sqrt(draws * p * (1 - p));
    for (const c of counts) expect(Math.abs(c - draws * p)).toBeLessThan(5 * sd);
  });
});

describe('kMeans', () => {
  it('separates three distant blobs exactly', () => {
    const normal = normalSampler(mulberry32(2));
    const centres = [
      [0, 0, 0],
      [20, 0, 0],
      [0, 0, 20],
    ];
    const n = 300;
    const data = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) for (let j = 0; j < 3; j++) data[i * 3 + j] = centres[i % 3][j] + normal();
    const { labels, centers } = kMeans(data, n, 3, 3, { seed: 4 });
    for (let i = 3; i < n; i++) expect(labels[i]).toBe(labels[i % 3]);
    expect(new Set(labels).size).toBe(3);
    for (let c = 0; c < 3; c++) {
      const k = labels[c];
      for (let j = 0; j < 3; j++) expect(Math.abs(centers[k * 3 + j] - centres[c][j])).toBeLessThan(0.3);
    }
  });

  it(
    'ends at a Lloyd fixed point on overlapping data: every label is the nearest centre, every centre the ' +
      'mean of its points',
    () => {
      const normal = normalSampler(mulberry32(8));
      const n = 3000;
      const d = 4;
      const data = new Float64Array(n * d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = normal() + (i % 3 === 0 ? 1 : 0);
      const { labels, centers, iterations } = kMeans(data, n, d, 5, { seed: 1, tol: 0 });
      expect(iterations).toBeLessThan(300);
      const sums = new Float64Array(5 * d);
      const counts = new Float64Array(5);
      for (let i = 0; i < n; i++) {
        let best = 0;
        let bestD = Infinity;
        for (let c = 0; c < 5; c++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += (data[i * d + j] - centers[c * d + j]) ** 2;
          if (s < bestD) {
            bestD = s;
            best = c;
          }
        }
        expect(labels[i]).toBe(best);
        counts[best]++;
        for (let j = 0; j < d; j++) sums[best * d + j] += data[i * d + j];
      }
      for (let c = 0; c < 5; c++)
        for (let j = 0; j < d; j++) expect(centers[c * d + j]).toBeCloseTo(sums[c * d + j] / counts[c], 10);
    },
  );
});
