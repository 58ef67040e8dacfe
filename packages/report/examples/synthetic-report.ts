// A report from made-up benchmark output: two methods, three servers, a smoothing grid, written to
// scratch/examples/report-example.html under the working directory (scratch/ is ignored by git; open the page in
// any browser, it needs no network).
// Run from the repository root: npm run ts -- packages/report/examples/synthetic-report.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mulberry32 } from '@driftwatch/contracts';
import { evaluateOverSmoothing, recordScores } from '@driftwatch/eval';
import { htmlReport, markdownReport, type ReportInput, type ScoreSeries, type SourcedResult } from '../src';

const out = join('scratch', 'examples', 'report-example.html');

const W = 10;
const T = 3000;
const rand = mulberry32(42);
const results: SourcedResult[] = [];
const series: ScoreSeries[] = [];
for (const [m, method] of ['detector-a', 'detector-b'].entries()) {
  for (const server of ['srv-1', 'srv-2', 'srv-3']) {
    const testSequence = `demo/${server}`;
    // four anomaly runs; detector-b separates them better than detector-a
    const labels = new Uint8Array(T);
    for (const start of [500, 1200, 1900, 2600]) labels.fill(1, start, start + 40 + Math.floor(rand() * 60));
    const windowScores = Float64Array.from(
      { length: T - W + 1 },
      (_, i) => rand() + (labels[i + W - 1] ? (0.5 + m) * rand() : 0),
    );
    const calibration = [
      Float64Array.from({ length: 800 }, () => rand()),
      Float64Array.from({ length: 800 }, () => rand()),
    ];
    series.push({
      method,
      dataset: 'demo',
      testSequence,
      windowLength: W,
      testScores: recordScores(windowScores, W, 0),
      labels,
      calibration,
    });
    for (const { smoothing, result: r, deployed } of evaluateOverSmoothing(windowScores, labels, W, { calibration })) {
      results.push({
        method,
        dataset: 'demo',
        testSequence,
        smoothing,
        peakF1: r.peakF1,
        precision: r.precision,
        recall: r.recall,
        threshold: r.threshold,
        aucPr: r.aucPr,
        deployed,
        trainSeconds: 0,
        scoreSeconds: 0,
        backend: 'js',
        seed: 42,
        params: { windowLength: W },
        source: 'example',
      });
    }
  }
}

const input: ReportInput = {
  title: 'driftwatch report example',
  generatedAt: new Date().toISOString(),
  results,
  series,
  runs: [],
};
htmlReport(input).then((html) => {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, html);
  console.log(`${out}: ${(html.length / 1024).toFixed(0)} KiB`);
  console.log(markdownReport(input).split('\n').slice(0, 24).join('\n'));
});
