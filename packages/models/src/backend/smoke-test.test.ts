import { initBackend } from './loader';
import {
  SMOKE_PARAMETERS,
  compareSmoke,
  defaultSmokeProblem,
  relativeError,
  runSmokeStep,
  smokeStepFloat64,
  type SmokeProblem,
  type SmokeResult,
} from './smoke-test';

/**
 * All weights zero, labels [0, 0, 1, 2], learning rate 1: by hand, every hidden unit is softplus(0) = ln 2
 * and every logit 0, so the loss is ln 3. With G = (softmax − onehot)/n: ∇b2 = Σ_i G_i = 1/3 − (label
 * frequencies) = (−1/6, 1/12, 1/12), ∇W2[k, ·] = ln 2 · ∇b2 for each of the 3 hidden units, and ∇W1 = ∇b1 = 0
 * because W2 = 0 blocks the way back. After the step the logits are a·s with s = (1/6, −1/12, −1/12) and
 * a = 1 + 3 (ln 2)², so the loss is −¼[2(a/6) − a/12 − a/12] + ln(e^(a/6) + 2e^(−a/12)) = ln(e^(a/6) + 2e^(−a/12)) −
 * a/24.
 */
function zeroWeightProblem(): SmokeProblem {
  return {
    n: 4,
    d: 2,
    hidden: 3,
    classes: 3,
    x: Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5, 1, 1]),
    labels: Int32Array.from([0, 0, 1, 2]),
    w1: new Float32Array(6),
    b1: new Float32Array(3),
    w2: new Float32Array(9),
    b2: new Float32Array(3),
    learningRate: 1,
  };
}

const s = [1 / 6, -1 / 12, -1 / 12];
const a = 1 + 3 * Math.LN2 ** 2;
const byHand: SmokeResult = {
  lossBefore: Math.log(3),
  lossAfter: Math.log(Math.exp(a / 6) + 2 * Math.exp(-a / 12)) - a / 24,
  steps: {
    w1: new Float64Array(6),
    b1: new Float64Array(3),
    w2: Float64Array.from({ length: 9 }, (_, i) => Math.LN2 * s[i % 3]),
    b2: Float64Array.from(s),
  },
};

/** the mean loss by a plain forward pass (written apart from smoke-test.ts), for central differences */
function lossOf(p: SmokeProblem, theta: Record<string, Float64Array>): number {
  let total = 0;
  for (let i = 0; i < p.n; i++) {
    const h: number[] = [];
    for (let k = 0; k < p.hidden; k++) {
      let z = theta.b1[k];
      for (let j = 0; j < p.d; j++) z += p.x[i * p.d + j] * theta.w1[j * p.hidden + k];
      h.push(Math.log(1 + Math.exp(z)));
    }
    const logits = Array.from({ length: p.classes }, (_, q) =>
      h.reduce((acc, hk, k) => acc + hk * theta.w2[k * p.classes + q], theta.b2[q]),
    );
    total += Math.log(logits.reduce((acc, l) => acc + Math.exp(l), 0)) - logits[p.labels[i]];
  }
  return total / p.n;
}

/** −lr · ∂L/∂θ by central differences (h = 1e-5, error O(h²)), and the loss after that step */
function byFiniteDifferences(p: SmokeProblem): SmokeResult {
  const theta: Record<string, Float64Array> = {
    w1: Float64Array.from(p.w1),
    b1: Float64Array.from(p.b1),
    w2: Float64Array.from(p.w2),
    b2: Float64Array.from(p.b2),
  };
  const h = 1e-5;
  const steps = {} as SmokeResult['steps'];
  for (const k of SMOKE_PARAMETERS) {
    steps[k] = new Float64Array(theta[k].length);
    for (let i = 0; i < theta[k].length; i++) {
      const keep = theta[k][i];
      theta[k][i] = keep + h;
      const up = lossOf(p, theta);
      theta[k][i] = keep - h;
      const down = lossOf(p, theta);
      theta[k][i] = keep;
      steps[k][i] = (-p.learningRate * (up - down)) / (2 * h);
    }
  }
  const after = Object.fromEntries(SMOKE_PARAMETERS.map((k) => [k, theta[k].map((v, i) => v + steps[k][i])]));
  return { lossBefore: lossOf(p, theta), lossAfter: lossOf(p, after), steps };
}

describe('the smoke step', () => {
  it('float64: matches the hand-worked zero-weight step', () => {
    const c = compareSmoke(smokeStepFloat64(zeroWeightProblem()), byHand, 1e-12);
    expect(c).toMatchObject({ ok: true });
  });

  it('float64: matches central differences of an independent forward pass on the default problem', () => {
    const p = defaultSmokeProblem();
    const c = compareSmoke(smokeStepFloat64(p), byFiniteDifferences(p), 1e-7);
    expect(c.maxRelativeError).toBeLessThanOrEqual(1e-7);
    // the problem is not degenerate: every parameter moves
    for (const k of SMOKE_PARAMETERS)
      expect(Math.min(...smokeStepFloat64(p).steps[k].map(Math.abs))).toBeGreaterThan(1e-4);
  });

  it.each(['cpu', 'wasm'] as const)(
    'tfjs on %s: matches the hand-worked step and the central differences within 1e-4',
    async (backend) => {
      await initBackend(backend);
      expect(compareSmoke(await runSmokeStep(zeroWeightProblem()), byHand).ok).toBe(true);
      const p = defaultSmokeProblem();
      const c = compareSmoke(await runSmokeStep(p), byFiniteDifferences(p));
      expect(c.maxRelativeError).toBeLessThanOrEqual(1e-4);
    },
  );
});

describe('compareSmoke', () => {
  const ref = smokeStepFloat64(defaultSmokeProblem());
  const withStep = (k: 'w1' | 'b2', i: number, delta: number): SmokeResult => {
    const steps = { ...ref.steps, [k]: Float64Array.from(ref.steps[k]) };
    steps[k][i] += delta;
    return { ...ref, steps };
  };
  const scale = (k: 'w1' | 'b2') => Math.max(...ref.steps[k].map(Math.abs));

  it('measures each step relative to its largest element, and names the worst quantity', () => {
    const off = compareSmoke(withStep('w1', 3, 2e-4 * scale('w1')), ref);
    expect(off.ok).toBe(false);
    expect(off.worst).toBe('step w1');
    expect(off.maxRelativeError).toBeCloseTo(2e-4, 10);
    const within = compareSmoke(withStep('b2', 0, 5e-5 * scale('b2')), ref);
    expect(within).toMatchObject({ ok: true, worst: 'step b2', tolerance: 1e-4 });
    expect(within.maxRelativeError).toBeCloseTo(5e-5, 10);
  });

  it('fails on a wrong loss and on NaN', () => {
    expect(compareSmoke({ ...ref, lossAfter: ref.lossAfter * 1.001 }, ref)).toMatchObject({
      ok: false,
      worst: 'lossAfter',
    });
    expect(compareSmoke({ ...ref, lossBefore: NaN }, ref)).toMatchObject({
      ok: false,
      worst: 'lossBefore',
      maxRelativeError: Infinity,
    });
  });

  it('relativeError: ‖a − b‖∞/‖b‖∞, the absolute error against zeros, Infinity for other lengths', () => {
    expect(relativeError([1, 2.5], [1, 2])).toBeCloseTo(0.25, 15);
    expect(relativeError([0.001, 0], [0, 0])).toBe(0.001);
    expect(relativeError([1], [1, 2])).toBe(Infinity);
  });
});
