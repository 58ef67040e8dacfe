import { ParameterError, mulberry32 } from '@driftwatch/contracts';
import { fitGpd, gpdLogLikelihood, grimshawEquation, potQuantile, potThreshold, spot } from './pot';
import { percentileThreshold } from './quantile';

/** GPD draws by inverse CDF: F(y) = 1 − (1 + γy/σ)^(−1/γ) ⇒ y = σ/γ·((1 − u)^(−γ) − 1); γ = 0: y = −σ·log(1 − u). */
function gpdSample(n: number, sigma: number, gamma: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  return Float64Array.from({ length: n }, () => {
    const u = rand();
    return gamma === 0 ? -sigma * Math.log(1 - u) : (sigma / gamma) * (Math.pow(1 - u, -gamma) - 1);
  });
}

describe('fitGpd (Grimshaw)', () => {
  it.each([
    [1.5, 0.25],
    [1, -0.3],
    [2, 0],
  ])('recovers sigma %p, gamma %p from 5000 draws', (sigma, gamma) => {
    // standard errors at n = 5000: about 0.02 for γ, 2–3 % for σ
    const fit = fitGpd(gpdSample(5000, sigma, gamma, 11));
    expect(Math.abs(fit.gamma - gamma)).toBeLessThan(0.06);
    expect(Math.abs(fit.sigma - sigma) / sigma).toBeLessThan(0.07);
  });

  it(
    'is the likelihood maximum: no point of a brute-force (σ, γ) grid does better, and the grid optimum is ' +
      'next to it',
    () => {
      for (const [sigma, gamma, seed] of [
        [1, 0.4, 3],
        [3, -0.2, 5],
      ]) {
        const y = gpdSample(200, sigma, gamma, seed);
        const fit = fitGpd(y);
        // direct log-likelihood written from the density f(y) = (1/σ)(1 + γy/σ)^(−1/γ − 1)
        const direct = (s: number, g: number) => {
          let ll = 0;
          for (const v of y) {
            const z = 1 + (g * v) / s;
            if (z <= 0) return -Infinity;
            ll += -Math.log(s) + (-1 / g - 1) * Math.log(z);
          }
          return ll;
        };
        let best = { s: 0, g: 0, ll: -Infinity };
        for (let s = 0.3; s <= 5; s += 0.05) {
          for (let g = -0.79; g <= 1; g += 0.02) {
            const ll = direct(s, g);
            if (ll > best.ll) best = { s, g, ll };
          }
        }
        expect(fit.logLikelihood).toBeGreaterThanOrEqual(best.ll - 1e-9);
        expect(fit.logLikelihood).toBeCloseTo(direct(fit.sigma, fit.gamma), 8);
        expect(Math.abs(best.g - fit.gamma)).toBeLessThan(0.03);
        expect(Math.abs(best.s - fit.sigma)).toBeLessThan(0.05 * fit.sigma + 0.05);
        // the fit solves Grimshaw's equation at x = γ/σ
        expect(Math.abs(grimshawEquation(y, fit.gamma / fit.sigma))).toBeLessThan(1e-9);
      }
    },
  );

  it('exponential log-likelihood is the γ → 0 limit', () => {
    const y = [0.5, 1, 2];
    // −3·log 2 − 3.5/2
    expect(gpdLogLikelihood(y, 2, 0)).toBeCloseTo(-3 * Math.log(2) - 1.75, 14);
    expect(gpdLogLikelihood(y, 2, 1e-9)).toBeCloseTo(gpdLogLikelihood(y, 2, 0), 6);
  });

  it('rejects bad excesses', () => {
    expect(() => fitGpd([])).toThrow(ParameterError);
    expect(() => fitGpd([1, 0])).toThrow(ParameterError);
  });
});

