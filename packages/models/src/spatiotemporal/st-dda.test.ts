import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DriftwatchError,
  InputError,
  ParameterError,
  mulberry32,
  normalSampler,
  type GraphSnapshot,
  type NodeSeries,
} from '@driftwatch/contracts';
import { describeNodeDetectorConformance } from '@driftwatch/contracts/node-conformance';
import { initBackend } from '../backend';
import { StDda, systemScores } from './st-dda';
import { writeModelFileRehashed } from '../testing/model-files';
import { refLatentScores, refWindow } from './reference';

const small = { windowLength: 6, embeddingDim: 8, encoderHidden: 16, decoderHidden: 16, batchSize: 16 };

// the registry's conformance run covers the default settings; these two cover the other graph modes, the
// system reference, the forecast score and block batches
describeNodeDetectorConformance('st-dda (graph static, reference system)', {
  create: () => new StDda({ ...small, graph: 'static', reference: 'system' }),
  load: (d) => StDda.load(d),
});
describeNodeDetectorConformance(
  'st-dda (graph none, forecast score: windowLength W + 1, batches of consecutive window ends)',
  {
    create: () => new StDda({ ...small, graph: 'none', score: 'forecast', batchOrder: 'blocks' }),
    load: (d) => StDda.load(d),
  },
);

// the top-k path keeps 2 of the N − 1 other entities per node, so it is not the dense path in disguise
describeNodeDetectorConformance('st-dda (top-k dependencies, k = 2, graph dynamic)', {
  create: () => new StDda({ ...small, dependencyPath: 'top-k', dependencyTopK: 2 }),
  load: (d) => StDda.load(d),
});

/**
 * N = 3 entities, F = 2 noisy sinusoids each, NaN at a few cells; a snapshot at step 0 (0 ↔ 1) and one at `switchAt` (1
 * ↔ 2).
 */
function tinySeries(id: string, T: number, seed: number, switchAt = Math.floor(T / 2)): NodeSeries {
  const normal = normalSampler(mulberry32(seed));
  const N = 3;
  const F = 2;
  const values = new Float32Array(T * N * F);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      for (let f = 0; f < F; f++)
        values[(t * N + i) * F + f] =
          3 * i + f + Math.sin((2 * Math.PI * (t + i)) / (7 + f)) * (1 + i) + 0.2 * normal();
    }
  }
  // missing values: entity 1 misses feature 0 at step 9, entity 2 everything at step 12
  values[(9 * N + 1) * F] = NaN;
  values[(12 * N + 2) * F] = NaN;
  values[(12 * N + 2) * F + 1] = NaN;
  const entities = ['api', 'db', 'cache'];
  const graphs: GraphSnapshot[] = [
    { t: 0, nodes: entities, edges: [{ src: 0, dst: 1, kind: 'call', weight: 1 }] },
    { t: switchAt, nodes: entities, edges: [{ src: 1, dst: 2, kind: 'call', weight: 1 }] },
  ];
  return { id, entities, features: ['cpu', 'latency'], length: T, values, graphs };
}

/** norm(A_obs + I) of the two snapshots of tinySeries (symmetric, binary), by hand */
const FIRST_GRAPH = [
  [0.5, 0.5, 0],
  [0.5, 0.5, 0],
  [0, 0, 1],
];
const SECOND_GRAPH = [
  [1, 0, 0],
  [0, 0.5, 0.5],
  [0, 0.5, 0.5],
];

type Weights = Map<string, { shape: number[]; values: Float32Array }>;

/**
 * the series standardised with the training moments, computed here in float64 with NaN skipped, as [t][i][f] (missing →
 * 0)
 */
