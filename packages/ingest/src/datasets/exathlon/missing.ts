/**
 * NaN ("no value") and its test as module bindings: the hot loops over wide traces then avoid looking up the
 * globals `NaN` and `Number` on every value, which is slow in sandboxed realms such as the test runner's.
 */
export const MISSING = Number.NaN;

/** x ≠ x holds for NaN only. */
export function isMissing(x: number): boolean {
  return x !== x;
}
