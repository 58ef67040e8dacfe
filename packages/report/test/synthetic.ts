import { mulberry32 } from '@driftwatch/contracts';
import { evaluateOverSmoothing, recordScores } from '@driftwatch/eval';
import type { ReportInput, ScoreSeries, SourcedResult } from '../src/input';

/** Labels with `events` anomaly runs of 20–60 records in a sequence of `length` records. */
export function syntheticLabels(length: number, events: number, rand: () => number): Uint8Array {
  const labels = new Uint8Array(length);
  for (let e = 0; e < events; e++) {
    const start = Math.floor(((e + 0.5) / events) * length * 0.9);
    const len = 20 + Math.floor(rand() * 40);
    labels.fill(1, start, Math.min(length, start + len));
  }
  return labels;
}

/**
 * A benchmark's output made up from scratch: per (method, server) window scores that are higher inside anomaly
 * runs by `separation`, calibration scores from the normal distribution, and results lines computed from them
 * exactly as the benchmark does (peak F1 per smoothing factor, deployed thresholds).
 */
export function syntheticReportInput(
  options: {
    methods?: string[];
    servers?: number;
    length?: number;
    smoothings?: number[];
    windowLength?: number;
    seed?: number;
  } = {},
): ReportInput {
  const methods = options.methods ?? ['dense-divad-gm', 'iforest'];
  const servers = options.servers ?? 3;
  const length = options.length ?? 600;
  const smoothings = options.smoothings ?? [0, 0.8, 0.9];
  const W = options.windowLength ?? 5;
  const rand = mulberry32(options.seed ?? 1);
  const results: SourcedResult[] = [];
  const series: ScoreSeries[] = [];
  methods.forEach((method, m) => {
    for (let s = 1; s <= servers; s++) {
      const testSequence = `asd/omi-${s}`;
      const labels = syntheticLabels(length, 3, rand);
      const separation = 1 + m + s * 0.5;
      const windowScores = Float64Array.from(
        { length: length - W + 1 },
        (_, i) => rand() + (labels[i + W - 1] ? separation * rand() : 0),
      );
      const calibration = [0, 1].map(() => Float64Array.from({ length: 200 }, () => rand()));
      const testScores = recordScores(windowScores, W, 0);
      series.push({ method, dataset: 'asd', testSequence, windowLength: W, testScores, labels, calibration });
      for (const { smoothing, result: r, deployed } of evaluateOverSmoothing(windowScores, labels, W, {
        grid: smoothings,
        calibration,
      })) {
        results.push({
          method,
          dataset: 'asd',
          testSequence,
          smoothing,
          peakF1: r.peakF1,
          precision: r.precision,
          recall: r.recall,
          threshold: r.threshold,
          aucPr: r.aucPr,
          deployed,
          trainSeconds: 1,
          scoreSeconds: 0.1,
          backend: method.includes('divad') ? 'wasm' : 'js',
          seed: 0,
          params: { windowLength: W, ...(method.includes('divad') ? { epochs: 10 } : {}) },
          epochs: method.includes('divad') ? 10 : 1,
          command: 'driftwatch bench asd-loso --methods ' + methods.join(','),
          source: 'synthetic/results.jsonl',
        });
      }
    }
  });
  // latent points: zd separates the servers, zy mixes them
  const latent = methods
    .filter((m) => m.includes('divad'))
    .map((method) => ({
      method,
      testSequence: 'asd/omi-1',
      latentDim: 4,
      explained: { zy: [0.4, 0.2], zd: [0.6, 0.3] },
      points: Array.from({ length: 90 }, (_, i) => {
        const server = i % 3;
        return {
          domain: `omi-${server + 1}`,
          split: (server === 0 ? 'test' : 'validation') as 'test' | 'validation',
          label: server === 0 && i % 9 === 0 ? 1 : 0,
          zy: [rand(), rand()] as [number, number],
          zd: [server * 3 + rand(), rand()] as [number, number],
        };
      }),
    }));
  return {
    generatedAt: '2026-01-01T00:00:00.000Z',
    results,
    series,
    latent,
    runs: [
      {
        source: 'synthetic',
        command: 'driftwatch bench asd-loso',
        startedAt: '2026-01-01T00:00:00.000Z',
        backend: { name: 'wasm', versions: { 'tfjs-core': '4.22.0' } },
        machine: { cpus: 2 },
        data: { dataset: 'asd', files: [{ path: 'asd/train/omi-1.txt', sha256: 'ab'.repeat(32), lock: 'ok' }] },
      },
    ],
  };
}
