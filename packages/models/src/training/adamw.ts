/**
 * AdamW with per-variable gradient clipping, Keras 2.14 semantics (docs/divad.md §3.3). tfjs ships neither
 * decoupled weight decay nor per-variable clipnorm.
 *
 * On the wasm and cpu backends the whole update of one variable is a single registered kernel that
 * loops over the backend's own buffers: the op-by-op form costs ~19 kernel launches per variable,
 * which dominated a DIVAD step. Other backends (tfjs-node, webgl) use the op-by-op form.
 */
import * as tf from '@tensorflow/tfjs';
import { ParameterError } from '@driftwatch/contracts';

export interface AdamWOptions {
  learningRate: number;
  /** decoupled decay: θ ← θ − lr·wd·θ every step (default 0.01) */
  weightDecay?: number;
  /** each gradient is rescaled to L2 norm ≤ clipNorm (default 10; Infinity disables) */
  clipNorm?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** use the fused kernel where the backend allows it (default true) */
  fused?: boolean;
}

interface Slots {
  m: tf.Variable;
  v: tf.Variable;
}

/** Hyperparameters of one step as handed to the fused kernel. */
interface StepAttrs {
  [key: string]: number;
  clipNorm: number;
  /** 1 − lr·wd */
  decay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** lr·√(1−β2ᵗ)/(1−β1ᵗ) */
  alpha: number;
}

export const ADAMW_KERNEL = 'DriftwatchAdamWUpdate';
const FUSED_BACKENDS = ['wasm', 'cpu'] as const;

/** The update of one variable over flat arrays, Float64 arithmetic; outputs may alias nothing. */
function adamWInto(
  theta: ArrayLike<number>,
  g: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  t2: Float32Array,
  m2: Float32Array,
  v2: Float32Array,
  a: StepAttrs,
): void {
  const n = theta.length;
  let scale = 1;
  if (Number.isFinite(a.clipNorm)) {
    let sq = 0;
    for (let i = 0; i < n; i++) sq += g[i] * g[i];
    const norm = Math.sqrt(sq);
    if (norm > a.clipNorm) scale = a.clipNorm / norm;
  }
  const b1 = a.beta1;
  const b2 = a.beta2;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let i = 0; i < n; i++) {
    const gi = g[i] * scale;
    const mi = b1 * m[i] + c1 * gi;
    const vi = b2 * v[i] + c2 * gi * gi;
    m2[i] = mi;
    v2[i] = vi;
    t2[i] = theta[i] * a.decay - (a.alpha * mi) / (Math.sqrt(vi) + a.epsilon);
  }
}

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): ArrayLike<number> & { length: number };
}
interface CpuBackend {
  readSync(dataId: tf.DataId): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs: Record<string, unknown> };

function wasmKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const b = backend as HeapBackend;
  const shape = inputs.theta.shape;
  // outputs first: allocating may grow the heap, which detaches views taken before
  const outs = [b.makeOutput(shape, 'float32'), b.makeOutput(shape, 'float32'), b.makeOutput(shape, 'float32')];
  const [t2, m2, v2] = outs.map((o) => b.typedArrayFromHeap(o) as Float32Array);
  const view = (name: string) => b.typedArrayFromHeap(inputs[name]);
  adamWInto(view('theta'), view('grad'), view('m'), view('v'), t2, m2, v2, attrs as StepAttrs);
  return outs;
}

function cpuKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const b = backend as CpuBackend;
  const shape = inputs.theta.shape;
  const n = tf.util.sizeFromShape(shape);
  const [t2, m2, v2] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const read = (name: string) => b.readSync(inputs[name].dataId);
  adamWInto(read('theta'), read('grad'), read('m'), read('v'), t2, m2, v2, attrs as StepAttrs);
  return [
    b.makeTensorInfo(shape, 'float32', t2),
    b.makeTensorInfo(shape, 'float32', m2),
    b.makeTensorInfo(shape, 'float32', v2),
  ];
}

function ensureFusedKernels(): void {
  for (const backendName of FUSED_BACKENDS) {
    if (tf.getKernel(ADAMW_KERNEL, backendName)) continue;
    tf.registerKernel({
      kernelName: ADAMW_KERNEL,
      backendName,
      kernelFunc: (backendName === 'wasm' ? wasmKernel : cpuKernel) as unknown as tf.KernelFunc,
    });
  }
}

