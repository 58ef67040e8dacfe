/** A Mahalanobis model trained with `train --input` on synthetic metrics, shared by the tests of a file. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trainOnInput } from '@driftwatch/experiments';
import { prometheusMatrix, syntheticMetrics } from './synthetic';

export const TRAIN_ENTITIES = ['node-a:9100', 'node-b:9100'];

/** Trains into dir/model on 2 entities × 600 records; returns the model directory. */
export async function trainSyntheticModel(dir: string, params: Record<string, unknown> = { windowLength: 5 }) {
  const input = join(dir, 'train.json');
  await writeFile(input, prometheusMatrix(syntheticMetrics(TRAIN_ENTITIES, 600, 1)));
  const out = join(dir, 'model');
  await trainOnInput({
    inputs: [input],
    mapping: {},
    domain: 'none',
    range: { kind: 'all' },
    counters: 'auto',
    selector: 'pot-1e-3',
    scorePosition: 'last',
    method: 'mahalanobis',
    params,
    seed: 0,
    out,
  });
  return out;
}
