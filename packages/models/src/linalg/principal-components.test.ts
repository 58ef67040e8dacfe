import { mulberry32, normalSampler } from '@driftwatch/contracts';
import { projectOnPrincipalAxes } from './principal-components';

describe('projectOnPrincipalAxes', () => {
  it('recovers the position along a rotated line and its variance share (closed form)', () => {
    // x = t·u + s·w with u ⟂ w unit vectors in 3-D, t with variance 9 ≫ s with variance 0.01
    const normal = normalSampler(mulberry32(3));
    const u = [2 / 3, 2 / 3, 1 / 3];
    const w = [1 / Math.SQRT2, -1 / Math.SQRT2, 0];
    const n = 2000;
    const t = Float64Array.from({ length: n }, () => 3 * normal());
    const s = Float64Array.from({ length: n }, () => 0.1 * normal());
    const data = new Float64Array(n * 3);
    for (let r = 0; r < n; r++) for (let i = 0; i < 3; i++) data[r * 3 + i] = 5 + t[r] * u[i] + s[r] * w[i];
    const { coordinates, explained } = projectOnPrincipalAxes(data, n, 3, 2);
    const tMean = t.reduce((a, b) => a + b, 0) / n;
    // the largest component of u is positive, so the first axis is +u: y₁ = t − t̄ (up to the tiny w part)
    for (let r = 0; r < n; r += 97) expect(coordinates[r * 2]).toBeCloseTo(t[r] - tMean, 1);
    const varT = t.reduce((a, v) => a + (v - tMean) ** 2, 0) / (n - 1);
    const sMean = s.reduce((a, b) => a + b, 0) / n;
    const varS = s.reduce((a, v) => a + (v - sMean) ** 2, 0) / (n - 1);
    expect(explained[0]).toBeCloseTo(varT / (varT + varS), 3);
    expect(explained[1]).toBeCloseTo(varS / (varT + varS), 3);
  });

  it('checks k and n', () => {
    expect(() => projectOnPrincipalAxes([1, 2, 3, 4], 2, 2, 3)).toThrow(/k = 3/);
    expect(() => projectOnPrincipalAxes([1, 2], 1, 2, 1)).toThrow(/at least 2 rows/);
  });
});
