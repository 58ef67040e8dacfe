import { ParameterError } from '@driftwatch/contracts';
import { f1Score } from './peak-f1';
import { type EventRange, eventRangesOf, rangesOf } from './ranges';

/**
 * Positional bias δ: the raw reward of each position of a range of length L (0-based position i).
 * 'front', 'back', 'middle' are Tatbul et al. 2018 §4.1 (rewards L−i, i+1, min(i+1, L−i));
 * 'front-exathlon' is Exathlon's front-end bias, rewards L−1−i (the last position earns nothing).
 */
export type PositionalBias = 'flat' | 'front' | 'back' | 'middle' | 'front-exathlon';

/**
 * Cardinality function γ(x) applied when a range overlaps x > 1 ranges: 'one' (Exathlon "dup"), 'reciprocal' (1/x,
 * Tatbul §4.1), 'zero' (Exathlon "no.dup").
 */
export type CardinalityFunction = 'one' | 'reciprocal' | 'zero';

/**
 * Size function ω: 'default' (Tatbul §4.1) or 'flat-normalised' (Exathlon: capped at the flat-bias reward of the
 * overlap).
 */
export type SizeFunction = 'default' | 'flat-normalised';

/** How the overlap reward of one range is taken. */
export interface OverlapRewardParams {
  size: SizeFunction;
  bias: PositionalBias;
  cardinality: CardinalityFunction;
}

/** Recall adds an existence reward weighted by α ∈ [0, 1]. */
export interface RangeRecallParams extends OverlapRewardParams {
  alpha: number;
}

export interface RangeMetricParams {
  recall: RangeRecallParams;
  precision: OverlapRewardParams;
}

export interface RangePrecisionRecall {
  /** mean precision over predicted ranges, 1 when nothing is predicted */
  precision: number;
  /** headline recall: the mean of `recallByType` (event types weigh equally); 1 when there is no real range */
  recall: number;
  /** mean recall over all real ranges, types merged; 1 when there is no real range */
  mixedRecall: number;
  /** R_k: mean recall over the real ranges of type k */
  recallByType: Map<number, number>;
  /** F1 of `precision` and `recall` */
  f1: number;
}

const DEFAULT_FLAT: OverlapRewardParams = { size: 'default', bias: 'flat', cardinality: 'one' };
const EXATHLON_FRONT: OverlapRewardParams = { size: 'flat-normalised', bias: 'front-exathlon', cardinality: 'one' };

/** Exathlon's AD levels (Jacob et al., "Exathlon", VLDB 2021 §4; docs/divad.md §2): recall and precision parameters. */
export const AD_LEVELS: Readonly<Record<'AD1' | 'AD2' | 'AD3' | 'AD4', RangeMetricParams>> = {
  AD1: { recall: { alpha: 1, ...DEFAULT_FLAT }, precision: DEFAULT_FLAT },
  AD2: { recall: { alpha: 0, ...DEFAULT_FLAT }, precision: DEFAULT_FLAT },
  AD3: { recall: { alpha: 0, ...EXATHLON_FRONT }, precision: DEFAULT_FLAT },
  AD4: {
    recall: { alpha: 0, ...EXATHLON_FRONT, cardinality: 'zero' },
    precision: { ...DEFAULT_FLAT, cardinality: 'zero' },
  },
};

/** Raw positional reward δ(i, L) for 0-based position i (Tatbul et al. 2018 §4.1; Exathlon front-end bias L−1−i). */
export function positionalReward(bias: PositionalBias, position: number, length: number): number {
  switch (bias) {
    case 'flat':
      return 1;
    case 'front':
      return length - position;
    case 'back':
      return position + 1;
    case 'middle':
      return Math.min(position + 1, length - position);
    case 'front-exathlon':
      // a one-record range would have all-zero rewards; it is given the flat reward instead
      return length === 1 ? 1 : length - 1 - position;
    default:
      throw new ParameterError(`unknown positional bias ${String(bias)}`);
  }
}

/**
 * Normalised rewards δ(i, L)/Σ_j δ(j, L) of every position of a range of length L (Tatbul et al. 2018 §4.1, ω's
 * MaxValue).
 */
export function normalisedRewards(bias: PositionalBias, length: number): Float64Array {
  const rewards = new Float64Array(length);
  let total = 0;
  for (let i = 0; i < length; i++) total += rewards[i] = positionalReward(bias, i, length);
  for (let i = 0; i < length; i++) rewards[i] /= total;
  return rewards;
}

/** Cardinality factor: 1 when the range overlaps at most one range, else γ(x) (Tatbul et al. 2018 §4.1). */
export function cardinalityFactor(cardinality: CardinalityFunction, overlappingRanges: number): number {
  if (overlappingRanges <= 1) return 1;
  switch (cardinality) {
    case 'one':
      return 1;
    case 'reciprocal':
      return 1 / overlappingRanges;
    case 'zero':
      return 0;
    default:
      throw new ParameterError(`unknown cardinality function ${String(cardinality)}`);
  }
}

/**
 * Rewards of one range under a size function and bias; `sizeReward(a, b)` is ω of the overlap [a, b) in range
 * coordinates.
 */