export class AdamW {
  /** may change between steps (learning-rate schedules) */
  learningRate: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly fused: boolean;
  private readonly slots = new Map<tf.Variable, Slots>();
  private t = 0;

  constructor(opts: AdamWOptions) {
    this.learningRate = opts.learningRate;
    this.weightDecay = opts.weightDecay ?? 0.01;
    this.clipNorm = opts.clipNorm ?? 10;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-7;
    this.fused = opts.fused ?? true;
    const positive = { learningRate: this.learningRate, clipNorm: this.clipNorm, epsilon: this.epsilon };
    for (const [k, v] of Object.entries(positive))
      if (!(v > 0)) throw new ParameterError(`AdamW: ${k} must be > 0, got ${v}`);
    if (!(this.weightDecay >= 0)) throw new ParameterError(`AdamW: weightDecay must be ≥ 0, got ${this.weightDecay}`);
    for (const [k, v] of Object.entries({ beta1: this.beta1, beta2: this.beta2 })) {
      if (!(v >= 0 && v < 1)) throw new ParameterError(`AdamW: ${k} must be in [0, 1), got ${v}`);
    }
  }

  /** steps taken so far (Keras `iterations`) */
  get iterations(): number {
    return this.t;
  }

  /**
   * One step for every variable with a gradient: g ← g·min(1, clip/‖g‖₂); θ ← θ − lr·wd·θ;
   * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← θ − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε).
   * The gradients are not disposed (the caller owns them).
   */
  applyGradients(pairs: ReadonlyArray<readonly [tf.Variable, tf.Tensor]>): void {
    this.t += 1;
    const t = this.t;
    const lr = this.learningRate;
    const attrs: StepAttrs = {
      clipNorm: this.clipNorm,
      decay: 1 - lr * this.weightDecay,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      alpha: (lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t),
    };
    const fused = this.fused && (FUSED_BACKENDS as readonly string[]).includes(tf.getBackend());
    if (fused) ensureFusedKernels();
    for (const [variable, grad] of pairs) {
      const s = this.slotsOf(variable);
      tf.tidy(() => {
        if (fused) {
          const g = grad.dtype === 'float32' ? grad : tf.cast(grad, 'float32');
          const [t2, m2, v2] = tf
            .engine()
            .runKernel(ADAMW_KERNEL, { theta: variable, grad: g, m: s.m, v: s.v }, attrs) as tf.Tensor[];
          variable.assign(t2);
          s.m.assign(m2);
          s.v.assign(v2);
          return;
        }
        let g = grad;
        if (Number.isFinite(attrs.clipNorm)) {
          const norm = tf.sqrt(tf.sum(tf.square(g)));
          // clip / max(‖g‖, clip) = min(1, clip/‖g‖), also for ‖g‖ = 0
          g = tf.mul(g, tf.div(attrs.clipNorm, tf.maximum(norm, attrs.clipNorm)));
        }
        const m = tf.add(tf.mul(s.m, attrs.beta1), tf.mul(g, 1 - attrs.beta1));
        const v = tf.add(tf.mul(s.v, attrs.beta2), tf.mul(tf.square(g), 1 - attrs.beta2));
        s.m.assign(m);
        s.v.assign(v);
        const decayed = attrs.decay === 1 ? variable : tf.mul(variable, attrs.decay);
        variable.assign(tf.sub(decayed, tf.div(tf.mul(m, attrs.alpha), tf.add(tf.sqrt(v), attrs.epsilon))));
      });
    }
  }

  /** Applies a gradient map keyed by variable name (the result of tf.variableGrads). */
  applyNamedGradients(variables: readonly tf.Variable[], grads: tf.NamedTensorMap): void {
    const pairs: [tf.Variable, tf.Tensor][] = [];
    for (const v of variables) {
      const g = grads[v.name];
      if (g) pairs.push([v, g]);
    }
    this.applyGradients(pairs);
  }

  private slotsOf(variable: tf.Variable): Slots {
    let s = this.slots.get(variable);
    if (!s) {
      // inside tidy: a variable shares the buffer of its initial value, which is then released here
      s = tf.tidy(() => ({
        m: tf.variable(tf.zerosLike(variable), false),
        v: tf.variable(tf.zerosLike(variable), false),
      }));
      this.slots.set(variable, s);
    }
    return s;
  }

  /** Frees the moment estimates. */
  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}
