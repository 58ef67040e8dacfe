/**
 * Indices of a min–max decimation: the series is cut into ⌈n / bucket⌉ buckets of `bucket` points and each
 * keeps its first minimum and first maximum in time order, so a drawn line keeps every spike and dip of
 * the full series with at most `2·⌈n / bucket⌉` points. With n ≤ maxPoints every index is kept.
 */
export function minMaxDecimate(values: ArrayLike<number>, maxPoints: number): number[] {
  const n = values.length;
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2))
    throw new RangeError(`maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const bucket = Math.ceil(n / Math.floor(maxPoints / 2));
  const kept: number[] = [];
  for (let start = 0; start < n; start += bucket) {
    const end = Math.min(start + bucket, n);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    if (lo === hi) kept.push(lo);
    else kept.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  return kept;
}
