/**
 * st-dda training-step and scoring time against the number of nodes (docs/spatiotemporal.md §4 (c): 32, 64, 96, 128).
 *
 *   npm run bench -- st [--nodes 32,64,96,128] [--features 5] [--window 20] [--batch 4] [--steps 30] [--warmup 5]
 *                       [--score-ends 256] [--repeats 3] [--graph dynamic] [--backends wasm] [--out FILE]
 *
 * The design's network (D 32, encoder and decoder 64, scales {1, 4, W − 1}) on random standardised data with a
 * random observed graph (about 3 edges per node, a new snapshot every 16 steps) in the chosen graph mode.
 * Training: ms of one step on `batch` window ends × all N nodes: the JS gather of windows, targets and
 * norm(A_obs + I), forward, backward, AdamW and the centre EMA, synchronised by reading the loss; median, p10 and
 * p90 over `steps` steps after `warmup`, for consecutive window ends (batchOrder 'blocks', the default: each step
 * encoded once) and the median for scattered ones ('shuffled': B·W encoded steps). Scoring: `scoreNodes` over
 * `score-ends` window ends (all nodes), median of `repeats` calls after one untimed call, as ms per window end. Each
 * backend runs in its own child process.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32, normalSampler, type GraphSnapshot, type NodeSeries } from '@driftwatch/contracts';
import {
  AdamW,
  StDda,
  entityFeatureMoments,
  gatherTrainingWindows,
  initialValues,
  observedDependencies,
  optimisationStep,
  standardiseNodeSeries,
  stDdaBatchTensors,
  stDdaParamSpecs,
  stDdaStateSpecs,
  stDdaTrainingLoss,
  tf,
  type BackendPreference,
  type StDdaBatch,
  type StDdaGraphMode,
  type StDdaArchitecture,
} from '@driftwatch/models';
import { parseBackends, runPerBackend, writeBenchResults, backendChild, type ChildResult } from './per-backend';

interface Settings {
  nodes: number[];
  features: number;
  window: number;
  batch: number;
  steps: number;
  warmup: number;
  scoreEnds: number;
  repeats: number;
  graph: StDdaGraphMode;
}

interface Row {
  backend: string;
  nodes: number;
  /** batches of consecutive window ends (the default batchOrder 'blocks') */
  stepMedianMs: number;
  stepP10Ms: number;
  stepP90Ms: number;
  /** batches of scattered window ends (batchOrder 'shuffled') */
  shuffledStepMedianMs: number;
  scoreMsPerEnd: number;
  nodeStepsPerSecond: number;
}

const SNAPSHOT_EVERY = 16;

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * N nodes × F standard-normal metrics over T steps, with a random graph of ≈ 3 edges per node redrawn every
 * SNAPSHOT_EVERY steps.
 */
function randomSeries(N: number, F: number, T: number, seed: number): NodeSeries {
  const normal = normalSampler(mulberry32(seed));
  const uniform = mulberry32(seed + 1);
  const entities = Array.from({ length: N }, (_, i) => `node-${i}`);
  const graphs: GraphSnapshot[] = [];
  for (let t = 0; t < T; t += SNAPSHOT_EVERY) {
    const edges = Array.from({ length: 3 * N }, () => ({
      src: Math.floor(uniform() * N),
      dst: Math.floor(uniform() * N),
      kind: 'call' as const,
      weight: 1,
    }));
    graphs.push({ t, nodes: entities, edges });
  }
  return {
    id: `bench/N${N}`,
    entities,
    features: Array.from({ length: F }, (_, f) => `m${f}`),
    length: T,
    values: Float32Array.from({ length: T * N * F }, () => normal()),
    graphs,
  };
}

