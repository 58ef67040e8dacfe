import { ParameterError, type Sequence } from '@driftwatch/contracts';

/** Names in `expected` that `actual` lacks, and names in `actual` that `expected` lacks. */
export function featureDifference(
  expected: readonly string[],
  actual: readonly string[],
): { missing: string[]; extra: string[] } {
  return {
    missing: expected.filter((name) => !actual.includes(name)),
    extra: actual.filter((name) => !expected.includes(name)),
  };
}

/**
 * The sequence with exactly the columns `names`, in that order, matched by name (the sequence itself when it has
 * them in that order already). A name the sequence lacks is a ParameterError.
 */
export function selectFeatures(seq: Sequence, names: readonly string[]): Sequence {
  const order = names.map((name) => seq.features.indexOf(name));
  const absent = names.filter((_, j) => order[j] < 0);
  if (absent.length > 0) throw new ParameterError(`${seq.id} has no column ${absent.join(', ')}`);
  if (order.length === seq.features.length && order.every((k, j) => k === j)) return seq;
  const inWidth = seq.features.length;
  const width = order.length;
  const values = new Float32Array(seq.length * width);
  for (let t = 0; t < seq.length; t++)
    for (let j = 0; j < width; j++) values[t * width + j] = seq.values[t * inWidth + order[j]];
  return { ...seq, features: [...names], values };
}