function standardisedSteps(series: NodeSeries, train: NodeSeries): { x: number[][][]; observed: number[][][] } {
  const N = series.entities.length;
  const F = series.features.length;
  const moments = Array.from({ length: N * F }, (_, k) => {
    const xs: number[] = [];
    for (let t = 0; t < train.length; t++)
      if (!Number.isNaN(train.values[t * N * F + k])) xs.push(train.values[t * N * F + k]);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    return { mean, std: Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length) };
  });
  const x: number[][][] = [];
  const observed: number[][][] = [];
  for (let t = 0; t < series.length; t++) {
    x.push([]);
    observed.push([]);
    for (let i = 0; i < N; i++) {
      x[t].push([]);
      observed[t].push([]);
      for (let f = 0; f < F; f++) {
        const v = series.values[(t * N + i) * F + f];
        const { mean, std } = moments[i * F + f];
        x[t][i].push(Number.isNaN(v) ? 0 : (v - mean) / std);
        observed[t][i].push(Number.isNaN(v) ? 0 : 1);
      }
    }
  }
  return { x, observed };
}

/** the plain-JS model over every window end of a series, graph 'dynamic' on tinySeries' snapshots */
function referenceRun(w: Weights, scales: number[], series: NodeSeries, train: NodeSeries, W: number) {
  const { x, observed } = standardisedSteps(series, train);
  const switchAt = series.graphs![1].t;
  const windows = new Map<number, ReturnType<typeof refWindow>>();
  for (let e = W - 1; e < series.length; e++)
    windows.set(e, refWindow(w, { scales }, x.slice(e - W + 1, e + 1), e < switchAt ? FIRST_GRAPH : SECOND_GRAPH));
  return { x, observed, windows };
}

