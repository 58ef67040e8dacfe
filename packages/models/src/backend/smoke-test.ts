/**
 * The smoke test a backend passes before the loader accepts it (issue 8): one plain SGD step of a tiny
 * classifier, h = softplus(x·W1 + b1), logits = h·W2 + b2, loss = −mean_i ln softmax(logits_i)[y_i].
 * Its backward pass runs matMul with transposeA and with transposeB, the gradients of a broadcast bias
 * add, softplus and log-softmax, and the optimiser's update: the kernels every training step needs.
 * SGD rather than Adam because Adam's first step is ≈ lr·sign(g), which hides wrong gradient magnitudes.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32, normalSampler } from '@driftwatch/contracts';

/** One SGD step's inputs: x is n×d row-major, labels in [0, classes), weights row-major. */
export interface SmokeProblem {
  n: number;
  d: number;
  hidden: number;
  classes: number;
  x: Float32Array;
  labels: Int32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  learningRate: number;
}

export const SMOKE_PARAMETERS = ['w1', 'b1', 'w2', 'b2'] as const;
export type SmokeParameter = (typeof SMOKE_PARAMETERS)[number];

/** What one step gives: the loss before and after the update, and each parameter's change θ′ − θ. */
export interface SmokeResult {
  lossBefore: number;
  lossAfter: number;
  steps: Record<SmokeParameter, Float64Array>;
}

/** Relative tolerance of the smoke test: loss and every parameter step within 1e-4 of the reference. */
export const SMOKE_TOLERANCE = 1e-4;

/**
 * The fixed problem the loader uses: 8 examples, 5 inputs, 6 hidden units, 3 classes, N(0, 1) inputs
 * and N(0, 0.5²) weights from seed 8, learning rate 0.5 (large, so the step is large next to float32
 * rounding of the weights).
 */
export function defaultSmokeProblem(seed = 8): SmokeProblem {
  const normal = normalSampler(mulberry32(seed));
  const n = 8;
  const d = 5;
  const hidden = 6;
  const classes = 3;
  const draw = (count: number, scale: number) => Float32Array.from({ length: count }, () => scale * normal());
  return {
    n,
    d,
    hidden,
    classes,
    x: draw(n * d, 1),
    // every class present, unevenly, so that no bias gradient vanishes
    labels: Int32Array.from([0, 1, 2, 0, 1, 0, 2, 0]),
    w1: draw(d * hidden, 0.5),
    b1: draw(hidden, 0.5),
    w2: draw(hidden * classes, 0.5),
    b2: draw(classes, 0.5),
    learningRate: 0.5,
  };
}

/** Runs the step on the active tfjs backend. Reads data asynchronously, as backends like webgpu want. */
export async function runSmokeStep(p: SmokeProblem): Promise<SmokeResult> {
  const initial: Record<SmokeParameter, Float32Array> = { w1: p.w1, b1: p.b1, w2: p.w2, b2: p.b2 };
  const shapes: Record<SmokeParameter, number[]> = {
    w1: [p.d, p.hidden],
    b1: [p.hidden],
    w2: [p.hidden, p.classes],
    b2: [p.classes],
  };
  const vars = SMOKE_PARAMETERS.map((k) => tf.variable(tf.tensor(initial[k], shapes[k], 'float32'), true));
  const [w1, b1, w2, b2] = vars;
  const x = tf.tensor2d(p.x, [p.n, p.d]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(p.labels, 'int32'), p.classes));
  const kept: tf.Tensor[] = [x, y];
  try {
    const loss = () =>
      tf.tidy(() => {
        const h = tf.softplus(tf.add(tf.matMul(x, w1), b1));
        const logits = tf.add(tf.matMul(h, w2), b2);
        return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
      });
    const { value, grads } = tf.variableGrads(loss, vars);
    kept.push(value, ...Object.values(grads));
    tf.tidy(() => {
      for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], p.learningRate)));
    });
    const after = loss();
    kept.push(after);
    const [before, afterValue, ...updated] = await Promise.all([
      value.data(),
      after.data(),
      ...vars.map((v) => v.data()),
    ]);
    const steps = {} as Record<SmokeParameter, Float64Array>;
    SMOKE_PARAMETERS.forEach((k, i) => {
      steps[k] = Float64Array.from(updated[i] as Float32Array, (u, j) => u - initial[k][j]);
    });
    return { lossBefore: before[0], lossAfter: afterValue[0], steps };
  } finally {
    tf.dispose(kept);
    tf.dispose(vars);
  }
}

