import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cartesianProduct, gridPointId, gridPoints, methodConfigs, readGridFile } from '../src';

describe('grid files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'experiments-grid-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it('expands every combination of the parameter lists, the first varying slowest', () => {
    expect(cartesianProduct({ a: [1, 2], b: ['x', 'y', 'z'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 1, b: 'z' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 2, b: 'z' },
    ]);
    expect(cartesianProduct({})).toEqual([{}]);
    // ids do not depend on key order, and differ between points and methods
    expect(gridPointId('iforest', { a: 1, b: 2 })).toBe(gridPointId('iforest', { b: 2, a: 1 }));
    expect(gridPointId('iforest', { a: 1 })).not.toBe(gridPointId('iforest', { a: 2 }));
    expect(gridPointId('iforest', { a: 1 })).not.toBe(gridPointId('pca', { a: 1 }));
  });

  it('reads methods, parameter lists, learning rates and smoothing factors', async () => {
    const path = await write(
      'ok.json',
      JSON.stringify({
        methods: { iforest: { params: { nEstimators: [10, 20] } }, 'dense-ae': { learningRates: [1e-3, 1e-4] } },
        smoothing: [0, 0.9],
      }),
    );
    const grid = await readGridFile(path);
    expect(grid.smoothing).toEqual([0, 0.9]);
    const points = gridPoints(grid);
    expect(points.map((p) => [p.method, p.point])).toEqual([
      ['iforest', { nEstimators: 10 }],
      ['iforest', { nEstimators: 20 }],
      ['dense-ae', {}],
    ]);
    expect(points[2].learningRates).toEqual([1e-3, 1e-4]);
  });

  it.each([
    ['{"methods": {"forest": {}}}', 'ok.json:1:14: expected a method id, found "forest"'],
    ['{"methods": {"iforest": {"params": {"nEstimators": []}}}}', 'expected "nEstimators": a non-empty list of values'],
    [
      '{"methods": {"iforest": {}},\n "smoothing": [0, 1]}',
      ':2:19: expected smoothing factors in [0, 1), found "the number 1"',
    ],
    ['{"methods": {"iforest": {"lr": [1]}}}', 'expected "params" or "learningRates", found "lr"'],
    ['{"method": {}}', 'expected "methods" or "smoothing", found "method"'],
    [
      '{"methods": {"dense-ae": {"learningRates": [0]}}}',
      'ok.json:1:45: expected learning rates > 0, found "the number 0"',
    ],
  ])('names the line and column of a mistake: %s', async (text, message) => {
    const path = await write('ok.json', text);
    await expect(readGridFile(path)).rejects.toThrow(message);
  });

  it('gives one configuration per method outside a grid file', () => {
    expect(methodConfigs(['iforest', 'dense-ae'], [1e-3])).toEqual([
      { method: 'iforest', point: {}, learningRates: [1e-3] },
      { method: 'dense-ae', point: {}, learningRates: [1e-3] },
    ]);
  });

  it('rejects a 24-million-point grid file before expanding it, with the count and the file position', async () => {
    // 24 × 1,000 × 1,000 = 24,000,000 points in a few kilobytes of JSON
    const list = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => i + 1));
    const path = await write(
      'huge.json',
      `{"methods": {"iforest": {"params": {"trees": ${list(24)}, "size": ${list(1000)}, "seed": ${list(1000)}}}}}`,
    );
    const error = await readGridFile(path).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe(
      `${path}:1:13: expected a grid of at most 100,000 points (each one trains a detector), found "24,000,000 points"`,
    );
  });
});
