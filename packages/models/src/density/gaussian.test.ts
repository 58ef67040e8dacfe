import { mulberry32, normalSampler } from '@driftwatch/contracts';
import { initBackend, tf } from '../backend';
import {
  diagGaussianLogPdf,
  diagGaussianMixtureLogPdf,
  diagGaussianMixtureScorer,
  klDiagGaussians,
  klStandardNormal,
  logSoftmax,
  logSumExp,
  scaleFromRaw,
  softplus,
  standardNormalNll,
} from './gaussian';
import {
  tfDiagGaussianLogPdf,
  tfDiagGaussianMixtureLogPdf,
  tfKlDiagGaussians,
  tfKlStandardNormal,
  tfScaleFromRaw,
} from './gaussian-tf';

/** 3×3 determinant and inverse by cofactors, written out */
function det3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}
function inv3(m: number[][]): number[][] {
  const d = det3(m);
  const c = (r0: number, r1: number, c0: number, c1: number) => m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
  return [
    [c(1, 2, 1, 2) / d, -c(0, 2, 1, 2) / d, c(0, 1, 1, 2) / d],
    [-c(1, 2, 0, 2) / d, c(0, 2, 0, 2) / d, -c(0, 1, 0, 2) / d],
    [c(1, 2, 0, 1) / d, -c(0, 2, 0, 1) / d, c(0, 1, 0, 1) / d],
  ];
}
/** multivariate normal density from the general formula (2π)^(−d/2) |Σ|^(−½) exp(−½ (x−μ)ᵀ Σ⁻¹ (x−μ)) */
function mvnPdf3(x: number[], mu: number[], cov: number[][]): number {
  const inv = inv3(cov);
  const r = x.map((v, i) => v - mu[i]);
  let q = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) q += r[i] * inv[i][j] * r[j];
  return Math.exp(-0.5 * q) / Math.sqrt((2 * Math.PI) ** 3 * det3(cov));
}
const diag = (s: number[]) => s.map((v, i) => s.map((_, j) => (i === j ? v * v : 0)));

const x = [0.3, -1.2, 2.0];
const mu = [0.1, -0.5, 1.0];
const sd = [0.8, 1.5, 0.4];

describe('plain-JS densities', () => {
  it('diagGaussianLogPdf equals the log of the general multivariate normal density', () => {
    expect(diagGaussianLogPdf(x, mu, sd)).toBeCloseTo(Math.log(mvnPdf3(x, mu, diag(sd))), 12);
    // offsets select a row of row-major buffers
    expect(diagGaussianLogPdf([9, ...x], [7, 7, 7, ...mu], [1, 1, 1, ...sd], 3, 1, 3)).toBeCloseTo(
      Math.log(mvnPdf3(x, mu, diag(sd))),
      12,
    );
  });

  it('diagGaussianMixtureLogPdf equals ln Σ_k w_k N(x; m_k, s_k²) computed in probability space', () => {
    const w = [0.2, 0.5, 0.3];
    const means = [mu, [0, 0, 0], [1, -1, 2]];
    const stds = [sd, [1, 1, 1], [0.5, 2, 1]];
    const direct = Math.log(w.reduce((s, wk, k) => s + wk * mvnPdf3(x, means[k], diag(stds[k])), 0));
    const mix = { components: 3, dimension: 3, logWeights: w.map(Math.log), means: means.flat(), stds: stds.flat() };
    expect(diagGaussianMixtureLogPdf(mix, x)).toBeCloseTo(direct, 12);
    const scorer = diagGaussianMixtureScorer(mix);
    expect(scorer(x)).toBeCloseTo(direct, 12);
    expect(scorer([5, 5, ...x], 2)).toBeCloseTo(direct, 12);
  });

  it('logSoftmax, logSumExp and softplus are exact for moderate inputs and do not overflow', () => {
    expect(logSumExp([1, 2, 3])).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 14);
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 10);
    expect(logSumExp([])).toBe(-Infinity);
    const ls = logSoftmax([0, Math.log(3)]);
    expect(Math.exp(ls[0])).toBeCloseTo(0.25, 14);
    expect(Math.exp(ls[1])).toBeCloseTo(0.75, 14);
    expect(softplus(0)).toBeCloseTo(Math.log(2), 15);
    expect(softplus(800)).toBe(800);
    expect(softplus(-800)).toBeGreaterThanOrEqual(0);
    expect(scaleFromRaw(0)).toBeCloseTo(1e-4 + Math.log(2), 15);
  });

  it('standardNormalNll is ½‖μ‖² + (L/2) ln 2π', () => {
    expect(standardNormalNll([3, 4])).toBeCloseTo(12.5 + Math.log(2 * Math.PI), 12);
    expect(standardNormalNll([3, 4], 2)).toBeCloseTo(
      -Math.log(mvnPdf3([3, 4, 0], [0, 0, 0], diag([1, 1, 1]))) - 0.5 * Math.log(2 * Math.PI),
      10,
    );
  });

  it('klDiagGaussians matches the closed form worked by hand', () => {
    // 1-D: q = N(1, 2²), p = N(0, 1): ln(1/2) + (4 + 1)/2 − ½ = 2 − ln 2
    expect(klDiagGaussians([1], [2], [0], [1])).toBeCloseTo(2 - Math.log(2), 14);
    // q = N(0, 1), p = N(3, 0.5²): ln(0.5) + (1 + 9)/(2·0.25) − ½ = 19.5 − ln 2
    expect(klDiagGaussians([0], [1], [3], [0.5])).toBeCloseTo(19.5 - Math.log(2), 12);
    // sums over dimensions
    expect(klDiagGaussians([1, 0], [2, 1], [0, 3], [1, 0.5])).toBeCloseTo(21.5 - 2 * Math.log(2), 12);
    expect(klDiagGaussians(mu, sd, mu, sd)).toBeCloseTo(0, 14);
    // against N(0, I) it is the DIVAD-G KL_y
    expect(klStandardNormal(mu, sd)).toBeCloseTo(klDiagGaussians(mu, sd, [0, 0, 0], [1, 1, 1]), 12);
  });

  it('klDiagGaussians agrees with a Monte Carlo estimate E_q[ln q − ln p]', () => {
    const muQ = [0.5, -1];
    const sQ = [0.7, 1.3];
    const muP = [0, 0.5];
    const sP = [1.2, 0.9];
    const normal = normalSampler(mulberry32(17));
    const n = 60_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const z = [muQ[0] + sQ[0] * normal(), muQ[1] + sQ[1] * normal()];
      const v = diagGaussianLogPdf(z, muQ, sQ) - diagGaussianLogPdf(z, muP, sP);
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / n;
    const se = Math.sqrt((sumSq / n - mean * mean) / n);
    expect(Math.abs(mean - klDiagGaussians(muQ, sQ, muP, sP))).toBeLessThan(4 * se);
  });
});

