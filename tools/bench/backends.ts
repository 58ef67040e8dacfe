/**
 * Kernel coverage of the tfjs backends (issue 8): one training step of every tfjs detector on every
 * backend the loader accepts, compared with the cpu backend.
 *
 *   npm run bench -- backends [--backends tfjs-node-gpu,tfjs-node,webgpu,wasm,cpu] [--methods all] [--out FILE]
 *
 * Per method and backend: a fresh detector with its registry test settings fits one epoch of one batch (64 windows,
 * batch 64, seed 7; detectors with two phases run one epoch of each) with validation windows, then scores
 * 16 windows. Compared with cpu: the training loss of that step (the forward pass), the validation loss
 * after it (so the gradients and the update) and the scores, each as a relative error (scores:
 * ‖a − b‖∞/‖b‖∞). Verdicts: ok (all ≤ 1e-4) / kernel missing (name) / mismatch (the worst quantity) /
 * error. Node detectors (the node registry: st-dda and the supervised baselines) fit one epoch of a small
 * synthetic cluster and score it. Each run lists the kernels it used that the backend lacks and that ran
 * on cpu through the loader's per-op fallback. Each backend runs in its own child process.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32, normalSampler, packedWindowSet, type FitReport, type WindowSet } from '@driftwatch/contracts';
import { nodeConformanceData, withoutLabels } from '@driftwatch/contracts/node-conformance';
import {
  NODE_DETECTOR_IDS,
  TFJS_DETECTOR_IDS,
  createDetector,
  createNodeDetector,
  detectorDescriptor,
  isSupervisedNodeDetector,
  missingKernelOf,
  tf,
  type BackendInfo,
  type BackendPreference,
} from '@driftwatch/models';
import { parseBackends, runPerBackend, writeBenchResults, backendChild, type ChildResult } from './per-backend';

const TOLERANCE = 1e-4;
const FEATURES = 4;
const TRAIN = 64;
const SEED = 7;

interface Run {
  backend: string;
  method: string;
  kind: 'window' | 'node';
  error?: string;
  missingKernel?: string;
  trainLoss?: number;
  valLoss?: number;
  scores?: number[];
  /** kernels used that the backend lacks, served by the cpu fallback */
  fallbacks: string[];
  kernelCount: number;
  seconds: number;
}

/** n windows of W×D, two domains, x = a_j·t + 0.1·ε per record (seeded) */
function windows(n: number, W: number, seed: number): WindowSet {
  const normal = normalSampler(mulberry32(seed));
  const loadings = [1, -1, 0.5, 2];
  const values = new Float32Array(n * W * FEATURES);
  for (let i = 0; i < n * W; i++) {
    const t = normal();
    for (let j = 0; j < FEATURES; j++) values[i * FEATURES + j] = loadings[j] * t + 0.1 * normal();
  }
  return packedWindowSet(
    values,
    W,
    FEATURES,
    Int32Array.from({ length: n }, (_, i) => i % 2),
    ['a', 'b'],
  );
}

const firstOf = (xs: number[] | undefined) => (xs && xs.length > 0 ? xs[0] : undefined);

/** Runs `work` under tf.profile: the kernel names it ran, and its result or the error. */
async function profiled<T>(work: () => Promise<T>): Promise<{ kernels: Set<string>; result?: T; error?: unknown }> {
  let result: T | undefined;
  let error: unknown;
  const info = await tf.profile(async () => {
    try {
      result = await work();
    } catch (e) {
      error = e;
    }
    return [] as tf.Tensor[];
  });
  return { kernels: new Set(info.kernels.map((k) => k.name)), result, error };
}

