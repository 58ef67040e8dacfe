import { FeatureMismatchError, ParameterError, type NodeDetector, type NodeSeries } from '@driftwatch/contracts';
import { initBackend } from '../backend';
import { refConv1d, refDense, type RefParams, type RefTensor } from '../neural/layers-reference';
import { Cnn1d } from './cnn1d';
import { Mlp } from './mlp';
import type { SupervisedNetwork } from './neural-classifier';
import { bestF1Threshold, f1At, labelledCluster, positiveRate } from './test-helpers';
import { Transformer } from './transformer';
import type { SupervisedNetworkConfig } from './config';

type Network = SupervisedNetwork<SupervisedNetworkConfig>;

/** Per-feature mean and population standard deviation of the finite training values, computed feature by feature. */
function trainingMoments(series: NodeSeries): { mean: number[]; sd: number[] } {
  const F = series.features.length;
  const mean: number[] = [];
  const sd: number[] = [];
  for (let f = 0; f < F; f++) {
    const column = Array.from(series.values).filter((_, k) => k % F === f && !Number.isNaN(series.values[k]));
    const m = column.reduce((a, b) => a + b, 0) / column.length;
    const s = Math.sqrt(column.reduce((a, b) => a + (b - m) ** 2, 0) / column.length);
    mean.push(m);
    sd.push(s > 0 ? s : 1);
  }
  return { mean, sd };
}

/** Standardised window of entity i ending at t as [W][F], missing values at the mean (0). */
function referenceWindow(
  series: NodeSeries,
  t: number,
  i: number,
  W: number,
  moments: { mean: number[]; sd: number[] },
): number[][] {
  const N = series.entities.length;
  const F = series.features.length;
  return Array.from({ length: W }, (_, r) =>
    Array.from({ length: F }, (_, f) => {
      const v = series.values[((t - W + 1 + r) * N + i) * F + f];
      return Number.isNaN(v) ? 0 : (v - moments.mean[f]) / moments.sd[f];
    }),
  );
}

const param = (p: RefParams, name: string): RefTensor => {
  const t = p.get(name);
  if (!t) throw new Error(`no parameter ${name}`);
  return t;
};

function refMlp(p: RefParams, window: number[][], hidden: number): number {
  let h: number[] = window.flat();
  for (let l = 0; l < hidden; l++)
    h = refDense(h, param(p, `mlp/dense_${l}/kernel`), param(p, `mlp/dense_${l}/bias`), true);
  return refDense(h, param(p, 'mlp/head/kernel'), param(p, 'mlp/head/bias'), false)[0];
}

function refCnn(p: RefParams, window: number[][], convs: number, hidden: number, pooling: 'average' | 'max'): number {
  let seq = window;
  for (let l = 0; l < convs; l++)
    seq = refConv1d(seq, param(p, `cnn1d/conv_${l}/kernel`), param(p, `cnn1d/conv_${l}/bias`), 1, true);
  const channels = seq[0].length;
  let h = Array.from({ length: channels }, (_, c) =>
    pooling === 'max' ? Math.max(...seq.map((s) => s[c])) : seq.reduce((a, s) => a + s[c], 0) / seq.length,
  );
  for (let l = 0; l < hidden; l++)
    h = refDense(h, param(p, `cnn1d/dense_${l}/kernel`), param(p, `cnn1d/dense_${l}/bias`), true);
  return refDense(h, param(p, 'cnn1d/head/kernel'), param(p, 'cnn1d/head/bias'), false)[0];
}

