/**
 * Benchmark protocols as inputs (`driftwatch bench windows --protocol …`): each reads its data once and then gives,
 * per test entity, the sequence to score and the data to train on.
 * - loso: leave one entity out (docs/divad.md §5b; OmniAnomaly layout, whole sequences);
 * - per-entity: train on an entity's train part, score its test part (SMD's standard protocol);
 * - tsb-ad: one CSV per series, trained on its first tr_N records, scored whole (TSB-AD's benchmark scripts).
 */
import type { DataFileChecksum } from '@driftwatch/contracts';
import { ParameterError } from '@driftwatch/contracts';
import { dataChecksums } from './data-checksums';
import { listOmniEntities } from '@driftwatch/ingest';
import { heldOutEntities, leaveOneOutFold, type ProtocolFold } from './folds/leave-one-out';
import { loadEntitySequences, VALIDATION_FRACTION, type OmniDataset } from './folds/omni-protocol';
import { loadEntityParts, perEntityFold } from './folds/per-entity';
import { loadTsbAdSeries, tsbAdChecksums, tsbAdFold } from './folds/tsb-ad';

export const PROTOCOLS = ['loso', 'per-entity', 'tsb-ad'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

export function isProtocolName(name: string): name is ProtocolName {
  return (PROTOCOLS as readonly string[]).includes(name);
}

/** Where a protocol reads its data: an OmniAnomaly data set under a data root, or TSB-AD's files. */
export type ProtocolSource =
  | { protocol: 'loso' | 'per-entity'; dataRoot: string; dataset: OmniDataset }
  | { protocol: 'tsb-ad'; paths: readonly string[] };

/** A protocol's data, read and validated. */
export interface ProtocolData {
  protocol: ProtocolName;
  /** the results lines' `dataset` */
  dataset: string;
  /** where the data was read, for messages and run.json */
  source: string;
  /** tsb-ad: the files and folders read, as given (run.json keeps them so that report finds the labels) */
  paths?: readonly string[];
  /** the test entities (series for tsb-ad), in order */
  entities: readonly string[];
  fold(entity: string, validationFraction?: number): ProtocolFold;
  /** sha256 of the data files (compared with datasets.lock where it knows them) */
  checksums(lockPath: string): Promise<DataFileChecksum[]>;
}

/**
 * Reads (and so validates) a protocol's data. `entities` (names, numbers or 'all') restricts what per-entity reads;
 * the caller still picks the test entities among `entities` of the result.
 */
export async function loadProtocolData(source: ProtocolSource, entities?: string[]): Promise<ProtocolData> {
  if (source.protocol === 'tsb-ad') {
    const series = await loadTsbAdSeries(source.paths);
    return {
      protocol: 'tsb-ad',
      dataset: 'tsb-ad',
      source: source.paths.join(', '),
      paths: source.paths,
      entities: series.map((s) => s.name),
      fold: (name, fraction = VALIDATION_FRACTION) => tsbAdFold(series, name, fraction),
      checksums: () => tsbAdChecksums(series),
    };
  }
  const { dataRoot, dataset } = source;
  const checksums = (lockPath: string) => dataChecksums(dataRoot, dataset, lockPath);
  if (source.protocol === 'loso') {
    // every entity trains the others' folds, so all are read
    const sequences = await loadEntitySequences(dataRoot, dataset);
    return {
      protocol: 'loso',
      dataset,
      source: dataRoot,
      entities: sequences.map((s) => s.entity),
      fold: (entity, fraction = VALIDATION_FRACTION) => leaveOneOutFold(sequences, entity, fraction),
      checksums,
    };
  }
  if (source.protocol !== 'per-entity') throw new ParameterError(`unknown protocol ${JSON.stringify(source)}`);
  // only the entities tested are read (SMD has 28 of about 12 MB each)
  const wanted = entities ? heldOutEntities(entities, await listOmniEntities(dataRoot, dataset)) : undefined;
  const parts = await loadEntityParts(dataRoot, dataset, wanted);
  return {
    protocol: 'per-entity',
    dataset,
    source: dataRoot,
    entities: parts.map((p) => p.entity),
    fold: (entity, fraction = VALIDATION_FRACTION) => perEntityFold(parts, entity, fraction),
    checksums,
  };
}
