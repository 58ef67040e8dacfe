import { initBackend, tf } from '../backend';
import { AdamW } from './adamw';
import { optimisationStep } from './optimisation-step';

beforeAll(async () => {
  await initBackend('wasm');
});

/**
 * Keras AdamW's first step from zero moments, written out: θ(1 − lr·wd) − lr·g/(|g| + ε) (bias corrections cancel at t
 * = 1)
 */
function firstAdamWStep(theta: number, g: number, lr: number, wd: number): number {
  const m = 0.1 * g;
  const v = 0.001 * g * g;
  return theta * (1 - lr * wd) - ((lr * Math.sqrt(1 - 0.999)) / (1 - 0.9)) * (m / (Math.sqrt(v) + 1e-7));
}

describe('optimisationStep', () => {
  it('updates only the trained variables and sets the requested state from the parameters of the forward pass', () => {
    const w = tf.tidy(() => tf.variable(tf.tensor1d([2, -1]), true, 'step-test-w'));
    const frozen = tf.tidy(() => tf.variable(tf.tensor1d([5]), true, 'step-test-frozen'));
    const state = tf.tidy(() => tf.variable(tf.tensor1d([0, 0]), false, 'step-test-state'));
    const optimizer = new AdamW({ learningRate: 0.1, weightDecay: 0.5, clipNorm: Infinity });
    const before = tf.memory().numTensors;
    // L = Σ (w − 3)² + frozen², dL/dw = 2(w − 3); the state asks for 10·w as the step saw it
    const loss = optimisationStep(
      optimizer,
      [w],
      (setState) => {
        setState('state', w.mul(10));
        return w.sub(3).square().sum().add(frozen.square().sum()) as tf.Scalar;
      },
      (name, value) => {
        expect(name).toBe('state');
        state.assign(value as tf.Tensor1D);
      },
    );
    expect(loss.dataSync()[0]).toBeCloseTo(1 + 16 + 25, 5);
    loss.dispose();
    const expected = [2, -1].map((t) => firstAdamWStep(t, 2 * (t - 3), 0.1, 0.5));
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 6));
    expect(Array.from(frozen.dataSync())).toEqual([5]);
    expect(Array.from(state.dataSync())).toEqual([20, -10]);
    // what remains is the AdamW slots of w (m and v), nothing of the step
    expect(tf.memory().numTensors).toBe(before + 2);
    optimizer.dispose();
    tf.dispose([w, frozen, state]);
  });

  it('releases the requested state and the loss when the state cannot be set', () => {
    const w = tf.tidy(() => tf.variable(tf.tensor1d([1]), true, 'step-test-w2'));
    const optimizer = new AdamW({ learningRate: 0.1 });
    optimisationStep(
      optimizer,
      [w],
      () => w.square().sum() as tf.Scalar,
      () => undefined,
    ).dispose();
    const before = tf.memory().numTensors;
    const failing = () =>
      optimisationStep(
        optimizer,
        [w],
        (setState) => {
          setState('missing', w.add(1));
          return w.square().sum() as tf.Scalar;
        },
        (name) => {
          throw new Error(`no state variable ${name}`);
        },
      );
    expect(failing).toThrow('no state variable missing');
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    w.dispose();
  });
});
