// The spatiotemporal section of a report from made-up `driftwatch bench st` lines: a window-length experiment
// (two methods, five window lengths), written to scratch/examples/st-report-example.html under the working
// directory (scratch/ is ignored by git), and its Markdown tables printed.
// Run from the repository root: npm run ts -- packages/report/examples/st-report.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mulberry32 } from '@driftwatch/contracts';
import { htmlReport, markdownReport, type SourcedResult } from '../src';

const out = join('scratch', 'examples', 'st-report-example.html');

const rand = mulberry32(7);
const results: SourcedResult[] = [];
for (const method of ['st-dda-forecast', 'gbdt']) {
  for (const W of [4, 8, 12, 16, 20]) {
    // a made-up trend: recall peaks at W = 12, as the paper reports
    const recall = 0.9 - Math.abs(W - 12) * 0.02 - (method === 'gbdt' ? 0.1 : 0);
    const precision = 0.6 + 0.1 * rand();
    results.push({
      benchmark: 'st',
      experiment: 'window',
      method,
      dataset: 'sim',
      testSequence: 'sim/demo',
      variedParam: 'windowLength',
      variedValue: W,
      smoothing: 0,
      accuracy: 0.95,
      precision,
      recall,
      f1: (2 * precision * recall) / (precision + recall),
      vusPr: 0.5 + 0.1 * rand(),
      peakF1: 0.8,
      aucPr: 0.6,
      threshold: 1,
      trainSeconds: 10,
      scoreSeconds: 1,
      backend: 'wasm',
      seed: 0,
      params: { windowLength: W },
      entities: 32,
      steps: 1500,
      periods: { train: [0, 732], validation: [732, 1024], test: [1024, 1463] },
      cells: { validationPositives: 779, testPositives: 555, test: 14048 },
      labelWindow: null,
      budget: { epochs: 10, windowLength: 12 },
      warnings: [],
      source: 'example',
    });
  }
}
const input = { generatedAt: new Date().toISOString(), results, runs: [], series: [] };
htmlReport(input).then((html) => {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, html);
  process.stdout.write(markdownReport(input).split('\n').slice(0, 30).join('\n') + `\n\nwrote ${out}\n`);
});
