import { gatherWindows, packedWindowSet, subsetWindowSet, assertWindowShape } from './window-set';
import { FeatureMismatchError, InputError } from './errors';
import { mulberry32, shuffleInPlace } from './random';

describe('packedWindowSet', () => {
  const values = Float32Array.from({ length: 3 * 2 * 2 }, (_, i) => i);
  const ws = packedWindowSet(values, 2, 2, [0, 1, 1], ['a', 'b']);
  it('slices windows back to back as views', () => {
    expect(ws.count).toBe(3);
    expect(Array.from(ws.window(1))).toEqual([4, 5, 6, 7]);
    expect(ws.window(2).buffer).toBe(values.buffer);
    expect(ws.domainOf(2)).toBe(1);
  });
  it('gathers and subsets', () => {
    expect(Array.from(gatherWindows(ws, [2, 0]))).toEqual([8, 9, 10, 11, 0, 1, 2, 3]);
    const sub = subsetWindowSet(ws, [2]);
    expect(sub.count).toBe(1);
    expect(Array.from(sub.window(0))).toEqual([8, 9, 10, 11]);
  });
  it('rejects shape mismatches', () => {
    expect(() => packedWindowSet(values, 5, 2)).toThrow(/do not split/);
    expect(() => assertWindowShape(ws, 2, 3)).toThrow(FeatureMismatchError);
    expect(() => assertWindowShape(ws, 3, 2)).toThrow(/records per window/);
  });
});

describe('errors and randomness', () => {
  it('InputError names file, line, column and the expectation', () => {
    const e = new InputError({ file: 'a.csv', line: 3, column: 7 }, 'a number', 'x');
    expect(e.message).toBe('a.csv:3:7: expected a number, found "x"');
    expect(e.name).toBe('InputError');
  });
  it('mulberry32 is reproducible and uniform enough', () => {
    const a = mulberry32(42),
      b = mulberry32(42);
    const xs = Array.from({ length: 10000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    const perm = shuffleInPlace(
      Int32Array.from({ length: 50 }, (_, i) => i),
      mulberry32(1),
    );
    expect(Array.from(perm).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
