import { ParameterError } from '@driftwatch/contracts';
import type { FitProgress } from '@driftwatch/contracts';
import { initBackend, tf } from '../backend';
import { AdamW } from './adamw';
import { trainLoop } from './train-loop';

beforeAll(async () => {
  await initBackend('wasm');
});

/** a one-variable model whose "weights" record the epoch: after epoch e (0-based) w = e + 1 */
function epochCounter() {
  const w = tf.tidy(() => tf.variable(tf.scalar(0)));
  const step = (_: Int32Array, epoch: number) => {
    tf.tidy(() => w.assign(tf.scalar(epoch + 1)));
    return tf.scalar(1);
  };
  return { w, step };
}

describe('trainLoop', () => {
  it('visits every example once per epoch in batches (last partial batch kept), reshuffled, reproducibly', async () => {
    const run = async (seed: number) => {
      const batches: number[][][] = [[], [], []];
      await trainLoop({
        trainCount: 10,
        batchSize: 4,
        epochs: 3,
        seed,
        variables: [],
        step: (idx, epoch) => {
          batches[epoch].push(Array.from(idx));
          return tf.scalar(0);
        },
      });
      return batches;
    };
    const a = await run(1);
    for (const epoch of a) {
      expect(epoch.map((b) => b.length)).toEqual([4, 4, 2]);
      expect(epoch.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    expect(a[0].flat()).not.toEqual(a[1].flat());
    expect(await run(1)).toEqual(a);
    expect((await run(2))[0].flat()).not.toEqual(a[0].flat());
  });

  it('reports the size-weighted mean training loss per epoch', async () => {
    const r = await trainLoop({
      trainCount: 10,
      batchSize: 4,
      epochs: 1,
      seed: 0,
      variables: [],
      // batch mean loss = number of examples in the batch: (4·4 + 4·4 + 2·2) / 10
      step: (idx) => tf.scalar(idx.length),
    });
    expect(r.trainLoss[0]).toBeCloseTo(3.6, 6);
  });

  it(
    'stops after `patience` epochs without a strictly ' + 'lower validation loss and restores the best weights',
    async () => {
      const { w, step } = epochCounter();
      const val = [5, 4, 4, 3, 3.5, 3, 6, 7];
      const progress: FitProgress[] = [];
      const r = await trainLoop({
        trainCount: 3,
        batchSize: 2,
        epochs: 8,
        seed: 0,
        variables: [w],
        step,
        validate: (e) => val[e],
        patience: 3,
        onProgress: (p) => progress.push(p),
      });
      // best 3 at epoch 4 (1-based); 3.5, 3 (not < 3), 6 → 3 epochs without improvement → stop after epoch 7
      expect(r.epochs).toBe(7);
      expect(r.stoppedEarly).toBe(true);
      expect(r.bestEpoch).toBe(4);
      expect(r.bestValLoss).toBe(3);
      expect(r.valLoss).toEqual(val.slice(0, 7));
      expect(w.dataSync()[0]).toBe(4);
      expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(progress[3]).toMatchObject({ epoch: 4, epochs: 8, valLoss: 3, trainLoss: 1, phase: 'train' });
      w.dispose();
    },
  );

  it(
    'restores the best weights also when it runs out of ' + 'epochs, and keeps the last ones without validation',
    async () => {
      const a = epochCounter();
      await trainLoop({
        trainCount: 2,
        batchSize: 2,
        epochs: 4,
        seed: 0,
        variables: [a.w],
        step: a.step,
        validate: (e) => [3, 1, 2, 2][e],
        patience: 100,
      });
      expect(a.w.dataSync()[0]).toBe(2);
      const b = epochCounter();
      const r = await trainLoop({ trainCount: 2, batchSize: 2, epochs: 4, seed: 0, variables: [b.w], step: b.step });
      expect(b.w.dataSync()[0]).toBe(4);
      expect(r.bestEpoch).toBeUndefined();
      expect(r.valLoss).toEqual([]);
      a.w.dispose();
      b.w.dispose();
    },
  );

  it('keeps the tensor count flat across epochs while training a real model, however slow the batches', async () => {
    // A loaded machine makes batches slow, so progress also fires mid-epoch, while the epoch's running loss sum is
    // alive (and in the first epoch before the best weights are copied). Counting at every event compared those
    // moments with the epoch ends. The clock is driven here so that every batch looks slow: the mid-epoch events
    // always fire, and each kind of moment is compared only with its own kind.
    let clock = 0;
    const now = jest.spyOn(performance, 'now').mockImplementation(() => (clock += 150));
    const xs = tf.tensor2d(
      Array.from({ length: 64 }, (_, i) => [i / 64, 1 - i / 64]),
      [64, 2],
    );
    const ys = tf.tensor1d(Array.from({ length: 64 }, (_, i) => 3 * (i / 64) - 1));
    const w = tf.tidy(() => tf.variable(tf.zeros([2, 1]), true, 'train-loop-flat-w'));
    const opt = new AdamW({ learningRate: 0.05, weightDecay: 0 });
    const atEpochEnd: number[] = [];
    const midEpoch: { epoch: number; tensors: number }[] = [];
    try {
      const r = await trainLoop({
        trainCount: 64,
        batchSize: 16,
        epochs: 6,
        seed: 3,
        variables: [w],
        step: (idx) =>
          tf.tidy(() => {
            const i = tf.tensor1d(idx, 'int32');
            const { value, grads } = tf.variableGrads(
              () => tf.matMul(tf.gather(xs, i), w).reshape([-1]).sub(tf.gather(ys, i)).square().mean() as tf.Scalar,
              [w],
            );
            opt.applyNamedGradients([w], grads);
            return value;
          }),
        validate: () => tf.tidy(() => tf.matMul(xs, w).reshape([-1]).sub(ys).square().mean().dataSync()[0]),
        patience: 10,
        onProgress: (p) => {
          const tensors = tf.memory().numTensors;
          if (p.batch === undefined) atEpochEnd.push(tensors);
          else midEpoch.push({ epoch: p.epoch, tensors });
        },
      });
      expect(atEpochEnd).toHaveLength(6);
      expect(new Set(atEpochEnd).size).toBe(1);
      // every batch of every epoch reported: 6 epochs × 4 batches
      expect(midEpoch).toHaveLength(24);
      // from the second epoch on the best weights' copy exists, so a mid-epoch count has no reason to change
      expect(new Set(midEpoch.filter((m) => m.epoch > 0).map((m) => m.tensors)).size).toBe(1);
      expect(r.valLoss[5]).toBeLessThan(r.valLoss[0]);
    } finally {
      now.mockRestore();
      opt.dispose();
      tf.dispose([xs, ys, w]);
    }
  });

  it('yields to the event loop between batches', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await trainLoop({
        trainCount: 40,
        batchSize: 1,
        epochs: 1,
        seed: 0,
        variables: [],
        yieldEveryMs: 0,
        step: () => {
          const t = performance.now();
          while (performance.now() - t < 2);
          return tf.scalar(0);
        },
      });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(5);
  });

  it('stops on an aborted signal without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const { w, step } = epochCounter();
    const ac = new AbortController();
    const p = trainLoop({
      trainCount: 4,
      batchSize: 2,
      epochs: 5,
      seed: 0,
      variables: [w],
      step,
      validate: () => 1,
      onProgress: (q) => q.epoch === 2 && ac.abort(),
      signal: ac.signal,
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(w.dataSync()[0]).toBe(2);
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad settings with a ParameterError', async () => {
    const base = { trainCount: 4, batchSize: 2, epochs: 1, seed: 0, variables: [], step: () => tf.scalar(0) };
    await expect(trainLoop({ ...base, trainCount: 0 })).rejects.toBeInstanceOf(ParameterError);
    await expect(trainLoop({ ...base, batchSize: 0 })).rejects.toBeInstanceOf(ParameterError);
    await expect(trainLoop({ ...base, epochs: 1.5 })).rejects.toBeInstanceOf(ParameterError);
    await expect(trainLoop({ ...base, patience: 0 })).rejects.toBeInstanceOf(ParameterError);
  });
});
