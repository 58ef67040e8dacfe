import { ParameterError } from '@driftwatch/contracts';
import { symmetricEigen } from './eigen';
import { fromSpectrum, gaussianMatrix, matmul, maxAbs, randomOrthogonal, transposed } from './test-helpers';

/** max_j ‖A·v_j − λ_j·v_j‖∞ */
function residual(a: Float64Array, values: Float64Array, vectors: Float64Array, d: number): number {
  const av = matmul(a, vectors, d, d, d);
  let worst = 0;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) worst = Math.max(worst, Math.abs(av[i * d + j] - values[j] * vectors[i * d + j]));
  return worst;
}

/** max |VᵀV − I| */
function orthonormalityError(v: Float64Array, d: number): number {
  const g = matmul(transposed(v, d, d), v, d, d, d);
  for (let i = 0; i < d; i++) g[i * d + i] -= 1;
  return maxAbs(g);
}

describe('symmetricEigen', () => {
  it('1×1: the entry itself with eigenvector ±1', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(-3.5), 1);
    expect(Array.from(values)).toEqual([-3.5]);
    expect(Math.abs(vectors[0])).toBe(1);
  });

  it('2×2: λ = (a+c)/2 ± √(((a−c)/2)² + b²) and v ∝ (b, λ − a)', () => {
    for (const [a, b, c] of [
      [2, 1, 2],
      [4, -3, -1],
      [1e-3, 5, 7],
      [3, 0, 8],
    ]) {
      const { values, vectors } = symmetricEigen(Float64Array.of(a, b, b, c), 2);
      const mid = (a + c) / 2;
      const rad = Math.sqrt(((a - c) / 2) ** 2 + b * b);
      expect(values[0]).toBeCloseTo(mid + rad, 12);
      expect(values[1]).toBeCloseTo(mid - rad, 12);
      for (let j = 0; j < 2; j++) {
        // the closed-form eigenvector (b, λ − a) when b ≠ 0, else the matching unit axis
        const ref = b !== 0 ? [b, values[j] - a] : values[j] === a ? [1, 0] : [0, 1];
        const norm = Math.hypot(ref[0], ref[1]);
        const dot = (vectors[j] * ref[0] + vectors[2 + j] * ref[1]) / norm;
        expect(Math.abs(dot)).toBeCloseTo(1, 12);
      }
    }
  });

  it('recovers a known spectrum Q·diag(λ)·Qᵀ with Q from Gram–Schmidt', () => {
    const d = 40;
    const q = randomOrthogonal(d, 11);
    const spectrum = Array.from({ length: d }, (_, i) => 10 - 0.5 * i - 0.01 * i * i); // distinct, mixed signs
    const a = fromSpectrum(q, spectrum, d);
    const { values, vectors } = symmetricEigen(a, d);
    const expected = [...spectrum].sort((x, y) => y - x);
    for (let j = 0; j < d; j++) expect(values[j]).toBeCloseTo(expected[j], 11);
    expect(residual(a, values, vectors, d)).toBeLessThan(1e-12);
    expect(orthonormalityError(vectors, d)).toBeLessThan(1e-13);
    // distinct eigenvalues: each eigenvector equals ± the matching column of Q
    for (let j = 0; j < d; j++) {
      const col = spectrum.indexOf(expected[j]);
      let dot = 0;
      for (let i = 0; i < d; i++) dot += vectors[i * d + j] * q[i * d + col];
      expect(Math.abs(dot)).toBeCloseTo(1, 10);
    }
  });

  it('handles repeated eigenvalues (the eigenspace, not the basis, is determined)', () => {
    const d = 12;
    const q = randomOrthogonal(d, 5);
    const spectrum = [5, 5, 5, 5, 2, 2, 2, 0, 0, 0, -1, -1];
    const a = fromSpectrum(q, spectrum, d);
    const { values, vectors } = symmetricEigen(a, d);
    for (let j = 0; j < d; j++) expect(values[j]).toBeCloseTo(spectrum[j], 12);
    expect(residual(a, values, vectors, d)).toBeLessThan(1e-13);
    expect(orthonormalityError(vectors, d)).toBeLessThan(1e-13);
  });

  it('diagonal, zero and identity matrices', () => {
    const diag = Float64Array.from({ length: 16 }, (_, k) => (k % 5 === 0 ? [3, -1, 7, 0][k / 5] : 0));
    const { values, vectors } = symmetricEigen(diag, 4);
    expect(Array.from(values)).toEqual([7, 3, 0, -1]);
    expect(residual(diag, values, vectors, 4)).toBe(0);
    const zero = symmetricEigen(new Float64Array(25), 5);
    expect(Array.from(zero.values)).toEqual([0, 0, 0, 0, 0]);
    expect(orthonormalityError(zero.vectors, 5)).toBe(0);
    const eye = Float64Array.from({ length: 9 }, (_, k) => (k % 4 === 0 ? 1 : 0));
    expect(Array.from(symmetricEigen(eye, 3).values)).toEqual([1, 1, 1]);
  });

  it('second-difference matrix: λ_k = 2 − 2cos(kπ/(d+1)) in closed form', () => {
    const d = 25;
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      a[i * d + i] = 2;
      if (i + 1 < d) a[i * d + i + 1] = a[(i + 1) * d + i] = -1;
    }
    const { values, vectors } = symmetricEigen(a, d);
    for (let j = 0; j < d; j++) expect(values[j]).toBeCloseTo(2 - 2 * Math.cos(((d - j) * Math.PI) / (d + 1)), 13);
    expect(residual(a, values, vectors, d)).toBeLessThan(1e-14);
  });

  it('block-diagonal input (zero columns to skip, blocks that split early)', () => {
    const d = 9;
    const q1 = randomOrthogonal(4, 1);
    const q2 = randomOrthogonal(5, 2);
    const b1 = fromSpectrum(q1, [4, 3, 2, 1], 4);
    const b2 = fromSpectrum(q2, [8, 2.5, 0.5, -2, -3], 5);
    const a = new Float64Array(d * d);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) a[i * d + j] = b1[i * 4 + j];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) a[(i + 4) * d + j + 4] = b2[i * 5 + j];
    const { values, vectors } = symmetricEigen(a, d);
    const expected = [8, 4, 3, 2.5, 2, 1, 0.5, -2, -3];
    for (let j = 0; j < d; j++) expect(values[j]).toBeCloseTo(expected[j], 12);
    expect(residual(a, values, vectors, d)).toBeLessThan(1e-13);
    expect(orthonormalityError(vectors, d)).toBeLessThan(1e-14);
  });

  it('keeps relative accuracy over a wide range of scales', () => {
    const d = 10;
    const q = randomOrthogonal(d, 9);
    const spectrum = Array.from({ length: d }, (_, i) => 10 ** (4 - i)); // 1e4 … 1e-5
    const { values } = symmetricEigen(fromSpectrum(q, spectrum, d), d);
    // absolute error is bounded by ≈ ‖A‖·ε·d, so compare at that scale
    for (let j = 0; j < d; j++) expect(Math.abs(values[j] - spectrum[j])).toBeLessThan(1e4 * 1e-13);
  });

  it('a random Gram matrix: A·v = λ·v, VᵀV = I, trace preserved (d = 150)', () => {
    const d = 150;
    const x = gaussianMatrix(2 * d, d, 21);
    const a = matmul(transposed(x, 2 * d, d), x, d, 2 * d, d);
    const { values, vectors } = symmetricEigen(a, d);
    const scale = values[0];
    expect(residual(a, values, vectors, d) / scale).toBeLessThan(1e-13);
    expect(orthonormalityError(vectors, d)).toBeLessThan(1e-12);
    let trace = 0;
    for (let i = 0; i < d; i++) trace += a[i * d + i];
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 6);
    for (let j = 1; j < d; j++) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
  });

  it('uses the symmetric part of a non-symmetric input', () => {
    const a = Float64Array.of(1, 4, 0, 3); // symmetric part [[1, 2], [2, 3]]
    const { values } = symmetricEigen(a, 2);
    expect(values[0]).toBeCloseTo(2 + Math.sqrt(5), 12);
    expect(values[1]).toBeCloseTo(2 - Math.sqrt(5), 12);
  });

  it('rejects a wrong size and non-finite entries', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(ParameterError);
    expect(() => symmetricEigen(Float64Array.of(1, NaN, NaN, 1), 2)).toThrow(ParameterError);
    expect(() => symmetricEigen(new Float64Array(0), 0)).toThrow(ParameterError);
  });
});
