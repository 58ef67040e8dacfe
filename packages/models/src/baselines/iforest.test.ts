import {
  FeatureMismatchError,
  InputError,
  ParameterError,
  mulberry32,
  normalSampler,
  packedWindowSet,
} from '@driftwatch/contracts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsolationForest, resolveFeatureCount, resolveSampleSize } from './iforest';
import { writeModelFileRehashed } from '../testing/model-files';
import {
  averagePathLength,
  growIsolationTrees,
  isolationPathLength,
  isolationScore,
  nodeSizes,
  type IsolationTrees,
} from './isolation-trees';

const normal = (seed: number) => normalSampler(mulberry32(seed));

/** Nodes of one tree with their depths, by walking from the root. */
function walk(t: IsolationTrees, tree: number): { node: number; depth: number }[] {
  const out: { node: number; depth: number }[] = [];
  const stack = [{ node: t.roots[tree], depth: 0 }];
  while (stack.length) {
    const top = stack.pop()!;
    out.push(top);
    if (t.feature[top.node] >= 0)
      stack.push({ node: t.left[top.node], depth: top.depth + 1 }, { node: t.right[top.node], depth: top.depth + 1 });
  }
  return out;
}

function route(t: IsolationTrees, tree: number, x: ArrayLike<number>): number {
  let node = t.roots[tree];
  while (t.feature[node] >= 0) node = x[t.feature[node]] <= t.threshold[node] ? t.left[node] : t.right[node];
  return node;
}

describe('c(n), the average path length', () => {
  it('c(1) = 0, c(2) = 1 and hand values c(3) = 2(ln 2 + γ) − 4/3, c(256)', () => {
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(3)).toBeCloseTo(1.2073923575896, 12);
    expect(averagePathLength(256)).toBeCloseTo(10.2447709201199, 12);
  });

  it('follows 2H(n−1) − 2(n−1)/n with H(i) = ln i + 0.5772156649', () => {
    for (let n = 3; n <= 60; n++)
      expect(averagePathLength(n)).toBeCloseTo(2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n, 9);
  });

  it('differs from the exact harmonic-sum value 2Σ_{k<n} 1/k − 2(n−1)/n by −1/m + O(1/m²), m = n − 1', () => {
    // H(m) = ln m + γ + 1/(2m) − 1/(12m²) + …, so replacing H by ln m + γ shifts c by −1/m + 1/(6m²) − …
    let harmonic = 1;
    let worst = 0;
    for (let n = 3; n <= 5000; n++) {
      const m = n - 1;
      harmonic += 1 / m;
      const exact = 2 * harmonic - (2 * m) / n;
      worst = Math.max(worst, Math.abs(averagePathLength(n) - exact + 1 / m) * 5 * m * m);
    }
    expect(worst).toBeLessThan(1);
  });
});

