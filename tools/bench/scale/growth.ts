/** How a cost grows with a size: the exponent b of cost ≈ a·nᵇ, fitted or between two sizes. */

/** b of the least-squares line log y = log a + b·log n over the points (NaN for fewer than two sizes) */
export function fittedExponent(sizes: readonly number[], costs: readonly number[]): number {
  if (sizes.length !== costs.length) throw new Error(`${sizes.length} sizes and ${costs.length} costs`);
  if (sizes.length < 2) return NaN;
  const x = sizes.map(Math.log);
  const y = costs.map(Math.log);
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  x.forEach((v, k) => {
    sxy += (v - mx) * (y[k] - my);
    sxx += (v - mx) ** 2;
  });
  return sxy / sxx;
}

/** b between two sizes: log(y₂/y₁)/log(n₂/n₁) */
export function localExponent(n1: number, y1: number, n2: number, y2: number): number {
  return Math.log(y2 / y1) / Math.log(n2 / n1);
}
