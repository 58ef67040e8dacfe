import { ParameterError } from '@driftwatch/contracts';

/** Points of a precision–recall curve, in the order the trapezoids are taken (recall ascending). */
export interface PrCurve {
  recall: Float64Array;
  precision: Float64Array;
}

function assertCurveInput(precision: ArrayLike<number>, recall: ArrayLike<number>): void {
  if (precision.length !== recall.length) {
    throw new ParameterError(`precision–recall curve: ${precision.length} precisions but ${recall.length} recalls`);
  }
  for (let i = 0; i < recall.length; i++) {
    if (Number.isNaN(recall[i]) || Number.isNaN(precision[i]))
      throw new ParameterError(`precision–recall curve: point ${i} is NaN`);
  }
}

function isNonIncreasing(x: Float64Array): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] > x[i - 1]) return false;
  return true;
}

/**
 * Stable ascending order of `x`. A non-increasing `x` (every real PR curve in ascending-threshold order) is
 * handled in O(n) by emitting its runs of equal values back to front, each run in its own order.
 */
function stableAscendingOrder(x: Float64Array): Uint32Array {
  const n = x.length;
  const order = new Uint32Array(n);
  if (isNonIncreasing(x)) {
    let k = 0;
    let end = n;
    while (end > 0) {
      let start = end - 1;
      while (start > 0 && x[start - 1] === x[end - 1]) start--;
      for (let i = start; i < end; i++) order[k++] = i;
      end = start;
    }
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => x[a] - x[b] || a - b);
}

/**
 * The (R, P) points whose area is AUC-PR (docs/divad.md §2 item 6): the given points in sklearn's order
 * (ascending threshold), then the (R = 0, P = 1) point, reordered by a stable sort on R.
 * `precision[i]`, `recall[i]` belong to the i-th lowest threshold.
 */
export function precisionRecallCurve(precision: ArrayLike<number>, recall: ArrayLike<number>): PrCurve {
  assertCurveInput(precision, recall);
  const n = recall.length + 1;
  const r = new Float64Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) {
    r[i] = recall[i];
    p[i] = precision[i];
  }
  r[n - 1] = 0;
  p[n - 1] = 1;
  const order = stableAscendingOrder(r);
  const curve: PrCurve = { recall: new Float64Array(n), precision: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    curve.recall[i] = r[order[i]];
    curve.precision[i] = p[order[i]];
  }
  return curve;
}

/**
 * Trapezoidal rule Σ_i (x_{i+1} − x_i)(y_i + y_{i+1})/2, as sklearn `auc` for x in ascending order (docs/divad.md §2
 * item 6).
 */
export function trapezoidArea(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new ParameterError(`trapezoidArea: ${x.length} x values but ${y.length} y values`);
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

/** AUC-PR of docs/divad.md §2 item 6 from the per-threshold precision and recall in ascending-threshold order. */
export function areaUnderPrCurve(precision: ArrayLike<number>, recall: ArrayLike<number>): number {
  const curve = precisionRecallCurve(precision, recall);
  return trapezoidArea(curve.recall, curve.precision);
}