function expectRelativelyClose(actual: Float32Array, expected: number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let k = 0; k < expected.length; k++) {
    if (Number.isNaN(expected[k])) expect(actual[k]).toBeNaN();
    else worst = Math.max(worst, Math.abs(actual[k] - expected[k]) / Math.max(1e-3, Math.abs(expected[k])));
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe('StDda', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it(
    'scores, normalises and validates exactly as the plain-JS equations say (N = 3, F = 2, W = 4, D = 4, ' +
      'graph dynamic, missing values, 2 scoring chunks)',
    async () => {
      const W = 4;
      const train = tinySeries('tiny/train', 120, 1);
      const validation = tinySeries('tiny/validation', 40, 2, 25);
      const test = tinySeries('tiny/test', 300, 3, 100);
      const det = new StDda({
        windowLength: W,
        embeddingDim: 4,
        encoderHidden: 5,
        decoderHidden: 3,
        attentionDim: 3,
        batchSize: 8,
        epochs: 1,
      });
      expect(det.config.scales).toEqual([1, 3]);
      const report = await det.fit(train, { seed: 4, validation });
      const w = det.parameterValues();
      const N = 3;
      const F = 2;

      const { observed, windows } = referenceRun(w, [1, 3], test, train, W);
      const latent = (reference: 'node' | 'system') =>
        Array.from({ length: test.length * N }, (_, k) => {
          const e = Math.floor(k / N);
          return e < W - 1 ? NaN : refLatentScores(w, windows.get(e)!.u, reference)[k % N];
        });
      expectRelativelyClose(await det.scoreNodes(test), latent('node'), 1e-4);
      expectRelativelyClose(
        await det.scoreNodesWith(test, { score: 'latent', reference: 'system' }),
        latent('system'),
        1e-4,
      );

      // v_{i,f}: mean observed squared one-step error over the training window ends
      const trainRun = referenceRun(w, [1, 3], train, train, W);
      const scale = new Array<number>(N * F).fill(0);
      const count = new Array<number>(N * F).fill(0);
      for (let e = W - 1; e <= train.length - 2; e++) {
        const r = trainRun.windows.get(e)!;
        for (let i = 0; i < N; i++)
          for (let f = 0; f < F; f++) {
            scale[i * F + f] += trainRun.observed[e + 1][i][f] * (r.forecast[i][f] - trainRun.x[e + 1][i][f]) ** 2;
            count[i * F + f] += trainRun.observed[e + 1][i][f];
          }
      }
      expectRelativelyClose(
        w.get('forecast/error_scale')!.values,
        scale.map((s, k) => s / count[k]),
        1e-4,
      );

      // the forecast made at window end e is scored at e + 1, over the observed features, each divided by v
      const { x } = standardisedSteps(test, train);
      const forecast = Array.from({ length: test.length * N }, (_, k) => {
        const t = Math.floor(k / N);
        const i = k % N;
        if (t < W) return NaN;
        const r = windows.get(t - 1)!;
        const seen = [0, 1].filter((f) => observed[t][i][f] === 1);
        return seen.length === 0
          ? 0
          : seen.reduce(
              (s, f) => s + (r.forecast[i][f] - x[t][i][f]) ** 2 / w.get('forecast/error_scale')!.values[i * F + f],
              0,
            ) / seen.length;
      });
      expectRelativelyClose(await det.scoreNodesWith(test, { score: 'forecast' }), forecast, 1e-3);

      // one epoch: the validation loss of epoch 1 is that of the final weights and centres
      const valRun = referenceRun(w, [1, 3], validation, train, W);
      let se = 0;
      let seen = 0;
      let compactness = 0;
      let rows = 0;
      for (let e = W - 1; e <= validation.length - 2; e++) {
        const r = valRun.windows.get(e)!;
        for (let i = 0; i < N; i++) {
          for (let f = 0; f < F; f++) {
            se += valRun.observed[e + 1][i][f] * (r.forecast[i][f] - valRun.x[e + 1][i][f]) ** 2;
            seen += valRun.observed[e + 1][i][f];
          }
          compactness += refLatentScores(w, r.u, 'node')[i];
          rows += 1;
        }
      }
      expect(report.valLoss![0]).toBeCloseTo(se / seen + (0.1 * compactness) / rows, 4);
      det.dispose();
    },
  );

  it(
    'starts each centre c_i at the mean of u_i over the training windows (one batch, a negligible learning ' + 'rate)',
    async () => {
      const W = 4;
      const train = tinySeries('centre/train', 40, 13);
      const det = new StDda({
        windowLength: W,
        embeddingDim: 4,
        encoderHidden: 5,
        decoderHidden: 3,
        batchSize: 64,
        epochs: 1,
        learningRate: 1e-12,
      });
      await det.fit(train, { seed: 7 });
      const w = det.parameterValues();
      const { windows } = referenceRun(w, det.config.scales, train, train, W);
      const mean = new Array<number>(3 * 4).fill(0);
      let count = 0;
      for (let e = W - 1; e <= train.length - 2; e++, count++)
        windows.get(e)!.u.forEach((ui, i) => ui.forEach((v, d) => (mean[i * 4 + d] += v)));
      expectRelativelyClose(
        w.get('centre')!.values,
        mean.map((v) => v / count),
        1e-4,
      );
      det.dispose();
    },
  );

  it(
    'mixes the observed graph as its mode says: none (λ = 0), static (the first snapshot throughout), ' +
      'dynamic (the snapshot in force)',
    async () => {
      const W = 4;
      const train = tinySeries('modes/train', 60, 5, 30);
      const before = 10;
      const after = 45;
      const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
      const expectedObserved = {
        none: [undefined, undefined],
        static: [FIRST_GRAPH, FIRST_GRAPH],
        dynamic: [FIRST_GRAPH, SECOND_GRAPH],
      } as const;
      for (const graph of ['none', 'static', 'dynamic'] as const) {
        const det = new StDda({
          windowLength: W,
          embeddingDim: 4,
          encoderHidden: 5,
          decoderHidden: 3,
          batchSize: 8,
          epochs: 1,
          graph,
        });
        await det.fit(train, { seed: 6 });
        const w = det.parameterValues();
        const lambda = graph === 'none' ? 0 : 1 / (1 + Math.exp(-w.get('mixing/logit')!.values[0]));
        expect(w.has('mixing/logit')).toBe(graph !== 'none');
        for (const [k, t] of [before, after].entries()) {
          const dep = await det.dependencies(train, t);
          const obs = expectedObserved[graph][k];
          expect(dep.observed && Array.from(dep.observed)).toEqual(obs && obs.flat());
          expect(dep.lambda).toBeCloseTo(lambda, 6);
          for (let i = 0; i < 3; i++) {
            expect(dep.learned[i * 3 + i]).toBe(0);
            expect(dep.learned[i * 3] + dep.learned[i * 3 + 1] + dep.learned[i * 3 + 2]).toBeCloseTo(1, 6);
          }
          // A = λ·O + (1 − λ)(Ã + I)/2 with the hand-built O
          const expected = dep.learned.map(
            (a, ij) => (obs ? lambda * obs.flat()[ij] : 0) + ((1 - lambda) * (a + identity[ij])) / 2,
          );
          expectRelativelyClose(dep.combined, Array.from(expected), 1e-5);
        }
        det.dispose();
      }
    },
  );

  it('trains on normal windows only: values at labelled steps reach no weight, centre or normaliser', async () => {
    const T = 60;
    const labelled = [20, 21, 40];
    const withGarbage = (value: number, seed: number): NodeSeries => {
      const s = tinySeries('normal-only/train', T, 12);
      const values = s.values.slice();
      const u = mulberry32(seed);
      // every value of a labelled step replaced, one entity labelled per step (the whole step counts)
      for (const t of labelled) for (let k = 0; k < 3 * 2; k++) values[t * 3 * 2 + k] = value * (1 + u());
      const labels = new Uint8Array(T * 3);
      for (const t of labelled) labels[t * 3 + (t % 3)] = 1;
      return { ...s, values, labels };
    };
    const weights = async (series: NodeSeries) => {
      const det = new StDda({ ...small, windowLength: 4, epochs: 2, batchSize: 4 });
      await det.fit(series, { seed: 5, validation: withGarbage(-3e5, 9) });
      const w = det.parameterValues();
      det.dispose();
      return w;
    };
    const a = await weights(withGarbage(1e6, 1));
    const b = await weights(withGarbage(-7e4, 2));
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [name, v] of a) expect(Array.from(v.values)).toEqual(Array.from(b.get(name)!.values));
    // without labels the same garbage trains
    const unlabelled = withGarbage(1e6, 1);
    delete unlabelled.labels;
    const c = await weights(unlabelled);
    expect(Array.from(c.get('standardisation/mean')!.values)).not.toEqual(
      Array.from(a.get('standardisation/mean')!.values),
    );
  });

  it('refuses a labelled series without one normal training example', async () => {
    const s = tinySeries('all-labelled/train', 12, 3);
    const labels = new Uint8Array(12 * 3);
    // every third step labelled: no 5 consecutive normal steps (W = 4 and the next step)
    for (let t = 0; t < 12; t += 3) labels[t * 3] = 1;
    const det = new StDda({ ...small, windowLength: 4, epochs: 1 });
    await expect(det.fit({ ...s, labels }, { seed: 1 })).rejects.toThrow(
      /all-labelled\/train has no window of W \+ 1 = 5 steps .* free of labelled steps/,
    );
    det.dispose();
  });

  it('with top-k dependencies (k = 1 of N − 1 = 2) each node listens to exactly one other node', async () => {
    const train = tinySeries('topk/train', 60, 12);
    const det = new StDda({ ...small, windowLength: 4, epochs: 2, dependencyPath: 'top-k', dependencyTopK: 1 });
    await det.fit(train, { seed: 3 });
    const dep = await det.dependencies(train, 30);
    for (let i = 0; i < 3; i++) {
      const row = Array.from(dep.learned.subarray(i * 3, i * 3 + 3));
      expect(row[i]).toBe(0);
      expect(row.filter((v) => v !== 0)).toEqual([1]);
    }
    expect((await det.scoreNodes(train)).slice(3 * 3).every(Number.isFinite)).toBe(true);
    det.dispose();
  });

  it(
    'learns the dependency: a node that decouples from its caller (values in the normal range) gets by far ' +
      'the highest forecast score; a level shift the highest latent score',
    async () => {
      const PARENT = [-1, 0, 0, 1, 1, 2, 2, 3];
      const N = PARENT.length;
      const anomalous = 4;
      const [start, end] = [150, 190];
      /**
       * A call tree: the root's load is a daily-like cycle plus AR(1) bursts, each callee's load is its caller's
       * one step earlier plus a little noise; metrics cpu = load, latency = load²/2. 'decouple': the anomalous
       * node follows bursts of its own (the same law, independent draws); 'shift': its cpu rises by 1.5.
       */
      const cluster = (T: number, seed: number, kind?: 'decouple' | 'shift'): NodeSeries => {
        const normal = normalSampler(mulberry32(seed));
        const load = Array.from({ length: N }, () => new Float64Array(T));
        let burst = 0;
        let ownBurst = 0;
        for (let t = 0; t < T; t++) {
          burst = 0.8 * burst + 0.3 * normal();
          ownBurst = 0.8 * ownBurst + 0.3 * normal();
          const cycle = 1 + 0.4 * Math.sin((2 * Math.PI * t) / 24);
          load[0][t] = cycle + burst;
          for (let i = 1; i < N; i++) load[i][t] = load[PARENT[i]][Math.max(0, t - 1)] + 0.05 * normal();
          if (kind === 'decouple' && t >= start && t < end) load[anomalous][t] = cycle + ownBurst;
        }
        const values = new Float32Array(T * N * 2);
        for (let t = 0; t < T; t++) {
          for (let i = 0; i < N; i++) {
            values[(t * N + i) * 2] =
              load[i][t] + 0.05 * normal() + (kind === 'shift' && i === anomalous && t >= start && t < end ? 1.5 : 0);
            values[(t * N + i) * 2 + 1] = 0.5 * load[i][t] ** 2 + 0.05 * normal();
          }
        }
        const entities = PARENT.map((_, i) => `svc-${i}`);
        const edges = PARENT.slice(1).map((p, k) => ({ src: p, dst: k + 1, kind: 'call' as const, weight: 1 }));
        return {
          id: `cluster-${seed}-${kind ?? 'normal'}`,
          entities,
          features: ['cpu', 'latency'],
          length: T,
          values,
          graphs: [{ t: 0, nodes: entities, edges }],
        };
      };
      const det = new StDda({
        windowLength: 8,
        embeddingDim: 16,
        encoderHidden: 32,
        decoderHidden: 32,
        graph: 'static',
        learningRate: 3e-3,
        epochs: 10,
      });
      await det.fit(cluster(400, 1), { seed: 1, validation: cluster(200, 2) });
      /** mean of entity i's score over steps [from, to) of a T·n score array */
      const meanScore = (s: Float32Array, i: number, from: number, to: number, n = N) => {
        let sum = 0;
        for (let t = from; t < to; t++) sum += s[t * n + i];
        return sum / (to - from);
      };
      // measured over training seeds and sizes: during the decoupling the node's forecast score is 8–14× the others'
      // and its own before (after one epoch of training about 1.6×); the level shift's latent score 10–25×
      const decoupled = await det.scoreNodesWith(cluster(300, 3, 'decouple'), { score: 'forecast' });
      const others = PARENT.map((_, i) => i).filter((i) => i !== anomalous);
      expect(meanScore(decoupled, anomalous, start, end)).toBeGreaterThan(
        4 * Math.max(...others.map((i) => meanScore(decoupled, i, start, end))),
      );
      expect(meanScore(decoupled, anomalous, start, end)).toBeGreaterThan(
        4 * meanScore(decoupled, anomalous, 20, start),
      );
      const shifted = await det.scoreNodes(cluster(300, 3, 'shift'));
      expect(meanScore(shifted, anomalous, start, end)).toBeGreaterThan(
        4 * Math.max(...others.map((i) => meanScore(shifted, i, start, end))),
      );
      expect(meanScore(shifted, anomalous, start, end)).toBeGreaterThan(4 * meanScore(shifted, anomalous, 20, start));
      const system = systemScores(shifted, N);
      expect(meanScore(system, 0, start, end, 1)).toBeGreaterThan(2 * meanScore(system, 0, 20, start, 1));
      det.dispose();
    },
    60_000,
  );

  it('systemScores is max_i s_i(t), NaN only where every entity is NaN (brute force)', () => {
    const u = mulberry32(9);
    const scores = Float32Array.from({ length: 5 * 3 }, (_, k) => (k < 3 || k === 7 ? NaN : u()));
    const out = systemScores(scores, 3);
    for (let t = 0; t < 5; t++) {
      const row = Array.from(scores.subarray(t * 3, t * 3 + 3)).filter((v) => !Number.isNaN(v));
      if (row.length === 0) expect(out[t]).toBeNaN();
      else expect(out[t]).toBe(Math.max(...row));
    }
    expect(() => systemScores(scores, 4)).toThrow(ParameterError);
  });
});