function refTransformer(
  p: RefParams,
  window: number[][],
  c: { dModel: number; heads: number; layers: number; pooling: 'average' | 'last' },
): number {
  const d = c.dModel;
  const hd = d / c.heads;
  const W = window.length;
  const linear = (x: number[], name: string, relu = false) =>
    refDense(x, param(p, `${name}/kernel`), param(p, `${name}/bias`), relu);
  const norm = (x: number[], name: string) => {
    const m = x.reduce((a, b) => a + b, 0) / d;
    const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / d;
    const g = param(p, `${name}/gamma`).values;
    const b = param(p, `${name}/beta`).values;
    return x.map((xi, j) => ((xi - m) / Math.sqrt(v + 1e-5)) * g[j] + b[j]);
  };
  // PE(t, 2j) = sin(t·e^(−2j·ln 10⁴/d)), PE(t, 2j + 1) = cos of the same angle
  const pe = (t: number, j: number) => {
    const angle = t * Math.exp((-(j - (j % 2)) * Math.log(10000)) / d);
    return j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
  };
  let h = window.map((x, t) => linear(x, 'transformer/input').map((v, j) => v + pe(t, j)));
  for (let l = 0; l < c.layers; l++) {
    const a = `transformer/layer_${l}/attention`;
    const q = h.map((x) => linear(x, `${a}/query`));
    const k = h.map((x) => linear(x, `${a}/key`));
    const v = h.map((x) => linear(x, `${a}/value`));
    const attended = h.map((_, t) => {
      const out = new Array<number>(d).fill(0);
      for (let head = 0; head < c.heads; head++) {
        const cols = Array.from({ length: hd }, (_, j) => head * hd + j);
        const logits = k.map((ku) => cols.reduce((s, j) => s + q[t][j] * ku[j], 0) / Math.sqrt(hd));
        const top = Math.max(...logits);
        const e = logits.map((z) => Math.exp(z - top));
        const z = e.reduce((s, x) => s + x, 0);
        for (let u = 0; u < W; u++) for (const j of cols) out[j] += (e[u] / z) * v[u][j];
      }
      return linear(out, `${a}/output`);
    });
    h = h.map((x, t) =>
      norm(
        x.map((xi, j) => xi + attended[t][j]),
        `transformer/layer_${l}/norm1`,
      ),
    );
    h = h.map((x) => {
      const f = linear(linear(x, `transformer/layer_${l}/ffn/dense_0`, true), `transformer/layer_${l}/ffn/head`);
      return norm(
        x.map((xi, j) => xi + f[j]),
        `transformer/layer_${l}/norm2`,
      );
    });
  }
  const pooled =
    c.pooling === 'last' ? h[W - 1] : Array.from({ length: d }, (_, j) => h.reduce((s, x) => s + x[j], 0) / W);
  return linear(pooled, 'transformer/head')[0];
}

interface Case {
  name: string;
  make: () => Network;
  reference: (p: RefParams, window: number[][]) => number;
}

const W = 3;
const tiny = { windowLength: W, batchSize: 8, epochs: 1, learningRate: 1e-2 };
const forwardCases: Case[] = [
  {
    name: 'mlp, two hidden layers',
    make: () => new Mlp({ ...tiny, hidden: [5, 3] }),
    reference: (p, x) => refMlp(p, x, 2),
  },
  { name: 'mlp, no hidden layer', make: () => new Mlp({ ...tiny, hidden: [] }), reference: (p, x) => refMlp(p, x, 0) },
  {
    name: 'cnn1d, average pooling',
    make: () => new Cnn1d({ ...tiny, filters: [4, 3], kernelSize: 2, hidden: [3] }),
    reference: (p, x) => refCnn(p, x, 2, 1, 'average'),
  },
  {
    name: 'cnn1d, max pooling',
    make: () => new Cnn1d({ ...tiny, filters: [4], kernelSize: 3, hidden: [], pooling: 'max' }),
    reference: (p, x) => refCnn(p, x, 1, 0, 'max'),
  },
  {
    name: 'transformer, average pooling',
    make: () => new Transformer({ ...tiny, dModel: 4, heads: 2, layers: 2, feedForward: 6 }),
    reference: (p, x) => refTransformer(p, x, { dModel: 4, heads: 2, layers: 2, pooling: 'average' }),
  },
  {
    name: 'transformer, last step',
    make: () => new Transformer({ ...tiny, dModel: 6, heads: 3, layers: 1, feedForward: 4, pooling: 'last' }),
    reference: (p, x) => refTransformer(p, x, { dModel: 6, heads: 3, layers: 1, pooling: 'last' }),
  },
];

const refParams = (det: Network): RefParams => det.parameterValues();