describe('tfjs counterparts agree with the plain-JS densities', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  const rows = [x, mu.map((v) => v * 2), [0, 0, 0]];
  const means = [mu, [0, 1, 0], [1, -1, 2]];
  const stds = [sd, [1, 1, 1], [0.5, 2, 1]];
  const t2 = (a: number[][]) => tf.tensor2d(a.flat(), [a.length, a[0].length], 'float32');
  const read = (f: () => tf.Tensor) => tf.tidy(f).dataSync();

  it('log-density, KL and KL to N(0, I), per row', () => {
    const lp = read(() => tfDiagGaussianLogPdf(t2(rows), t2(means), t2(stds)));
    const kl = read(() => tfKlDiagGaussians(t2(rows), t2(stds), t2(means), t2(stds.map((s) => s.map((v) => v * 1.5)))));
    const kl0 = read(() => tfKlStandardNormal(t2(rows), t2(stds)));
    rows.forEach((r, i) => {
      expect(lp[i]).toBeCloseTo(diagGaussianLogPdf(r, means[i], stds[i]), 4);
      expect(kl[i]).toBeCloseTo(
        klDiagGaussians(
          r,
          stds[i],
          means[i],
          stds[i].map((v) => v * 1.5),
        ),
        4,
      );
      expect(kl0[i]).toBeCloseTo(klStandardNormal(r, stds[i]), 4);
    });
  });

  it('mixture log-density and σ = 1e-4 + softplus(ρ)', () => {
    const logits = [0.3, -1, 0.2];
    const lw = logSoftmax(logits);
    const mix = read(() =>
      tfDiagGaussianMixtureLogPdf(t2(rows), tf.logSoftmax(tf.tensor1d(logits)) as tf.Tensor1D, t2(means), t2(stds)),
    );
    rows.forEach((r, i) =>
      expect(mix[i]).toBeCloseTo(
        diagGaussianMixtureLogPdf(
          { components: 3, dimension: 3, logWeights: lw, means: means.flat(), stds: stds.flat() },
          r,
        ),
        4,
      ),
    );
    const raw = [-30, -1, 0, 2, 40];
    const s = read(() => tfScaleFromRaw(tf.tensor1d(raw)));
    raw.forEach((v, i) => expect(s[i]).toBeCloseTo(scaleFromRaw(v), 5));
  });
});
