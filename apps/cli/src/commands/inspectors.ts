import {
  inspectAlibaba,
  inspectExathlon,
  inspectNezha,
  type DatasetInspection,
  type ExathlonProgress,
} from '@driftwatch/ingest';
import { progressBar } from '../progress';

/** Inspectors of the data sets beyond the OmniAnomaly layout, keyed by data set name. */
export const INSPECTORS_BEYOND_OMNI: Record<
  string,
  (root: string, positionals: string[]) => Promise<DatasetInspection>
> = {
  exathlon: async (root) => {
    // traces are tens of MB each (gzip): show how far reading has come, trace by trace
    const bar = progressBar('read traces', 1);
    const report = await inspectExathlon(root, {
      onProgress: (p: ExathlonProgress) => {
        bar.setTotal(p.of);
        const within = p.totalBytes ? Math.min(1, (p.bytesRead ?? 0) / p.totalBytes) : 0;
        bar.update(p.index - 1 + (p.stage === 'read' ? within : 1), `${p.trace} ${p.stage}`);
      },
    });
    bar.done();
    return report;
  },
  nezha: (root) => inspectNezha(root),
  // the official tables are large and not shipped: a folder holding them may be named after the data set
  'alibaba-v2018': (root, [dir]) => inspectAlibaba(dir ?? root),
};
