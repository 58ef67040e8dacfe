import { ParameterError } from '@driftwatch/contracts';
import { initBackend } from './backend';
import * as nodeRegistry from './node-registry';
import * as registry from './registry';
import type { ParameterSpec } from './parameters/schema';
import { describeRegistry } from './testing/registry-suite';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('detector registry', () => {
  // the 17 window detectors of docs/divad.md §3–4 and the 5 node detectors of docs/spatiotemporal.md §1–2
  it('lists the 17 window and 5 node detectors once each', () => {
    expect(registry.DETECTOR_IDS).toHaveLength(17);
    expect(registry.NODE_DETECTOR_IDS).toEqual(['st-dda', 'mlp', 'gbdt', 'cnn1d', 'transformer']);
    const ids = registry.DETECTOR_DESCRIPTORS.map((d) => d.id);
    expect(new Set(ids).size).toBe(22);
    expect(ids).toEqual([...registry.DETECTOR_IDS, ...registry.NODE_DETECTOR_IDS]);
    const shallow = ['iforest', 'pca', 'mahalanobis'];
    expect(registry.TFJS_DETECTOR_IDS).toEqual(registry.DETECTOR_IDS.filter((id) => !shallow.includes(id)));
    expect(registry.isDetectorId('toString')).toBe(false);
  });

  it('names unknown ids with the closest known one, and keeps window and node ids apart', () => {
    const misspelt = /^unknown detector 'iforrest' \(did you mean 'iforest'\?\); known: iforest, pca/;
    expect(() => registry.detectorDescriptor('iforrest')).toThrow(misspelt);
    expect(() => registry.createDetector('st-dda')).toThrow(ParameterError);
    expect(() => nodeRegistry.createNodeDetector('iforest')).toThrow(/unknown node detector 'iforest'/);
    expect(registry.detectorDescriptor('gbdt').kind).toBe('node');
  });

  it('fixes what a DIVAD id stands for: its network and variant are not parameters of it', () => {
    const schema = registry.detectorDescriptor('rec-divad-g').schema.parameters as Record<string, ParameterSpec>;
    expect(Object.keys(schema)).not.toContain('variant');
    expect(schema.scoring.default).toBe('aggregated-posterior');
    expect(registry.detectorDescriptor('rec-divad-gm').schema.parameters.scoring.default).toBe('prior');
    const fixed = /^dense-divad-g: unknown parameter 'variant'/;
    expect(() => registry.createDetector('dense-divad-g', { variant: 'GM' })).toThrow(fixed);
  });
});

describeRegistry({ ...registry, ...nodeRegistry });