/** ms per training step, sorted, for batches of consecutive window ends ('blocks') or of scattered ones ('shuffled') */
function timeSteps(N: number, s: Settings, order: 'blocks' | 'shuffled'): number[] {
  const det = new StDda({ windowLength: s.window, graph: s.graph });
  const c = det.config;
  const W = c.windowLength;
  const B = s.batch;
  const F = s.features;
  const arch: StDdaArchitecture = {
    featureCount: F,
    entityCount: N,
    windowLength: W,
    embeddingDim: c.embeddingDim,
    encoderHidden: c.encoderHidden,
    decoderHidden: c.decoderHidden,
    scales: c.scales,
    attentionDim: c.attentionDim,
    observed: c.graph !== 'none',
    dependencyTopK: null,
  };
  // 8 batches' worth of window ends
  const series = randomSeries(N, F, W + 8 * B, N);
  const data = standardiseNodeSeries(series, entityFeatureMoments(series));
  const observedAt = c.graph === 'none' ? undefined : observedDependencies(series, c.graph, c);
  const specs = [...stDdaParamSpecs(arch), ...stDdaStateSpecs(arch)];
  const init = initialValues(specs, 0);
  const variables = new Map(
    specs.map((p) => [
      p.name,
      tf.tidy(() => tf.variable(tf.tensor(init.get(p.name)!, p.shape), true, `bench-st-${N}-${order}/${p.name}`)),
    ]),
  );
  const params = Object.fromEntries(variables);
  const trainables = stDdaParamSpecs(arch).map((p) => variables.get(p.name)!);
  const optimizer = new AdamW({
    learningRate: c.learningRate,
    weightDecay: c.weightDecay,
    clipNorm: c.clipNorm ?? Infinity,
  });
  // the step StDda.fit takes: the training objective of a batch, AdamW on the parameters, then the centres' EMA
  const step = (batch: StDdaBatch) =>
    optimisationStep(
      optimizer,
      trainables,
      (setState) => stDdaTrainingLoss(params, arch, stDdaBatchTensors(arch, batch), c, setState),
      (name, value) => variables.get(name)!.assign(value),
    );
  const x = new Float32Array(W * B * N * F);
  const target = new Float32Array(B * N * F);
  const mask = new Float32Array(B * N * F);
  const observed = observedAt ? new Float32Array(B * N * N) : undefined;
  const times: number[] = [];
  for (let k = 0; k < s.warmup + s.steps; k++) {
    // blocks: B consecutive ends; shuffled: every 8th end, so no two windows of a batch share a step's encoding
    const ends = Array.from({ length: B }, (_, b) => W - 1 + (order === 'blocks' ? (k % 8) * B + b : (k % 8) + 8 * b));
    const t0 = performance.now();
    if (observed) ends.forEach((e, b) => observed.set(observedAt!(e), b * N * N));
    let loss: tf.Scalar;
    if (order === 'blocks') {
      const e0 = ends[0];
      const next = [(e0 + 1) * N * F, (e0 + B + 1) * N * F];
      loss = step({
        layout: 'steps',
        B,
        x: data.values.subarray((e0 - W + 1) * N * F, (e0 + B) * N * F),
        target: data.values.subarray(next[0], next[1]),
        mask: data.observed.subarray(next[0], next[1]),
        observed,
      });
    } else {
      gatherTrainingWindows(data, W, ends, x, target, mask);
      loss = step({ layout: 'windows', B, x, target, mask, observed });
    }
    loss.dataSync();
    loss.dispose();
    if (k >= s.warmup) times.push(performance.now() - t0);
  }
  optimizer.dispose();
  for (const v of variables.values()) v.dispose();
  det.dispose();
  return times.sort((a, b) => a - b);
}

async function timeScoring(N: number, s: Settings): Promise<number> {
  const det = new StDda({ windowLength: s.window, graph: s.graph, epochs: 1 });
  await det.fit(randomSeries(N, s.features, s.window + 2 * s.batch, N), { seed: 0 });
  const series = randomSeries(N, s.features, s.window - 1 + s.scoreEnds, N + 1);
  await det.scoreNodes(series);
  const times: number[] = [];
  for (let r = 0; r < s.repeats; r++) {
    const t0 = performance.now();
    await det.scoreNodes(series);
    times.push(performance.now() - t0);
  }
  det.dispose();
  return (
    quantile(
      times.sort((a, b) => a - b),
      0.5,
    ) / s.scoreEnds
  );
}

