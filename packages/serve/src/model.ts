/** A model directory trained with `driftwatch train --input`, with the parts live scoring needs. */
import type { Calibration, Detector, FeaturePlan, ModelManifest, Standardisation } from '@driftwatch/contracts';
import { ownDataManifest } from '@driftwatch/experiments';
import { loadDetector, readManifest } from '@driftwatch/models';

export interface ServeModel {
  dir: string;
  manifest: ModelManifest;
  detector: Detector;
  plan: FeaturePlan;
  calibration: Calibration;
  standardisation: Standardisation;
}

/** Reads the manifest (a model without a feature plan and calibration is refused, naming how to make one). */
export async function loadServeModel(dir: string): Promise<ServeModel> {
  const manifest = await readManifest(dir);
  const { featurePlan: plan, calibration, standardisation } = ownDataManifest(manifest, dir);
  const detector = await loadDetector(dir);
  return { dir, manifest, detector, plan, calibration, standardisation };
}

/** Records of warm-up before the first window: W, plus one when counters are differenced (no first difference). */
export function warmupRecords(model: Pick<ServeModel, 'detector' | 'plan'>): number {
  return model.detector.windowLength + (model.plan.difference.length > 0 ? 1 : 0);
}
