import { inspectAlibaba, inspectExathlon, inspectNezha, type DatasetInspection } from '@driftwatch/ingest';

/** Inspectors of the data sets beyond the OmniAnomaly layout, keyed by data set name. */
export const INSPECTORS_BEYOND_OMNI: Record<string, (root: string, positionals: string[]) => Promise<DatasetInspection>> = {
  exathlon: (root) => inspectExathlon(root),
  nezha: (root) => inspectNezha(root),
  // the official tables are large and not shipped: a folder holding them may be named after the data set
  'alibaba-v2018': (root, [dir]) => inspectAlibaba(dir ?? root),
};
