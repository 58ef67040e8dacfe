/**
 * The method ids of @driftwatch/models' registry (DETECTOR_IDS), in its order. The command definitions name them in
 * `--help` and are loaded at start-up, where importing the models package would load tfjs;
 * test/definitions.test.ts keeps this list equal to the registry's.
 */
export const METHOD_ID_LIST = [
  'iforest',
  'pca',
  'mahalanobis',
  'dense-ae',
  'dense-vae',
  'dense-dsvdd',
  'rec-ae',
  'rec-vae',
  'rec-dsvdd',
  'tranad',
  'mscred',
  'omnianomaly',
  'lstm-ad',
  'dense-divad-g',
  'dense-divad-gm',
  'rec-divad-g',
  'rec-divad-gm',
] as const;
