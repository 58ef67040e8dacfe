import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeDetector, isSupervisedNodeDetector, loadNodeDetector, NODE_DETECTOR_IDS } from '../node-registry';
import { Cnn1d } from './cnn1d';
import { Gbdt } from './gbdt';
import { Mlp } from './mlp';
import { labelledCluster } from './test-helpers';
import { Transformer } from './transformer';

describe('the supervised baselines in the node registry', () => {
  it.each([
    ['mlp', Mlp],
    ['gbdt', Gbdt],
    ['cnn1d', Cnn1d],
    ['transformer', Transformer],
  ] as const)('%s: created by id with its parameters validated, marked supervised', (id, cls) => {
    expect(NODE_DETECTOR_IDS).toContain(id);
    expect(isSupervisedNodeDetector(id)).toBe(true);
    const det = createNodeDetector(id, { windowLength: 5 });
    expect(det).toBeInstanceOf(cls);
    expect([det.id, det.supervised, det.windowLength]).toEqual([id, true, 5]);
    expect(() => createNodeDetector(id, { windowLength: 0 })).toThrow(/windowLength/);
    det.dispose();
  });

  it('loads a saved model directory by its manifest', async () => {
    const det = new Gbdt({ windowLength: 3, rounds: 3 });
    const series = labelledCluster(61, { steps: 40, anomalies: 3 });
    await det.fit(series, { seed: 0 });
    const dir = await mkdtemp(join(tmpdir(), 'driftwatch-node-registry-'));
    try {
      await det.save(join(dir, 'model'));
      const loaded = await loadNodeDetector(join(dir, 'model'));
      expect(loaded).toBeInstanceOf(Gbdt);
      expect(Array.from(await loaded.scoreNodes(series))).toEqual(Array.from(await det.scoreNodes(series)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
