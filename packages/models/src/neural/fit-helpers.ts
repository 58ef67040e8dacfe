/** Pieces of fitting and loading that DIVAD and the neural baselines share. */
import { DriftwatchError, InputError, type FitOptions, type FitReport } from '@driftwatch/contracts';
import { tf } from '../backend';
import { trainLoop, type TrainLoopOptions, type TrainLoopResult } from '../training';
import { subSeed, type ParamSpec } from './params';

/**
 * The epoch loop with divad.md §3.3's protocol: batch order seeded from the fit seed (stream 2), early
 * stopping on the validation loss only when there is one, `opts.epochs` overriding the configured maximum.
 */
export function runEpochs(
  config: { batchSize: number; epochs: number; patience: number },
  trainCount: number,
  opts: FitOptions,
  loop: Pick<TrainLoopOptions, 'step' | 'validate' | 'variables'>,
): Promise<TrainLoopResult> {
  return trainLoop({
    trainCount,
    batchSize: config.batchSize,
    epochs: opts.epochs ?? config.epochs,
    seed: subSeed(opts.seed, 2),
    step: loop.step,
    validate: loop.validate,
    patience: loop.validate ? config.patience : undefined,
    variables: loop.variables,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
}

/** The contracts' FitReport of a finished loop started at `t0` (performance.now()). */
export function fitReportOf(result: TrainLoopResult, t0: number): FitReport {
  return {
    epochs: result.epochs,
    bestEpoch: result.bestEpoch,
    bestValLoss: result.bestValLoss,
    trainLoss: result.trainLoss,
    valLoss: result.valLoss,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** One trainable tf.Variable per spec, named `prefix/name`; all or nothing. */
export function createNamedVariables(
  specs: readonly ParamSpec[],
  values: Map<string, Float32Array | { values: Float32Array }>,
  prefix: string,
  owner: string,
  trainable = true,
): Map<string, tf.Variable> {
  const vars = new Map<string, tf.Variable>();
  try {
    for (const s of specs) {
      const v = values.get(s.name);
      const data = v instanceof Float32Array ? v : v?.values;
      if (!data) throw new DriftwatchError(`${owner}: no value for parameter ${s.name}`);
      vars.set(s.name, tf.tidy(() => tf.variable(tf.tensor(data, s.shape, 'float32'), trainable, `${prefix}/${s.name}`)));
    }
  } catch (e) {
    for (const v of vars.values()) v.dispose();
    throw e;
  }
  return vars;
}

/** Every spec has a loaded weight of its shape; otherwise an InputError naming the weights file. */
export function assertWeightShapes(specs: readonly ParamSpec[], values: Map<string, { shape: number[] }>, file: string): void {
  for (const s of specs) {
    const v = values.get(s.name);
    if (!v || v.shape.length !== s.shape.length || v.shape.some((x, i) => x !== s.shape[i])) {
      throw new InputError({ file }, `weight ${s.name} of shape [${s.shape}]`, v ? `[${v.shape}]` : 'nothing');
    }
  }
}
