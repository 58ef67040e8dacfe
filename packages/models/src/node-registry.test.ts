import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, ParameterError } from '@driftwatch/contracts';
import { nodeConformanceData, withoutLabels } from '@driftwatch/contracts/node-conformance';
import { initBackend } from './backend';
import { writeModelDir } from './model-dir';
import {
  NODE_DETECTOR_IDS,
  createNodeDetector,
  isNodeDetectorId,
  isSupervisedNodeDetector,
  loadNodeDetector,
} from './node-registry';
import { StDda } from './spatiotemporal';

describe('node-detector registry', () => {
  it('creates st-dda by id with validated parameters, and knows it is unsupervised', () => {
    expect(NODE_DETECTOR_IDS).toContain('st-dda');
    expect(isNodeDetectorId('st-dda')).toBe(true);
    expect(isNodeDetectorId('toString')).toBe(false);
    const det = createNodeDetector('st-dda', { windowLength: 8 });
    expect(det).toBeInstanceOf(StDda);
    expect([det.id, det.windowLength, det.supervised]).toEqual(['st-dda', 8, false]);
    expect(isSupervisedNodeDetector('st-dda')).toBe(false);
    expect(() => createNodeDetector('gnn')).toThrow(/unknown node detector 'gnn'; known: .*st-dda/);
    expect(() => createNodeDetector('st-dda', { windowLenght: 8 })).toThrow(ParameterError);
  });

  it('loads a saved st-dda directory by its manifest, and refuses a window detector’s', async () => {
    await initBackend('wasm');
    const { train, test } = nodeConformanceData({ length: 60 });
    const det = createNodeDetector('st-dda', {
      windowLength: 4,
      embeddingDim: 4,
      encoderHidden: 4,
      decoderHidden: 4,
      epochs: 1,
    });
    await det.fit(withoutLabels(train), { seed: 1 });
    const dir = await mkdtemp(join(tmpdir(), 'driftwatch-node-registry-'));
    try {
      await det.save(join(dir, 'model'));
      const loaded = await loadNodeDetector(join(dir, 'model'));
      expect(loaded).toBeInstanceOf(StDda);
      expect(Array.from(await loaded.scoreNodes(test))).toEqual(Array.from(await det.scoreNodes(test)));
      loaded.dispose();
      await writeModelDir(
        join(dir, 'window'),
        {
          format: 2,
          detector: 'iforest',
          config: {},
          featureCount: 3,
          windowLength: 1,
          domains: [],
          backend: 'js',
          versions: {},
          seed: 0,
          createdAt: '',
          metrics: {},
          files: [],
        },
        {},
      );
      await expect(loadNodeDetector(join(dir, 'window'))).rejects.toThrow(InputError);
    } finally {
      det.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
