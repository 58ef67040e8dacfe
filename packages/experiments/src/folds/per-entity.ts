/**
 * The per-entity protocol (SMD's standard one, OmniAnomaly layout): each entity is trained on its own train part
 * and scored on its own test part. The last 15% of the train part is validation, the scaler is fitted on the rest,
 * and windows holding a label are dropped from training only when the train part carries labels (SMD's does not:
 * it is taken as normal).
 */
import { ParameterError, type Sequence } from '@driftwatch/contracts';
import { readOmniAnomaly } from '@driftwatch/ingest';
import { prepareTrainingData, VALIDATION_FRACTION, type OmniDataset } from './omni-protocol';
import type { ProtocolFold } from './leave-one-out';

export interface EntityParts {
  entity: string;
  /** the part the entity is trained on */
  train: Sequence;
  /** the labelled part it is scored on */
  test: Sequence;
}

/** Test sequence id of an entity's test part: the path of its file in the layout, `<dataset>/test/<entity>`. */
export function perEntityTestId(dataset: string, entity: string): string {
  return `${dataset}/test/${entity}`;
}

/** Train and test part per entity, test ids as `perEntityTestId`, in natural entity order. */
export async function loadEntityParts(root: string, dataset: OmniDataset, entities?: string[]): Promise<EntityParts[]> {
  const parts = await readOmniAnomaly(root, dataset, entities ? { entities } : undefined);
  return parts.map(({ entity, train, test }) => ({
    entity,
    train: { ...train, entity, domain: entity },
    test: { ...test, id: perEntityTestId(dataset, entity), entity, domain: entity },
  }));
}

/** The fold of one entity: its train part split in time and standardised on itself; its test part to score. */
export function perEntityFold(
  parts: readonly EntityParts[],
  entity: string,
  validationFraction = VALIDATION_FRACTION,
): ProtocolFold {
  const mine = parts.find((p) => p.entity === entity);
  if (!mine) {
    const entities = parts.map((p) => p.entity).join(', ');
    throw new ParameterError(`no entity '${entity}' to train and test on; entities: ${entities}`);
  }
  if (mine.train.length === 0) throw new ParameterError(`entity '${entity}' has an empty train part`);
  return { test: mine.test, data: prepareTrainingData([mine.train], validationFraction) };
}
