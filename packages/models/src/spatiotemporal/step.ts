/**
 * One st-dda optimisation step (spatiotemporal.md §1, training objective): forward pass of the training path,
 * gradient of L = masked forecast MSE + γ·mean ‖u_i − c_i‖², AdamW on the trainable parameters, then the EMA of
 * the centres. Shared by `StDda.fit` and the benchmark.
 */
import { tf } from '../backend';
import type { NamedParams } from '../neural/params';
import { AdamW } from '../training';
import { forwardSteps, forwardWindows, lossOf, lossTerms, stDdaParamSpecs, type StDdaArchitecture } from './network';

export interface StDdaStepOptions {
  gamma: number;
  centreMomentum: number;
  learningRate: number;
  weightDecay: number;
  /** null: no clipping */
  clipNorm: number | null;
}

/** One batch of B window ends and the steps after them. */
export interface StDdaBatch {
  /**
   * 'windows': x [W·B·N·F] of B arbitrary window ends laid out step-major (`gatherTrainingWindows`);
   * 'steps': x [(B + W − 1)·N·F], the steps behind B consecutive window ends, each encoded once
   */
  layout: 'windows' | 'steps';
  B: number;
  x: Float32Array;
  /** [B·N·F]: the step after each window end, and 1 where it is observed */
  target: Float32Array;
  mask: Float32Array;
  /** [B·N·N]: norm(A_obs + I) per window end, when the architecture has an observed graph */
  observed?: Float32Array;
}

export interface StDdaStepper {
  /** One step; returns the batch loss (the caller disposes it). */
  step(batch: StDdaBatch): tf.Scalar;
  dispose(): void;
}

/** A stepper over `variables` (every trainable parameter of `stDdaParamSpecs(arch)` and the state `centre`). */
export function createStDdaStep(variables: ReadonlyMap<string, tf.Variable>, arch: StDdaArchitecture, opts: StDdaStepOptions): StDdaStepper {
  const params = Object.fromEntries(variables) as NamedParams;
  const trainables = stDdaParamSpecs(arch).map((s) => variables.get(s.name)!);
  const centre = variables.get('centre')!;
  const { windowLength: W, entityCount: N, featureCount: F, embeddingDim: D } = arch;
  const optimizer = new AdamW({ learningRate: opts.learningRate, weightDecay: opts.weightDecay, clipNorm: opts.clipNorm ?? Infinity });
  return {
    step(batch) {
      const { B } = batch;
      const rows = batch.layout === 'windows' ? W * B * N : (B + W - 1) * N;
      let batchMean: tf.Tensor | undefined;
      const loss = tf.tidy(() => {
        const x = tf.tensor2d(batch.x.subarray(0, rows * F), [rows, F]);
        const target = tf.tensor2d(batch.target.subarray(0, B * N * F), [B * N, F]);
        const mask = tf.tensor2d(batch.mask.subarray(0, B * N * F), [B * N, F]);
        const observed = arch.observed ? tf.tensor3d(batch.observed!.subarray(0, B * N * N), [B, N, N]) : undefined;
        const { value, grads } = tf.variableGrads(() => {
          const fw = batch.layout === 'windows' ? forwardWindows(params, arch, x, B, observed) : forwardSteps(params, arch, x, B, observed);
          batchMean = tf.keep(fw.u.reshape([B, N, D]).mean(0));
          return lossOf(lossTerms(params, arch, fw, target, mask, centre), opts.gamma, B * N);
        }, trainables);
        optimizer.applyNamedGradients(trainables, grads);
        return value;
      });
      // c_i ← m·c_i + (1 − m)·mean_b u_i(t_b), from this step's forward pass (no gradient)
      tf.tidy(() => centre.assign(centre.mul(opts.centreMomentum).add(batchMean!.mul(1 - opts.centreMomentum))));
      batchMean!.dispose();
      return loss;
    },
    dispose() {
      optimizer.dispose();
    },
  };
}
