/**
 * Dense DIVAD-GM training-step and scoring benchmark, per tfjs backend.
 *
 *   npm run bench -- divad-step [--steps 30] [--warmup 5] [--score-records 16384] [--backends cpu,wasm] [--out FILE]
 *
 * Each backend runs in its own child process (a fresh tfjs engine; native packages load only there).
 * Per case (W, D): median, p10 and p90 ms of one training step at batch 128 (forward + backward + AdamW,
 * synchronised by reading the loss), and windows scored per second with prior scoring in batches of 4096.
 */
import { resolve } from 'node:path';
import { parseBackends, runPerBackend, writeBenchResults, backendChild, type ChildResult } from './per-backend';
import { parseArgs } from 'node:util';
import { mulberry32, normalSampler, packedWindowSet } from '@driftwatch/contracts';
import { Divad, type BackendPreference, type DivadArchitecture } from '@driftwatch/models';
import { createDivadStepper } from './reference/driftwatch-step';

const CASES: { W: number; D: number }[] = [
  { W: 1, D: 19 },
  { W: 1, D: 237 },
  { W: 20, D: 19 },
];
const DOMAINS = 11;
const BATCH = 128;

interface Row {
  backend: string;
  case: string;
  W: number;
  D: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  recordsPerSecond: number;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function randomWindows(count: number, W: number, D: number, seed: number) {
  const normal = normalSampler(mulberry32(seed));
  const values = Float32Array.from({ length: count * W * D }, () => normal());
  const dom = Int32Array.from({ length: count }, (_, i) => i % DOMAINS);
  return {
    values,
    dom,
    set: packedWindowSet(
      values,
      W,
      D,
      dom,
      Array.from({ length: DOMAINS }, (_, i) => `d${i}`),
    ),
  };
}

/** ms per training step: fresh Dense DIVAD-GM (docs/divad.md §3.6 sizes), fixed batch, loss read back each step */
function timeSteps(W: number, D: number, steps: number, warmup: number): number[] {
  const arch: DivadArchitecture = {
    variant: 'GM',
    windowLength: W,
    featureCount: D,
    hidden: [200],
    latentDim: 16,
    priorHidden: 64,
    domains: DOMAINS,
    components: 8,
  };
  // the step Divad.fit takes: the DIVAD loss of a batch with its domains, AdamW on every parameter
  const settings = { batch: BATCH, beta: 5, alpha: 1e5, learningRate: 3e-4, weightDecay: 0.01, clipNorm: 10 };
  const stepper = createDivadStepper(arch, settings, `bench-${W}x${D}`);
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const { wallMs } = stepper.step();
    if (i >= warmup) times.push(wallMs);
  }
  stepper.dispose();
  return times;
}

/** windows per second of prior scoring (posterior means in batches of 4096, then −ln p(μ)) */
async function timeScoring(W: number, D: number, records: number): Promise<number> {
  const det = new Divad({ variant: 'GM', windowLength: W, epochs: 1, components: 8, scoring: 'prior' });
  await det.fit(randomWindows(256, W, D, 3).set, { seed: 0 });
  const windows = randomWindows(records, W, D, 4).set;
  await det.scoreWindowsWith(windows, 'prior');
  const t0 = performance.now();
  await det.scoreWindowsWith(windows, 'prior');
  const seconds = (performance.now() - t0) / 1000;
  det.dispose();
  return records / seconds;
}

function child(
  preference: BackendPreference,
  steps: number,
  warmup: number,
  records: number,
): Promise<ChildResult<Row>> {
  return backendChild(preference, async (info) => {
    const rows: Row[] = [];
    for (const { W, D } of CASES) {
      const times = timeSteps(W, D, steps, warmup).sort((a, b) => a - b);
      const recordsPerSecond = await timeScoring(W, D, records);
      rows.push({
        backend: info.name === 'tensorflow' ? preference : info.name,
        case: `W=${W}, D=${D}`,
        W,
        D,
        medianMs: quantile(times, 0.5),
        p10Ms: quantile(times, 0.1),
        p90Ms: quantile(times, 0.9),
        recordsPerSecond,
      });
      process.stderr.write(
        `  ${info.name} W=${W} D=${D}: ${quantile(times, 0.5).toFixed(2)} ` +
          `ms/step, ${Math.round(recordsPerSecond)} records/s\n`,
      );
    }
    return rows;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' },
      'score-records': { type: 'string', default: '16384' },
      backends: { type: 'string', default: 'tfjs-node-gpu,tfjs-node,wasm,cpu' },
      out: { type: 'string', default: 'bench-results/divad-step.json' },
      child: { type: 'string' },
    },
  });
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  const records = Number(values['score-records']);
  for (const [k, v] of Object.entries({ steps, warmup, 'score-records': records })) {
    if (!Number.isInteger(v) || v < (k === 'warmup' ? 0 : 1))
      throw new Error(`--${k} must be a ${k === 'warmup' ? 'non-negative' : 'positive'} integer`);
  }
  if (values.child) {
    const result = await child(values.child as BackendPreference, steps, warmup, records);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const t0 = performance.now();
  const results = runPerBackend<Row>(parseBackends(values.backends!), [
    '--steps',
    String(steps),
    '--warmup',
    String(warmup),
    '--score-records',
    String(records),
  ]);
  const rows = results.flatMap((r) => r.rows ?? []);
  const fmt = (v: number, d = 2) => v.toFixed(d);
  const table = [
    '| backend | case | median ms/step | p10 | p90 | records/s |',
    '|---|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${r.case} | ${fmt(r.medianMs)} | ${fmt(r.p10Ms)} | ${fmt(r.p90Ms)} ` +
        `| ${Math.round(r.recordsPerSecond).toLocaleString('en-US')} |`,
    ),
  ].join('\n');
  process.stdout.write(
    `\nDense DIVAD-GM (h 200, L 16, K 8, 11 domains), batch ${BATCH}, ${steps} steps after ${warmup} ` +
      `warm-up; prior scoring in batches of 4096\n\n${table}\n`,
  );
  const out = resolve(values.out!);
  writeBenchResults(
    out,
    'divad-step',
    {
      steps,
      warmup,
      batch: BATCH,
      scoreRecords: records,
      scoreBatch: 4096,
      model: 'dense-divad-gm',
      hidden: 200,
      latentDim: 16,
      components: 8,
      domains: DOMAINS,
    },
    results,
    t0,
  );
  process.stdout.write(`\nwritten to ${out}\n`);
}

main().catch((e) => {
  process.stderr.write(`divad-step: ${(e as Error).message}\n`);
  process.exit(1);
});
