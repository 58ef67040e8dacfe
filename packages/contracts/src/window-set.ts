import type { WindowSet } from './sequence';
import { FeatureMismatchError, ParameterError } from './errors';

/**
 * A WindowSet over windows stored back to back (window i = values[i·W·F, (i+1)·W·F)).
 * Used for small in-memory sets and tests; ingest's windowing builds overlapping views instead.
 */
export function packedWindowSet(
  values: Float32Array,
  windowLength: number,
  featureCount: number,
  domainIndex?: ArrayLike<number>,
  domains: string[] = ['default'],
): WindowSet {
  const size = windowLength * featureCount;
  if (!(windowLength >= 1 && featureCount >= 1) || values.length % size !== 0) {
    throw new ParameterError(
      `packedWindowSet: ${values.length} values do not split into windows of ${windowLength}×${featureCount}`,
    );
  }
  const count = values.length / size;
  if (domainIndex && domainIndex.length !== count)
    throw new FeatureMismatchError(count, domainIndex.length, 'domain indices');
  return {
    windowLength,
    featureCount,
    count,
    domains,
    window: (i) => values.subarray(i * size, (i + 1) * size),
    domainOf: (i) => (domainIndex ? domainIndex[i] : 0),
  };
}

/** Copies the windows `indices` into one contiguous row-major buffer (batch × W·F). */
export function gatherWindows(ws: WindowSet, indices: ArrayLike<number>, out?: Float32Array): Float32Array {
  const size = ws.windowLength * ws.featureCount;
  const buf = out ?? new Float32Array(indices.length * size);
  for (let b = 0; b < indices.length; b++) buf.set(ws.window(indices[b]), b * size);
  return buf;
}

/** A WindowSet restricted to `indices` of another (no copy). */
export function subsetWindowSet(ws: WindowSet, indices: ArrayLike<number>): WindowSet {
  return {
    windowLength: ws.windowLength,
    featureCount: ws.featureCount,
    count: indices.length,
    domains: ws.domains,
    window: (i) => ws.window(indices[i]),
    domainOf: (i) => ws.domainOf(indices[i]),
  };
}

/** Throws a FeatureMismatchError when a window set does not have the shape a detector was trained on. */
export function assertWindowShape(ws: WindowSet, windowLength: number, featureCount: number | undefined): void {
  if (featureCount !== undefined && ws.featureCount !== featureCount)
    throw new FeatureMismatchError(featureCount, ws.featureCount);
  if (ws.windowLength !== windowLength)
    throw new FeatureMismatchError(windowLength, ws.windowLength, 'records per window');
}
