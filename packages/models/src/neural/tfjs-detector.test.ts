import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, NotFittedError, mulberry32, normalSampler, type ModelManifest } from '@driftwatch/contracts';
import { initBackend, tf } from '../backend';
import type { ModelFiles } from '../model-dir';
import type { NamedParams } from './params';
import {
  TfjsDetector,
  type FitRun,
  type FittedFacts,
  type TrainOptions,
  type TrainingSettings,
  type VariableSpecs,
} from './tfjs-detector';

interface ProbeConfig extends TrainingSettings {
  /** makes afterFit throw, as a failed density fit would */
  failAfterFit: boolean;
}

interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor1D;
}

/** y ≈ x·w + offset with w trained and `offset` a state variable set from the plan: the smallest TfjsDetector. */
class LinearProbe extends TfjsDetector<ProbeConfig, FittedFacts, Batch, FitRun> {
  readonly id: string = 'linear-probe';
  note?: unknown;

  constructor(config: Partial<ProbeConfig> = {}) {
    super({
      learningRate: 0.05,
      weightDecay: 0,
      clipNorm: null,
      batchSize: 16,
      epochs: 60,
      patience: 5,
      failAfterFit: false,
      ...config,
    });
  }

  get windowLength(): number {
    return 1;
  }

  protected variableSpecs(facts: FittedFacts): VariableSpecs {
    return {
      trainable: [{ name: 'w', shape: [facts.featureCount], init: 'glorot-uniform' }],
      state: [{ name: 'offset', shape: [1], init: 'zeros' }],
    };
  }

  protected batchLoss(p: NamedParams, b: Batch): tf.Scalar {
    return tf.mean(
      tf.squaredDifference(
        b.x
          .matMul(p.w.reshape([-1, 1]))
          .reshape([-1])
          .add(p.offset),
        b.y,
      ),
    );
  }

  protected override afterFit(): void {
    if (this.config.failAfterFit) throw new Error('the density did not converge');
  }

  protected override extraFiles(facts: FittedFacts): Record<string, string> {
    return { 'note.json': JSON.stringify({ features: facts.featureCount }) };
  }

  protected factsFromManifest(manifest: ModelManifest): FittedFacts {
    return { featureCount: manifest.featureCount, domains: [] };
  }

  protected override async restoreExtraFiles(files: ModelFiles): Promise<void> {
    this.note = await files.json('note.json');
  }

  fit(x: Float32Array, y: Float32Array, offset: number, opts: TrainOptions & { validate?: boolean }) {
    const F = x.length / y.length;
    const rows = (idx: ArrayLike<number>) =>
      Float32Array.from({ length: idx.length * F }, (_, k) => x[idx[Math.floor(k / F)] * F + (k % F)]);
    return this.train({ featureCount: F, domains: [] }, opts, {
      examples: y.length,
      initialState: new Map([['offset', Float32Array.of(offset)]]),
      batch: (idx) => ({ x: tf.tensor2d(rows(idx), [idx.length, F]), y: tf.tensor1d(Array.from(idx, (i) => y[i])) }),
      validationLoss: opts.validate
        ? () =>
            tf.tidy(
              () =>
                this.batchLoss(this.params(), { x: tf.tensor2d(x, [y.length, F]), y: tf.tensor1d(y) }).dataSync()[0],
            )
        : undefined,
      run: (core) => core,
    });
  }

  static load(
    dir: string,
    make = (config: Record<string, unknown>) => new LinearProbe(config as Partial<ProbeConfig>),
  ): Promise<LinearProbe> {
    return TfjsDetector.restore(dir, 'linear-probe', make);
  }
}

/** n rows of 2 features, y = 1.5·x₀ − 2·x₁ + 0.5 exactly */
function data(n: number) {
  const normal = normalSampler(mulberry32(3));
  const x = Float32Array.from({ length: 2 * n }, normal);
  const y = Float32Array.from({ length: n }, (_, i) => 1.5 * x[2 * i] - 2 * x[2 * i + 1] + 0.5);
  return { x, y };
}

describe('TfjsDetector', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'tfjs-detector-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains the parameters by the protocol, keeps the plan-given state, and refuses use before fit', async () => {
    const det = new LinearProbe();
    expect(() => det.parameterValues()).toThrow(NotFittedError);
    await expect(det.save(join(dir, 'unfitted'))).rejects.toBeInstanceOf(NotFittedError);
    const { x, y } = data(64);
    const report = await det.fit(x, y, 0.5, { seed: 1, validate: true });
    expect(det.featureCount).toBe(2);
    expect(report.valLoss?.length).toBe(report.epochs);
    const values = det.parameterValues();
    // the least-squares solution of the noiseless data
    Array.from(values.get('w')!.values).forEach((w, i) => expect(w).toBeCloseTo([1.5, -2][i], 1));
    expect(Array.from(values.get('offset')!.values)).toEqual([0.5]);
    det.dispose();
  });

  it('gives the same weights for the same seed and others for another', async () => {
    const { x, y } = data(32);
    const weights = async (seed: number) => {
      const det = new LinearProbe({ epochs: 2 });
      await det.fit(x, y, 0, { seed });
      const w = Array.from(det.parameterValues().get('w')!.values);
      det.dispose();
      return w;
    };
    expect(await weights(4)).toEqual(await weights(4));
    expect(await weights(5)).not.toEqual(await weights(4));
  });

  it('saves and restores every variable and its extra files; another detector id is an InputError', async () => {
    const { x, y } = data(32);
    const det = new LinearProbe({ epochs: 3 });
    await det.fit(x, y, 0.25, { seed: 2 });
    await det.save(join(dir, 'model'));
    const loaded = await LinearProbe.load(join(dir, 'model'));
    expect(loaded.note).toEqual({ features: 2 });
    expect(loaded.featureCount).toBe(2);
    expect(loaded.parameterValues()).toEqual(det.parameterValues());
    class Other extends LinearProbe {
      override readonly id = 'other-probe';
    }
    await expect(LinearProbe.load(join(dir, 'model'), () => new Other())).rejects.toBeInstanceOf(InputError);
    det.dispose();
    loaded.dispose();
  });

  it('is left unfitted, with its tensors released, when fitting fails after training', async () => {
    const { x, y } = data(32);
    const det = new LinearProbe({ epochs: 2, failAfterFit: true });
    const before = tf.memory().numTensors;
    await expect(det.fit(x, y, 0, { seed: 3 })).rejects.toThrow('the density did not converge');
    expect(det.featureCount).toBeUndefined();
    expect(() => det.parameterValues()).toThrow(NotFittedError);
    expect(tf.memory().numTensors).toBe(before);
  });
});
