/**
 * Node detectors (docs/spatiotemporal.md) from the registry's one table: create by id, load any node model directory.
 */
import type { NodeDetector } from '@driftwatch/contracts';
import type { NodeDetectorDescriptor } from './descriptor';
import { readManifest } from './model-dir';
import {
  NODE_DETECTOR_IDS,
  checkedParams,
  detectorDescriptor,
  isNodeDetectorId,
  unknownDetectorError,
  type NodeDetectorId,
} from './registry';

export { NODE_DETECTOR_IDS, isNodeDetectorId, type NodeDetectorId };

function nodeDescriptor(id: NodeDetectorId): NodeDetectorDescriptor {
  return detectorDescriptor(id) as NodeDetectorDescriptor;
}

/** true for the classifiers, which train on labelled series */
export function isSupervisedNodeDetector(id: string): boolean {
  return isNodeDetectorId(id) && nodeDescriptor(id).capabilities.supervised;
}

/** A fresh, untrained node detector with validated parameters. */
export function createNodeDetector(id: string, params: Record<string, unknown> = {}): NodeDetector {
  if (!isNodeDetectorId(id)) throw unknownDetectorError('node detector', id, NODE_DETECTOR_IDS);
  const descriptor = nodeDescriptor(id);
  return descriptor.create(checkedParams(descriptor, params));
}

/** Loads a model directory written by any node detector's `save`. */
export async function loadNodeDetector(dir: string): Promise<NodeDetector> {
  const manifest = await readManifest(dir, [...NODE_DETECTOR_IDS]);
  return nodeDescriptor(manifest.detector as NodeDetectorId).load(dir);
}