describe('supervised networks against plain-JS forward passes', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(forwardCases.map((c) => [c.name, c] as const))(
    '%s: logits = the float64 forward pass of the trained weights on standardised windows; validation loss ' +
      '= weighted log-loss',
    async (_name, c) => {
      const train = labelledCluster(31, {
        entities: 2,
        features: 2,
        steps: 24,
        anomalies: 3,
        runLength: 3,
        missing: 0.05,
      });
      const validation = labelledCluster(32, {
        entities: 2,
        features: 2,
        steps: 12,
        anomalies: 2,
        runLength: 2,
        missing: 0.05,
      });
      const test = labelledCluster(33, { entities: 2, features: 2, steps: 10, anomalies: 1, missing: 0.1 });
      const det = c.make();
      const report = await det.fit(train, { seed: 3, validation });
      const p = refParams(det);
      const moments = trainingMoments(train);
      const N = 2;
      const logitOf = (series: NodeSeries, t: number, i: number) =>
        c.reference(p, referenceWindow(series, t, i, W, moments));
      const scores = await det.scoreNodes(test);
      for (let t = 0; t < test.length; t++) {
        for (let i = 0; i < N; i++) {
          if (t < W - 1) expect(scores[t * N + i]).toBeNaN();
          else expect(scores[t * N + i]).toBeCloseTo(logitOf(test, t, i), 4);
        }
      }
      // balanced: positives weigh n₋/n₊ of the training samples (steps W − 1 … T − 1)
      const trainLabels = Array.from(train.labels!.subarray((W - 1) * N));
      const positives = trainLabels.filter((y) => y > 0).length;
      const weight = (trainLabels.length - positives) / positives;
      let loss = 0;
      let count = 0;
      for (let t = W - 1; t < validation.length; t++) {
        for (let i = 0; i < N; i++) {
          const y = validation.labels![t * N + i] > 0 ? 1 : 0;
          const z = logitOf(validation, t, i);
          const prob = 1 / (1 + Math.exp(-z));
          loss += -(y ? weight : 1) * (y * Math.log(prob) + (1 - y) * Math.log(1 - prob));
          count++;
        }
      }
      expect(report.valLoss![0]).toBeCloseTo(loss / count, 4);
      det.dispose();
    },
  );

  it(
    'trains every parameter: each differs after one epoch from its value under a learning rate of ~0 with ' +
      'the same seed',
    async () => {
      const train = labelledCluster(34, { entities: 2, features: 2, steps: 30, anomalies: 3 });
      for (const c of forwardCases) {
        const trained = c.make();
        await trained.fit(train, { seed: 5, epochs: 1 });
        const frozen = new (trained.constructor as new (p: Record<string, unknown>) => Network)({
          ...trained.config,
          learningRate: 1e-30,
        });
        await frozen.fit(train, { seed: 5, epochs: 1 });
        const moved = trained.parameterValues();
        for (const [name, initial] of frozen.parameterValues()) {
          if (name.startsWith('input/')) continue;
          const after = moved.get(name)!.values;
          expect([name, initial.values.some((v, k) => v !== after[k])]).toEqual([name, true]);
        }
        trained.dispose();
        frozen.dispose();
      }
    },
  );
});

/** The three networks at small learning-test sizes. */
const learners: [string, () => Network][] = [
  [
    'mlp',
    () => new Mlp({ windowLength: 4, hidden: [32, 16], batchSize: 64, learningRate: 3e-3, epochs: 25, patience: 5 }),
  ],
  [
    'cnn1d',
    () =>
      new Cnn1d({
        windowLength: 4,
        filters: [16],
        hidden: [16],
        batchSize: 64,
        learningRate: 3e-3,
        epochs: 25,
        patience: 5,
      }),
  ],
  [
    'transformer',
    () =>
      new Transformer({
        windowLength: 4,
        dModel: 16,
        heads: 2,
        layers: 1,
        feedForward: 32,
        batchSize: 64,
        learningRate: 3e-3,
        epochs: 25,
        patience: 5,
      }),
  ],
];

describe('supervised networks learn', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(learners)(
    '%s: F1 on a test period at the validation-chosen threshold ≥ 0.8 (flagging everything: < 0.2)',
    async (_name, make) => {
      const train = labelledCluster(1, { steps: 300, anomalies: 14 });
      const validation = labelledCluster(2, { steps: 150, anomalies: 8 });
      const test = labelledCluster(3, { steps: 200, anomalies: 10 });
      const det = make();
      const report = await det.fit(train, { seed: 1, validation });
      expect(report.bestValLoss!).toBeLessThan(report.valLoss![0]);
      const { threshold } = bestF1Threshold(await det.scoreNodes(validation), validation.labels!);
      const scores = await det.scoreNodes(test);
      const p = positiveRate(scores, test.labels!);
      expect((2 * p) / (1 + p)).toBeLessThan(0.2);
      expect(f1At(scores, test.labels!, threshold)).toBeGreaterThanOrEqual(0.8);
      det.dispose();
    },
    60_000,
  );
});

