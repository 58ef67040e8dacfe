/**
 * What the registry knows about a detector: its kind, what it needs, where it comes from, its parameters and
 * their defaults (per data set where the paper's settings differ), and small settings for tests. Each
 * detector's descriptor sits in its own file next to the class; `registry.ts` is one table of them.
 */
import type { Detector, NodeDetector } from '@driftwatch/contracts';
import type { ParameterSchema } from './parameters/schema';

export type DetectorParams = Record<string, unknown>;

export interface DetectorCapabilities {
  /** trains and scores with tfjs: needs a backend */
  tfjs: boolean;
  /** a classifier: `fit` needs labels */
  supervised: boolean;
  /** iterative: the fit options' `epochs` bounds its training */
  epochs: boolean;
}

interface DescriptorFields {
  /** the registry id, also the model directory's `detector` */
  id: string;
  /** one line: what it does */
  summary: string;
  /** the paper (or the design section, for our own methods) it implements */
  citation: string;
  capabilities: DetectorCapabilities;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each detector's schema is typed by its own config
  schema: ParameterSchema<any>;
  /** settings that replace the schema's defaults on a data set (keys: the CLI's --dataset names; 'input': --input) */
  datasetDefaults: Readonly<Record<string, DetectorParams>>;
  /**
   * Small settings with every layer of the full model, for tests and kernel benchmarks: the conformance suite
   * fits them in seconds and they still rank its outliers above its normal data.
   */
  testParams: DetectorParams;
  /** what the conformance suite changes in `testParams`, where its 2-epoch outlier check needs another setting */
  conformanceParams?: DetectorParams;
}

export interface WindowDetectorDescriptor extends DescriptorFields {
  kind: 'window';
  create(params: DetectorParams): Detector;
  load(dir: string): Promise<Detector>;
}

export interface NodeDetectorDescriptor extends DescriptorFields {
  kind: 'node';
  create(params: DetectorParams): NodeDetector;
  load(dir: string): Promise<NodeDetector>;
}

export type DetectorDescriptor = WindowDetectorDescriptor | NodeDetectorDescriptor;

/**
 * W = 20 on ASD for every window method, as every ASD script of the DIVAD paper's code (docs/divad.md §1); SMD (the
 * same kind of server-machine data) takes the ASD settings.
 */
export const OMNI_WINDOW_DEFAULTS: Readonly<Record<string, DetectorParams>> = {
  asd: { windowLength: 20 },
  smd: { windowLength: 20 },
};
