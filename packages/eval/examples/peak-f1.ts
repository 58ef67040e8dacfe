// Window scores → record scores (EWMA for each β of the grid) → peak F1, as the benchmarks do.
// Run from the repository root: npm run ts -- packages/eval/examples/peak-f1.ts
import { mulberry32, normalSampler } from '@driftwatch/contracts';
import { SMOOTHING_GRID, evaluateRun, peakF1, recordScores } from '../src';

// The worked example of docs/divad.md §2: W = 3 ⇒ delayed window 2, label 7 ignored.
const L = -Number.MAX_VALUE;
const worked = peakF1(
  [{ scores: [L, L, 0.55, 0.9, 0.6, 0.7, 0.3, 0.1, 0.8, 0.5, 0.4, 0.2], labels: [0, 0, 0, 1, 1, 0, 0, 0, 7, 2, 0, 0] }],
  { delayedWindow: 2, ignoredLabels: [7] },
);
console.log(
  `worked example: peak F1 ${worked.peakF1.toFixed(3)} at τ = ${worked.threshold} (P ${worked.precision}, ` +
    `R̄ ${worked.recall})`,
);

// A synthetic test sequence of 5000 records with two event types and a noisy window scorer (W = 20).
const W = 20;
const T = 5000;
const labels = new Uint8Array(T);
for (const [start, end, type] of [
  [800, 900, 1],
  [2100, 2160, 2],
  [3500, 3700, 1],
  [4400, 4430, 2],
])
  labels.fill(type, start, end);
const normal = normalSampler(mulberry32(3));
// one score per window ending at t = W−1..T−1; anomalies raise the mean a little, noise hides most of it
const windowScores = Float32Array.from({ length: T - W + 1 }, (_, i) => normal() + (labels[i + W - 1] > 0 ? 1 : 0));

const names = { 1: 'bursty_input', 2: 'cpu_contention' };
console.log('\n    β   peak F1  precision  recall   AUC-PR  recall per event');
let best: ReturnType<typeof peakF1> | undefined;
let bestBeta = 0;
for (const beta of SMOOTHING_GRID) {
  const scores = recordScores(windowScores, W, beta);
  const r = peakF1([{ scores, labels }], { delayedWindow: W - 1, eventNames: names });
  if (!best || r.peakF1 > best.peakF1) [best, bestBeta] = [r, beta];
  const perEvent = Object.entries(r.recallByEvent)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
  console.log(
    `${beta.toFixed(5)}  ${r.peakF1.toFixed(3)}    ${r.precision.toFixed(3)}    ${r.recall.toFixed(3)}   ` +
      `${r.aucPr.toFixed(3)}   ${perEvent}`,
  );
}
console.log('\nbest run as an EvaluationResult:');
console.log(JSON.stringify(evaluateRun('example-scorer', 'synthetic', 'synthetic/0', bestBeta, best!), null, 2));
