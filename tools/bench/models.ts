/**
 * Training-step and scoring speed of the neural detectors, per tfjs backend, through the Detector interface.
 *
 *   npm run bench -- models [--methods dense-ae,dense-vae,dense-divad-g,dense-divad-gm] [--backends wasm,cpu]
 *                           [--steps 30] [--repeats 3] [--score-records 8192] [--out FILE]
 *
 * The paper's Table 1 set-up: latent 16, batch 128, hidden 200, here on ASD-shaped windows (W = 20, D = 19,
 * 11 domains). ms/step = (time of a 2-epoch `fit` − time of a 1-epoch `fit`) / steps over steps × 128 windows:
 * one epoch's forward, backward, AdamW and loop bookkeeping, as a benchmark run pays them, without the set-up
 * and the fitting of DIVAD's aggregated-posterior density, which both fits share. Scoring = windows per second of
 * `scoreWindows`. Medians over the repeats, after one untimed warm-up fit and scoring. The VAEs score
 * with the paper's 1,024 posterior samples per window, so they are timed on 1/64 of the records. Rec methods use
 * the Figure 16 layout of docs/divad.md §3.6 (Conv1D(32, k 5) → GRU(32)).
 * Each backend runs in its own child process (a fresh tfjs engine).
 */
import { resolve } from 'node:path';
import { parseBackends, runPerBackend, writeBenchResults, backendChild, type ChildResult } from './per-backend';
import { parseArgs } from 'node:util';
import { mulberry32, normalSampler, packedWindowSet, type WindowSet } from '@driftwatch/contracts';
import { TFJS_DETECTOR_IDS, createDetector, type BackendPreference } from '@driftwatch/models';

const W = 20;
const D = 19;
const DOMAINS = 11;
const BATCH = 128;
const TABLE_1_METHODS = [
  'dense-ae',
  'dense-vae',
  'dense-divad-g',
  'dense-divad-gm',
  'rec-vae',
  'rec-divad-g',
  'rec-divad-gm',
];
const SETUP = { windowLength: W, batchSize: BATCH, latentDim: 16, hidden: 200 };

interface Row {
  backend: string;
  method: string;
  msPerStep: number;
  /** min and max over the repeats */
  msPerStepRange: [number, number];
  windowsPerSecond: number;
  scoredWindows: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function randomWindows(count: number, seed: number): WindowSet {
  const normal = normalSampler(mulberry32(seed));
  const values = Float32Array.from({ length: count * W * D }, () => normal());
  const dom = Int32Array.from({ length: count }, (_, i) => i % DOMAINS);
  return packedWindowSet(
    values,
    W,
    D,
    dom,
    Array.from({ length: DOMAINS }, (_, i) => `d${i}`),
  );
}

function paramsOf(method: string): Record<string, unknown> {
  // Rec networks: the Figure 16 defaults (Conv1D 32, k 5 → GRU 32), no dense hidden width
  const { hidden, ...recSetup } = SETUP;
  const base = method.startsWith('rec-') ? { ...recSetup, epochs: 1 } : { ...SETUP, hidden, epochs: 1 };
  return method.includes('divad') ? { ...base, components: 8, priorHidden: 64, scoring: 'prior' } : base;
}

async function timeMethod(
  method: string,
  steps: number,
  repeats: number,
  scoreRecords: number,
  backend: string,
): Promise<Row> {
  const train = randomWindows(steps * BATCH, 1);
  const scoredWindows = method.endsWith('-vae') ? Math.max(64, Math.floor(scoreRecords / 64)) : scoreRecords;
  const test = randomWindows(scoredWindows, 2);
  const stepMs: number[] = [];
  const rates: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const fitSeconds = async (epochs: number) => {
      const det = createDetector(method, paramsOf(method));
      const t0 = performance.now();
      await det.fit(train, { seed: r, epochs });
      const seconds = (performance.now() - t0) / 1000;
      return { det, seconds };
    };
    const one = await fitSeconds(1);
    one.det.dispose();
    const two = await fitSeconds(2);
    const t0 = performance.now();
    await two.det.scoreWindows(test);
    const seconds = (performance.now() - t0) / 1000;
    two.det.dispose();
    if (r === 0) continue; // warm-up: kernels compiled, buffers grown
    stepMs.push(((two.seconds - one.seconds) * 1000) / steps);
    rates.push(scoredWindows / seconds);
  }
  return {
    backend,
    method,
    msPerStep: median(stepMs),
    msPerStepRange: [Math.min(...stepMs), Math.max(...stepMs)],
    windowsPerSecond: median(rates),
    scoredWindows,
  };
}