async function runOne(method: string, kind: 'window' | 'node', backend: BackendInfo): Promise<Run> {
  const t0 = performance.now();
  const fallbacksOfBackend = new Set(backend.attempts.at(-1)?.cpuFallbacks ?? []);
  const { kernels, result, error } = await profiled(async () => {
    if (kind === 'window') {
      const params = detectorDescriptor(method).testParams;
      const W = (params.windowLength as number | undefined) ?? 1;
      const det = createDetector(method, { ...params, batchSize: TRAIN, epochs: 1 });
      try {
        const report: FitReport = await det.fit(windows(TRAIN, W, 1), {
          seed: SEED,
          epochs: 1,
          validation: windows(32, W, 2),
        });
        const scores = await det.scoreWindows(windows(16, W, 3));
        return { report, scores: Array.from(scores) };
      } finally {
        det.dispose();
      }
    }
    const { train, validation, test } = nodeConformanceData({ entities: 4, features: 3, length: 60, seed: SEED });
    const supervised = isSupervisedNodeDetector(method);
    const det = createNodeDetector(method, detectorDescriptor(method).testParams);
    try {
      const report = await det.fit(supervised ? train : withoutLabels(train), {
        seed: SEED,
        epochs: 1,
        validation: supervised ? validation : withoutLabels(validation),
      });
      const scores = await det.scoreNodes(test);
      return { report, scores: Array.from(scores) };
    } finally {
      det.dispose();
    }
  });
  const run: Run = {
    backend: backend.name,
    method,
    kind,
    fallbacks: [...kernels].filter((k) => fallbacksOfBackend.has(k)).sort(),
    kernelCount: kernels.size,
    seconds: (performance.now() - t0) / 1000,
  };
  if (error !== undefined) {
    run.error = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    run.missingKernel = missingKernelOf(error);
    return run;
  }
  run.trainLoss = firstOf(result!.report.trainLoss);
  run.valLoss = firstOf(result!.report.valLoss);
  run.scores = result!.scores;
  return run;
}

function child(preference: BackendPreference, methods: string[]): Promise<ChildResult<Run>> {
  return backendChild(preference, async (info) => {
    const rows: Run[] = [];
    for (const method of methods) {
      const kind = (TFJS_DETECTOR_IDS as readonly string[]).includes(method) ? 'window' : 'node';
      const run = await runOne(method, kind, info);
      rows.push(run);
      process.stderr.write(
        `  ${info.name} ${method}: ` +
          (run.error ? `error: ${run.error}` : `${run.kernelCount} kernels, ${run.seconds.toFixed(2)} s`) +
          '\n',
      );
    }
    return rows;
  });
}

/** ‖a − b‖∞ / ‖b‖∞ over the entries finite in both; Infinity when the NaN patterns or lengths differ */
function relativeDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    if (Number.isNaN(b[i])) continue;
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

interface Verdict {
  verdict: 'ok' | 'kernel missing' | 'mismatch' | 'error' | 'reference';
  text: string;
  maxRelativeError?: number;
}