describe('isolation trees', () => {
  // tree 0: x0 ≤ 0.5 → leaf (depth 1, 3 samples); else x1 ≤ 2 → leaf (depth 2, 1 sample) | leaf (depth 2, 2 samples)
  // tree 1: a single leaf holding all ψ = 6 samples
  const c3 = 1.2073923575896;
  const c6 = 2.7066404880046; // 2(ln 5 + γ) − 10/6
  const hand: IsolationTrees = {
    roots: Int32Array.of(0, 5),
    feature: Int32Array.of(0, -1, 1, -1, -1, -1),
    threshold: Float64Array.of(0.5, 0, 2, 0, 0, 0),
    left: Int32Array.of(1, -1, 3, -1, -1, -1),
    right: Int32Array.of(2, -1, 4, -1, -1, -1),
    leafPath: Float64Array.of(0, 1 + c3, 0, 2, 2 + 1, c6),
    sampleSize: 6,
  };

  it('path length on a hand-built tree: depth + c(leaf size), ties go left', () => {
    expect(isolationPathLength(hand, 0, [0.2, 9])).toBeCloseTo(2.2073923575896, 12);
    expect(isolationPathLength(hand, 0, [0.5, 0])).toBeCloseTo(2.2073923575896, 12);
    expect(isolationPathLength(hand, 0, [0.7, 2])).toBe(2);
    expect(isolationPathLength(hand, 0, [0.7, 2.5])).toBe(3);
    expect(isolationPathLength(hand, 1, [0.7, 2.5])).toBeCloseTo(c6, 12);
    // offset reads the row inside a larger buffer
    expect(isolationPathLength(hand, 0, [9, 9, 0.7, 2], 2)).toBe(2);
  });

  it('score = 2^(−mean path / c(ψ)) on the hand-built forest', () => {
    expect(isolationScore(hand, [0.7, 2])).toBeCloseTo(2 ** (-((2 + c6) / 2) / c6), 12);
    expect(isolationScore(hand, [0.1, 0])).toBeCloseTo(2 ** (-((1 + c3 + c6) / 2) / c6), 12);
  });

  it('grown trees agree with brute-force routing of their training rows', async () => {
    // ψ = n: every tree sees every row, so leaf sizes can be recounted by routing all rows
    const n = 40;
    const d = 3;
    const z = normal(4);
    const values = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      values[i * d] = z();
      values[i * d + 1] = 0.25; // constant: never a split feature
      values[i * d + 2] = i < 10 ? 1 : Math.round(3 * z()); // ties and duplicates
    }
    const det = new IsolationForest({ nEstimators: 12, maxSamples: n });
    await det.fit(packedWindowSet(values, 1, d), { seed: 3 });
    const t = det.trees!;
    expect(t.sampleSize).toBe(n);
    const limit = Math.ceil(Math.log2(n));
    for (let tree = 0; tree < 12; tree++) {
      const counts = new Map<number, number>();
      const reached = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        const row = values.subarray(i * d, (i + 1) * d);
        const leaf = route(t, tree, row);
        counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
        let node = t.roots[tree];
        for (;;) {
          reached.set(node, [...(reached.get(node) ?? []), i]);
          if (t.feature[node] < 0) break;
          node = row[t.feature[node]] <= t.threshold[node] ? t.left[node] : t.right[node];
        }
      }
      for (const { node, depth } of walk(t, tree)) {
        expect(depth).toBeLessThanOrEqual(limit);
        const rows = reached.get(node) ?? [];
        expect(rows.length).toBeGreaterThan(0); // every node holds training rows
        // the sizes explanations recover from the leaves' path lengths are the routed counts
        expect(nodeSizes(t)[node]).toBe(rows.length);
        if (t.feature[node] < 0) {
          const size = counts.get(node)!;
          // hand-coded c(m) for the leaf sizes that occur: 2(ln(m−1) + γ) − 2(m−1)/m
          const c =
            size <= 1 ? 0 : size === 2 ? 1 : 2 * (Math.log(size - 1) + 0.5772156649015329) - (2 * (size - 1)) / size;
          expect(t.leafPath[node]).toBeCloseTo(depth + c, 12);
          // a leaf above the height limit only holds rows that no feature separates
          if (depth < limit && size > 1) {
            for (const j of rows)
              expect(Array.from(values.subarray(j * d, j * d + d))).toEqual(
                Array.from(values.subarray(rows[0] * d, rows[0] * d + d)),
              );
          }
        } else {
          const f = t.feature[node];
          expect(f).not.toBe(1);
          const xs = rows.map((j) => values[j * d + f]);
          expect(t.threshold[node]).toBeGreaterThanOrEqual(Math.min(...xs));
          expect(t.threshold[node]).toBeLessThan(Math.max(...xs));
        }
      }
    }
  });

  it('a threshold that rounds up to the maximum falls back to the minimum, so both children hold rows', () => {
    // 1 + (1 − 2⁻⁵³)·(2 − 1) rounds to 2: without the fallback every row would go left
    const uniform = () => 1 - 2 ** -53;
    const rows = [[1], [2], [2], [1]];
    const t = growIsolationTrees((i) => rows[i], 4, 1, { count: 1, sampleSize: 4, featuresPerTree: 1, uniform });
    expect(t.feature[t.roots[0]]).toBe(0);
    expect(t.threshold[t.roots[0]]).toBe(1);
    expect(t.leafPath[t.left[t.roots[0]]]).toBe(1 + 1); // depth 1, the two 1s: c(2) = 1
    expect(t.leafPath[t.right[t.roots[0]]]).toBe(1 + 1);
  });

  it('maxFeatures restricts each tree to a random subset of features', async () => {
    const n = 64;
    const d = 6;
    const z = normal(9);
    const values = Float32Array.from({ length: n * d }, () => z());
    const det = new IsolationForest({ nEstimators: 20, maxFeatures: 0.5 });
    await det.fit(packedWindowSet(values, 1, d), { seed: 1 });
    const t = det.trees!;
    const union = new Set<number>();
    for (let tree = 0; tree < 20; tree++) {
      const used = new Set(
        walk(t, tree)
          .map(({ node }) => t.feature[node])
          .filter((f) => f >= 0),
      );
      expect(used.size).toBeLessThanOrEqual(3);
      used.forEach((f) => union.add(f));
    }
    expect(union.size).toBe(d);
  });
});

