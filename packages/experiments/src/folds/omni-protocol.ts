/**
 * The leave-one-entity-out protocol on OmniAnomaly-layout data sets (docs/divad.md §5b, ASD):
 * each entity's sequence is its train part followed by its test part; for a held-out entity the others
 * give training data, the last 15% of each of them is validation, the scaler is fitted on their label-0
 * training records only, and training/validation windows containing an anomaly are dropped (§3.4).
 */
import type { Sequence, Standardisation } from '@driftwatch/contracts';
import { DataRootError } from '@driftwatch/contracts';
import {
  applyStandardisation,
  concatSequences,
  fitStandardiser,
  readOmniAnomaly,
  tailSplit,
  windowSequences,
  type IndexedWindowSet,
} from '@driftwatch/ingest';

export type OmniDataset = 'asd' | 'smd';

export const VALIDATION_FRACTION = 0.15;

/** Whole sequence per entity (train then test), id `<dataset>/<entity>`, in natural entity order. */
export async function loadEntitySequences(
  root: string,
  dataset: OmniDataset,
  entities?: string[],
): Promise<Sequence[]> {
  const parts = await readOmniAnomaly(root, dataset, entities ? { entities } : undefined);
  return parts.map(({ entity, train, test }) => ({
    ...concatSequences([train, test], `${dataset}/${entity}`),
    entity,
    domain: entity,
  }));
}

/** Accepts `1,2,3`, `omi-1` or full entity names; numbers are resolved against the data set's prefix. */
export function resolveEntities(requested: string[], available: string[]): string[] {
  return requested.map((r) => {
    if (available.includes(r)) return r;
    const byNumber = available.find((a) => /^\d+$/.test(r) && a.replace(/^.*?-(\d+(?:-\d+)?)$/, '$1') === r);
    if (byNumber) return byNumber;
    throw new DataRootError(`unknown entity '${r}'; available: ${available.join(', ')}`);
  });
}

export interface TrainingData {
  train: Sequence[];
  validation: Sequence[];
  standardisation: Standardisation;
  domains: string[];
}

/** Splits each training entity in time, fits the scaler on label-0 training records, standardises both parts. */
export function prepareTrainingData(sequences: Sequence[], validationFraction = VALIDATION_FRACTION): TrainingData {
  const split = sequences.map((s) => tailSplit(s, validationFraction));
  const standardisation = fitStandardiser(
    split.map((p) => p.head),
    { normalOnly: true },
  );
  return {
    train: split.map((p) => applyStandardisation(p.head, standardisation)),
    validation: split.map((p) => applyStandardisation(p.tail, standardisation)),
    standardisation,
    domains: [...new Set(sequences.map((s) => s.domain))].sort(),
  };
}

export function trainingWindows(
  data: TrainingData,
  windowLength: number,
): { train: IndexedWindowSet; validation: IndexedWindowSet } {
  return {
    train: windowSequences(data.train, windowLength, { domains: data.domains, normalOnly: true }),
    validation: windowSequences(data.validation, windowLength, { domains: data.domains, normalOnly: true }),
  };
}

/** All windows of a test sequence (anomalies included), in time order, standardised with the training scaler. */
export function testWindows(
  sequence: Sequence,
  standardisation: Standardisation,
  windowLength: number,
): IndexedWindowSet {
  const scaled = applyStandardisation(sequence, standardisation);
  return windowSequences([scaled], windowLength, { domains: [scaled.domain] });
}
