/**
 * The jest suite every registered detector passes, driven by the registry alone: its descriptor is complete
 * and consistent (defaults, per-data-set defaults and test settings validate; everything is described), the
 * registry refuses bad parameters naming the detector, and the conformance suite of its kind passes with
 * its test settings. A separate module (not a test file) so that a copy of the registry can run it too.
 */
import { ParameterError, type Detector, type NodeDetector, type WindowSet } from '@driftwatch/contracts';
import { describeDetectorConformance } from '@driftwatch/contracts/conformance';
import { describeNodeDetectorConformance } from '@driftwatch/contracts/node-conformance';
import type { DetectorDescriptor, DetectorParams } from '../descriptor';
import { explainWindows } from '../explain';
import { DerivedDefault, meetsAny, resolveParameters, type ParameterSpec } from '../parameters/schema';

/** What the suite needs of a registry (the package's own, or a copy with a new detector in it). */
export interface RegistryUnderTest {
  DETECTOR_DESCRIPTORS: readonly DetectorDescriptor[];
  DETECTOR_IDS: readonly string[];
  NODE_DETECTOR_IDS: readonly string[];
  createDetector(id: string, params?: DetectorParams): Detector;
  loadDetector(dir: string): Promise<Detector>;
  createNodeDetector(id: string, params?: DetectorParams): NodeDetector;
  loadNodeDetector(dir: string): Promise<NodeDetector>;
}

function specsOf(d: DetectorDescriptor): [string, ParameterSpec][] {
  return Object.entries(d.schema.parameters as Record<string, ParameterSpec>);
}

function create(registry: RegistryUnderTest, d: DetectorDescriptor, params: DetectorParams): Detector | NodeDetector {
  return d.kind === 'window' ? registry.createDetector(d.id, params) : registry.createNodeDetector(d.id, params);
}

/** The descriptor checks of one id. */
function describeDescriptor(registry: RegistryUnderTest, d: DetectorDescriptor): void {
  describe(`${d.id} descriptor`, () => {
    it('is listed under its kind, with a summary, a citation and a description of every parameter', () => {
      expect((d.kind === 'window' ? registry.DETECTOR_IDS : registry.NODE_DETECTOR_IDS).includes(d.id)).toBe(true);
      expect((d.kind === 'window' ? registry.NODE_DETECTOR_IDS : registry.DETECTOR_IDS).includes(d.id)).toBe(false);
      expect(d.summary.trim().length).toBeGreaterThan(10);
      expect(d.citation.trim().length).toBeGreaterThan(10);
      const undescribed = specsOf(d).filter(([, s]) => s.description.trim().length < 5 || s.accepts.length === 0);
      expect(undescribed.map(([k]) => k)).toEqual([]);
      // the capabilities agree with each other and with the kind
      if (d.capabilities.tfjs) expect(d.capabilities.epochs).toBe(true);
      if (d.kind === 'window') expect(d.capabilities.supervised).toBe(false);
    });

    it('has defaults that its own constraints accept, and builds a detector of its id from them', () => {
      const rejected = specsOf(d)
        .filter(([, s]) => s.default !== undefined && !(s.default instanceof DerivedDefault))
        .filter(([, s]) => !meetsAny(s.default, s.accepts))
        .map(([k]) => k);
      expect(rejected).toEqual([]);
      const det = create(registry, d, {});
      expect(det.id).toBe(d.id);
      expect(det.windowLength).toBe(resolveParameters(d.id, d.schema, {}).windowLength);
      det.dispose();
    });

    it('has per-data-set defaults and test settings that validate, and only names parameters it has', () => {
      const conformance = { ...d.testParams, ...d.conformanceParams };
      for (const params of [d.testParams, conformance, ...Object.values(d.datasetDefaults)]) {
        const known = specsOf(d).map(([k]) => k);
        expect(Object.keys(params).filter((k) => !known.includes(k))).toEqual([]);
        expect(() => resolveParameters(d.id, d.schema, params)).not.toThrow();
      }
    });

    it('refuses unknown parameters and bad values with a ParameterError naming the detector, key and value', () => {
      const misspelt = `^${d.id}: unknown parameter 'windowLenght' \\(did you mean 'windowLength'\\?\\); known: `;
      expect(() => create(registry, d, { windowLenght: 4 })).toThrow(ParameterError);
      expect(() => create(registry, d, { windowLenght: 4 })).toThrow(new RegExp(misspelt));
      const zero = new RegExp(`^${d.id}: windowLength must be .*integer.*, got 0$`);
      expect(() => create(registry, d, { windowLength: 0 })).toThrow(zero);
      expect(() => create(registry, d, { windowLength: '4' })).toThrow(/got "4"$/);
    });
  });
}

/** Descriptor checks and the conformance suite of its kind, for every descriptor (or those of `ids`). */
export function describeRegistry(registry: RegistryUnderTest, ids?: readonly string[]): void {
  const chosen = registry.DETECTOR_DESCRIPTORS.filter((d) => !ids || ids.includes(d.id));
  for (const d of chosen) {
    describeDescriptor(registry, d);
    const params = { ...d.testParams, ...d.conformanceParams };
    if (d.kind === 'window') {
      const create = () => registry.createDetector(d.id, params);
      // every window detector explains its alarms, by its own decomposition or by occlusion
      const explain = async (det: Detector, windows: WindowSet) => (await explainWindows(det, windows)).attributions;
      describeDetectorConformance(d.id, { create, load: (dir) => registry.loadDetector(dir), explain });
    } else {
      const create = () => registry.createNodeDetector(d.id, params);
      describeNodeDetectorConformance(d.id, { create, load: (dir) => registry.loadNodeDetector(dir) });
    }
  }
}
