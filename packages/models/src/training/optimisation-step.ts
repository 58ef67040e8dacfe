/**
 * One optimisation step of a tfjs model (docs/divad.md §3.3): the batch loss, its gradients with respect to the
 * trained variables, one AdamW update, then the state updates the loss asked for (BatchNorm running
 * statistics, st-dda's centre EMA). Every tfjs detector trains through it, and so do the step benchmarks.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamW } from './adamw';

/** Sets a non-trainable variable by name. */
export type StateSetter = (name: string, value: tf.Tensor) => void;

/**
 * Runs `loss` under the gradient tape and applies AdamW to `trained`; returns the batch loss (the caller disposes
 * it). State values handed to `loss`'s setter are assigned through `assignState` after the update, so a value
 * computed from the parameters sees them as they were for this step's forward pass.
 */
export function optimisationStep(
  optimizer: AdamW,
  trained: readonly tf.Variable[],
  loss: (setState: StateSetter) => tf.Scalar,
  assignState: StateSetter,
): tf.Scalar {
  const pending = new Map<string, tf.Tensor>();
  const request: StateSetter = (name, value) => {
    pending.get(name)?.dispose();
    pending.set(name, tf.keep(value));
  };
  let value: tf.Scalar | undefined;
  try {
    value = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => loss(request), trained as tf.Variable[]);
      optimizer.applyNamedGradients(trained, grads);
      return value;
    });
    for (const [name, v] of pending) assignState(name, v);
    return value;
  } catch (e) {
    value?.dispose();
    throw e;
  } finally {
    for (const v of pending.values()) v.dispose();
  }
}
