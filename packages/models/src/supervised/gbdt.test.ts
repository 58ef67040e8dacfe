import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, ParameterError, mulberry32, type NodeSeries } from '@driftwatch/contracts';
import { Gbdt } from './gbdt';
import { writeModelFileRehashed } from '../testing/model-files';
import {
  MISSING_BIN,
  bestSplit,
  binEdges,
  binOf,
  buildHistogram,
  splitGain,
  type BinnedMatrix,
  type SplitParams,
} from './gbdt-trees';
import { bestF1Threshold, f1At, labelledCluster, positiveRate } from './test-helpers';

interface BruteSplit {
  gain: number;
  feature: number;
  threshold: number;
  left: number[];
}

/**
 * Every threshold at a distinct finite value of every column, missing values sent either way, scored by the gain
 * formula from sums over the rows.
 */
function bruteForceSplit(x: number[][], g: number[], h: number[], params: SplitParams): BruteSplit | undefined {
  const { lambda, gamma, minChildWeight } = params;
  const G = g.reduce((a, b) => a + b, 0);
  const H = h.reduce((a, b) => a + b, 0);
  let best: BruteSplit | undefined;
  for (let j = 0; j < x[0].length; j++) {
    const distinct = [...new Set(x.map((row) => row[j]).filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
    for (const threshold of distinct.slice(0, -1)) {
      for (const missingLeft of [false, true]) {
        const left = x.map((row, k) => k).filter((k) => (Number.isNaN(x[k][j]) ? missingLeft : x[k][j] <= threshold));
        const gl = left.reduce((a, k) => a + g[k], 0);
        const hl = left.reduce((a, k) => a + h[k], 0);
        const gr = G - gl;
        const hr = H - hl;
        if (hl < minChildWeight || hr < minChildWeight) continue;
        const gain = 0.5 * (gl ** 2 / (hl + lambda) + gr ** 2 / (hr + lambda) - G ** 2 / (H + lambda)) - gamma;
        if (gain > 0 && (!best || gain > best.gain + 1e-12)) best = { gain, feature: j, threshold, left };
      }
    }
  }
  return best;
}

/** Row-major n × p matrix → the binned form the trees train on, every distinct value its own bin. */
function binned(x: number[][]): { data: BinnedMatrix; edges: Float64Array[] } {
  const p = x[0].length;
  const edges = Array.from({ length: p }, (_, j) =>
    binEdges(Float64Array.from(x.map((r) => r[j]).filter((v) => !Number.isNaN(v))).sort(), 255),
  );
  const bins = new Uint8Array(x.length * p);
  x.forEach((row, k) => row.forEach((v, j) => (bins[k * p + j] = binOf(edges[j], v))));
  return { data: { bins, columns: p, binCounts: Int32Array.from(edges, (e) => e.length) }, edges };
}

/** Sample k's window and label read straight from the step-major layout: x[t − W + 1 + r, i, f] at r·F + f. */
function windowsOf(series: NodeSeries, W: number): { x: number[][]; y: number[] } {
  const N = series.entities.length;
  const F = series.features.length;
  const x: number[][] = [];
  const y: number[] = [];
  for (let t = W - 1; t < series.length; t++) {
    for (let i = 0; i < N; i++) {
      const row: number[] = [];
      for (let r = 0; r < W; r++)
        for (let f = 0; f < F; f++) row.push(series.values[((t - W + 1 + r) * N + i) * F + f]);
      x.push(row);
      y.push(series.labels![t * N + i] > 0 ? 1 : 0);
    }
  }
  return { x, y };
}

describe('GBDT pieces', () => {
  it(
    'cuts at every distinct value, or at quantile ranks when there are more values than bins; binOf(v) ≤ b ⇔ ' +
      'v ≤ edges[b]',
    () => {
      expect(Array.from(binEdges(Float64Array.from([1, 2, 2, 3, 5]), 255))).toEqual([1, 2, 3, 5]);
      expect(
        Array.from(
          binEdges(
            Float64Array.from({ length: 1000 }, (_, k) => k + 1),
            4,
          ),
        ),
      ).toEqual([250, 500, 750, 1000]);
      // 3 distinct values, 2 bins: ranks ⌈9/2⌉ − 1 = 4 and 8 of [0,0,0,0,0,0,0,1,2] → 0 and 2
      expect(Array.from(binEdges(Float64Array.from([0, 0, 0, 0, 0, 0, 0, 1, 2]), 2))).toEqual([0, 2]);
      // 4 distinct values, 3 bins: ranks 3, 6, 9 → 0, 0, 3; the tie collapses to one edge
      expect(Array.from(binEdges(Float64Array.from([0, 0, 0, 0, 0, 0, 0, 1, 2, 3]), 3))).toEqual([0, 3]);
      const edges = Float64Array.from([-1, 0.5, 2, 7]);
      const uniform = mulberry32(3);
      for (let n = 0; n < 200; n++) {
        const v = n < 4 ? edges[n] : 20 * uniform() - 10;
        const b = binOf(edges, v);
        for (let c = 0; c < edges.length - 1; c++) expect(b <= c).toBe(v <= edges[c]);
      }
      expect(binOf(edges, NaN)).toBe(MISSING_BIN);
      expect(binOf(edges, 100)).toBe(3);
    },
  );

  it('gain by hand: G_L = −3, H_L = 2, G_R = 1, H_R = 1, λ = 1, γ = 0.1 → ½(9/3 + 1/2 − 4/4) − 0.1 = 1.15', () => {
    expect(splitGain(-3, 2, 1, 1, 1, 0.1)).toBeCloseTo(1.15, 12);
  });

  it.each([
    { lambda: 1, gamma: 0, minChildWeight: 0 },
    { lambda: 0.3, gamma: 0.05, minChildWeight: 0.4 },
  ])('finds the split a brute-force search over every threshold and missing direction finds (%o)', (params) => {
    for (let seed = 0; seed < 25; seed++) {
      const uniform = mulberry32(100 + seed);
      const n = 14;
      const x = Array.from({ length: n }, () => [
        uniform(),
        Math.round(uniform() * 5),
        uniform() < 0.25 ? NaN : uniform(),
      ]);
      const g = Array.from({ length: n }, () => 2 * uniform() - 1);
      const h = Array.from({ length: n }, () => 0.05 + uniform() * 0.25);
      const expected = bruteForceSplit(x, g, h, params);
      const { data, edges } = binned(x);
      const hist = new Float64Array(3 * 512);
      const rows = Int32Array.from({ length: n }, (_, k) => k);
      const columns = Int32Array.from([0, 1, 2]);
      buildHistogram(data, rows, Float64Array.from(g), Float64Array.from(h), columns, hist);
      const found = bestSplit(
        hist,
        data,
        columns,
        g.reduce((a, b) => a + b, 0),
        h.reduce((a, b) => a + b, 0),
        params,
      );
      if (!expected) {
        expect(found).toBeUndefined();
        continue;
      }
      expect(found).toBeDefined();
      expect(found!.gain).toBeCloseTo(expected.gain, 10);
      const threshold = edges[found!.feature][found!.bin];
      const left = x
        .map((_, k) => k)
        .filter((k) => (Number.isNaN(x[k][found!.feature]) ? found!.defaultLeft : x[k][found!.feature] <= threshold));
      expect({ feature: found!.feature, threshold, left }).toEqual({
        feature: expected.feature,
        threshold: expected.threshold,
        left: expected.left,
      });
    }
  });
});

/** N = 2, F = 2, T = 12 with distinct random values and mixed labels. */
function tinySeries(seed: number): NodeSeries {
  const uniform = mulberry32(seed);
  const T = 12;
  const values = Float32Array.from({ length: T * 2 * 2 }, () => uniform() * 4 - 2);
  const labels = Uint8Array.from({ length: T * 2 }, () => (uniform() < 0.35 ? 1 : 0));
  return { id: `tiny-${seed}`, entities: ['a', 'b'], features: ['u', 'v'], length: T, values, labels };
}

describe('Gbdt', () => {
  it(
    'one round of depth 1: base margin ln(Σwy/Σw(1−y)), the brute-force best split, leaves −η·G/(H + λ), ' +
      'scores m₀ + leaf',
    async () => {
      const series = tinySeries(5);
      const W = 2;
      const eta = 0.5;
      const lambda = 1.5;
      const det = new Gbdt({
        windowLength: W,
        rounds: 1,
        maxDepth: 1,
        learningRate: eta,
        lambda,
        minChildWeight: 0,
        positiveWeight: 2,
      });
      await det.fit(series, { seed: 0 });
      const { x, y } = windowsOf(series, W);
      const w = y.map((v) => (v ? 2 : 1));
      const m0 = Math.log(y.reduce((a, v, k) => a + w[k] * v, 0) / y.reduce((a, v, k) => a + w[k] * (1 - v), 0));
      const p0 = 1 / (1 + Math.exp(-m0));
      const g = y.map((v, k) => w[k] * (p0 - v));
      const h = y.map((_, k) => w[k] * p0 * (1 - p0));
      const expected = bruteForceSplit(x, g, h, { lambda, gamma: 0, minChildWeight: 0 })!;
      const trees = det.trees!;
      expect(trees.baseMargin).toBeCloseTo(m0, 12);
      expect(trees.roots.length).toBe(1);
      const root = trees.roots[0];
      expect([trees.feature[root], trees.threshold[root]]).toEqual([expected.feature, expected.threshold]);
      const inLeft = new Set(expected.left);
      const leaf = (side: boolean) => {
        const rows = x.map((_, k) => k).filter((k) => inLeft.has(k) === side);
        return (-eta * rows.reduce((a, k) => a + g[k], 0)) / (rows.reduce((a, k) => a + h[k], 0) + lambda);
      };
      expect(trees.value[trees.left[root]]).toBeCloseTo(leaf(true), 12);
      expect(trees.value[trees.right[root]]).toBeCloseTo(leaf(false), 12);
      const scores = await det.scoreNodes(series);
      x.forEach((_, k) => expect(scores[(W - 1) * 2 + k]).toBeCloseTo(m0 + leaf(inLeft.has(k)), 5));
    },
  );

  it(
    'routes raw values by the saved thresholds as training routed bins: the last training loss equals the ' +
      'log-loss of its own scores',
    async () => {
      const train = labelledCluster(21, { steps: 120, anomalies: 6, missing: 0.05 });
      const det = new Gbdt({ windowLength: 3, rounds: 15, positiveWeight: 4, subsample: 0.8, colsampleByTree: 0.7 });
      const report = await det.fit(train, { seed: 2 });
      const scores = await det.scoreNodes(train);
      const N = train.entities.length;
      let loss = 0;
      let count = 0;
      for (let k = 2 * N; k < scores.length; k++) {
        const y = train.labels![k];
        const m = scores[k];
        loss += (y ? 4 : 1) * (Math.log1p(Math.exp(-Math.abs(m))) + Math.max(m, 0) - m * y);
        count++;
      }
      expect(report.epochs).toBe(15);
      expect(report.trainLoss![14]).toBeCloseTo(loss / count, 4);
    },
  );

  it(
    'learns separable anomalies: F1 on a test period at the validation-chosen threshold ≥ 0.8 (flagging ' +
      'everything: < 0.2)',
    async () => {
      const train = labelledCluster(1, { steps: 400, anomalies: 16 });
      const validation = labelledCluster(2, { steps: 200, anomalies: 8 });
      const test = labelledCluster(3, { steps: 300, anomalies: 12 });
      const det = new Gbdt({ windowLength: 4, rounds: 60 });
      await det.fit(train, { seed: 1, validation });
      const { threshold } = bestF1Threshold(await det.scoreNodes(validation), validation.labels!);
      const scores = await det.scoreNodes(test);
      const p = positiveRate(scores, test.labels!);
      expect((2 * p) / (1 + p)).toBeLessThan(0.2);
      expect(f1At(scores, test.labels!, threshold)).toBeGreaterThanOrEqual(0.8);
    },
  );

  it('stops early on the validation log-loss and keeps the best round’s trees', async () => {
    // labels unrelated to the values: the validation loss soon rises
    const noise = (seed: number, T: number) => {
      const s = labelledCluster(seed, { steps: T, anomalies: 0 });
      const uniform = mulberry32(seed + 50);
      return { ...s, labels: Uint8Array.from(s.labels!, () => (uniform() < 0.3 ? 1 : 0)) };
    };
    const det = new Gbdt({ windowLength: 3, rounds: 200, earlyStoppingRounds: 5, learningRate: 0.5 });
    const report = await det.fit(noise(7, 150), { seed: 3, validation: noise(8, 100) });
    const valLoss = report.valLoss!;
    expect(report.epochs).toBeLessThan(200);
    expect(report.epochs - report.bestEpoch!).toBe(5);
    expect(valLoss[report.bestEpoch! - 1]).toBe(Math.min(...valLoss));
    expect(report.bestValLoss).toBe(Math.min(...valLoss));
    expect(det.trees!.roots.length).toBe(report.bestEpoch);
  });

  it('draws its row and column subsamples from the seed', async () => {
    const train = labelledCluster(4, { steps: 100, anomalies: 6 });
    const config = { windowLength: 3, rounds: 5, subsample: 0.5, colsampleByTree: 0.5 };
    const scoresOf = async (seed: number) => {
      const det = new Gbdt(config);
      await det.fit(train, { seed });
      return Array.from(await det.scoreNodes(train));
    };
    const a = await scoresOf(1);
    expect(await scoresOf(1)).toEqual(a);
    expect(await scoresOf(2)).not.toEqual(a);
  });

  it('saves trees that load to identical predictions, and names a damaged file', async () => {
    const train = labelledCluster(9, { steps: 150, anomalies: 8, missing: 0.05 });
    const test = labelledCluster(10, { steps: 80, anomalies: 4, missing: 0.05 });
    const det = new Gbdt({ windowLength: 5, rounds: 10, subsample: 0.9 });
    await det.fit(train, { seed: 4 });
    const dir = await mkdtemp(join(tmpdir(), 'driftwatch-gbdt-'));
    try {
      await det.save(join(dir, 'model'));
      const loaded = await Gbdt.load(join(dir, 'model'));
      expect(loaded.config).toEqual(det.config);
      expect(Array.from(await loaded.scoreNodes(test))).toEqual(Array.from(await det.scoreNodes(test)));
      const file = join(dir, 'model', 'trees.json');
      const json = JSON.parse(await readFile(file, 'utf8'));
      // node 0 pointing at itself would loop forever
      const left = Buffer.from(json.left, 'base64');
      left.writeInt32LE(0, 0);
      await writeModelFileRehashed(
        join(dir, 'model'),
        'trees.json',
        JSON.stringify({ ...json, left: left.toString('base64') }),
      );
      await expect(Gbdt.load(join(dir, 'model'))).rejects.toThrow(InputError);
      await expect(Gbdt.load(join(dir, 'model'))).rejects.toThrow(/trees\.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports progress once per round and stops when its signal aborts', async () => {
    const train = labelledCluster(12, { steps: 60, anomalies: 4 });
    const rounds: number[] = [];
    await new Gbdt({ windowLength: 3, rounds: 4 }).fit(train, { seed: 0, onProgress: (p) => rounds.push(p.epoch) });
    expect(rounds).toEqual([1, 2, 3, 4]);
    const controller = new AbortController();
    const det = new Gbdt({ windowLength: 3, rounds: 50 });
    const fit = det.fit(train, {
      seed: 0,
      signal: controller.signal,
      onProgress: (p) => p.epoch === 2 && controller.abort(),
    });
    await expect(fit).rejects.toThrow(/abort/i);
    expect(det.trees).toBeUndefined();
  });

  it('validates its parameters and its training labels', async () => {
    expect(new Gbdt().config).toEqual({
      windowLength: 12,
      positiveWeight: 'balanced',
      rounds: 100,
      learningRate: 0.3,
      maxDepth: 6,
      minChildWeight: 1,
      lambda: 1,
      gamma: 0,
      subsample: 1,
      colsampleByTree: 1,
      maxBins: 255,
      earlyStoppingRounds: 10,
    });
    for (const bad of [
      { depth: 3 },
      { subsample: 1.5 },
      { subsample: 0 },
      { maxBins: 1 },
      { maxBins: 256 },
      { rounds: 0 },
      { lambda: -1 },
      { positiveWeight: 'auto' },
      { windowLength: 2.5 },
    ]) {
      expect(() => new Gbdt(bad)).toThrow(ParameterError);
    }
    const series = labelledCluster(11, { steps: 40, anomalies: 0 });
    await expect(new Gbdt({ windowLength: 3 }).fit(series, { seed: 0 })).rejects.toThrow(/0 anomalous/);
    await expect(new Gbdt({ windowLength: 50 }).fit(labelledCluster(11, { steps: 40 }), { seed: 0 })).rejects.toThrow(
      ParameterError,
    );
  });
});
