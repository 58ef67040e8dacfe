/** Small pieces of `TfjsDetector`'s fitting and loading: named variables, weight shape checks, the fit report. */
import { DriftwatchError, InputError, type FitReport } from '@driftwatch/contracts';
import { tf } from '../backend';
import type { TrainLoopResult } from '../training';
import type { ParamSpec } from './params';

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
      vars.set(
        s.name,
        tf.tidy(() => tf.variable(tf.tensor(data, s.shape, 'float32'), trainable, `${prefix}/${s.name}`)),
      );
    }
  } catch (e) {
    for (const v of vars.values()) v.dispose();
    throw e;
  }
  return vars;
}

/** Every spec has a loaded weight of its shape; otherwise an InputError naming the weights file. */
export function assertWeightShapes(
  specs: readonly ParamSpec[],
  values: Map<string, { shape: number[] }>,
  file: string,
): void {
  for (const s of specs) {
    const v = values.get(s.name);
    if (!v || v.shape.length !== s.shape.length || v.shape.some((x, i) => x !== s.shape[i])) {
      throw new InputError({ file }, `weight ${s.name} of shape [${s.shape}]`, v ? `[${v.shape}]` : 'nothing');
    }
  }
}
