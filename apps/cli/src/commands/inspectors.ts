import { inspectExathlon, inspectNezha, type DatasetInspection } from '@driftwatch/ingest';

/** Inspectors of the data sets beyond the OmniAnomaly layout, keyed by data set name. */
export const INSPECTORS_BEYOND_OMNI: Record<string, (root: string, positionals: string[]) => Promise<DatasetInspection>> = {
  exathlon: (root) => inspectExathlon(root),
  nezha: (root) => inspectNezha(root),
};
