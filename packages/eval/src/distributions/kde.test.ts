import { ParameterError } from '@driftwatch/contracts';
import { gaussianKdeAt, kde, scottBandwidth, silvermanBandwidth } from './kde';

describe('bandwidth rules', () => {
  // x = 1..5: sample std √2.5 = 1.5811; Q1 = 2, Q3 = 4, IQR/1.34 = 1.4925; n^(−1/5) = 5^(−0.2) = 0.72478
  const x = [3, 1, 5, 2, 4];
  it('Silverman: 0.9·min(s, IQR/1.34)·n^(−1/5)', () => {
    expect(silvermanBandwidth(x)).toBeCloseTo(0.9 * (2 / 1.34) * 0.7247796637, 9); // = 0.97358
  });
  it('Scott: 1.06·s·n^(−1/5)', () => {
    expect(scottBandwidth(x)).toBeCloseTo(1.06 * 1.5811388301 * 0.7247796637, 9); // = 1.21474
  });
  it('Silverman takes the std when it is the smaller spread', () => {
    // 0, 0, 10, 10: s = √(100/3) = 5.7735, IQR = 10 (Q1 = 0, Q3 = 10) / 1.34 = 7.46
    expect(silvermanBandwidth([0, 0, 10, 10])).toBeCloseTo(0.9 * Math.sqrt(100 / 3) * Math.pow(4, -0.2), 12);
  });
  it('rejects degenerate samples', () => {
    expect(() => silvermanBandwidth([1, 1, 1])).toThrow(ParameterError);
    expect(() => scottBandwidth([1])).toThrow(ParameterError);
    expect(() => silvermanBandwidth([1, NaN])).toThrow(ParameterError);
  });
});

describe('kde', () => {
  const samples = [-1.2, 0.3, 0.4, 2.5, 3.1, 3.3, 7];

  it('integrates to 1 over its default grid (trapezoid)', () => {
    for (const bandwidth of ['silverman', 'scott', 0.3] as const) {
      const { x, density } = kde(samples, { bandwidth, grid: 2000 });
      let area = 0;
      for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (density[i] + density[i - 1])) / 2;
      // ±3h tails leave out 2·Φ(−3)/… ≤ 0.27 % of each kernel's mass
      expect(area).toBeGreaterThan(0.997);
      expect(area).toBeLessThan(1.0001);
    }
  });

  it('equals a direct sum of normal densities at given points', () => {
    const h = 0.7;
    const points = [-2, 0, 0.35, 3.2, 10];
    const { density, bandwidth } = kde(samples, { bandwidth: h, grid: points });
    expect(bandwidth).toBe(h);
    points.forEach((p, i) => {
      // mean of N(x_i, h²) densities, written from exp(−(p − x_i)²/(2h²))/(h√(2π))
      const direct =
        samples.reduce((s, xi) => s + Math.exp(-((p - xi) ** 2) / (2 * h * h)) / (h * Math.sqrt(2 * Math.PI)), 0) /
        samples.length;
      expect(density[i]).toBeCloseTo(direct, 14);
      expect(gaussianKdeAt(samples, h, p)).toBeCloseTo(direct, 14);
    });
    // a single sample: the N(0, 1) density at 0 is 1/√(2π)
    expect(gaussianKdeAt([0], 1, 0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15);
  });

  it('uses Silverman by default', () => {
    expect(kde(samples).bandwidth).toBe(silvermanBandwidth(samples));
    expect(kde(samples).x.length).toBe(512);
  });

  it('rejects bad parameters', () => {
    expect(() => kde(samples, { bandwidth: 0 })).toThrow(ParameterError);
    expect(() => kde(samples, { bandwidth: 'sheather' as 'scott' })).toThrow(ParameterError);
    expect(() => kde(samples, { grid: 1 })).toThrow(ParameterError);
    expect(() => kde([1, Infinity])).toThrow(ParameterError);
  });
});
