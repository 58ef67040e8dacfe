/**
 * One DIVAD training step as `Divad.fit` takes it (the loss of a batch with its domains, AdamW on every parameter),
 * on a fresh model over four fixed random batches; each step reads the loss back, so its time is the whole work.
 */
import { mulberry32, normalSampler } from '@driftwatch/contracts';
import {
  AdamW,
  divadLoss,
  divadNoise,
  divadParamSpecs,
  domainOneHot,
  initialValues,
  noiseFrom,
  optimisationStep,
  tf,
  type DivadArchitecture,
} from '@driftwatch/models';

export interface StepSettings {
  batch: number;
  beta: number;
  alpha: number;
  learningRate: number;
  weightDecay: number;
  clipNorm: number;
}

export interface DivadStepper {
  /** trainable parameters of the model */
  readonly parameters: number;
  /** runs one step; its wall time in ms */
  step(): number;
  dispose(): void;
}

const BATCHES = 4;

export function createDivadStepper(arch: DivadArchitecture, s: StepSettings, label: string): DivadStepper {
  const specs = divadParamSpecs(arch);
  const init = initialValues(specs, 0);
  const variables = specs.map((spec) =>
    tf.tidy(() => tf.variable(tf.tensor(init.get(spec.name)!, spec.shape), true, `${label}/${spec.name}`)),
  );
  const params = Object.fromEntries(specs.map((spec, i) => [spec.name, variables[i]]));
  const optimizer = new AdamW({ learningRate: s.learningRate, weightDecay: s.weightDecay, clipNorm: s.clipNorm });
  const noise = noiseFrom(normalSampler(mulberry32(1)));
  const normal = normalSampler(mulberry32(2));
  const size = arch.windowLength * arch.featureCount;
  const values = Float32Array.from({ length: BATCHES * s.batch * size }, () => normal());
  const domains = Int32Array.from({ length: BATCHES * s.batch }, (_, i) => i % arch.domains);
  let i = 0;
  return {
    parameters: specs.reduce((n, spec) => n + tf.util.sizeFromShape(spec.shape), 0),
    step() {
      const b = i++ % BATCHES;
      const t0 = performance.now();
      const loss = optimisationStep(
        optimizer,
        variables,
        () => {
          const x = tf.tensor2d(values.subarray(b * s.batch * size, (b + 1) * s.batch * size), [s.batch, size]);
          const d = domainOneHot(domains.subarray(b * s.batch), s.batch, arch.domains);
          return divadLoss(params, arch, x, d, divadNoise(arch, s.batch, noise), s.beta, s.alpha);
        },
        () => undefined,
      );
      loss.dataSync();
      loss.dispose();
      return performance.now() - t0;
    },
    dispose() {
      optimizer.dispose();
      for (const v of variables) v.dispose();
    },
  };
}
