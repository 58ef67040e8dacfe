/**
 * The one table of detectors: every method id with its descriptor (kind, capabilities, citation, parameter
 * schema, per-data-set defaults, test settings, create and load). Ids, capability lists, creation, loading and
 * `driftwatch methods` all derive from it, so a detector is added here once, next to its own file.
 */
import { ParameterError, type Detector } from '@driftwatch/contracts';
import { DENSE_AE_DESCRIPTOR } from './baselines/dense-ae';
import { DENSE_DSVDD_DESCRIPTOR } from './baselines/dense-dsvdd';
import { DENSE_VAE_DESCRIPTOR } from './baselines/dense-vae';
import { ISOLATION_FOREST_DESCRIPTOR } from './baselines/iforest';
import { LSTM_AD_DESCRIPTOR } from './baselines/lstm-ad';
import { MAHALANOBIS_DESCRIPTOR } from './baselines/mahalanobis';
import { MSCRED_DESCRIPTOR } from './baselines/mscred';
import { OMNIANOMALY_DESCRIPTOR } from './baselines/omnianomaly';
import { PCA_DESCRIPTOR } from './baselines/pca';
import { REC_AE_DESCRIPTOR } from './baselines/rec-ae';
import { REC_DSVDD_DESCRIPTOR } from './baselines/rec-dsvdd';
import { REC_VAE_DESCRIPTOR } from './baselines/rec-vae';
import { TRANAD_DESCRIPTOR } from './baselines/tranad';
import {
  DENSE_DIVAD_G_DESCRIPTOR,
  DENSE_DIVAD_GM_DESCRIPTOR,
  REC_DIVAD_G_DESCRIPTOR,
  REC_DIVAD_GM_DESCRIPTOR,
} from './divad/descriptors';
import { ST_DDA_DESCRIPTOR } from './spatiotemporal/descriptor';
import { CNN1D_DESCRIPTOR } from './supervised/cnn1d';
import { GBDT_DESCRIPTOR } from './supervised/gbdt';
import { MLP_DESCRIPTOR } from './supervised/mlp';
import { TRANSFORMER_DESCRIPTOR } from './supervised/transformer';
import type { DetectorDescriptor, DetectorParams, WindowDetectorDescriptor } from './descriptor';
import { readManifest } from './model-dir';
import { closestName, resolveParameters } from './parameters/schema';

/**
 * The 13 baselines and four DIVAD variants of docs/divad.md §3–4 in the paper's order (point methods first), then
 * st-dda and the supervised baselines of docs/spatiotemporal.md §1–2.
 */
const REGISTRY = {
  iforest: ISOLATION_FOREST_DESCRIPTOR,
  pca: PCA_DESCRIPTOR,
  mahalanobis: MAHALANOBIS_DESCRIPTOR,
  'dense-ae': DENSE_AE_DESCRIPTOR,
  'dense-vae': DENSE_VAE_DESCRIPTOR,
  'dense-dsvdd': DENSE_DSVDD_DESCRIPTOR,
  'rec-ae': REC_AE_DESCRIPTOR,
  'rec-vae': REC_VAE_DESCRIPTOR,
  'rec-dsvdd': REC_DSVDD_DESCRIPTOR,
  tranad: TRANAD_DESCRIPTOR,
  mscred: MSCRED_DESCRIPTOR,
  omnianomaly: OMNIANOMALY_DESCRIPTOR,
  'lstm-ad': LSTM_AD_DESCRIPTOR,
  'dense-divad-g': DENSE_DIVAD_G_DESCRIPTOR,
  'dense-divad-gm': DENSE_DIVAD_GM_DESCRIPTOR,
  'rec-divad-g': REC_DIVAD_G_DESCRIPTOR,
  'rec-divad-gm': REC_DIVAD_GM_DESCRIPTOR,
  'st-dda': ST_DDA_DESCRIPTOR,
  mlp: MLP_DESCRIPTOR,
  gbdt: GBDT_DESCRIPTOR,
  cnn1d: CNN1D_DESCRIPTOR,
  transformer: TRANSFORMER_DESCRIPTOR,
} satisfies Record<string, DetectorDescriptor>;

