/**
 * The feature plan of a model trained on a user's own metrics: which input columns it reads, which counters it
 * differences, which columns it drops, in which order the rest reach the detector. It is pinned in the manifest
 * so that scoring applies exactly the same steps to new input.
 */
import { DriftwatchError, type DomainSource, type FeaturePlan, type Sequence } from '@driftwatch/contracts';
import { featureDifference, selectFeatures } from '@driftwatch/ingest';

/** `--counters`: name-and-shape detection, none, or exactly these columns. */
export type CounterRule = 'auto' | 'none' | readonly string[];

/** Prometheus naming conventions for cumulative series (counters and histogram/summary parts). */
export const COUNTER_SUFFIXES: readonly string[] = ['_total', '_count', '_sum', '_bucket'];

/** Parses `--counters auto|none|a,b`. */
export function parseCounterRule(text: string | undefined): CounterRule {
  if (text === undefined || text === 'auto') return 'auto';
  if (text === 'none') return 'none';
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new DriftwatchError('--counters takes auto, none or a comma-separated column list');
  return names;
}

/** The finite values of column j of a sequence, in time order. */
function columnValues(seq: Sequence, j: number): number[] {
  const width = seq.features.length;
  const out: number[] = [];
  for (let t = 0; t < seq.length; t++) {
    const x = seq.values[t * width + j];
    if (Number.isFinite(x)) out.push(x);
  }
  return out;
}

/**
 * A counter by shape: in every training entity its finite values never decrease, and at least half of the steps
 * increase (so a flag that is mostly flat, or a constant, is not a counter).
 */
export function looksLikeCounter(series: readonly (readonly number[])[]): boolean {
  let steps = 0;
  let rises = 0;
  for (const values of series) {
    for (let t = 1; t < values.length; t++) {
      if (values[t] < values[t - 1]) return false;
      steps++;
      if (values[t] > values[t - 1]) rises++;
    }
  }
  return steps > 0 && rises * 2 >= steps;
}

/** The columns to difference under a rule; an explicit list must name input columns. */
export function countersOf(training: readonly Sequence[], rule: CounterRule): string[] {
  const inputs = training[0].features;
  if (rule === 'none') return [];
  if (rule !== 'auto') {
    const unknown = rule.filter((name) => !inputs.includes(name));
    if (unknown.length > 0)
      throw new DriftwatchError(
        `--counters names ${unknown.join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} not among the ` +
          `input columns ${inputs.join(', ')}`,
      );
    return inputs.filter((name) => rule.includes(name));
  }
  return inputs.filter(
    (name, j) =>
      COUNTER_SUFFIXES.some((suffix) => name.endsWith(suffix)) ||
      looksLikeCounter(training.map((s) => columnValues(s, j))),
  );
}

/** A counter's increase: x_t − x_{t−1}, or x_t when it dropped (a reset restarts it from zero, as rate() reads it). */
export function counterIncrease(previous: number, current: number): number {
  return current < previous ? current : current - previous;
}

/** y_t = counterIncrease(x_{t−1}, x_t) for the differenced columns (y_0 = NaN: no predecessor), others unchanged. */
export function differenceColumns(seq: Sequence, columns: readonly string[]): Sequence {
  if (columns.length === 0) return seq;
  const width = seq.features.length;
  const values = Float32Array.from(seq.values.subarray(0, seq.length * width));
  for (const name of columns) {
    const j = seq.features.indexOf(name);
    if (j < 0) throw new DriftwatchError(`cannot difference ${name}: ${seq.id} has no such column`);
    for (let t = seq.length - 1; t >= 1; t--)
      values[t * width + j] = counterIncrease(values[(t - 1) * width + j], values[t * width + j]);
    if (seq.length > 0) values[j] = NaN;
  }
  return { ...seq, values };
}

/** Why a column would be dropped from training data (after differencing), or undefined to keep it. */
function dropReason(training: readonly Sequence[], j: number): string | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const seq of training)
    for (const x of columnValues(seq, j)) {
      if (x < min) min = x;
      if (x > max) max = x;
    }
  if (min === Infinity) return 'no finite value in the training records';
  if (min === max) return `constant in the training records (${min})`;
  return undefined;
}

export interface PlanOptions {
  counters: CounterRule;
  entityColumn?: string;
  timestampColumn?: string;
  timestampUnit?: FeaturePlan['timestampUnit'];
  domain: DomainSource;
}

/**
 * The plan from the training records (every training entity, input columns in input order): counters by the
 * rule, then columns constant (or empty) after differencing are dropped; the rest keep their input order.
 */
export function planFeatures(training: readonly Sequence[], options: PlanOptions): FeaturePlan {
  if (training.length === 0) throw new DriftwatchError('no training records to plan features on');
  const inputs = [...training[0].features];
  const difference = countersOf(training, options.counters);
  const transformed = training.map((s) => differenceColumns(s, difference));
  const dropped: FeaturePlan['dropped'] = [];
  const features: string[] = [];
  inputs.forEach((name, j) => {
    const reason = dropReason(transformed, j);
    if (reason) dropped.push({ name, reason });
    else features.push(name);
  });
  if (features.length === 0)
    throw new DriftwatchError(
      `every input column is constant or empty in the training records (${inputs.join(', ')}): nothing to learn from`,
    );
  const plan: FeaturePlan = { inputs, features, difference, dropped, domain: options.domain };
  if (options.entityColumn !== undefined) plan.entityColumn = options.entityColumn;
  if (options.timestampColumn !== undefined) {
    plan.timestampColumn = options.timestampColumn;
    plan.timestampUnit = options.timestampUnit ?? 's';
  }
  return plan;
}

/**
 * The sequence with its columns in the plan's input order, matched by name. Missing or extra columns are one
 * error listing all of them and the flags that fix it.
 */
export function alignToPlan(seq: Sequence, plan: FeaturePlan): Sequence {
  const { missing, extra } = featureDifference(plan.inputs, seq.features);
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.join(', ')}` : '',
      extra.length > 0 ? `extra ${extra.join(', ')}` : '',
    ].filter((p) => p !== '');
    throw new DriftwatchError(
      `the input's metric columns do not match the model's (${parts.join('; ')}). The model reads ` +
        `${plan.inputs.join(',')}: pass --map metrics=${plan.inputs.join(',')} to choose those columns ` +
        `(or --map to rename them), or retrain on this input with driftwatch train --input`,
    );
  }
  return selectFeatures(seq, plan.inputs);
}

/** Input columns (in the plan's input order) → model features: counters differenced, dropped columns left out. */
export function applyFeaturePlan(seq: Sequence, plan: FeaturePlan): Sequence {
  return selectFeatures(differenceColumns(alignToPlan(seq, plan), plan.difference), plan.features);
}

/** Records a window can not use: any model feature NaN (a gap in the input, or a counter's first record). */
export function gapRecords(seq: Sequence): Uint8Array {
  const width = seq.features.length;
  const gaps = new Uint8Array(seq.length);
  for (let t = 0; t < seq.length; t++)
    for (let j = 0; j < width; j++)
      if (Number.isNaN(seq.values[t * width + j])) {
        gaps[t] = 1;
        break;
      }
  return gaps;
}
