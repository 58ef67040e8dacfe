/**
 * A generic epoch loop for tfjs models (docs/divad.md §3.3): seeded reshuffling each epoch, last partial
 * batch kept, validation loss each epoch, early stopping on it with restoration of the best weights,
 * cancellation and progress. The model supplies one optimisation step and the validation loss.
 */
import * as tf from '@tensorflow/tfjs';
import { ParameterError, mulberry32, shuffleInPlace, type FitProgress, type FitReport } from '@driftwatch/contracts';

export interface TrainLoopOptions {
  /** number of training examples; batches are index lists into [0, trainCount) */
  trainCount: number;
  batchSize: number;
  /** maximum number of epochs */
  epochs: number;
  /** seeds the per-epoch shuffling */
  seed: number;
  /**
   * 'shuffled' (default): every epoch a fresh permutation of the examples. 'blocks': batches of consecutive
   * examples whose order is shuffled each epoch (TranAD trains on runs of consecutive windows).
   */
  order?: 'shuffled' | 'blocks';
  /**
   * One optimisation step on the training examples `indices` (0-based epoch given for schedules);
   * returns the batch mean loss, which the loop disposes.
   */
  step: (indices: Int32Array, epoch: number) => tf.Scalar;
  /** mean validation loss after the 0-based epoch; without it there is no early stopping */
  validate?: (epoch: number) => number | Promise<number>;
  /**
   * epochs without a strictly lower validation loss (min_delta 0) before stopping; default: never stop
   * early (the best weights are still restored)
   */
  patience?: number;
  /** the variables whose best-epoch values are kept and restored at the end */
  variables: readonly tf.Variable[];
  signal?: AbortSignal;
  onProgress?: (p: FitProgress) => void;
  /** the loop yields to the event loop at least this often, in ms (default 100) */
  yieldEveryMs?: number;
}

export interface TrainLoopResult extends FitReport {
  trainLoss: number[];
  valLoss: number[];
  stoppedEarly: boolean;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainLoop(opts: TrainLoopOptions): Promise<TrainLoopResult> {
  const { trainCount: n, batchSize, epochs, variables, signal } = opts;
  if (!Number.isInteger(n) || n < 1)
    throw new ParameterError(`trainLoop: need at least one training example, got ${n}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ParameterError(`trainLoop: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new ParameterError(`trainLoop: epochs must be a positive integer, got ${epochs}`);
  const patience = opts.patience ?? Infinity;
  if (!(patience >= 1)) throw new ParameterError(`trainLoop: patience must be ≥ 1, got ${patience}`);
  const yieldEvery = opts.yieldEveryMs ?? 100;
  const t0 = performance.now();
  const rand = mulberry32(opts.seed);
  const order = new Int32Array(n);
  const trainLoss: number[] = [];
  const valLoss: number[] = [];
  let best: tf.Variable[] | undefined;
  let bestLoss = Infinity;
  let bestEpoch: number | undefined;
  let wait = 0;
  let stoppedEarly = false;
  let lastYield = performance.now();
  let sum: tf.Scalar | undefined;

  const keepBest = () => {
    if (!best) best = tf.tidy(() => variables.map((v) => tf.variable(v.clone(), false)));
    // buffers are immutable in tfjs, so assign only shares v's current buffer
    else best.forEach((b, i) => b.assign(variables[i]));
  };

  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (opts.order === 'blocks') {
        // full blocks are shuffled; a last, partial block stays last so that batch boundaries follow blocks
        const blocks = Int32Array.from({ length: Math.floor(n / batchSize) }, (_, b) => b);
        shuffleInPlace(blocks, rand);
        let k = 0;
        for (const b of blocks) for (let i = b * batchSize; i < (b + 1) * batchSize; i++) order[k++] = i;
        for (let i = blocks.length * batchSize; i < n; i++) order[k++] = i;
      } else {
        for (let i = 0; i < n; i++) order[i] = i;
        shuffleInPlace(order, rand);
      }
      sum = tf.scalar(0);
      for (let start = 0; start < n; start += batchSize) {
        signal?.throwIfAborted();
        const indices = order.subarray(start, Math.min(n, start + batchSize));
        const loss = opts.step(indices, epoch);
        const previous: tf.Scalar = sum;
        sum = tf.tidy(() => previous.add(loss.mul(indices.length)) as tf.Scalar);
        loss.dispose();
        previous.dispose();
        if (performance.now() - lastYield >= yieldEvery) {
          opts.onProgress?.({
            epoch,
            epochs,
            batch: start / batchSize + 1,
            batches: Math.ceil(n / batchSize),
            phase: 'train',
          });
          await nextTick();
          lastYield = performance.now();
        }
      }
      const epochLoss = (await sum.data())[0] / n;
      sum.dispose();
      sum = undefined;
      trainLoss.push(epochLoss);
      signal?.throwIfAborted();
      let current: number | undefined;
      if (opts.validate) {
        current = await opts.validate(epoch);
        valLoss.push(current);
        if (current < bestLoss) {
          bestLoss = current;
          bestEpoch = epoch + 1;
          wait = 0;
          keepBest();
        } else {
          wait += 1;
        }
      }
      opts.onProgress?.({ epoch: epoch + 1, epochs, trainLoss: epochLoss, valLoss: current, phase: 'train' });
      await nextTick();
      lastYield = performance.now();
      if (wait >= patience) {
        stoppedEarly = true;
        break;
      }
    }
    if (best) best.forEach((b, i) => variables[i].assign(b));
  } finally {
    sum?.dispose();
    best?.forEach((b) => b.dispose());
  }
  return {
    epochs: trainLoss.length,
    bestEpoch,
    bestValLoss: bestEpoch === undefined ? undefined : bestLoss,
    trainLoss,
    valLoss,
    stoppedEarly,
    seconds: (performance.now() - t0) / 1000,
  };
}
