import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../src/main';
import { readResults } from '../src/results-file';
import { cartesianProduct, gridPointId, gridPoints, readGridFile } from '../src/experiments/grid-file';
import { captureOutput, makeAsdLikeRoot } from './fixtures';

describe('grid files', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  beforeAll(async () => {
    fixture = await makeAsdLikeRoot();
  });
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
  });
  const write = async (name: string, text: string) => {
    const path = join(fixture.root, name);
    await writeFile(path, text);
    return path;
  };

  it('expands every combination of the parameter lists, the first varying slowest', () => {
    expect(cartesianProduct({ a: [1, 2], b: ['x', 'y', 'z'] })).toEqual([
      { a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 1, b: 'z' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }, { a: 2, b: 'z' },
    ]);
    expect(cartesianProduct({})).toEqual([{}]);
    // ids do not depend on key order, and differ between points and methods
    expect(gridPointId('iforest', { a: 1, b: 2 })).toBe(gridPointId('iforest', { b: 2, a: 1 }));
    expect(gridPointId('iforest', { a: 1 })).not.toBe(gridPointId('iforest', { a: 2 }));
    expect(gridPointId('iforest', { a: 1 })).not.toBe(gridPointId('pca', { a: 1 }));
  });

  it('reads methods, parameter lists, learning rates and smoothing factors', async () => {
    const path = await write('ok.json', JSON.stringify({ methods: { iforest: { params: { nEstimators: [10, 20] } }, 'dense-ae': { learningRates: [1e-3, 1e-4] } }, smoothing: [0, 0.9] }));
    const grid = await readGridFile(path);
    expect(grid.smoothing).toEqual([0, 0.9]);
    const points = gridPoints(grid);
    expect(points.map((p) => [p.method, p.point])).toEqual([['iforest', { nEstimators: 10 }], ['iforest', { nEstimators: 20 }], ['dense-ae', {}]]);
    expect(points[2].learningRates).toEqual([1e-3, 1e-4]);
  });

  it.each([
    ['{"methods": {"forest": {}}}', 'ok.json:1:14: expected a method id, found "forest"'],
    ['{"methods": {"iforest": {"params": {"nEstimators": []}}}}', 'expected "nEstimators": a non-empty list of values'],
    ['{"methods": {"iforest": {}},\n "smoothing": [0, 1]}', ':2:19: expected smoothing factors in [0, 1), found "the number 1"'],
    ['{"methods": {"iforest": {"lr": [1]}}}', 'expected "params" or "learningRates", found "lr"'],
    ['{"method": {}}', 'expected "methods" or "smoothing", found "method"'],
    ['{"methods": {"dense-ae": {"learningRates": [0]}}}', 'ok.json:1:45: expected learning rates > 0, found "the number 0"'],
  ])('names the line and column of a mistake: %s', async (text, message) => {
    const path = await write('ok.json', text);
    await expect(readGridFile(path)).rejects.toThrow(message);
  });

  it('bench runs every grid point, shards split them, and report draws the union with a sensitivity curve', async () => {
    const grid = await write('grid.json', JSON.stringify({ methods: { iforest: { params: { nEstimators: [10, 30] } }, mahalanobis: {} }, smoothing: [0, 0.9] }));
    const base = ['bench', 'asd-loso', '--grid', grid, '--servers', '1,2', '--data-root', fixture.root];
    const outs = [1, 2].map((i) => join(fixture.root, `shard-${i}`));
    for (const [i, out] of outs.entries()) expect((await captureOutput(() => main([...base, '--shard', `${i + 1}/2`, '--out', out]))).result).toBe(0);
    const rows = [...(await readResults(join(outs[0], 'results.jsonl'))), ...(await readResults(join(outs[1], 'results.jsonl')))];
    // 2 servers × 3 configurations × 2 smoothing factors, each exactly once over the shards
    expect(rows).toHaveLength(12);
    const keys = rows.map((r) => `${r.testSequence}|${r.method}|${r.gridPoint ?? ''}|${r.smoothing}`);
    expect(new Set(keys).size).toBe(12);
    expect(new Set(rows.filter((r) => r.method === 'iforest').map((r) => (r.params as { nEstimators: number }).nEstimators))).toEqual(new Set([10, 30]));
    for (const r of rows.filter((r) => r.method === 'iforest')) expect(r.grid).toEqual({ nEstimators: (r.params as { nEstimators: number }).nEstimators });
    const html = join(fixture.root, 'grid.html');
    expect((await captureOutput(() => main(['report', ...outs, '--out', html, '--data-root', fixture.root]))).result).toBe(0);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('data-figure="sensitivity-nEstimators"');
    for (const id of ['timeline-iforest-omi-1', 'timeline-iforest-omi-2', 'timeline-mahalanobis-omi-1']) expect(page).toContain(`data-figure="${id}"`);
  }, 120_000);
});