describe('StDda settings and inputs', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it(
    'has the docs/spatiotemporal.md §1 defaults ({1, 4, W − 1} scales, d = D) and validates every setting at ' +
      'the boundary',
    () => {
      expect(new StDda().config).toEqual({
        windowLength: 20,
        embeddingDim: 32,
        encoderHidden: 64,
        decoderHidden: 64,
        scales: [1, 4, 19],
        attentionDim: 32,
        dependencyPath: 'auto',
        dependencyTopK: 16,
        graph: 'dynamic',
        observedEdges: 'symmetric',
        observedWeights: 'binary',
        reference: 'node',
        score: 'latent',
        gamma: 0.1,
        centreMomentum: 0.9,
        learningRate: 1e-3,
        weightDecay: 1e-4,
        clipNorm: 10,
        batchSize: 16,
        batchOrder: 'shuffled',
        epochs: 100,
        patience: 10,
      });
      expect(new StDda({ windowLength: 4 }).config.scales).toEqual([1, 3]);
      expect(new StDda({ windowLength: 1 }).config.scales).toEqual([0]);
      expect(new StDda({ windowLength: 12, scales: [11] }).config.scales).toEqual([11]);
      expect(new StDda({ clipNorm: null }).config.clipNorm).toBeNull();
      expect(new StDda({ score: 'forecast', windowLength: 8 }).windowLength).toBe(9);
      const bad: [Record<string, unknown>, RegExp][] = [
        [{ nonsense: 1 }, /unknown parameter 'nonsense'/],
        [{ embeddingDim: 0 }, /embeddingDim must be a positive integer/],
        [{ windowLength: 2.5 }, /windowLength must be a positive integer/],
        [{ graph: 'sometimes' }, /graph must be one of 'none', 'static', 'dynamic', got "sometimes"/],
        [{ reference: 'global' }, /reference must be one of 'node', 'system'/],
        [{ score: 'both' }, /score must be one of 'latent', 'forecast'/],
        [{ observedEdges: 'both' }, /observedEdges/],
        [{ observedWeights: 'calls' }, /observedWeights/],
        [{ windowLength: 4, scales: [4] }, /every scale K must be ≤ windowLength − 1 .*, got scales = \[4\]/],
        [{ scales: [1, 1] }, /scales/],
        [{ scales: [] }, /scales/],
        [{ gamma: -0.1 }, /gamma must be a number ≥ 0, got -0.1/],
        [{ centreMomentum: 1 }, /centreMomentum must be a number in \[0, 1\)/],
        [{ learningRate: 0 }, /learningRate/],
        [{ clipNorm: 0 }, /clipNorm must be a number > 0 or null/],
        [{ attentionDim: 0 }, /attentionDim/],
        [{ dependencyTopK: 0 }, /dependencyTopK must be a positive integer/],
        [{ dependencyTopK: 2.5 }, /dependencyTopK must be a positive integer/],
        [{ dependencyPath: 'sparse' }, /dependencyPath/],
        [{ batchOrder: 'random' }, /batchOrder must be one of 'blocks', 'shuffled'/],
      ];
      for (const [params, message] of bad) {
        expect(() => new StDda(params)).toThrow(ParameterError);
        expect(() => new StDda(params)).toThrow(message);
      }
    },
  );

  it('refuses series it cannot train on or score, with the reason', async () => {
    const W = 4;
    const train = tinySeries('inputs/train', 30, 7);
    const small = { windowLength: W, embeddingDim: 4, encoderHidden: 4, decoderHidden: 4, epochs: 1 };
    const det = new StDda(small);
    await expect(det.scoreNodes(train)).rejects.toThrow(/not trained/);
    const one = { ...train, entities: ['only'], values: train.values.slice(0, 30 * 2), graphs: undefined };
    await expect(det.fit(one, { seed: 1 })).rejects.toThrow(/at least 2/);
    await expect(det.fit({ ...train, length: 4, values: train.values.slice(0, 4 * 6) }, { seed: 1 })).rejects.toThrow(
      /needs at least W \+ 1 = 5/,
    );
    await expect(det.fit({ ...train, graphs: undefined }, { seed: 1 })).rejects.toThrow(
      /graph 'dynamic' needs observed graphs/,
    );
    const infinite = { ...train, values: train.values.slice() };
    infinite.values[5] = -Infinity;
    await expect(det.fit(infinite, { seed: 1 })).rejects.toThrow(
      /-Infinity at step 0, entity 'cache', feature 'latency'/,
    );
    const renamed = {
      ...train,
      entities: ['api', 'cache', 'db'],
      graphs: train.graphs!.map((g) => ({ ...g, nodes: ['api', 'cache', 'db'] })),
    };
    await expect(det.fit(train, { seed: 1, validation: renamed })).rejects.toThrow(/has 'cache' at entity 1/);
    await det.fit(train, { seed: 1 });
    await expect(det.scoreNodes(renamed)).rejects.toThrow(ParameterError);
    await expect(det.scoreNodes({ ...train, features: ['cpu', 'memory'] })).rejects.toThrow(
      /feature 1 of inputs\/train is 'memory'/,
    );
    await expect(det.dependencies(train, W - 2)).rejects.toThrow(/step 2 has no full window/);
    await expect(det.scoreNodesWith(train, { score: 'median' as never })).rejects.toThrow(/unknown score 'median'/);
    // a series shorter than a window has no scores, only NaN
    expect(Array.from(await det.scoreNodes({ ...train, length: 3, values: train.values.slice(0, 3 * 6) }))).toEqual(
      new Array(9).fill(NaN),
    );
    det.dispose();
  });

  it(
    'loads only what it saved: a weight of the wrong shape or another entity list is an InputError naming ' +
      'the file',
    async () => {
      const train = tinySeries('load/train', 30, 8);
      const det = new StDda({ windowLength: 4, embeddingDim: 4, encoderHidden: 4, decoderHidden: 4, epochs: 1 });
      await det.fit(train, { seed: 2 });
      const dir = await mkdtemp(join(tmpdir(), 'driftwatch-st-dda-'));
      try {
        await det.save(join(dir, 'model'), { featureNames: train.features });
        const manifest = JSON.parse(await readFile(join(dir, 'model', 'manifest.json'), 'utf8'));
        expect([manifest.detector, manifest.featureCount, manifest.windowLength, manifest.featureNames]).toEqual([
          'st-dda',
          2,
          4,
          ['cpu', 'latency'],
        ]);
        await writeModelFileRehashed(
          join(dir, 'model'),
          'series.json',
          JSON.stringify({ entities: ['api', 'db'], features: ['cpu', 'latency'] }),
        );
        await expect(StDda.load(join(dir, 'model'))).rejects.toThrow(InputError);
        await writeModelFileRehashed(join(dir, 'model'), 'series.json', '{"entities": ');
        await expect(StDda.load(join(dir, 'model'))).rejects.toThrow(/series\.json: expected valid JSON/);
        await expect(StDda.load(join(dir, 'nothing'))).rejects.toThrow(DriftwatchError);
      } finally {
        det.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('StDda on cpu and wasm', () => {
  it('trains to the same scores on both backends (relative difference ≤ 1e-3)', async () => {
    const train = tinySeries('backends/train', 80, 10);
    const test = tinySeries('backends/test', 40, 11);
    const scores: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const det = new StDda({
        windowLength: 5,
        embeddingDim: 8,
        encoderHidden: 8,
        decoderHidden: 8,
        batchSize: 8,
        epochs: 3,
      });
      await det.fit(train, { seed: 3, validation: tinySeries('backends/validation', 30, 12) });
      scores.push(await det.scoreNodes(test));
      det.dispose();
    }
    const [cpu, wasm] = scores;
    let worst = 0;
    for (let k = 0; k < cpu.length; k++)
      if (Number.isFinite(cpu[k]))
        worst = Math.max(worst, Math.abs(cpu[k] - wasm[k]) / Math.max(1e-6, Math.abs(cpu[k])));
    expect(worst).toBeLessThanOrEqual(1e-3);
    await initBackend('wasm');
  }, 60_000);
});
