import { ParameterError } from '@driftwatch/contracts';

/** Rejects a size that is not a positive integer. */
export function assertDimension(value: number, name: string, where: string): void {
  if (!Number.isInteger(value) || value < 1)
    throw new ParameterError(`${where}: ${name} must be a positive integer, got ${value}`);
}

/** Rejects a buffer that is not a finite row-major d×d matrix. */
export function assertFiniteSquare(a: ArrayLike<number>, d: number, where: string): void {
  assertDimension(d, 'd', where);
  if (a.length !== d * d) throw new ParameterError(`${where}: expected ${d}×${d} = ${d * d} values, got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]))
      throw new ParameterError(`${where}: entry (${Math.floor(i / d)}, ${i % d}) is ${a[i]}, expected a finite number`);
  }
}
