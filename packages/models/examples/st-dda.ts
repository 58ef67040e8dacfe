// st-dda on a small simulated call tree: one service stops following its caller for 40 steps (its values stay in
// the normal range) and another one's CPU shifts. Prints per-node scores during each anomaly, λ, the learned
// dependencies of the decoupled node, and checks that a saved model scores the same after loading.
//
//   npm run ts -- packages/models/examples/st-dda.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, normalSampler, type NodeSeries } from '@driftwatch/contracts';
import { StDda, describeBackend, initBackend, systemScores } from '@driftwatch/models';

/** callers: service i is called by PARENT[i] (service 0 takes the outside load) */
const PARENT = [-1, 0, 0, 1, 1, 2, 2, 3];
const N = PARENT.length;
const ANOMALY = { from: 150, to: 190 };

/**
 * load: a cycle plus AR(1) bursts at the root, each callee its caller's load one step later; cpu = load, latency =
 * load²/2
 */
function cluster(T: number, seed: number, anomaly?: { kind: 'decouple' | 'cpu-shift'; node: number }): NodeSeries {
  const normal = normalSampler(mulberry32(seed));
  const load = Array.from({ length: N }, () => new Float64Array(T));
  let burst = 0;
  let ownBurst = 0;
  for (let t = 0; t < T; t++) {
    burst = 0.8 * burst + 0.3 * normal();
    ownBurst = 0.8 * ownBurst + 0.3 * normal();
    const cycle = 1 + 0.4 * Math.sin((2 * Math.PI * t) / 24);
    load[0][t] = cycle + burst;
    for (let i = 1; i < N; i++) load[i][t] = load[PARENT[i]][Math.max(0, t - 1)] + 0.05 * normal();
    if (anomaly?.kind === 'decouple' && t >= ANOMALY.from && t < ANOMALY.to) load[anomaly.node][t] = cycle + ownBurst;
  }
  const values = new Float32Array(T * N * 2);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      const shifted = anomaly?.kind === 'cpu-shift' && i === anomaly.node && t >= ANOMALY.from && t < ANOMALY.to;
      values[(t * N + i) * 2] = load[i][t] + 0.05 * normal() + (shifted ? 1.5 : 0);
      values[(t * N + i) * 2 + 1] = 0.5 * load[i][t] ** 2 + 0.05 * normal();
    }
  }
  const entities = PARENT.map((_, i) => `svc-${i}`);
  const edges = PARENT.slice(1).map((caller, k) => ({ src: caller, dst: k + 1, kind: 'call' as const, weight: 1 }));
  return {
    id: `example/${seed}`,
    entities,
    features: ['cpu', 'latency'],
    length: T,
    values,
    graphs: [{ t: 0, nodes: entities, edges }],
  };
}

/** mean of each node's score over the anomaly */
function duringAnomaly(scores: Float32Array): string {
  return PARENT.map((_, i) => {
    let sum = 0;
    for (let t = ANOMALY.from; t < ANOMALY.to; t++) sum += scores[t * N + i];
    return (sum / (ANOMALY.to - ANOMALY.from)).toFixed(2);
  }).join('  ');
}

async function main(): Promise<void> {
  console.log(describeBackend(await initBackend()));
  const det = new StDda({
    windowLength: 8,
    embeddingDim: 16,
    encoderHidden: 32,
    decoderHidden: 32,
    graph: 'static',
    learningRate: 3e-3,
    epochs: 10,
  });
  const report = await det.fit(cluster(400, 1), { seed: 1, validation: cluster(200, 2) });
  console.log(
    `trained ${report.epochs} epochs in ${report.seconds.toFixed(1)} s; validation ` +
      `loss ${report.valLoss!.map((v) => v.toFixed(3)).join(' ')}`,
  );

  const decoupled = cluster(300, 3, { kind: 'decouple', node: 4 });
  console.log(
    `svc-4 decoupled from svc-1; forecast score per ` +
      `node:  ${duringAnomaly(await det.scoreNodesWith(decoupled, { score: 'forecast' }))}`,
  );
  const shifted = cluster(300, 3, { kind: 'cpu-shift', node: 6 });
  const latent = await det.scoreNodes(shifted);
  console.log(`svc-6 cpu +1.5; latent score per node:                 ${duringAnomaly(latent)}`);
  const system = systemScores(latent, N);
  console.log(
    `system score (max over nodes) at steps 140, 170, ` +
      `250:  ${[140, 170, 250].map((t) => system[t].toFixed(2)).join('  ')}`,
  );

  const dep = await det.dependencies(decoupled, 170);
  const row = Array.from(dep.learned.subarray(4 * N, 5 * N)).map((v) => v.toFixed(2));
  console.log(`λ = ${dep.lambda.toFixed(3)}; learned dependencies of svc-4 at step 170: ${row.join(' ')}`);

  const dir = await mkdtemp(join(tmpdir(), 'st-dda-example-'));
  try {
    await det.save(join(dir, 'model'));
    const loaded = await StDda.load(join(dir, 'model'));
    const again = await loaded.scoreNodes(shifted);
    console.log(`saved and loaded: identical scores ${again.every((v, k) => Object.is(v, latent[k]))}`);
    loaded.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
    det.dispose();
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
