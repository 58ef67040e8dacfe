import { ParameterError } from '@driftwatch/contracts';
import { initBackend, tf } from '../backend';
import { AdamW } from './adamw';

/**
 * Keras 2.14 AdamW written out in plain JS, independently of the implementation: per step the
 * gradient is clipped to norm ≤ clip, decay θ −= lr·wd·θ, then the Adam moments and the bias-corrected
 * step.
 */
function handAdamW(theta: number[], grads: number[][], lr: number, wd: number, clip: number): number[][] {
  const th = [...theta];
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  const history: number[][] = [];
  grads.forEach((g0, step) => {
    const t = step + 1;
    const norm = Math.sqrt(g0.reduce((s, x) => s + x * x, 0));
    const g = norm > clip ? g0.map((x) => (x * clip) / norm) : g0;
    for (let i = 0; i < th.length; i++) th[i] = th[i] - lr * wd * th[i];
    for (let i = 0; i < th.length; i++) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      th[i] -= (((lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t)) * m[i]) / (Math.sqrt(v[i]) + 1e-7);
    }
    history.push([...th]);
  });
  return history;
}

// two variables: a 2×2 kernel and a bias of 3; the second step's kernel gradient has norm 13 > clip 2
const kernel0 = [0.5, -1, 2, 0.25];
const bias0 = [0.1, 0, -0.3];
const kernelGrads = [
  [0.1, -0.2, 0.3, 0.05],
  [5, -12, 0, 0],
  [-0.4, 0.1, 0.2, 1],
];
const biasGrads = [
  [1, 0, -1],
  [0.5, 0.5, 0.5],
  [0, 0, 2],
];

describe.each([
  ['wasm', true],
  ['cpu', true],
  ['cpu', false],
] as const)('AdamW on %s (fused kernel: %s)', (backend, fused) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('matches a plain-JS Keras AdamW over 3 steps, with a clipped gradient and decay on every variable', () => {
    const lr = 0.01;
    const wd = 0.05;
    const clip = 2;
    const k = tf.variable(tf.tensor2d(kernel0, [2, 2]));
    const b = tf.variable(tf.tensor1d(bias0));
    const opt = new AdamW({ learningRate: lr, weightDecay: wd, clipNorm: clip, fused });
    const expectedK = handAdamW(kernel0, kernelGrads, lr, wd, clip);
    const expectedB = handAdamW(bias0, biasGrads, lr, wd, clip);
    for (let s = 0; s < 3; s++) {
      const gk = tf.tensor2d(kernelGrads[s], [2, 2]);
      const gb = tf.tensor1d(biasGrads[s]);
      opt.applyGradients([
        [k, gk],
        [b, gb],
      ]);
      gk.dispose();
      gb.dispose();
      const ks = Array.from(k.dataSync());
      const bs = Array.from(b.dataSync());
      ks.forEach((x, i) => expect(x).toBeCloseTo(expectedK[s][i], 6));
      bs.forEach((x, i) => expect(x).toBeCloseTo(expectedB[s][i], 6));
    }
    expect(opt.iterations).toBe(3);
    opt.dispose();
    k.dispose();
    b.dispose();
  });

  it('applies named gradients from tf.variableGrads and frees its slots on dispose', () => {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.tensor1d([1, -2, 3]), true, `adamw-test-${backend}-${fused}`));
    const opt = new AdamW({ learningRate: 0.1, weightDecay: 0.01, fused });
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => w.square().sum() as tf.Scalar, [w]);
      opt.applyNamedGradients([w], grads);
    });
    // d/dw Σw² = 2w
    const expected = handAdamW([1, -2, 3], [[2, -4, 6]], 0.1, 0.01, 10)[0];
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 6));
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => opt.applyNamedGradients([w], tf.variableGrads(() => w.square().sum() as tf.Scalar, [w]).grads));
    }
    // the variable plus its two moment slots, nothing else
    expect(tf.memory().numTensors).toBe(before + 1 + 2);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before + 1);
    w.dispose();
  });
});

describe('AdamW options', () => {
  it('rejects invalid hyperparameters with a ParameterError', () => {
    expect(() => new AdamW({ learningRate: 0 })).toThrow(ParameterError);
    expect(() => new AdamW({ learningRate: 1e-3, weightDecay: -1 })).toThrow(ParameterError);
    expect(() => new AdamW({ learningRate: 1e-3, beta1: 1 })).toThrow(ParameterError);
    expect(() => new AdamW({ learningRate: 1e-3, clipNorm: 0 })).toThrow(ParameterError);
  });
});
