/** One place that maps node-detector ids (spatiotemporal.md) to classes: create by id, load any node model directory. */
import type { NodeDetector } from '@driftwatch/contracts';
import { ParameterError } from '@driftwatch/contracts';
import { readManifest } from './model-dir';
import { StDda } from './spatiotemporal';
import { Cnn1d, Gbdt, Mlp, Transformer } from './supervised';

interface NodeEntry {
  create: (params: Record<string, unknown>) => NodeDetector;
  load: (dir: string) => Promise<NodeDetector>;
  /** a classifier: `fit` needs `train.labels` */
  supervised: boolean;
}

/** st-dda (§1), then the supervised baselines of §2 as they are added. */
const NODE_REGISTRY = {
  'st-dda': { create: (p) => new StDda(p), load: (d) => StDda.load(d), supervised: false },
  mlp: { create: (p) => new Mlp(p), load: (d) => Mlp.load(d), supervised: true },
  gbdt: { create: (p) => new Gbdt(p), load: (d) => Gbdt.load(d), supervised: true },
  cnn1d: { create: (p) => new Cnn1d(p), load: (d) => Cnn1d.load(d), supervised: true },
  transformer: { create: (p) => new Transformer(p), load: (d) => Transformer.load(d), supervised: true },
} satisfies Record<string, NodeEntry>;

export type NodeDetectorId = keyof typeof NODE_REGISTRY;

export const NODE_DETECTOR_IDS = Object.keys(NODE_REGISTRY) as NodeDetectorId[];

export function isNodeDetectorId(id: string): id is NodeDetectorId {
  return Object.prototype.hasOwnProperty.call(NODE_REGISTRY, id);
}

/** true for the classifiers, which train on labelled series */
export function isSupervisedNodeDetector(id: string): boolean {
  return isNodeDetectorId(id) && NODE_REGISTRY[id].supervised;
}

/** A fresh, untrained node detector; `params` are validated by its constructor. */
export function createNodeDetector(id: string, params: Record<string, unknown> = {}): NodeDetector {
  if (!isNodeDetectorId(id)) throw new ParameterError(`unknown node detector '${id}'; known: ${NODE_DETECTOR_IDS.join(', ')}`);
  return NODE_REGISTRY[id].create(params);
}

/** Loads a model directory written by any node detector's `save`. */
export async function loadNodeDetector(dir: string): Promise<NodeDetector> {
  const manifest = await readManifest(dir, [...NODE_DETECTOR_IDS]);
  return NODE_REGISTRY[manifest.detector as NodeDetectorId].load(dir);
}
