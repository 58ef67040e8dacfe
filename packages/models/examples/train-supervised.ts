/**
 * Train the four supervised baselines of docs/spatiotemporal.md §2 (mlp, gbdt, cnn1d, transformer) on a labelled
 * synthetic cluster, choose each one's threshold where F1 peaks on a validation period, report precision, recall
 * and F1 on a test period at that threshold, then save and reload one model and check its scores.
 * How to run it: packages/models/README.md, "Supervised baselines".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, normalSampler, type NodeSeries } from '@driftwatch/contracts';
import { peakPointwiseF1, pointwiseMetrics } from '@driftwatch/eval';
import { createNodeDetector, describeBackend, initBackend, loadNodeDetector } from '@driftwatch/models';

const N = 8;
const FEATURES = ['cpu', 'memory', 'latency', 'errors'];
const W = 8;

/**
 * N services over T steps: a daily-like cycle per service plus noise, 1 % of values missing. A fault at one
 * service for 6–12 steps raises cpu, makes latency climb step by step and adds errors; those cells are labelled.
 */
function cluster(id: string, T: number, faults: number, seed: number): NodeSeries {
  const uniform = mulberry32(seed);
  const normal = normalSampler(mulberry32(seed + 1));
  const F = FEATURES.length;
  const values = new Float32Array(T * N * F);
  const labels = new Uint8Array(T * N);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      const load = Math.sin((2 * Math.PI * (t + 5 * i)) / 48);
      const row = [
        0.6 * load + 0.2 * normal(),
        0.3 * load + 0.1 * normal() + 0.01 * (t % 48),
        0.4 * load + 0.2 * normal(),
        0.1 * Math.abs(normal()),
      ];
      values.set(row, (t * N + i) * F);
    }
  }
  for (let k = 0; k < faults; k++) {
    const i = Math.floor(uniform() * N);
    const length = 6 + Math.floor(uniform() * 7);
    const start = Math.floor(uniform() * (T - length));
    for (let s = 0; s < length; s++) {
      const cell = (start + s) * N + i;
      labels[cell] = 1;
      values[cell * F] += 1.2;
      values[cell * F + 2] += 0.25 * (s + 1);
      values[cell * F + 3] += 0.5 * uniform();
    }
  }
  for (let k = 0; k < values.length; k++) if (uniform() < 0.01) values[k] = NaN;
  return {
    id,
    entities: Array.from({ length: N }, (_, i) => `service-${i}`),
    features: FEATURES,
    length: T,
    values,
    labels,
  };
}

/** Scores and labels of the cells that have a full window (t ≥ W − 1). */
function scoredCells(series: NodeSeries, scores: Float32Array): { scores: Float32Array; labels: Uint8Array } {
  const from = (W - 1) * N;
  return { scores: scores.subarray(from), labels: series.labels!.subarray(from) };
}

async function main(): Promise<void> {
  console.log(describeBackend(await initBackend('auto')));
  const train = cluster('train', 800, 40, 1);
  const validation = cluster('validation', 300, 15, 2);
  const test = cluster('test', 400, 20, 3);
  const training = { windowLength: W, epochs: 30, patience: 5 };
  const methods: [string, Record<string, unknown>][] = [
    ['mlp', training],
    ['gbdt', { windowLength: W }],
    ['cnn1d', training],
    ['transformer', { ...training, dModel: 16, heads: 2, feedForward: 32 }],
  ];
  console.log('method       fit s  epochs  threshold  precision  recall     F1');
  for (const [id, params] of methods) {
    const det = createNodeDetector(id, params);
    const report = await det.fit(train, { seed: 0, validation });
    const val = scoredCells(validation, await det.scoreNodes(validation));
    const { threshold } = peakPointwiseF1(val.scores, val.labels);
    const cells = scoredCells(test, await det.scoreNodes(test));
    const m = pointwiseMetrics(
      Uint8Array.from(cells.scores, (s) => (s >= threshold ? 1 : 0)),
      cells.labels,
    );
    const row = [
      id.padEnd(11),
      report.seconds.toFixed(1).padStart(6),
      String(report.bestEpoch ?? report.epochs).padStart(7),
      threshold.toFixed(3).padStart(10),
      m.precision.toFixed(3).padStart(10),
      m.recall.toFixed(3).padStart(7),
      m.f1.toFixed(3).padStart(6),
    ];
    console.log(row.join(' '));
    if (id === 'gbdt') {
      const dir = await mkdtemp(join(tmpdir(), 'driftwatch-supervised-'));
      try {
        await det.save(join(dir, 'gbdt'), { trainedOn: { dataset: 'synthetic', sequences: [train.id] } });
        const loaded = await loadNodeDetector(join(dir, 'gbdt'));
        const before = await det.scoreNodes(test);
        const after = await loaded.scoreNodes(test);
        // Object.is: the NaNs before step W − 1 count as equal
        const same = before.every((s, k) => Object.is(s, after[k]));
        console.log(`             saved and loaded: ${same ? 'identical test scores' : 'SCORES DIFFER'}`);
        loaded.dispose();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    det.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