describe('IsolationForest detector', () => {
  it('a planted outlier gets the highest score; all scores lie in (0, 1]', async () => {
    const n = 400;
    const z = normal(2);
    const values = Float32Array.from({ length: n * 2 }, () => z());
    values[2 * 123] = 6;
    values[2 * 123 + 1] = -6;
    const ws = packedWindowSet(values, 1, 2);
    const det = new IsolationForest();
    const report = await det.fit(ws, { seed: 0 });
    expect(report.epochs).toBe(1);
    const scores = await det.scoreWindows(ws);
    let best = 0;
    for (let i = 0; i < n; i++) {
      expect(scores[i]).toBeGreaterThan(0);
      expect(scores[i]).toBeLessThanOrEqual(1);
      if (scores[i] > scores[best]) best = i;
    }
    expect(best).toBe(123);
    expect(scores[123]).toBeGreaterThan(0.6);
  });

  it('constant training data: every tree is one leaf, every score 2^(−1)', async () => {
    const det = new IsolationForest({ nEstimators: 5 });
    await det.fit(packedWindowSet(new Float32Array(30).fill(0.5), 1, 3), { seed: 1 });
    const scores = await det.scoreWindows(packedWindowSet(Float32Array.of(0.5, 0.5, 0.5, 9, -9, 0), 1, 3));
    expect(Array.from(scores)).toEqual([0.5, 0.5]);
  });

  it('flattens windows of W records into W·D features', async () => {
    const z = normal(5);
    const values = Float32Array.from({ length: 50 * 3 * 2 }, () => z());
    const det = new IsolationForest({ windowLength: 3, nEstimators: 10 });
    await det.fit(packedWindowSet(values, 3, 2), { seed: 2 });
    const used = new Set(Array.from(det.trees!.feature).filter((f) => f >= 0));
    expect(Math.max(...used)).toBe(5);
    await expect(det.scoreWindows(packedWindowSet(values, 2, 3))).rejects.toBeInstanceOf(FeatureMismatchError);
    await expect(det.fit(packedWindowSet(values, 1, 2), { seed: 1 })).rejects.toBeInstanceOf(FeatureMismatchError);
  });

  it('resolves ψ and features per tree as sklearn does', () => {
    expect(resolveSampleSize('auto', 1000)).toBe(256);
    expect(resolveSampleSize('auto', 100)).toBe(100);
    expect(resolveSampleSize(0.5, 101)).toBe(50);
    expect(resolveSampleSize(500, 300)).toBe(300);
    expect(resolveFeatureCount(1, 380)).toBe(380);
    expect(resolveFeatureCount(0.1, 19)).toBe(1);
    expect(resolveFeatureCount(7, 19)).toBe(7);
    expect(() => resolveFeatureCount(20, 19)).toThrow(ParameterError);
  });

  it('validates its configuration and inputs', async () => {
    expect(() => new IsolationForest({ nEstimators: 0 })).toThrow(ParameterError);
    expect(() => new IsolationForest({ nEstimators: 2.5 })).toThrow(ParameterError);
    expect(() => new IsolationForest({ maxSamples: 1.5 })).toThrow(ParameterError);
    expect(() => new IsolationForest({ maxSamples: 'all' })).toThrow(ParameterError);
    expect(() => new IsolationForest({ maxFeatures: 0 })).toThrow(ParameterError);
    expect(() => new IsolationForest({ windowLength: -1 })).toThrow(ParameterError);
    expect(() => new IsolationForest({ nEstimator: 10 })).toThrow(/unknown parameter/);
    const det = new IsolationForest();
    await expect(det.scoreWindows(packedWindowSet(new Float32Array(4), 1, 2))).rejects.toThrow(/not fitted/);
    await expect(det.fit(packedWindowSet(new Float32Array(2), 1, 2), { seed: 1 })).rejects.toThrow(ParameterError);
    await expect(det.fit(packedWindowSet(Float32Array.of(1, NaN, 2, 3), 1, 2), { seed: 1 })).rejects.toThrow(/finite/);
  });

  it('rejects a damaged forest file on load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftwatch-iforest-'));
    try {
      const det = new IsolationForest({ nEstimators: 3 });
      await det.fit(
        packedWindowSet(
          Float32Array.from({ length: 40 }, (_, i) => (i * 7) % 11),
          1,
          2,
        ),
        { seed: 1 },
      );
      const model = join(dir, 'm');
      await det.save(model);
      const file = join(model, 'forest.json');
      const json = JSON.parse(await readFile(file, 'utf8'));
      await writeModelFileRehashed(model, 'forest.json', JSON.stringify({ ...json, left: json.right.slice(0, 8) }));
      await expect(IsolationForest.load(model)).rejects.toBeInstanceOf(InputError);
      await writeModelFileRehashed(model, 'forest.json', '{ not json');
      await expect(IsolationForest.load(model)).rejects.toThrow(/forest\.json: expected valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