function child(preference: BackendPreference, s: Settings): Promise<ChildResult<Row>> {
  return backendChild(preference, async (info) => {
    const rows: Row[] = [];
    for (const N of s.nodes) {
      const steps = timeSteps(N, s, 'blocks');
      const shuffled = timeSteps(N, s, 'shuffled');
      const scoreMsPerEnd = await timeScoring(N, s);
      const row: Row = {
        backend: info.name,
        nodes: N,
        stepMedianMs: quantile(steps, 0.5),
        stepP10Ms: quantile(steps, 0.1),
        stepP90Ms: quantile(steps, 0.9),
        shuffledStepMedianMs: quantile(shuffled, 0.5),
        scoreMsPerEnd,
        nodeStepsPerSecond: (N * 1000) / scoreMsPerEnd,
      };
      rows.push(row);
      process.stderr.write(
        `  ${info.name} N=${N}: ${row.stepMedianMs.toFixed(1)} ms/step ` +
          `(shuffled ${row.shuffledStepMedianMs.toFixed(1)}), ${scoreMsPerEnd.toFixed(2)} ms per scored ` +
          `window end\n`,
      );
    }
    return rows;
  });
}

function positiveInts(name: string, text: string): number[] {
  const values = text.split(',').map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1))
    throw new Error(`--${name} must be positive integers, got '${text}'`);
  return values;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '32,64,96,128' },
      features: { type: 'string', default: '5' },
      window: { type: 'string', default: '20' },
      batch: { type: 'string', default: '4' },
      steps: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' },
      'score-ends': { type: 'string', default: '256' },
      repeats: { type: 'string', default: '3' },
      graph: { type: 'string', default: 'dynamic' },
      backends: { type: 'string', default: 'wasm' },
      out: { type: 'string', default: 'bench-results/st.json' },
      child: { type: 'string' },
    },
  });
  const one = (name: string, text: string) => positiveInts(name, text)[0];
  if (!['none', 'static', 'dynamic'].includes(values.graph!))
    throw new Error(`--graph must be none, static or dynamic, got '${values.graph}'`);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(warmup) || warmup < 0)
    throw new Error(`--warmup must be a non-negative integer, got '${values.warmup}'`);
  const settings: Settings = {
    nodes: positiveInts('nodes', values.nodes!),
    features: one('features', values.features!),
    window: one('window', values.window!),
    batch: one('batch', values.batch!),
    steps: one('steps', values.steps!),
    warmup,
    scoreEnds: one('score-ends', values['score-ends']!),
    repeats: one('repeats', values.repeats!),
    graph: values.graph as StDdaGraphMode,
  };
  if (values.child) {
    process.stdout.write(JSON.stringify(await child(values.child as BackendPreference, settings)) + '\n');
    return;
  }
  const t0 = performance.now();
  const args = Object.entries(values).flatMap(([k, v]) =>
    k === 'child' || k === 'backends' || k === 'out' ? [] : [`--${k}`, String(v)],
  );
  const results = runPerBackend<Row>(parseBackends(values.backends!), args);
  const rows = results.flatMap((r) => r.rows ?? []);
  const table = [
    '| backend | nodes N | ms/step, blocks (median) | p10 | p90 | ms/step, shuffled (median) | scoring ms ' +
      'per window end | node-steps scored/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${r.nodes} | ${r.stepMedianMs.toFixed(1)} | ${r.stepP10Ms.toFixed(1)} ` +
        `| ${r.stepP90Ms.toFixed(1)} | ${r.shuffledStepMedianMs.toFixed(1)} | ${r.scoreMsPerEnd.toFixed(2)} ` +
        `| ${Math.round(r.nodeStepsPerSecond).toLocaleString('en-US')} |`,
    ),
  ].join('\n');
  process.stdout.write(
    `\nst-dda (D 32, hidden 64, scales {1, 4, W − 1}), F = ${settings.features}, W = ${settings.window}, ` +
      `graph ${settings.graph}; ` +
      `training steps of ${settings.batch} window ends × N nodes (${settings.steps} ` +
      `after ${settings.warmup} warm-up); scoring ${settings.scoreEnds} window ends, median ` +
      `of ${settings.repeats}\n\n${table}\n`,
  );
  const out = resolve(values.out!);
  writeBenchResults(out, 'st', { ...settings }, results, t0);
  process.stdout.write(`\nwritten to ${out}\n`);
}

main().catch((e) => {
  process.stderr.write(`st: ${(e as Error).message}\n`);
  process.exit(1);
});
