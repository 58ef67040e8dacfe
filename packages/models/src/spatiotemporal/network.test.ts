import { mulberry32 } from '@driftwatch/contracts';
import { initBackend, tf } from '../backend';
import type { NamedParams } from '../neural/params';
import {
  combinedDependencies,
  denseLearned,
  forecastScores,
  forwardSteps,
  forwardWindows,
  latentScores,
  lossOf,
  lossTerms,
  slidingOperator,
  stDdaParamSpecs,
  stDdaStateSpecs,
  temporalCoefficients,
  type StDdaArchitecture,
} from './network';
import { refLatentScores, refWindow, type RefWeights } from './reference';

// the brief's tiny sizes: N = 3, F = 2, W = 4, D = 4
const N = 3;
const F = 2;
const W = 4;
const D = 4;

function architecture(scales: number[], observed: boolean): StDdaArchitecture {
  return {
    featureCount: F,
    entityCount: N,
    windowLength: W,
    embeddingDim: D,
    encoderHidden: 5,
    decoderHidden: 3,
    scales,
    attentionDim: 3,
    observed,
    dependencyTopK: null,
  };
}

/**
 * Given weights: every parameter and state value U(−0.9, 0.9) from a seed (logits too, so α and λ are not at their
 * initial values).
 */
function givenWeights(a: StDdaArchitecture, seed: number): Map<string, { shape: number[]; values: Float32Array }> {
  const u = mulberry32(seed);
  return new Map(
    [...stDdaParamSpecs(a), ...stDdaStateSpecs(a)].map((s) => [
      s.name,
      {
        shape: s.shape,
        values: Float32Array.from({ length: s.shape.reduce((p, q) => p * q, 1) }, () => 1.8 * u() - 0.9),
      },
    ]),
  );
}

function tensorsOf(w: RefWeights): NamedParams {
  return Object.fromEntries([...w].map(([name, t]) => [name, tf.tensor(Array.from(t.values), [...t.shape])]));
}

/** steps × N × F values U(−2, 2) */
function randomSteps(steps: number, seed: number): number[][][] {
  const u = mulberry32(seed);
  return Array.from({ length: steps }, () =>
    Array.from({ length: N }, () => Array.from({ length: F }, () => 4 * u() - 2)),
  );
}

/** A row-normalised N × N matrix with a positive diagonal, as norm(A_obs + I) is. */
function observedMatrix(seed: number): number[][] {
  const u = mulberry32(seed);
  return Array.from({ length: N }, (_, i) => {
    const row = Array.from({ length: N }, (_, j): number => (j === i || u() < 0.5 ? 1 : 0));
    const sum = row.reduce((s, v) => s + v, 0);
    return row.map((v) => v / sum);
  });
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const worst = expected.reduce((m, e, k) => Math.max(m, Math.abs(actual[k] - e) / Math.max(1, Math.abs(e))), 0);
  expect(worst).toBeLessThanOrEqual(tolerance);
}

const flat = (m: number[][] | number[][][]): number[] => (m as unknown[]).flat(2) as number[];

beforeAll(async () => {
  await initBackend('wasm');
});