function child(
  preference: BackendPreference,
  methods: string[],
  steps: number,
  repeats: number,
  scoreRecords: number,
): Promise<ChildResult<Row>> {
  return backendChild(preference, async (info) => {
    const rows: Row[] = [];
    for (const method of methods) {
      const row = await timeMethod(method, steps, repeats, scoreRecords, info.name);
      rows.push(row);
      process.stderr.write(
        `  ${info.name} ${method}: ${row.msPerStep.toFixed(2)} ` +
          `ms/step, ${Math.round(row.windowsPerSecond)} windows/s\n`,
      );
    }
    return rows;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      // the paper's Table 1 set (docs/divad.md §3.7) and Dense AE
      methods: { type: 'string', default: TABLE_1_METHODS.join(',') },
      backends: { type: 'string', default: 'wasm,cpu' },
      steps: { type: 'string', default: '30' },
      repeats: { type: 'string', default: '3' },
      'score-records': { type: 'string', default: '8192' },
      out: { type: 'string', default: 'bench-results/models.json' },
      child: { type: 'string' },
    },
  });
  const [steps, repeats, scoreRecords] = [
    Number(values.steps),
    Number(values.repeats),
    Number(values['score-records']),
  ];
  for (const [k, v] of Object.entries({ steps, repeats, 'score-records': scoreRecords }))
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer`);
  const methods = values
    .methods!.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  for (const m of methods)
    if (!(TFJS_DETECTOR_IDS as readonly string[]).includes(m))
      throw new Error(`unknown neural method '${m}'; known: ${TFJS_DETECTOR_IDS.join(', ')}`);
  if (values.child) {
    process.stdout.write(
      JSON.stringify(await child(values.child as BackendPreference, methods, steps, repeats, scoreRecords)) + '\n',
    );
    return;
  }
  const t0 = performance.now();
  const results = runPerBackend<Row>(parseBackends(values.backends!), [
    '--methods',
    methods.join(','),
    '--steps',
    String(steps),
    '--repeats',
    String(repeats),
    '--score-records',
    String(scoreRecords),
  ]);
  const rows = results.flatMap((r) => r.rows ?? []);
  const vaeOn = (backend: string) => rows.find((r) => r.backend === backend && r.method === 'dense-vae');
  const table = [
    '| backend | method | median ms/step | min–max | windows/s scored | train time vs Dense VAE | scoring ' +
      'time vs Dense VAE |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const vae = vaeOn(r.backend);
      const ratio = (x: number | undefined) => (x === undefined ? '–' : `${x.toPrecision(3)}×`);
      return (
        `| ${r.backend} | ${r.method} | ${r.msPerStep.toFixed(2)} ` +
        `| ${r.msPerStepRange[0].toFixed(1)}–${r.msPerStepRange[1].toFixed(1)} ` +
        `| ${Math.round(r.windowsPerSecond).toLocaleString('en-US')} ` +
        `| ${ratio(vae && r.msPerStep / vae.msPerStep)} ` +
        `| ${ratio(vae && vae.windowsPerSecond / r.windowsPerSecond)} |`
      );
    }),
  ].join('\n');
  process.stdout.write(
    `\nW ${W}, D ${D}, ${DOMAINS} domains, hidden 200, latent 16, batch ${BATCH}; ${steps} steps per fit, ` +
      `median of ${repeats} after a warm-up\n\n${table}\n`,
  );
  const out = resolve(values.out!);
  writeBenchResults(
    out,
    'models',
    { W, D, domains: DOMAINS, batch: BATCH, steps, repeats, scoreRecords, ...SETUP },
    results,
    t0,
  );
  process.stdout.write(`\nwritten to ${out}\n`);
}

main().catch((e) => {
  process.stderr.write(`models: ${(e as Error).message}\n`);
  process.exit(1);
});
