type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | BigInt64Array | Uint8Array;

/**
 * A copy of `array` with room for `length` elements (the old ones first): the growth step of every append-only buffer.
 */
export function grownTo<T extends TypedArray>(array: T, length: number): T {
  const grown = new (array.constructor as new (n: number) => T)(length);
  grown.set(array as never);
  return grown;
}
