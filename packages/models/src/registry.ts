/** One place that maps method ids to detector classes: create by id, load any model directory. */
import type { Detector } from '@driftwatch/contracts';
import { ParameterError } from '@driftwatch/contracts';
import { Divad } from './divad';
import { DenseAe, DenseVae, IsolationForest, LstmAd, Mahalanobis, Pca } from './baselines';
import { readManifest } from './model-dir';

export const DETECTOR_IDS = ['iforest', 'pca', 'mahalanobis', 'dense-ae', 'dense-vae', 'dense-divad-g', 'dense-divad-gm', 'rec-divad-g', 'rec-divad-gm', 'lstm-ad'] as const;

/** Detectors that train and score with tfjs (they need a backend; the others are plain JavaScript). */
export const TFJS_DETECTOR_IDS: readonly DetectorId[] = DETECTOR_IDS.filter((id) => !['iforest', 'pca', 'mahalanobis'].includes(id));

export function usesTfjs(id: string): boolean {
  return (TFJS_DETECTOR_IDS as readonly string[]).includes(id);
}
export type DetectorId = (typeof DETECTOR_IDS)[number];

export function isDetectorId(id: string): id is DetectorId {
  return (DETECTOR_IDS as readonly string[]).includes(id);
}

/** A fresh, untrained detector; `params` are validated by the detector's constructor. */
export function createDetector(id: string, params: Record<string, unknown> = {}): Detector {
  switch (id) {
    case 'iforest':
      return new IsolationForest(params);
    case 'pca':
      return new Pca(params);
    case 'mahalanobis':
      return new Mahalanobis(params);
    case 'dense-ae':
      return new DenseAe(params);
    case 'dense-vae':
      return new DenseVae(params);
    case 'dense-divad-g':
      return new Divad({ ...params, network: 'dense', variant: 'G' });
    case 'dense-divad-gm':
      return new Divad({ ...params, network: 'dense', variant: 'GM' });
    case 'rec-divad-g':
      return new Divad({ ...params, network: 'rec', variant: 'G' });
    case 'rec-divad-gm':
      return new Divad({ ...params, network: 'rec', variant: 'GM' });
    case 'lstm-ad':
      return new LstmAd(params);
    default:
      throw new ParameterError(`unknown detector '${id}'; known: ${DETECTOR_IDS.join(', ')}`);
  }
}

/** Loads a model directory written by any detector's `save`. */
export async function loadDetector(dir: string): Promise<Detector> {
  const manifest = await readManifest(dir, [...DETECTOR_IDS]);
  switch (manifest.detector as DetectorId) {
    case 'iforest':
      return IsolationForest.load(dir);
    case 'pca':
      return Pca.load(dir);
    case 'mahalanobis':
      return Mahalanobis.load(dir);
    case 'dense-ae':
      return DenseAe.load(dir);
    case 'dense-vae':
      return DenseVae.load(dir);
    case 'dense-divad-g':
    case 'dense-divad-gm':
    case 'rec-divad-g':
    case 'rec-divad-gm':
      return Divad.load(dir);
    case 'lstm-ad':
      return LstmAd.load(dir);
  }
}