function sizeRewardOf(size: SizeFunction, rewards: Float64Array): (from: number, to: number) => number {
  const covered = (from: number, to: number) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += rewards[i];
    return sum;
  };
  // default ω = Σ_{i∈overlap} δ_i / Σ_i δ_i (Tatbul et al. 2018 §4.1)
  if (size === 'default') return covered;
  if (size !== 'flat-normalised') throw new ParameterError(`unknown size function ${String(size)}`);
  // flat-normalised ω = (|overlap|/L) · ω_default / (best ω_default of |overlap| positions) (Exathlon)
  const best = Float64Array.from(rewards).sort().reverse();
  const bestPrefix = new Float64Array(best.length + 1);
  for (let i = 0; i < best.length; i++) bestPrefix[i + 1] = bestPrefix[i] + best[i];
  return (from, to) => {
    const maxReward = bestPrefix[to - from];
    return maxReward === 0 ? 0 : (((to - from) / rewards.length) * covered(from, to)) / maxReward;
  };
}

/** Index of the first range in sorted `ranges` whose end is after `position` (binary search). */
function firstEndingAfter(ranges: readonly EventRange[], position: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid].end <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Overlaps [a, b) of `range` with each of the sorted, disjoint `others`, in range coordinates. */
function overlapsWith(range: EventRange, others: readonly EventRange[]): [number, number][] {
  const overlaps: [number, number][] = [];
  for (let j = firstEndingAfter(others, range.start); j < others.length && others[j].start < range.end; j++) {
    overlaps.push([
      Math.max(range.start, others[j].start) - range.start,
      Math.min(range.end, others[j].end) - range.start,
    ]);
  }
  return overlaps;
}

/** Overlap reward = CardinalityFactor(x) · Σ_j ω(range, range ∩ other_j, δ) (Tatbul et al. 2018 §4.1). */
export function overlapReward(range: EventRange, others: readonly EventRange[], params: OverlapRewardParams): number {
  const overlaps = overlapsWith(range, others);
  if (overlaps.length === 0) return 0;
  const sizeReward = sizeRewardOf(params.size, normalisedRewards(params.bias, range.end - range.start));
  let total = 0;
  for (const [from, to] of overlaps) total += sizeReward(from, to);
  return cardinalityFactor(params.cardinality, overlaps.length) * total;
}

/** Recall of one real range = α·Existence + (1−α)·Overlap reward (Tatbul et al. 2018 §4.1, Recall_T). */
export function realRangeRecall(real: EventRange, predicted: readonly EventRange[], params: RangeRecallParams): number {
  const existence = overlapsWith(real, predicted).length > 0 ? 1 : 0;
  const overlap = params.alpha === 1 ? 0 : overlapReward(real, predicted, params);
  return params.alpha * existence + (1 - params.alpha) * overlap;
}

/** Precision of one predicted range = Overlap reward against the real ranges (Tatbul et al. 2018 §4.2, Precision_T). */
export function predictedRangePrecision(
  predicted: EventRange,
  real: readonly EventRange[],
  params: OverlapRewardParams,
): number {
  return overlapReward(predicted, real, params);
}

function assertSortedDisjoint(ranges: readonly EventRange[], what: string): void {
  for (let i = 0; i < ranges.length; i++) {
    const { start, end } = ranges[i];
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) {
      throw new ParameterError(`${what} range ${i} is [${start}, ${end}), expected integers 0 ≤ start < end`);
    }
    if (i > 0 && start < ranges[i - 1].end)
      throw new ParameterError(`${what} ranges must be sorted and disjoint (range ${i})`);
  }
}

function assertParams(params: RangeMetricParams): void {
  const { alpha } = params.recall;
  if (!(alpha >= 0 && alpha <= 1))
    throw new ParameterError(`range-based recall: α = ${alpha}, expected a number in [0, 1]`);
}

function mean(values: readonly number[], whenEmpty: number): number {
  return values.length === 0 ? whenEmpty : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Range-based precision and recall (Tatbul et al. 2018 §4) as Exathlon aggregates them: P = mean over predicted
 * ranges (1 if none), R_k = mean over real ranges of type k, headline R = mean over types (1 if no real range).
 * Both lists sorted by start and disjoint within themselves.
 */
export function rangePrecisionRecall(
  predicted: readonly EventRange[],
  real: readonly EventRange[],
  params: RangeMetricParams,
): RangePrecisionRecall {
  assertParams(params);
  assertSortedDisjoint(predicted, 'predicted');
  assertSortedDisjoint(real, 'real');
  const precision = mean(
    predicted.map((p) => predictedRangePrecision(p, real, params.precision)),
    1,
  );
  const recalls = real.map((r) => realRangeRecall(r, predicted, params.recall));
  const byType = new Map<number, number[]>();
  real.forEach((r, i) => byType.set(r.type, [...(byType.get(r.type) ?? []), recalls[i]]));
  const recallByType = new Map([...byType.entries()].sort(([a], [b]) => a - b).map(([k, v]) => [k, mean(v, 1)]));
  const recall = mean([...recallByType.values()], 1);
  return { precision, recall, mixedRecall: mean(recalls, 1), recallByType, f1: f1Score(precision, recall) };
}

/**
 * Range-based P/R/F1 of binary predictions against record labels: predicted ranges = runs of ŷ ≠ 0, real ranges = runs
 * of one event code.
 */
export function rangeBasedMetrics(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  params: RangeMetricParams,
): RangePrecisionRecall {
  if (predictions.length !== labels.length)
    throw new ParameterError(`${predictions.length} predictions but ${labels.length} labels`);
  return rangePrecisionRecall(rangesOf(predictions), eventRangesOf(labels), params);
}
