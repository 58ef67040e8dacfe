/**
 * The leave-one-entity-out fold of docs/divad.md §5b (ASD: leave one server out): for a held-out entity, its whole
 * sequence is scored and every other entity gives training and validation data (`prepareTrainingData`).
 */
import { ParameterError, type Sequence } from '@driftwatch/contracts';
import { subsetIndexedWindows, type IndexedWindowSet } from '@driftwatch/ingest';
import { prepareTrainingData, resolveEntities, VALIDATION_FRACTION, type TrainingData } from './omni-protocol';

/** What a protocol gives for one test entity: the sequence to score and the data to train on. */
export interface ProtocolFold {
  /** the labelled sequence to score, not standardised (its id names it in results lines and score files) */
  test: Sequence;
  /** training and validation sequences, standardised, with the scaler fitted on them */
  data: TrainingData;
}

/** The held-out entity's whole sequence and the other entities, standardised on their normal training records. */
export type LeaveOneOutFold = ProtocolFold;

/** The fold that holds `entity` out of `sequences` (one sequence per entity). */
export function leaveOneOutFold(
  sequences: readonly Sequence[],
  entity: string,
  validationFraction = VALIDATION_FRACTION,
): LeaveOneOutFold {
  const test = sequences.find((s) => s.entity === entity);
  if (!test) {
    const entities = sequences.map((s) => s.entity).join(', ');
    throw new ParameterError(`no sequence of entity '${entity}' to hold out; entities: ${entities}`);
  }
  return {
    test,
    data: prepareTrainingData(
      sequences.filter((s) => s !== test),
      validationFraction,
    ),
  };
}

/** The entities to hold out: `['all']` is every available one, else `resolveEntities` (numbers, names). */
export function heldOutEntities(requested: readonly string[], available: readonly string[]): string[] {
  if (requested.length === 1 && requested[0] === 'all') return [...available];
  return resolveEntities([...requested], [...available]);
}

/** Every k-th window from the first: windows of stride 1 share W − 1 records, so k > 1 trades data for time. */
export function everyKthWindow(windows: IndexedWindowSet, k: number): IndexedWindowSet {
  if (!(Number.isInteger(k) && k >= 1)) throw new ParameterError(`window stride must be an integer ≥ 1, got ${k}`);
  if (k === 1) return windows;
  return subsetIndexedWindows(
    windows,
    Int32Array.from({ length: Math.ceil(windows.count / k) }, (_, i) => i * k),
  );
}

/** Window scores grouped by the sequence (training entity) each window comes from, in time order. */
export function splitBySequence(
  windows: IndexedWindowSet,
  scores: Float32Array,
): { sequence: number; scores: Float32Array }[] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < windows.count; i++) {
    const k = windows.sequenceOf(i);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(scores[i]);
  }
  return [...groups]
    .sort((a, b) => a[0] - b[0])
    .map(([sequence, list]) => ({ sequence, scores: Float32Array.from(list) }));
}
