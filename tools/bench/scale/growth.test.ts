import { fittedExponent, localExponent } from './growth';

describe('growth exponents', () => {
  const sizes = [32, 64, 128, 256, 512, 1024];

  it('recovers the exponent of an exact power law', () => {
    expect(
      fittedExponent(
        sizes,
        sizes.map((n) => 3 * n ** 1.5),
      ),
    ).toBeCloseTo(1.5, 10);
    expect(
      fittedExponent(
        sizes,
        sizes.map((n) => 0.01 * n * n),
      ),
    ).toBeCloseTo(2, 10);
  });

  it('puts n·log n between 1 and 1.3, at 1 + log₂(ln 2n / ln n) from n to 2n', () => {
    const costs = sizes.map((n) => n * Math.log(n));
    const b = fittedExponent(sizes, costs);
    expect(b).toBeGreaterThan(1);
    expect(b).toBeLessThan(1.3);
    // log₂((2n·ln 2n)/(n·ln n)) = 1 + log₂(ln 2n / ln n): 1.1375 from 512 to 1,024
    expect(localExponent(512, costs[4], 1024, costs[5])).toBeCloseTo(1 + Math.log2(Math.log(1024) / Math.log(512)), 10);
  });

  it('is NaN with fewer than two sizes and refuses mismatched lists', () => {
    expect(fittedExponent([32], [1])).toBeNaN();
    expect(() => fittedExponent([32, 64], [1])).toThrow(/2 sizes and 1 costs/);
  });
});
