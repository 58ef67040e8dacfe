/**
 * Train Dense DIVAD-GM for a few epochs on synthetic two-domain data, score normal and anomalous
 * windows with both strategies, save the model directory, load it back and check the scores agree.
 * How to run it: packages/models/README.md, "Example".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, normalSampler, packedWindowSet, type WindowSet } from '@driftwatch/contracts';
import { Divad, describeBackend, initBackend } from '@driftwatch/models';

const W = 5;
const D = 8;

/** windows of W records × D features; domain 'fast' has a higher level and stronger coupling than 'slow' */
function windows(count: number, seed: number, anomalous = false): WindowSet {
  const normal = normalSampler(mulberry32(seed));
  const values = new Float32Array(count * W * D);
  const domain = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    domain[i] = i % 2;
    const level = domain[i] === 0 ? 0 : 1.5;
    for (let t = 0; t < W; t++) {
      const load = normal();
      for (let j = 0; j < D; j++) {
        // normal: every feature follows the shared load; an anomaly breaks that coupling on half the features
        const coupled = anomalous && j >= D / 2 ? -load : load;
        values[(i * W + t) * D + j] = level + (domain[i] === 0 ? 0.8 : 1.2) * coupled + 0.2 * normal();
      }
    }
  }
  return packedWindowSet(values, W, D, domain, ['slow', 'fast']);
}

async function main(): Promise<void> {
  const backend = await initBackend('auto');
  console.log(describeBackend(backend));

  const train = windows(4000, 1);
  const validation = windows(800, 2);
  const detector = new Divad({
    variant: 'GM',
    windowLength: W,
    hidden: 64,
    latentDim: 8,
    components: 4,
    priorHidden: 16,
    epochs: 8,
    alpha: 100,
  });
  const report = await detector.fit(train, {
    seed: 0,
    validation,
    onProgress: (p) =>
      p.valLoss !== undefined &&
      console.log(
        `epoch ${p.epoch}/${p.epochs}: train loss ${p.trainLoss?.toFixed(2)}, validation loss ${p.valLoss.toFixed(2)}`,
      ),
  });
  console.log(
    `trained ${report.epochs} epochs in ${report.seconds.toFixed(1)} s, best validation ` +
      `loss ${report.bestValLoss?.toFixed(2)} (epoch ${report.bestEpoch})`,
  );

  const normalTest = windows(200, 3);
  const anomalyTest = windows(200, 4, true);
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  for (const strategy of ['prior', 'aggregated-posterior'] as const) {
    const n = await detector.scoreWindowsWith(normalTest, strategy);
    const a = await detector.scoreWindowsWith(anomalyTest, strategy);
    console.log(
      `${strategy}: mean score ${mean(n).toFixed(2)} on normal windows, ${mean(a).toFixed(2)} on anomalous ones`,
    );
  }

  const dir = await mkdtemp(join(tmpdir(), 'driftwatch-example-'));
  try {
    const modelDir = join(dir, 'dense-divad-gm');
    await detector.save(modelDir, { featureNames: Array.from({ length: D }, (_, j) => `metric_${j}`) });
    const loaded = await Divad.load(modelDir);
    const before = await detector.scoreWindows(anomalyTest);
    const after = await loaded.scoreWindows(anomalyTest);
    const same = before.every((v, i) => v === after[i]);
    console.log(`saved to ${modelDir} and loaded back: scores ${same ? 'identical' : 'DIFFERENT'}`);
    loaded.dispose();
    if (!same) process.exitCode = 1;
  } finally {
    detector.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