type Registry = typeof REGISTRY;
type IdsOfKind<K extends DetectorDescriptor['kind']> = {
  [I in keyof Registry]: Registry[I]['kind'] extends K ? I : never;
}[keyof Registry];

/** Every registered id, window and node detectors. */
export type RegisteredDetectorId = keyof Registry;
/** Window detectors (`Detector`): the ids `train`, `score` and `bench asd-loso` take. */
export type DetectorId = IdsOfKind<'window'>;
/** Node detectors (`NodeDetector`): the ids `bench st` takes. */
export type NodeDetectorId = IdsOfKind<'node'>;

/** Every descriptor, in the table's order. */
export const DETECTOR_DESCRIPTORS: readonly DetectorDescriptor[] = Object.values(REGISTRY);

const ALL_IDS = Object.keys(REGISTRY) as RegisteredDetectorId[];

export const DETECTOR_IDS = ALL_IDS.filter((id) => REGISTRY[id].kind === 'window') as DetectorId[];

export const NODE_DETECTOR_IDS = ALL_IDS.filter((id) => REGISTRY[id].kind === 'node') as NodeDetectorId[];

/** Window detectors that train and score with tfjs (they need a backend; the others are plain JavaScript). */
export const TFJS_DETECTOR_IDS: readonly DetectorId[] = DETECTOR_IDS.filter((id) => REGISTRY[id].capabilities.tfjs);

function isRegistered(id: string): id is RegisteredDetectorId {
  return Object.prototype.hasOwnProperty.call(REGISTRY, id);
}

export function isDetectorId(id: string): id is DetectorId {
  return isRegistered(id) && REGISTRY[id].kind === 'window';
}

export function isNodeDetectorId(id: string): id is NodeDetectorId {
  return isRegistered(id) && REGISTRY[id].kind === 'node';
}

/** true for any registered detector that trains and scores with tfjs */
export function usesTfjs(id: string): boolean {
  return isRegistered(id) && REGISTRY[id].capabilities.tfjs;
}

/** `unknown <what> 'x' (did you mean 'y'?); known: …` */
export function unknownDetectorError(what: string, id: string, known: readonly string[]): ParameterError {
  const near = closestName(id, known);
  const hint = near ? ` (did you mean '${near}'?)` : '';
  return new ParameterError(`unknown ${what} '${id}'${hint}; known: ${known.join(', ')}`);
}

/** The descriptor of any registered id (window or node); a ParameterError for others. */
export function detectorDescriptor(id: string): DetectorDescriptor {
  if (!isRegistered(id)) throw unknownDetectorError('detector', id, ALL_IDS);
  return REGISTRY[id];
}

/**
 * Checks `params` against the descriptor's schema, so that errors name the registry id (and settings a
 * registry id fixes, like DIVAD's variant, are refused rather than overridden); the constructor then gets
 * the caller's parameters as given.
 */
export function checkedParams(descriptor: DetectorDescriptor, params: DetectorParams): DetectorParams {
  resolveParameters(descriptor.id, descriptor.schema, params);
  return params;
}

/** A fresh, untrained window detector with validated parameters. */
export function createDetector(id: string, params: DetectorParams = {}): Detector {
  if (!isDetectorId(id)) throw unknownDetectorError('detector', id, DETECTOR_IDS);
  const descriptor: WindowDetectorDescriptor = REGISTRY[id];
  return descriptor.create(checkedParams(descriptor, params));
}

/** Loads a model directory written by any window detector's `save`. */
export async function loadDetector(dir: string): Promise<Detector> {
  const manifest = await readManifest(dir, [...DETECTOR_IDS]);
  return (REGISTRY[manifest.detector as DetectorId] as WindowDetectorDescriptor).load(dir);
}
