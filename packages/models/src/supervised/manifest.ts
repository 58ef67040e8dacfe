import { join } from 'node:path';
import { InputError, type ManifestContext, type ModelManifest } from '@driftwatch/contracts';
import { modelManifest } from '../model-dir';

/** What a supervised baseline records about itself in `manifest.json`. */
export interface SupervisedModelFacts {
  detector: string;
  config: Record<string, unknown>;
  /** the training series' metric names, in order: scoring checks a series against them */
  features: readonly string[];
  windowLength: number;
  seed: number;
  metrics: { bestValLoss?: number; epochs?: number };
  backend: string;
  versions: Record<string, string>;
}

/** The manifest of a supervised baseline; its own `featureNames` win over the caller's context. */
export function supervisedManifest(facts: SupervisedModelFacts, context: ManifestContext = {}): ModelManifest {
  const { features, ...rest } = facts;
  return modelManifest({ ...rest, featureNames: [...features], featureCount: features.length, domains: [] }, context);
}

/**
 * The training metric names of a loaded manifest; an InputError naming manifest.json when they are missing or
 * inconsistent.
 */
export function manifestFeatureNames(manifest: ModelManifest, dir: string): string[] {
  const names = manifest.featureNames;
  if (
    !Array.isArray(names) ||
    names.length === 0 ||
    names.length !== manifest.featureCount ||
    names.some((f) => typeof f !== 'string')
  ) {
    throw new InputError({ file: join(dir, 'manifest.json') }, `featureNames: ${manifest.featureCount} metric names`);
  }
  return [...names];
}
