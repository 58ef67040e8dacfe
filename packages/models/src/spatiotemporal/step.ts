/**
 * The st-dda training objective of one batch (docs/spatiotemporal.md §1): forward pass of the training path,
 * L = masked forecast MSE + γ·mean ‖u_i − c_i‖², and the EMA of the centres asked for as a state update. Shared
 * by `StDda`'s training step and the benchmark, which both run it through `optimisationStep`.
 */
import { tf } from '../backend';
import type { NamedParams } from '../neural/params';
import type { StateSetter } from '../training';
import {
  forwardSteps,
  forwardWindows,
  lossOf,
  lossTerms,
  type ObservedDependencyRows,
  type StDdaArchitecture,
} from './network';

export interface StDdaObjective {
  gamma: number;
  centreMomentum: number;
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
  /** [B·N·N]: norm(A_obs + I) per window end, when the architecture has an observed graph (dense path) */
  observed?: Float32Array;
  /** the same as rows of `width` entries, [B·N·width] each (`stackObservedRows`): the top-k path's form */
  observedRows?: { width: number; columns: Int32Array; weights: Float32Array };
}

/** A batch as tensors: x [rows, F], target and mask [B·N, F], observed [B, N, N] or [B, N, width] rows. */
export interface StDdaBatchTensors {
  layout: StDdaBatch['layout'];
  B: number;
  x: tf.Tensor2D;
  target: tf.Tensor2D;
  mask: tf.Tensor2D;
  observed?: ObservedDependencyRows;
}

export function stDdaBatchTensors(a: StDdaArchitecture, batch: StDdaBatch): StDdaBatchTensors {
  const { windowLength: W, entityCount: N, featureCount: F } = a;
  const { B } = batch;
  const rows = batch.layout === 'windows' ? W * B * N : (B + W - 1) * N;
  return {
    layout: batch.layout,
    B,
    x: tf.tensor2d(batch.x.subarray(0, rows * F), [rows, F]),
    target: tf.tensor2d(batch.target.subarray(0, B * N * F), [B * N, F]),
    mask: tf.tensor2d(batch.mask.subarray(0, B * N * F), [B * N, F]),
    observed: a.observed ? observedTensors(batch, N) : undefined,
  };
}

/** norm(A_obs + I) of B window ends as tensors: [B, N, width] rows when given, else dense [B, N, N] */
export function observedTensors(
  batch: Pick<StDdaBatch, 'B' | 'observed' | 'observedRows'>,
  N: number,
): ObservedDependencyRows {
  const { B } = batch;
  if (batch.observedRows) {
    const { width, columns, weights } = batch.observedRows;
    return {
      columns: tf.tensor3d(columns.subarray(0, B * N * width), [B, N, width], 'int32'),
      weights: tf.tensor3d(weights.subarray(0, B * N * width), [B, N, width]),
    };
  }
  if (!batch.observed)
    throw new Error('st-dda batch: the architecture mixes in an observed graph; give observed or observedRows');
  return tf.tensor3d(batch.observed.subarray(0, B * N * N), [B, N, N]);
}

/**
 * The batch loss at the current parameters; asks through `setState` for c_i ← m·c_i + (1 − m)·mean_b u_i(t_b)
 * from this forward pass (no gradient flows into the centres).
 */
export function stDdaTrainingLoss(
  p: NamedParams,
  a: StDdaArchitecture,
  batch: StDdaBatchTensors,
  objective: StDdaObjective,
  setState: StateSetter,
): tf.Scalar {
  const { B } = batch;
  const { entityCount: N, embeddingDim: D } = a;
  const fw =
    batch.layout === 'windows'
      ? forwardWindows(p, a, batch.x, B, batch.observed)
      : forwardSteps(p, a, batch.x, B, batch.observed);
  const m = objective.centreMomentum;
  const centre = p.centre;
  setState(
    'centre',
    centre.mul(m).add(
      fw.u
        .reshape([B, N, D])
        .mean(0)
        .mul(1 - m),
    ),
  );
  return lossOf(lossTerms(p, a, fw, batch.target, batch.mask, centre), objective.gamma, B * N);
}
