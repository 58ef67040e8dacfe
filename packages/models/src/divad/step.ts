/**
 * One Dense DIVAD optimisation step (divad.md §3.2–3.3): batch in, AdamW update of every parameter,
 * batch mean loss out. Shared by Divad.fit and the step benchmark.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32, normalSampler } from '@driftwatch/contracts';
import { AdamW } from '../training';
import type { DivadConfig } from './config';
import { divadLoss, type DivadArchitecture, type DivadNoise, type DivadParams } from './network';

/** The training settings a step needs; `batchSize` is the largest batch it will see (sizes its buffers). */
export type DivadStepOptions = Pick<DivadConfig, 'beta' | 'alpha' | 'learningRate' | 'weightDecay' | 'clipNorm' | 'batchSize'> & {
  /** seeds the reparameterisation noise */
  noiseSeed: number;
};

/** Standard-normal noise tensors for `count` examples from a JS stream (deterministic on every backend). */
export function divadNoise(arch: DivadArchitecture, count: number, normal: () => number, buf?: Float32Array): DivadNoise {
  const n = count * arch.latentDim;
  const parts = arch.variant === 'GM' ? 3 : 2;
  const b = buf && buf.length >= parts * n ? buf : new Float32Array(parts * n);
  for (let i = 0; i < parts * n; i++) b[i] = normal();
  const shape: [number, number] = [count, arch.latentDim];
  return {
    zy: tf.tensor2d(b.subarray(0, n), shape),
    zd: tf.tensor2d(b.subarray(n, 2 * n), shape),
    klY: parts === 3 ? tf.tensor2d(b.subarray(2 * n, 3 * n), shape) : undefined,
  };
}

/** One-hot rows [count, n_d] of the given domain indices, as a tensor. */
export function domainOneHot(domains: ArrayLike<number>, count: number, nd: number, buf?: Float32Array): tf.Tensor2D {
  const b = buf && buf.length >= count * nd ? buf : new Float32Array(count * nd);
  b.fill(0, 0, count * nd);
  for (let i = 0; i < count; i++) b[i * nd + domains[i]] = 1;
  return tf.tensor2d(b.subarray(0, count * nd), [count, nd]);
}

export interface DivadStep {
  /** trains on `count` windows (row-major in x) with domain indices `domains`; returns the batch mean loss */
  step(x: Float32Array, domains: ArrayLike<number>, count: number): tf.Scalar;
  readonly optimizer: AdamW;
  dispose(): void;
}

export function createDivadStep(variables: ReadonlyMap<string, tf.Variable>, arch: DivadArchitecture, opts: DivadStepOptions): DivadStep {
  const params = Object.fromEntries(variables) as DivadParams;
  const varList = [...variables.values()];
  const optimizer = new AdamW({ learningRate: opts.learningRate, weightDecay: opts.weightDecay, clipNorm: opts.clipNorm });
  const size = arch.windowLength * arch.featureCount;
  const normal = normalSampler(mulberry32(opts.noiseSeed));
  const dBuf = new Float32Array(opts.batchSize * arch.domains);
  const noiseBuf = new Float32Array(3 * opts.batchSize * arch.latentDim);
  return {
    optimizer,
    step(x, domains, count) {
      return tf.tidy(() => {
        const xt = tf.tensor2d(x.subarray(0, count * size), [count, size]);
        const d = domainOneHot(domains, count, arch.domains, dBuf);
        const noise = divadNoise(arch, count, normal, noiseBuf);
        const { value, grads } = tf.variableGrads(() => divadLoss(params, arch, xt, d, noise, opts.beta, opts.alpha), varList);
        optimizer.applyNamedGradients(varList, grads);
        return value;
      });
    },
    dispose() {
      optimizer.dispose();
    },
  };
}