function judge(run: Run, ref: Run | undefined): Verdict {
  const withFallbacks = (s: string) => (run.fallbacks.length > 0 ? `${s}; on cpu: ${run.fallbacks.join(', ')}` : s);
  if (run.missingKernel) return { verdict: 'kernel missing', text: `kernel missing (${run.missingKernel})` };
  if (run.error) return { verdict: 'error', text: `error: ${run.error}` };
  if (run.backend === 'cpu') return { verdict: 'reference', text: 'reference' };
  if (!ref || ref.error) return { verdict: 'error', text: 'no cpu reference' };
  const diffs: [string, number][] = [
    ['train loss', relativeDifference([run.trainLoss ?? NaN], [ref.trainLoss ?? NaN])],
    ['validation loss', relativeDifference([run.valLoss ?? NaN], [ref.valLoss ?? NaN])],
    ['scores', relativeDifference(run.scores ?? [], ref.scores ?? [])],
  ];
  const [worst, e] = diffs.reduce((m, d) => (d[1] > m[1] ? d : m));
  if (e <= TOLERANCE && run.kernelCount === 0)
    return { verdict: 'ok', text: 'ok (runs no tfjs kernel)', maxRelativeError: e };
  if (e <= TOLERANCE)
    return { verdict: 'ok', text: withFallbacks(`ok (${e === 0 ? '0' : e.toExponential(1)})`), maxRelativeError: e };
  return { verdict: 'mismatch', text: withFallbacks(`mismatch (${worst} ${e.toExponential(1)})`), maxRelativeError: e };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backends: { type: 'string', default: 'tfjs-node-gpu,tfjs-node,webgpu,wasm,cpu' },
      methods: { type: 'string', default: 'all' },
      out: { type: 'string', default: 'bench-results/backends.json' },
      child: { type: 'string' },
    },
  });
  const all = [...TFJS_DETECTOR_IDS, ...NODE_DETECTOR_IDS];
  const methods =
    values.methods === 'all'
      ? all
      : values
          .methods!.split(',')
          .map((m) => m.trim())
          .filter(Boolean);
  for (const m of methods)
    if (!(all as readonly string[]).includes(m)) throw new Error(`unknown method '${m}'; known: ${all.join(', ')}`);
  if (values.child) {
    process.stdout.write(JSON.stringify(await child(values.child as BackendPreference, methods)) + '\n');
    return;
  }
  const t0 = performance.now();
  const backends = parseBackends(values.backends!);
  if (!backends.includes('cpu')) backends.push('cpu');
  const results = runPerBackend<Run>(backends, ['--methods', methods.join(',')]);
  const cpuRows = results.find((r) => r.preference === 'cpu')?.rows ?? [];
  // cpu is the reference; its column would only say so, unless it is the only backend
  const accepted = results.filter((r) => r.ok && (r.preference !== 'cpu' || results.filter((x) => x.ok).length === 1));
  const lines = [
    '| backend | accepted | reason | smoke test ms | smoke max rel. error |',
    '|---|---|---|---:|---:|',
    ...results.map((r) => {
      const a = r.info?.attempts.at(-1);
      const why = r.ok ? 'ok' : (r.error ?? '').replace(/^tfjs backend '[^']+' cannot be used: /, '');
      return (
        `| ${r.preference} | ${r.ok ? 'yes' : 'no'} | ${why.replace(/\|/g, '/')} ` +
        `| ${a?.smoke ? a.smoke.ms.toFixed(1) : '–'} ` +
        `| ${a?.smoke ? a.smoke.maxRelativeError.toExponential(1) : '–'} |`
      );
    }),
    '',
    `| method | ${accepted.map((r) => r.info!.name).join(' | ')} |`,
    `|---|${accepted.map(() => '---').join('|')}|`,
    ...methods.map((m) => {
      const ref = cpuRows.find((x) => x.method === m);
      const cells = accepted.map((r) => {
        const run = r.rows?.find((x) => x.method === m);
        return run ? judge(run, ref).text : '–';
      });
      return `| ${m} | ${cells.join(' | ')} |`;
    }),
  ];
  process.stdout.write(
    `\none training step per method, compared with cpu (relative error ≤ ${TOLERANCE})\n\n${lines.join('\n')}\n`,
  );
  const verdicts = accepted.flatMap((r) =>
    (r.rows ?? []).map((run) => ({
      backend: run.backend,
      method: run.method,
      ...judge(
        run,
        cpuRows.find((x) => x.method === run.method),
      ),
    })),
  );
  const out = resolve(values.out!);
  const testParams = Object.fromEntries(methods.map((m) => [m, detectorDescriptor(m).testParams]));
  writeBenchResults(
    out,
    'backends',
    { tolerance: TOLERANCE, methods, train: TRAIN, seed: SEED, testParams },
    results,
    t0,
  );
  process.stdout.write(`\nwritten to ${out}\n`);
  const bad = verdicts.filter((v) => v.verdict !== 'ok' && v.verdict !== 'reference');
  if (bad.length > 0) {
    process.stderr.write(
      `backends: ${bad.length} run(s) not ` +
        `ok: ${bad.map((v) => `${v.method} on ${v.backend} (${v.text})`).join('; ')}\n`,
    );
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`backends: ${(e as Error).message}\n`);
  process.exit(1);
});
