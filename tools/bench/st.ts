/**
 * st-dda training-step time against the number of nodes, dense against top-k dependencies (docs/spatiotemporal.md
 * §1.3), and optionally scoring time.
 *
 *   npm run bench -- st [--nodes 32,64,128,256,512,1024] [--paths dense,top-k] [--top-k 16] [--features 5]
 *                       [--window 20] [--batch 4] [--steps 5] [--warmup 2] [--cap-ms 3000] [--also shuffled,score]
 *                       [--score-ends 256] [--repeats 3] [--graph dynamic] [--backends wasm] [--out FILE]
 *
 * The design's network (D 32, encoder and decoder 64, scales {1, 4, W − 1}) on random standardised data with a
 * random observed graph (about 3 edges per node, a new snapshot every 16 steps) in the chosen graph mode.
 * Training: ms of one step on `batch` consecutive window ends × all N nodes (batchOrder 'blocks': each step encoded
 * once): the JS gather of the steps, targets and observed graph (dense N × N on the dense path, rows of neighbours on
 * the top-k path), forward, backward, AdamW and the centre EMA, synchronised by reading the loss; median, p10 and
 * p90 over `steps` steps after `warmup`. A path whose last warm-up step at some N takes longer than `cap-ms` (or its
 * first, compiling, step 4 × `cap-ms`) is not timed at that N or any larger one (the table says so). The growth
 * exponent b of ms ≈ a·Nᵇ is fitted over the timed N of each path and given between the two largest. `--also
 * shuffled` adds the median step on scattered window ends ('shuffled': B·W encoded steps); `--also score` adds
 * `scoreNodes` over `score-ends` window ends (median of `repeats` after one untimed call). Each backend runs in its
 * own child process; the load average (as `uptime` prints it) is recorded before and after.
 */
import { loadavg } from 'node:os';
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
  observedNeighbourRows,
  optimisationStep,
  stackObservedRows,
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
import { fittedExponent, localExponent } from './scale/growth';

type DependencyPath = 'dense' | 'top-k';

interface Settings {
  nodes: number[];
  paths: DependencyPath[];
  topK: number;
  features: number;
  window: number;
  batch: number;
  steps: number;
  warmup: number;
  capMs: number;
  also: ('shuffled' | 'score')[];
  scoreEnds: number;
  repeats: number;
  graph: StDdaGraphMode;
}

interface Row {
  backend: string;
  path: DependencyPath;
  nodes: number;
  /** null when the path was not timed at this N: its first step here (or at a smaller N) exceeded the cap */
  stepMedianMs: number | null;
  stepP10Ms: number | null;
  stepP90Ms: number | null;
  /** ms of the last warm-up step (or of the first, when that one was over 4 × the cap): what the cap is checked on */
  warmStepMs: number | null;
  /** the N at which this path went over the cap, when it did */
  cappedAt?: number;
  shuffledStepMedianMs?: number;
  scoreMsPerEnd?: number;
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

/** the detector's settings for a path: top-k forced on (any N) or dense forced on */
function detectorFor(path: DependencyPath, s: Settings, epochs?: number): StDda {
  return new StDda({
    windowLength: s.window,
    graph: s.graph,
    dependencyPath: path,
    dependencyTopK: s.topK,
    ...(epochs ? { epochs } : {}),
  });
}

interface StepTimes {
  /** ms of the timed steps, sorted; empty when a warm-up step went over the cap */
  times: number[];
  warmStepMs: number;
}

/** ms per training step for batches of consecutive window ends ('blocks') or of scattered ones ('shuffled') */
function timeSteps(N: number, path: DependencyPath, s: Settings, order: 'blocks' | 'shuffled'): StepTimes {
  const det = detectorFor(path, s);
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
    dependencyTopK: path === 'top-k' ? c.dependencyTopK : null,
  };
  // 8 batches' worth of window ends
  const series = randomSeries(N, F, W + 8 * B, N);
  const data = standardiseNodeSeries(series, entityFeatureMoments(series));
  const graph = c.graph === 'none' ? undefined : c.graph;
  const denseAt = graph && path === 'dense' ? observedDependencies(series, graph, c) : undefined;
  const rowsAt = graph && path === 'top-k' ? observedNeighbourRows(series, graph, c) : undefined;
  const specs = [...stDdaParamSpecs(arch), ...stDdaStateSpecs(arch)];
  const init = initialValues(specs, 0);
  const variables = new Map(
    specs.map((p) => [
      p.name,
      tf.tidy(() =>
        tf.variable(tf.tensor(init.get(p.name)!, p.shape), true, `bench-st-${N}-${path}-${order}/${p.name}`),
      ),
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
  const dense = denseAt ? new Float32Array(B * N * N) : undefined;
  const times: number[] = [];
  let warmStepMs = NaN;
  for (let k = 0; k < s.warmup + s.steps; k++) {
    // blocks: B consecutive ends; shuffled: every 8th end, so no two windows of a batch share a step's encoding
    const ends = Array.from({ length: B }, (_, b) => W - 1 + (order === 'blocks' ? (k % 8) * B + b : (k % 8) + 8 * b));
    const t0 = performance.now();
    if (dense) ends.forEach((e, b) => dense.set(denseAt!(e), b * N * N));
    const observed = rowsAt
      ? {
          observedRows: stackObservedRows(
            ends.map((e) => rowsAt(e)),
            N,
          ),
        }
      : dense
        ? { observed: dense }
        : {};
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
        ...observed,
      });
    } else {
      gatherTrainingWindows(data, W, ends, x, target, mask);
      loss = step({ layout: 'windows', B, x, target, mask, ...observed });
    }
    loss.dataSync();
    loss.dispose();
    const ms = performance.now() - t0;
    // the first step compiles and allocates too: the cap applies to the last warm-up step, or 4× to the first
    if (k === 0 || k === s.warmup - 1) warmStepMs = ms;
    if ((k === 0 && ms > 4 * s.capMs) || (k === s.warmup - 1 && ms > s.capMs)) break;
    if (k >= s.warmup) times.push(ms);
  }
  optimizer.dispose();
  for (const v of variables.values()) v.dispose();
  det.dispose();
  return { times: times.sort((a, b) => a - b), warmStepMs };
}

