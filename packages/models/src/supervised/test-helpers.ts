/**
 * Labelled synthetic clusters and a brute-force F1 threshold for the supervised baselines' tests (test code only;
 * not exported from the package entry).
 */
import { mulberry32, normalSampler, type NodeSeries } from '@driftwatch/contracts';

export interface ClusterOptions {
  entities?: number;
  features?: number;
  steps?: number;
  /** anomalous runs, each at one random entity */
  anomalies?: number;
  /** steps per anomalous run */
  runLength?: number;
  /** added to feature 0 (and subtracted, halved, from feature 1) during a run */
  shift?: number;
  /** fraction of values replaced by NaN (missing), drawn independently */
  missing?: number;
}

/**
 * N entities with F metrics: x_{t,i,f} = sin(2π(t + 3i)/16 + f) + 0.3·ε + 0.5·i·[f = 2]. Each anomalous run adds
 * `shift` to metric 0 and −shift/2 to metric 1 of one entity for `runLength` steps and labels those cells 1.
 */
export function labelledCluster(seed: number, opts: ClusterOptions = {}): NodeSeries {
  const N = opts.entities ?? 4;
  const F = opts.features ?? 3;
  const T = opts.steps ?? 240;
  const anomalies = opts.anomalies ?? 8;
  const runLength = opts.runLength ?? 4;
  const shift = opts.shift ?? 3;
  const uniform = mulberry32(seed);
  const normal = normalSampler(mulberry32(seed ^ 0x68e31da4));
  const values = new Float32Array(T * N * F);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      for (let f = 0; f < F; f++)
        values[(t * N + i) * F + f] =
          Math.sin((2 * Math.PI * (t + 3 * i)) / 16 + f) + 0.3 * normal() + (f === 2 ? 0.5 * i : 0);
    }
  }
  const labels = new Uint8Array(T * N);
  for (let a = 0; a < anomalies; a++) {
    const start = Math.floor(uniform() * (T - runLength));
    const i = Math.floor(uniform() * N);
    for (let t = start; t < start + runLength; t++) {
      if (labels[t * N + i]) continue;
      labels[t * N + i] = 1;
      values[(t * N + i) * F] += shift;
      if (F > 1) values[(t * N + i) * F + 1] -= shift / 2;
    }
  }
  if (opts.missing) for (let k = 0; k < values.length; k++) if (uniform() < opts.missing) values[k] = NaN;
  return {
    id: `cluster-${seed}`,
    entities: Array.from({ length: N }, (_, i) => `e${i}`),
    features: Array.from({ length: F }, (_, f) => `m${f}`),
    length: T,
    values,
    labels,
  };
}

/** F1 of the predictions s ≥ τ over the cells with a finite score (2·TP / (2·TP + FP + FN)). */
export function f1At(scores: Float32Array, labels: Uint8Array, threshold: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let k = 0; k < scores.length; k++) {
    if (!Number.isFinite(scores[k])) continue;
    const predicted = scores[k] >= threshold;
    if (predicted && labels[k]) tp++;
    else if (predicted) fp++;
    else if (labels[k]) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** The threshold with the highest F1 among every distinct finite score, by trying each one. */
export function bestF1Threshold(scores: Float32Array, labels: Uint8Array): { threshold: number; f1: number } {
  const candidates = [...new Set(Array.from(scores).filter(Number.isFinite))];
  let best = { threshold: Infinity, f1: 0 };
  for (const threshold of candidates) {
    const f1 = f1At(scores, labels, threshold);
    if (f1 > best.f1) best = { threshold, f1 };
  }
  return best;
}

/** The share of labelled cells among those with a finite score: the F1 of flagging everything is 2p/(1 + p). */
export function positiveRate(scores: Float32Array, labels: Uint8Array): number {
  let positives = 0;
  let count = 0;
  for (let k = 0; k < scores.length; k++) {
    if (!Number.isFinite(scores[k])) continue;
    count++;
    positives += labels[k];
  }
  return positives / count;
}