/** softplus(z) = ln(1 + eᶻ), in the form that neither overflows nor loses small values */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/** σ(z) = 1/(1 + e⁻ᶻ) = d softplus(z)/dz */
function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Forward pass in float64: the hidden pre-activations z, the activations h and the mean loss. */
function forward64(
  p: SmokeProblem,
  w1: ArrayLike<number>,
  b1: ArrayLike<number>,
  w2: ArrayLike<number>,
  b2: ArrayLike<number>,
) {
  const { n, d, hidden: m, classes: c } = p;
  const z = new Float64Array(n * m);
  const h = new Float64Array(n * m);
  const probs = new Float64Array(n * c);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      let s = b1[k];
      for (let j = 0; j < d; j++) s += p.x[i * d + j] * w1[j * m + k];
      z[i * m + k] = s;
      h[i * m + k] = softplus(s);
    }
    const logits = new Float64Array(c);
    for (let q = 0; q < c; q++) {
      let s = b2[q];
      for (let k = 0; k < m; k++) s += h[i * m + k] * w2[k * c + q];
      logits[q] = s;
    }
    // ln softmax(l)_q = l_q − (max + ln Σ e^(l − max))
    const max = Math.max(...logits);
    let sum = 0;
    for (let q = 0; q < c; q++) sum += Math.exp(logits[q] - max);
    const logNorm = max + Math.log(sum);
    for (let q = 0; q < c; q++) probs[i * c + q] = Math.exp(logits[q] - logNorm);
    loss -= logits[p.labels[i]] - logNorm;
  }
  return { z, h, probs, loss: loss / n };
}

/**
 * The same step in float64 with the gradients written out: G = (softmax − onehot)/n, ∇W2 = hᵀG,
 * ∇b2 = Σ_i G_i, ∇z = (G·W2ᵀ) ⊙ σ(z), ∇W1 = xᵀ∇z, ∇b1 = Σ_i ∇z_i; θ′ = θ − lr·∇θ. The cpu backend is
 * checked against this; every other backend against the cpu backend.
 */
export function smokeStepFloat64(p: SmokeProblem): SmokeResult {
  const { n, d, hidden: m, classes: c, learningRate: lr } = p;
  const { z, h, probs, loss } = forward64(p, p.w1, p.b1, p.w2, p.b2);
  const g = new Float64Array(n * c);
  for (let i = 0; i < n; i++)
    for (let q = 0; q < c; q++) g[i * c + q] = (probs[i * c + q] - (p.labels[i] === q ? 1 : 0)) / n;
  const gw2 = new Float64Array(m * c);
  const gb2 = new Float64Array(c);
  const gz = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < c; q++) {
      gb2[q] += g[i * c + q];
      for (let k = 0; k < m; k++) gw2[k * c + q] += h[i * m + k] * g[i * c + q];
    }
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let q = 0; q < c; q++) s += g[i * c + q] * p.w2[k * c + q];
      gz[i * m + k] = s * sigmoid(z[i * m + k]);
    }
  }
  const gw1 = new Float64Array(d * m);
  const gb1 = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      gb1[k] += gz[i * m + k];
      for (let j = 0; j < d; j++) gw1[j * m + k] += p.x[i * d + j] * gz[i * m + k];
    }
  }
  const steps = {
    w1: gw1.map((v) => -lr * v),
    b1: gb1.map((v) => -lr * v),
    w2: gw2.map((v) => -lr * v),
    b2: gb2.map((v) => -lr * v),
  };
  const plus = (theta: Float32Array, step: Float64Array) => Float64Array.from(theta, (t, i) => t + step[i]);
  const after = forward64(p, plus(p.w1, steps.w1), plus(p.b1, steps.b1), plus(p.w2, steps.w2), plus(p.b2, steps.b2));
  return { lossBefore: loss, lossAfter: after.loss, steps };
}

/** How far a result is from a reference: the largest relative error and where it occurs. */
export interface SmokeComparison {
  ok: boolean;
  maxRelativeError: number;
  /** 'lossBefore', 'lossAfter' or 'step w1' … */
  worst: string;
  tolerance: number;
}

/** ‖a − b‖∞ / ‖b‖∞ (for a scalar |a − b| / |b|); NaN anywhere gives Infinity, a zero reference the absolute error */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (Number.isNaN(e)) return Infinity;
    diff = Math.max(diff, e);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/**
 * Compares the loss before and after the step and each parameter's step with the reference. Steps, not
 * updated weights: a wrong gradient changes θ′ = θ − lr·g by little next to θ, but changes the step fully.
 */
export function compareSmoke(
  result: SmokeResult,
  reference: SmokeResult,
  tolerance = SMOKE_TOLERANCE,
): SmokeComparison {
  const errors: [string, number][] = [
    ['lossBefore', relativeError([result.lossBefore], [reference.lossBefore])],
    ['lossAfter', relativeError([result.lossAfter], [reference.lossAfter])],
    ...SMOKE_PARAMETERS.map((k): [string, number] => [`step ${k}`, relativeError(result.steps[k], reference.steps[k])]),
  ];
  let [worst, maxRelativeError] = errors[0];
  for (const [name, e] of errors) {
    if (e > maxRelativeError) [worst, maxRelativeError] = [name, e];
  }
  return { ok: maxRelativeError <= tolerance, maxRelativeError, worst, tolerance };
}
