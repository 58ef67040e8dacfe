/** One place that maps method ids to detector classes: create by id, load any model directory. */
import type { Detector } from '@driftwatch/contracts';
import { ParameterError } from '@driftwatch/contracts';
import { Divad } from './divad';
import { DenseAe, DenseDsvdd, DenseVae, IsolationForest, LstmAd, Mahalanobis, Mscred, OmniAnomaly, Pca, RecAe, RecDsvdd, RecVae, TranAd } from './baselines';
import { readManifest } from './model-dir';

interface Entry {
  create: (params: Record<string, unknown>) => Detector;
  load: (dir: string) => Promise<Detector>;
  /** trains and scores with tfjs (needs a backend, takes epochs and a learning rate) */
  tfjs: boolean;
}

/** The 13 baselines and four DIVAD variants of divad.md §3–4, in the paper's order (point methods first). */
const REGISTRY = {
  iforest: { create: (p) => new IsolationForest(p), load: (d) => IsolationForest.load(d), tfjs: false },
  pca: { create: (p) => new Pca(p), load: (d) => Pca.load(d), tfjs: false },
  mahalanobis: { create: (p) => new Mahalanobis(p), load: (d) => Mahalanobis.load(d), tfjs: false },
  'dense-ae': { create: (p) => new DenseAe(p), load: (d) => DenseAe.load(d), tfjs: true },
  'dense-vae': { create: (p) => new DenseVae(p), load: (d) => DenseVae.load(d), tfjs: true },
  'dense-dsvdd': { create: (p) => new DenseDsvdd(p), load: (d) => DenseDsvdd.load(d), tfjs: true },
  'rec-ae': { create: (p) => new RecAe(p), load: (d) => RecAe.load(d), tfjs: true },
  'rec-vae': { create: (p) => new RecVae(p), load: (d) => RecVae.load(d), tfjs: true },
  'rec-dsvdd': { create: (p) => new RecDsvdd(p), load: (d) => RecDsvdd.load(d), tfjs: true },
  tranad: { create: (p) => new TranAd(p), load: (d) => TranAd.load(d), tfjs: true },
  mscred: { create: (p) => new Mscred(p), load: (d) => Mscred.load(d), tfjs: true },
  omnianomaly: { create: (p) => new OmniAnomaly(p), load: (d) => OmniAnomaly.load(d), tfjs: true },
  'lstm-ad': { create: (p) => new LstmAd(p), load: (d) => LstmAd.load(d), tfjs: true },
  'dense-divad-g': { create: (p) => new Divad({ ...p, network: 'dense', variant: 'G' }), load: (d) => Divad.load(d), tfjs: true },
  'dense-divad-gm': { create: (p) => new Divad({ ...p, network: 'dense', variant: 'GM' }), load: (d) => Divad.load(d), tfjs: true },
  'rec-divad-g': { create: (p) => new Divad({ ...p, network: 'rec', variant: 'G' }), load: (d) => Divad.load(d), tfjs: true },
  'rec-divad-gm': { create: (p) => new Divad({ ...p, network: 'rec', variant: 'GM' }), load: (d) => Divad.load(d), tfjs: true },
} satisfies Record<string, Entry>;

export type DetectorId = keyof typeof REGISTRY;

export const DETECTOR_IDS = Object.keys(REGISTRY) as DetectorId[];

/** Detectors that train and score with tfjs (they need a backend; the others are plain JavaScript). */
export const TFJS_DETECTOR_IDS: readonly DetectorId[] = DETECTOR_IDS.filter((id) => REGISTRY[id].tfjs);

export function usesTfjs(id: string): boolean {
  return isDetectorId(id) && REGISTRY[id].tfjs;
}

export function isDetectorId(id: string): id is DetectorId {
  return Object.prototype.hasOwnProperty.call(REGISTRY, id);
}

/** A fresh, untrained detector; `params` are validated by the detector's constructor. */
export function createDetector(id: string, params: Record<string, unknown> = {}): Detector {
  if (!isDetectorId(id)) throw new ParameterError(`unknown detector '${id}'; known: ${DETECTOR_IDS.join(', ')}`);
  return REGISTRY[id].create(params);
}

/** Loads a model directory written by any detector's `save`. */
export async function loadDetector(dir: string): Promise<Detector> {
  const manifest = await readManifest(dir, [...DETECTOR_IDS]);
  return REGISTRY[manifest.detector as DetectorId].load(dir);
}