describe('potQuantile', () => {
  it('matches the closed form and is the q-quantile of the fitted tail', () => {
    // t = 10, σ = 2, γ = 0.5, q = 0.001, n = 1000, N_t = 20: q·n/N_t = 0.05, z = 10 + 4·(√20 − 1)
    const z = potQuantile(10, 2, 0.5, 0.001, 1000, 20);
    expect(z).toBeCloseTo(10 + 4 * (Math.sqrt(20) - 1), 12);
    // tail check: P(X > z) = (N_t/n)·(1 + γ(z − t)/σ)^(−1/γ) = q
    expect((20 / 1000) * Math.pow(1 + (0.5 * (z - 10)) / 2, -2)).toBeCloseTo(0.001, 14);
    // γ = 0: z = t − σ·log(0.05); tail (N_t/n)·exp(−(z − t)/σ) = q
    const z0 = potQuantile(10, 2, 0, 0.001, 1000, 20);
    expect(z0).toBeCloseTo(10 - 2 * Math.log(0.05), 12);
    expect((20 / 1000) * Math.exp(-(z0 - 10) / 2)).toBeCloseTo(0.001, 14);
    expect(() => potQuantile(10, 2, 0, 1, 1000, 20)).toThrow(ParameterError);
    expect(() => potQuantile(10, 0, 0, 0.1, 1000, 20)).toThrow(ParameterError);
    expect(() => potQuantile(10, 1, 0, 0.1, 10, 20)).toThrow(ParameterError);
  });
});

describe('potThreshold', () => {
  it('estimates a far quantile of Exp(1): −log q (400 excesses, q = 1e-3)', () => {
    const x = gpdSample(20000, 1, 0, 21);
    const r = potThreshold(x, { q: 1e-3 });
    expect(r.initialThreshold).toBe(percentileThreshold(x, 98));
    expect(r.excesses.length).toBe(Array.from(x).filter((v) => v > r.initialThreshold).length);
    expect(r.threshold).toBeCloseTo(
      potQuantile(r.initialThreshold, r.sigma, r.gamma, 1e-3, 20000, r.excesses.length),
      12,
    );
    expect(Math.abs(r.threshold - -Math.log(1e-3))).toBeLessThan(0.5);
  });

  it('rejects bad parameters', () => {
    expect(() => potThreshold([1, 2, 3], { q: 0 })).toThrow(ParameterError);
    expect(() => potThreshold([1, 2, 3], { q: 0.1, initialLevel: 1 })).toThrow(ParameterError);
    expect(() => potThreshold([1, 1, 1], { q: 0.1 })).toThrow(ParameterError);
  });
});

describe('spot', () => {
  const calibration = gpdSample(1000, 1, 0, 31);
  const pot = potThreshold(calibration, { q: 1e-3 });

  it('keeps z_q while scores stay below t, alarms above z_q without learning them', () => {
    const low = pot.initialThreshold / 2;
    const r = spot(calibration, [low, low, pot.threshold + 5, low], { q: 1e-3 });
    expect(Array.from(r.thresholds)).toEqual([pot.threshold, pot.threshold, pot.threshold, pot.threshold]);
    expect(Array.from(r.alarms)).toEqual([0, 0, 1, 0]);
    expect(r.final.count).toBe(1003);
    expect(r.final.excesses.length).toBe(pot.excesses.length);
  });

  it('learns a peak: refits on the excesses plus the new one, with n counting the non-alarm scores', () => {
    const low = pot.initialThreshold / 2;
    const peak = (pot.initialThreshold + pot.threshold) / 2;
    const r = spot(calibration, [low, peak, low], { q: 1e-3 });
    const fit = fitGpd([...pot.excesses, peak - pot.initialThreshold]);
    const expected = potQuantile(pot.initialThreshold, fit.sigma, fit.gamma, 1e-3, 1002, pot.excesses.length + 1);
    expect(r.thresholds[0]).toBe(pot.threshold);
    expect(r.thresholds[1]).toBe(pot.threshold);
    expect(r.thresholds[2]).toBeCloseTo(expected, 12);
    expect(r.thresholds[2]).not.toBeCloseTo(pot.threshold, 6);
    expect(Array.from(r.alarms)).toEqual([0, 0, 0]);
  });

  it('rejects NaN stream scores', () => {
    expect(() => spot(calibration, [NaN], { q: 1e-3 })).toThrow(ParameterError);
  });
});