describe('supervised networks on cpu and wasm', () => {
  afterAll(async () => {
    await initBackend('wasm');
  });

  it.each(forwardCases.filter((_, k) => k % 2 === 0).map((c) => [c.name, c] as const))(
    '%s: the same weights score alike on both (≤ 1e-5 relative); two epochs from one seed train alike (≤ ' +
      '1e-3 relative)',
    async (_name, c) => {
      const train = labelledCluster(41, { entities: 3, features: 2, steps: 40, anomalies: 4, missing: 0.02 });
      const test = labelledCluster(42, { entities: 3, features: 2, steps: 20, anomalies: 2 });
      const close = (a: Float32Array, b: Float32Array, tolerance: number) => {
        const worst = Math.max(
          ...Array.from(a).map((v, k) =>
            Number.isNaN(v) && Number.isNaN(b[k]) ? 0 : Math.abs(v - b[k]) / Math.max(1, Math.abs(b[k])),
          ),
        );
        expect(worst).toBeLessThanOrEqual(tolerance);
      };
      await initBackend('wasm');
      const onWasm = c.make();
      await onWasm.fit(train, { seed: 7, epochs: 2 });
      const wasmScores = await onWasm.scoreNodes(test);
      await initBackend('cpu');
      close(await onWasm.scoreNodes(test), wasmScores, 1e-5);
      const onCpu = c.make();
      await onCpu.fit(train, { seed: 7, epochs: 2 });
      close(await onCpu.scoreNodes(test), wasmScores, 1e-3);
      onWasm.dispose();
      onCpu.dispose();
    },
  );
});

describe('supervised network settings', () => {
  it('have the documented defaults', () => {
    const training = {
      windowLength: 12,
      positiveWeight: 'balanced',
      learningRate: 1e-3,
      weightDecay: 1e-4,
      clipNorm: null,
      batchSize: 128,
      epochs: 100,
      patience: 10,
    };
    expect(new Mlp().config).toEqual({ ...training, hidden: [64, 32] });
    expect(new Cnn1d().config).toEqual({
      ...training,
      filters: [32, 32],
      kernelSize: 3,
      pooling: 'average',
      hidden: [32],
    });
    expect(new Transformer().config).toEqual({
      ...training,
      dModel: 32,
      heads: 4,
      layers: 2,
      feedForward: 64,
      pooling: 'average',
    });
    for (const det of [new Mlp(), new Cnn1d(), new Transformer()] as NodeDetector[])
      expect([det.supervised, det.windowLength, det.featureCount]).toEqual([true, 12, undefined]);
  });

  it.each([
    [
      'mlp',
      (p: Record<string, unknown>) => new Mlp(p),
      [
        { hiddenUnits: 3 },
        { hidden: [0] },
        { learningRate: 0 },
        { clipNorm: -1 },
        { positiveWeight: 0 },
        { windowLength: 0 },
        { patience: 1.5 },
      ],
    ],
    [
      'cnn1d',
      (p: Record<string, unknown>) => new Cnn1d(p),
      [{ filters: [] }, { pooling: 'sum' }, { kernelSize: 0 }, { hidden: 'wide' }],
    ],
    [
      'transformer',
      (p: Record<string, unknown>) => new Transformer(p),
      [{ heads: 3 }, { pooling: 'max' }, { layers: 0 }, { dModel: 2.5 }],
    ],
  ] as const)('%s rejects bad parameters with a ParameterError naming the key', (name, make, bads) => {
    for (const bad of bads) expect(() => make(bad)).toThrow(new RegExp(`^${name}: .*${Object.keys(bad)[0]}`));
    for (const bad of bads) expect(() => make(bad)).toThrow(ParameterError);
  });

  it('refuse unlabelled, one-class or mismatched training and validation series', async () => {
    const train = labelledCluster(51, { steps: 30, anomalies: 2 });
    const det = new Mlp({ windowLength: 3, epochs: 1 });
    await expect(det.fit({ ...train, labels: undefined }, { seed: 0 })).rejects.toThrow(ParameterError);
    await expect(det.fit({ ...train, labels: new Uint8Array(train.labels!.length) }, { seed: 0 })).rejects.toThrow(
      /0 anomalous/,
    );
    await expect(det.fit(train, { seed: 0, validation: { ...train, labels: undefined } })).rejects.toThrow(
      /validation/,
    );
    const wider = labelledCluster(52, { steps: 30, anomalies: 2, features: 4 });
    await expect(det.fit(train, { seed: 0, validation: wider })).rejects.toThrow(FeatureMismatchError);
    const renamed = { ...train, features: ['m0', 'm1', 'other'] };
    await expect(det.fit(train, { seed: 0, validation: renamed })).rejects.toThrow(/feature 2 .* 'other'/);
  });
});
