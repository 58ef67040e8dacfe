/**
 * The temporal protocol of the spatiotemporal experiments (docs/spatiotemporal.md §3–§4): cutting a NodeSeries into
 * train / validation / test periods and keeping only fault-free steps for the unsupervised detector.
 */
import { ParameterError, graphAt, type GraphSnapshot, type NodeSeries } from '@driftwatch/contracts';

/** Shares of the evaluated span that train, validation and test take, in time order. */
export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

export const DEFAULT_SPLIT: SplitFractions = { train: 0.5, validation: 0.2, test: 0.3 };

/**
 * `faults`: the fractions cut [0, last labelled step + 1 + margin) — on Nezha every fault lies in the first hours
 * of the day, so a split of the whole day would leave validation and test without a single fault; `day`: the
 * fractions cut every step.
 */
export type SplitSpan = 'faults' | 'day';

/** Steps of fault-free tail kept after the last labelled step when the span is `faults`. */
export const DEFAULT_SPAN_MARGIN = 30;

/** Half-open step ranges [start, end) of the three periods. */
export interface Periods {
  train: [number, number];
  validation: [number, number];
  test: [number, number];
  /** steps after the evaluated span, used by nothing */
  unused: [number, number];
}

/** "0.5,0.2,0.3" → fractions; each > 0 and their sum ≤ 1 (a sum below 1 leaves the rest of the span out). */
export function parseSplit(text: string): SplitFractions {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (
    parts.length !== 3 ||
    parts.some((p) => !(Number.isFinite(p) && p > 0)) ||
    parts[0] + parts[1] + parts[2] > 1 + 1e-9
  ) {
    throw new ParameterError(
      `split expects three positive fractions train,validation,test summing to at most 1 (e.g. ` +
        `0.5,0.2,0.3), got '${text}'`,
    );
  }
  return { train: parts[0], validation: parts[1], test: parts[2] };
}

/** Index of the last step where some entity is labelled, −1 when none is. */
export function lastLabelledStep(labels: Uint8Array, entities: number): number {
  for (let k = labels.length - 1; k >= 0; k--) if (labels[k] > 0) return Math.floor(k / entities);
  return -1;
}

/**
 * The periods of a series of T steps: span = T (`day`) or min(T, last labelled step + 1 + margin) (`faults`);
 * train = [0, ⌊f_train·span⌋), validation the next ⌊f_val·span⌋ steps, test the next ⌊f_test·span⌋.
 */
export function splitPeriods(
  series: Pick<NodeSeries, 'length' | 'labels' | 'entities'>,
  fractions: SplitFractions,
  span: SplitSpan,
  margin = DEFAULT_SPAN_MARGIN,
): Periods {
  const T = series.length;
  let end = T;
  if (span === 'faults') {
    const last = series.labels ? lastLabelledStep(series.labels, series.entities.length) : -1;
    if (last < 0) throw new ParameterError('split span "faults": the series has no labelled step');
    end = Math.min(T, last + 1 + margin);
  }
  const trainEnd = Math.floor(fractions.train * end);
  const valEnd = trainEnd + Math.floor(fractions.validation * end);
  const testEnd = Math.min(end, valEnd + Math.floor(fractions.test * end));
  if (!(trainEnd > 0 && valEnd > trainEnd && testEnd > valEnd))
    throw new ParameterError(
      `split of ${end} steps gives an empty period (train ${trainEnd}, validation ${valEnd - trainEnd}, ` +
        `test ${testEnd - valEnd})`,
    );
  return { train: [0, trainEnd], validation: [trainEnd, valEnd], test: [valEnd, testEnd], unused: [testEnd, T] };
}

/**
 * Steps [start, end) of a series as a series of its own: values, labels, events and timestamps cut out, the
 * observed graph in force at `start` moved to step 0 and later snapshots shifted by −start.
 */
export function sliceNodeSeries(series: NodeSeries, start: number, end: number, idSuffix: string): NodeSeries {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= series.length && end > start)) {
    throw new ParameterError(`sliceNodeSeries: [${start}, ${end}) is not a non-empty range of 0 … ${series.length}`);
  }
  const N = series.entities.length;
  const F = series.features.length;
  const out: NodeSeries = {
    id: `${series.id}/${idSuffix}`,
    entities: series.entities,
    features: series.features,
    length: end - start,
    values: series.values.slice(start * N * F, end * N * F),
  };
  if (series.timestamps) out.timestamps = series.timestamps.slice(start, end);
  if (series.labels) out.labels = series.labels.slice(start * N, end * N);
  if (series.eventOf) out.eventOf = series.eventOf.slice(start * N, end * N);
  if (series.eventTypes) out.eventTypes = series.eventTypes;
  if (series.graphs) {
    const graphs: GraphSnapshot[] = [];
    const first = graphAt(series, start);
    if (first) graphs.push({ ...first, t: 0 });
    for (const g of series.graphs) if (g.t > start && g.t < end) graphs.push({ ...g, t: g.t - start });
    if (graphs.length > 0) out.graphs = graphs;
  }
  return out;
}
