/**
 * One DIVAD training step as `Divad.fit` takes it (the loss of a batch with its domains, AdamW on every parameter),
 * on a fresh model over four fixed random batches; each step reads the loss back, so its time is the whole work.
 * CPU time is reported next to wall time because on a shared machine it moves far less with the load.
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

/** one step's wall time and this process's CPU time (user + system) over it, in ms */
export interface StepTime {
  wallMs: number;
  cpuMs: number;
}

export interface DivadStepper {
  /** trainable parameters of the model */
  readonly parameters: number;
  step(): StepTime;
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
      const c0 = process.cpuUsage();
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
      const cpu = process.cpuUsage(c0);
      return { wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
    },
    dispose() {
      optimizer.dispose();
      for (const v of variables) v.dispose();
    },
  };
}