async function timeScoring(N: number, path: DependencyPath, s: Settings): Promise<number> {
  const det = detectorFor(path, s, 1);
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
    for (const path of s.paths) {
      let cappedAt: number | undefined;
      for (const N of s.nodes) {
        if (cappedAt !== undefined) {
          const skipped = { stepMedianMs: null, stepP10Ms: null, stepP90Ms: null, warmStepMs: null };
          rows.push({ backend: info.name, path, nodes: N, ...skipped, cappedAt });
          continue;
        }
        const { times, warmStepMs } = timeSteps(N, path, s, 'blocks');
        if (times.length === 0) {
          cappedAt = N;
          const skipped = { stepMedianMs: null, stepP10Ms: null, stepP90Ms: null };
          rows.push({ backend: info.name, path, nodes: N, ...skipped, warmStepMs, cappedAt });
          process.stderr.write(
            `  ${info.name} ${path} N=${N}: warm-up step ${warmStepMs.toFixed(0)} ms > cap ${s.capMs} ms, ` +
              `not timed here or above\n`,
          );
          continue;
        }
        const row: Row = {
          backend: info.name,
          path,
          nodes: N,
          stepMedianMs: quantile(times, 0.5),
          stepP10Ms: quantile(times, 0.1),
          stepP90Ms: quantile(times, 0.9),
          warmStepMs,
        };
        if (s.also.includes('shuffled'))
          row.shuffledStepMedianMs = quantile(timeSteps(N, path, s, 'shuffled').times, 0.5);
        if (s.also.includes('score')) row.scoreMsPerEnd = await timeScoring(N, path, s);
        rows.push(row);
        process.stderr.write(`  ${info.name} ${path} N=${N}: ${row.stepMedianMs!.toFixed(1)} ms/step\n`);
      }
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

/** `--name a,b` where every item is one of `known` */
function listOf<T extends string>(name: string, text: string, known: readonly T[]): T[] {
  const items = text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = items.filter((v) => !known.includes(v as T));
  if (unknown.length > 0) throw new Error(`--${name} takes ${known.join(', ')}; got '${unknown.join(', ')}'`);
  return items as T[];
}

/** the load averages over 1, 5 and 15 minutes, as `uptime` prints them */
function load(): string {
  return loadavg()
    .map((v) => v.toFixed(2))
    .join(', ');
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(1));

/** The scale table: one line per N, the paths side by side, then the growth exponents per path. */
function scaleTable(rows: Row[], s: Settings): string {
  const backends = [...new Set(rows.map((r) => r.backend))];
  const lines: string[] = [];
  for (const backend of backends) {
    const of = (path: DependencyPath, N: number) =>
      rows.find((r) => r.backend === backend && r.path === path && r.nodes === N);
    const head = s.paths.flatMap((p) => [`${p} ms/step (median)`, `${p} p10–p90`]);
    const extra = s.paths.flatMap((p) => [
      ...(s.also.includes('shuffled') ? [`${p} shuffled ms/step`] : []),
      ...(s.also.includes('score') ? [`${p} scoring ms/window end`] : []),
    ]);
    const both = s.paths.length === 2;
    lines.push(
      `| backend | nodes N | ${[...head, ...(both ? [`${s.paths[0]} / ${s.paths[1]}`] : []), ...extra].join(' | ')} |`,
      `|---|---:|${[...head, ...(both ? ['x'] : []), ...extra].map(() => '---:').join('|')}|`,
    );
    for (const N of s.nodes) {
      const cells = s.paths.flatMap((p) => {
        const r = of(p, N);
        if (!r || r.stepMedianMs === null) {
          const why =
            r?.cappedAt === N
              ? `over cap (warm-up step ${r.warmStepMs!.toFixed(0)} ms > ${s.capMs} ms)`
              : `not run (over cap at N = ${r?.cappedAt})`;
          return [why, ''];
        }
        return [ms(r.stepMedianMs), `${ms(r.stepP10Ms)}–${ms(r.stepP90Ms)}`];
      });
      const ratio = both
        ? (() => {
            const [a, b] = s.paths.map((p) => of(p, N)?.stepMedianMs ?? null);
            return [a !== null && b !== null ? `${(a / b).toFixed(2)}×` : '–'];
          })()
        : [];
      const extras = s.paths.flatMap((p) => [
        ...(s.also.includes('shuffled') ? [ms(of(p, N)?.shuffledStepMedianMs)] : []),
        ...(s.also.includes('score') ? [of(p, N)?.scoreMsPerEnd?.toFixed(2) ?? '–'] : []),
      ]);
      lines.push(`| ${backend} | ${N} | ${[...cells, ...ratio, ...extras].join(' | ')} |`);
    }
    lines.push('');
    for (const p of s.paths) {
      const timed = s.nodes.flatMap((N) => {
        const r = of(p, N);
        return r && r.stepMedianMs !== null ? [[N, r.stepMedianMs] as const] : [];
      });
      if (timed.length < 2) {
        lines.push(`${backend} ${p}: fewer than two sizes timed, no exponent`);
        continue;
      }
      const b = fittedExponent(
        timed.map(([N]) => N),
        timed.map(([, v]) => v),
      );
      const [n1, y1] = timed[timed.length - 2];
      const [n2, y2] = timed[timed.length - 1];
      lines.push(
        `${backend} ${p}: ms/step ∝ N^${b.toFixed(2)} fitted over N = ${timed[0][0]}…${n2}; ` +
          `N^${localExponent(n1, y1, n2, y2).toFixed(2)} from ${n1} to ${n2}`,
      );
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '32,64,128,256,512,1024' },
      paths: { type: 'string', default: 'dense,top-k' },
      'top-k': { type: 'string', default: '16' },
      features: { type: 'string', default: '5' },
      window: { type: 'string', default: '20' },
      batch: { type: 'string', default: '4' },
      steps: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      'cap-ms': { type: 'string', default: '3000' },
      also: { type: 'string', default: '' },
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
  if (!Number.isInteger(warmup) || warmup < 1)
    throw new Error(`--warmup must be a positive integer (a warm-up step checks the cap), got '${values.warmup}'`);
  const paths = listOf('paths', values.paths!, ['dense', 'top-k'] as const);
  if (paths.length === 0) throw new Error(`--paths needs dense, top-k or both`);
  const settings: Settings = {
    nodes: positiveInts('nodes', values.nodes!),
    paths,
    topK: one('top-k', values['top-k']!),
    features: one('features', values.features!),
    window: one('window', values.window!),
    batch: one('batch', values.batch!),
    steps: one('steps', values.steps!),
    warmup,
    capMs: one('cap-ms', values['cap-ms']!),
    also: listOf('also', values.also!, ['shuffled', 'score'] as const),
    scoreEnds: one('score-ends', values['score-ends']!),
    repeats: one('repeats', values.repeats!),
    graph: values.graph as StDdaGraphMode,
  };
  if (values.child) {
    process.stdout.write(JSON.stringify(await child(values.child as BackendPreference, settings)) + '\n');
    return;
  }
  const t0 = performance.now();
  const loadBefore = load();
  const args = Object.entries(values).flatMap(([k, v]) =>
    k === 'child' || k === 'backends' || k === 'out' ? [] : [`--${k}`, String(v)],
  );
  const results = runPerBackend<Row>(parseBackends(values.backends!), args);
  const loadAfter = load();
  const rows = results.flatMap((r) => r.rows ?? []);
  process.stdout.write(
    `\nst-dda (D 32, hidden 64, scales {1, 4, W − 1}), F = ${settings.features}, W = ${settings.window}, ` +
      `graph ${settings.graph}, top-k k = ${settings.topK}; training steps of ${settings.batch} consecutive ` +
      `window ends × N nodes, median of ${settings.steps} after ${settings.warmup} warm-up; cap ` +
      `${settings.capMs} ms on the last warm-up step\nload average before ${loadBefore}, after ${loadAfter}\n\n` +
      `${scaleTable(rows, settings)}\n`,
  );
  const out = resolve(values.out!);
  writeBenchResults(out, 'st', { ...settings, loadBefore, loadAfter }, results, t0);
  process.stdout.write(`\nwritten to ${out}\n`);
}

main().catch((e) => {
  process.stderr.write(`st: ${(e as Error).message}\n`);
  process.exit(1);
});