describe(
  'st-dda network against a plain-JS computation of docs/spatiotemporal.md §1 (N = 3, F = 2, W = 4, D = 4, ' +
    'given weights)',
  () => {
    const cases: [string, number[], boolean][] = [
      ['S = 2 (K ∈ {1, 3}, projected), observed graph', [1, 3], true],
      ['S = 1 (K = W − 1, the paper’s form, no projection), no graph', [3], false],
    ];

    it.each(cases)('the training path (windows step-major, C·H): %s', (_name, scales, observed) => {
      const a = architecture(scales, observed);
      const w = givenWeights(a, 1);
      const B = 2;
      const windows = [randomSteps(W, 2), randomSteps(W, 3)];
      const obs = [observedMatrix(4), observedMatrix(5)];
      // row (w·B + b)·N + i
      const x: number[] = [];
      for (let step = 0; step < W; step++) for (let b = 0; b < B; b++) x.push(...flat(windows[b][step]));
      tf.tidy(() => {
        const p = tensorsOf(w);
        const fw = forwardWindows(
          p,
          a,
          tf.tensor2d(x, [W * B * N, F]),
          B,
          observed ? tf.tensor3d(flat(obs), [B, N, N]) : undefined,
        );
        const ref = windows.map((win, b) => refWindow(w, { scales }, win, observed ? obs[b] : undefined));
        expectClose(
          fw.hTilde.dataSync(),
          ref.flatMap((r) => flat(r.hTilde)),
        );
        expectClose(
          denseLearned(fw.learned).dataSync(),
          ref.flatMap((r) => flat(r.learned)),
        );
        expectClose(
          fw.z.dataSync(),
          ref.flatMap((r) => flat(r.z)),
        );
        expectClose(
          fw.u.dataSync(),
          ref.flatMap((r) => flat(r.u)),
        );
        expectClose(
          combinedDependencies(
            p,
            denseLearned(fw.learned),
            observed ? tf.tensor3d(flat(obs), [B, N, N]) : undefined,
          ).dataSync(),
          ref.flatMap((r) => flat(r.combined)),
        );
      });
    });

    it.each(cases)(
      'the path of consecutive window ends (B = 3, each step encoded once, windows gathered): %s',
      (_name, scales, observed) => {
        const a = architecture(scales, observed);
        const w = givenWeights(a, 6);
        const B = 3;
        const steps = randomSteps(B + W - 1, 7);
        const obs = [observedMatrix(8), observedMatrix(9), observedMatrix(10)];
        tf.tidy(() => {
          const p = tensorsOf(w);
          const fw = forwardSteps(
            p,
            a,
            tf.tensor2d(flat(steps), [(B + W - 1) * N, F]),
            B,
            observed ? tf.tensor3d(flat(obs), [B, N, N]) : undefined,
          );
          const ref = [0, 1, 2].map((b) =>
            refWindow(w, { scales }, steps.slice(b, b + W), observed ? obs[b] : undefined),
          );
          expectClose(
            fw.u.dataSync(),
            ref.flatMap((r) => flat(r.u)),
          );
          expectClose(
            denseLearned(fw.learned).dataSync(),
            ref.flatMap((r) => flat(r.learned)),
          );
        });
      },
    );

    it(
      'both paths give the same loss and the same gradient for every parameter on consecutive window ends (the ' +
        'gather’s gradient on wasm)',
      () => {
        const a = architecture([1, 3], true);
        const w = givenWeights(a, 25);
        const B = 3;
        const steps = randomSteps(B + W - 1, 26);
        const obs = [observedMatrix(27), observedMatrix(28), observedMatrix(29)];
        const next = randomSteps(B, 30);
        const windowsX: number[] = [];
        for (let step = 0; step < W; step++) for (let b = 0; b < B; b++) windowsX.push(...flat(steps[b + step]));
        const gradients = (path: 'windows' | 'steps') =>
          tf.tidy(() => {
            const p = tensorsOf(w);
            const variables = Object.entries(p).map(([name, t]) => tf.variable(t, true, `${path}-grad/${name}`));
            const q = Object.fromEntries(variables.map((v) => [v.name.slice(path.length + 6), v])) as NamedParams;
            const observed = tf.tensor3d(flat(obs), [B, N, N]);
            const { value, grads } = tf.variableGrads(
              () => {
                const fw =
                  path === 'windows'
                    ? forwardWindows(q, a, tf.tensor2d(windowsX, [W * B * N, F]), B, observed)
                    : forwardSteps(q, a, tf.tensor2d(flat(steps), [(B + W - 1) * N, F]), B, observed);
                return lossOf(
                  lossTerms(q, a, fw, tf.tensor2d(flat(next), [B * N, F]), tf.ones([B * N, F]), q.centre),
                  0.1,
                  B * N,
                );
              },
              variables.filter(
                (v) =>
                  !v.name.includes('centre') && !v.name.includes('standardisation') && !v.name.includes('forecast/'),
              ),
            );
            const out = {
              loss: value.dataSync()[0],
              grads: Object.fromEntries(
                Object.entries(grads).map(([name, g]) => [name.slice(path.length + 6), Array.from(g.dataSync())]),
              ),
            };
            variables.forEach((v) => v.dispose());
            return out;
          });
        const windows = gradients('windows');
        const gathered = gradients('steps');
        expect(gathered.loss).toBeCloseTo(windows.loss, 5);
        expect(Object.keys(gathered.grads).sort()).toEqual(Object.keys(windows.grads).sort());
        expect(Object.keys(windows.grads)).toContain('encoder/dense_0/kernel');
        for (const [name, g] of Object.entries(windows.grads)) expectClose(gathered.grads[name], g, 1e-4);
      },
    );

    it(
      'the band operator puts each scale’s weights on each window end’s steps (hand-worked, S = 2, W = 3, B = ' + '2)',
      () => {
        const R = tf.tidy(() => slidingOperator(tf.tensor2d([0.1, 0.2, 0.7, 0, 0.4, 0.6], [2, 3]), 3, 2).arraySync());
        expect(R.map((row) => row.map((v) => Math.round(v * 10) / 10))).toEqual([
          [0.1, 0.2, 0.7, 0],
          [0, 0.1, 0.2, 0.7],
          [0, 0.4, 0.6, 0],
          [0, 0, 0.4, 0.6],
        ]);
      },
    );

    it(
      'temporal weights: C[s, W − 1 − τ] = softmax(a_s)_τ for τ ≤ K_s, zero for older steps, rows summing to ' + '1',
      () => {
        const a = architecture([0, 1, 3], false);
        const w = givenWeights(a, 11);
        const C = tf.tidy(() => temporalCoefficients(tensorsOf(w), a).arraySync());
        a.scales.forEach((K, s) => {
          const logits = Array.from(w.get(`temporal/scale_${s}/logits`)!.values);
          const e = logits.map(Math.exp);
          const z = e.reduce((p, q) => p + q, 0);
          const expected = Array.from({ length: W }, (_, col) => (W - 1 - col <= K ? e[W - 1 - col] / z : 0));
          expectClose(C[s], expected, 1e-6);
          expect(C[s].reduce((p, q) => p + q, 0)).toBeCloseTo(1, 6);
        });
      },
    );

    it(
      'Ã: rows sum to 1 over j ≠ i, the self-loop is excluded (exactly 0); A mixes in λ = sigmoid(l) of ' +
        'norm(A_obs + I)',
      () => {
        const a = architecture([1, 3], true);
        const w = givenWeights(a, 12);
        w.set('mixing/logit', { shape: [1], values: Float32Array.of(Math.log(0.3 / 0.7)) });
        const obs = observedMatrix(13);
        const steps = randomSteps(W, 14);
        const x = flat(steps);
        const { learned, combined } = tf.tidy(() => {
          const p = tensorsOf(w);
          const fw = forwardWindows(p, a, tf.tensor2d(x, [W * N, F]), 1, tf.tensor3d(flat(obs), [1, N, N]));
          return {
            learned: denseLearned(fw.learned).arraySync()[0],
            combined: combinedDependencies(
              p,
              denseLearned(fw.learned),
              tf.tensor3d(flat(obs), [1, N, N]),
            ).arraySync()[0],
          };
        });
        for (let i = 0; i < N; i++) {
          expect(learned[i][i]).toBe(0);
          expect(learned[i].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
          expect(combined[i].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
          // λ = 0.3: A = 0.3·O + 0.7·(Ã + I)/2
          for (let j = 0; j < N; j++)
            expect(combined[i][j]).toBeCloseTo(0.3 * obs[i][j] + (0.7 * (learned[i][j] + (i === j ? 1 : 0))) / 2, 6);
        }
      },
    );

    it('scores: ‖u_i − c_i‖² (node), ‖u_i − mean_j u_j‖² (system), and the masked, normalised forecast error', () => {
      const a = architecture([1, 3], false);
      const w = givenWeights(a, 15);
      const windows = [randomSteps(W, 16), randomSteps(W, 17)];
      const ref = windows.map((win) => refWindow(w, { scales: a.scales }, win));
      const B = 2;
      const next = randomSteps(B, 18);
      // entity 1 misses feature 0 at the first window's next step; entity 2 misses everything at the second
      const mask = [
        [
          [1, 1],
          [0, 1],
          [1, 1],
        ],
        [
          [1, 1],
          [1, 1],
          [0, 0],
        ],
      ];
      // a positive normaliser per (entity, feature), as the training errors give
      const scale = Array.from(w.get('forecast/error_scale')!.values, (v) => 0.5 + Math.abs(v));
      const out = tf.tidy(() => {
        const p = tensorsOf(w);
        const u = tf.tensor3d(
          ref.map((r) => r.u),
          [B, N, D],
        );
        const prediction = tf.tensor3d(
          ref.map((r) => r.forecast),
          [B, N, F],
        );
        return {
          node: latentScores(u, 'node', p.centre).dataSync(),
          system: latentScores(u, 'system', p.centre).dataSync(),
          forecast: forecastScores(
            prediction,
            tf.tensor3d(next, [B, N, F]),
            tf.tensor3d(mask, [B, N, F]),
            tf.tensor2d(scale, [N, F]),
          ).dataSync(),
        };
      });
      expectClose(
        out.node,
        ref.flatMap((r) => refLatentScores(w, r.u, 'node')),
      );
      expectClose(
        out.system,
        ref.flatMap((r) => refLatentScores(w, r.u, 'system')),
      );
      const expectedForecast = ref.flatMap((r, b) =>
        r.forecast.map((xhat, i) => {
          const seen = xhat.map((_, f) => f).filter((f) => mask[b][i][f] === 1);
          return seen.length === 0
            ? 0
            : seen.reduce((s, f) => s + (xhat[f] - next[b][i][f]) ** 2 / scale[i * F + f], 0) / seen.length;
        }),
      );
      expectClose(out.forecast, expectedForecast);
    });

    it('the training loss: Σ m·(x̂ − y)²/Σ m + γ·mean_{b,i} ‖u_i − c_i‖²', () => {
      const a = architecture([1, 3], true);
      const w = givenWeights(a, 19);
      const B = 2;
      const windows = [randomSteps(W, 20), randomSteps(W, 21)];
      const obs = [observedMatrix(22), observedMatrix(23)];
      const next = randomSteps(B, 24);
      const mask = [
        [
          [1, 0],
          [1, 1],
          [1, 1],
        ],
        [
          [1, 1],
          [0, 0],
          [1, 1],
        ],
      ];
      const gamma = 0.1;
      let se = 0;
      let count = 0;
      let compactness = 0;
      const centre = w.get('centre')!.values;
      windows.forEach((win, b) => {
        const r = refWindow(w, { scales: a.scales }, win, obs[b]);
        for (let i = 0; i < N; i++) {
          for (let f = 0; f < F; f++) {
            se += mask[b][i][f] * (r.forecast[i][f] - next[b][i][f]) ** 2;
            count += mask[b][i][f];
          }
          for (let d = 0; d < D; d++) compactness += (r.u[i][d] - centre[i * D + d]) ** 2;
        }
      });
      const x: number[] = [];
      for (let step = 0; step < W; step++) for (let b = 0; b < B; b++) x.push(...flat(windows[b][step]));
      const loss = tf.tidy(() => {
        const p = tensorsOf(w);
        const fw = forwardWindows(p, a, tf.tensor2d(x, [W * B * N, F]), B, tf.tensor3d(flat(obs), [B, N, N]));
        const terms = lossTerms(
          p,
          a,
          fw,
          tf.tensor2d(flat(next), [B * N, F]),
          tf.tensor2d(flat(mask), [B * N, F]),
          p.centre,
        );
        return lossOf(terms, gamma, B * N).dataSync()[0];
      });
      expect(loss).toBeCloseTo(se / count + (gamma * compactness) / (B * N), 4);
    });
  },
);
