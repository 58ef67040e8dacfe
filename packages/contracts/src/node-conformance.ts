/**
 * The conformance suite of node detectors (`NodeDetector`: st-dda and the supervised baselines of
 * docs/spatiotemporal.md §2). Every node detector's tests call `describeNodeDetectorConformance`. Like
 * `./conformance`, it runs under jest (uses its globals) and has its own entry point,
 * `@driftwatch/contracts/node-conformance`, so that the main entry stays free of I/O.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeatureMismatchError, NotFittedError, ParameterError } from './errors';
import type { GraphSnapshot } from './graph';
import type { NodeDetector, NodeSeries } from './node-series';
import { mulberry32, normalSampler } from './random';

export interface NodeConformanceSubject {
  /** a fresh, untrained detector with small settings (fast to fit) */
  create: () => NodeDetector;
  /** loads a detector saved with `save` */
  load: (dir: string) => Promise<NodeDetector>;
  /** epochs for iterative detectors (default 3) */
  epochs?: number;
  /** jest timeout per test and per shared fit, ms (default 60 s) */
  timeoutMs?: number;
}

export interface NodeConformanceOptions {
  /** N (default 6) */
  entities?: number;
  /** F (default 3) */
  features?: number;
  /** T of the training series (default 200); validation and test series are shorter */
  length?: number;
  seed?: number;
}

export interface NodeConformanceData {
  /** labelled: supervised detectors learn from its anomalous cells; unsupervised ones get it without labels */
  train: NodeSeries;
  validation: NodeSeries;
  test: NodeSeries;
}

/** first step of an injected anomaly: late enough that detectors with windows of up to 24 steps score it */
const FIRST_ANOMALY_STEP = 24;
/** steps per injected anomaly (consecutive, one entity) */
const ANOMALY_STEPS = 3;
/** added to every feature of an anomalous cell: the normal signal stays within about ±1.5 */
const ANOMALY_SHIFT = 4;

/** The ring 0 – 1 – … – N−1 – 0 as call edges both ways: the static observed graph of the synthetic cluster. */
function ringGraph(entities: string[]): GraphSnapshot {
  const N = entities.length;
  const edges: GraphSnapshot['edges'] = [];
  // N = 2 has one pair, N = 1 none
  const pairs = N > 2 ? N : N - 1;
  for (let i = 0; i < pairs; i++) {
    const j = (i + 1) % N;
    edges.push({ src: i, dst: j, kind: 'call', weight: 1 }, { src: j, dst: i, kind: 'call', weight: 1 });
  }
  return { t: 0, nodes: [...entities], edges };
}

/**
 * One series of the synthetic cluster: entity i's workload w_i(t) = sin(2π(t − i)/20) lags its ring
 * neighbour's by one step; feature f is level_{i,f} + regime shift + (1 − 0.3f)·w_i(t) + 0.1·noise.
 * Regime 2 (the second half) moves every level by +0.8 and doubles the period. `anomalies` runs of
 * three steps at one entity get +4 on every feature and label 1.
 */
function clusterSeries(id: string, N: number, F: number, T: number, anomalies: number, seed: number): NodeSeries {
  const uniform = mulberry32(seed);
  const normal = normalSampler(mulberry32(seed ^ 0x2545f491));
  const entities = Array.from({ length: N }, (_, i) => `node-${i}`);
  const features = Array.from({ length: F }, (_, f) => `metric-${f}`);
  const values = new Float32Array(T * N * F);
  for (let t = 0; t < T; t++) {
    const regime = t < T / 2 ? 0 : 1;
    const period = regime === 0 ? 20 : 40;
    for (let i = 0; i < N; i++) {
      const w = Math.sin((2 * Math.PI * (t - i)) / period);
      for (let f = 0; f < F; f++) {
        const level = 0.3 * (((i + f) % 3) - 1) + 0.8 * regime;
        values[(t * N + i) * F + f] = level + (1 - 0.3 * f) * w + 0.1 * normal();
      }
    }
  }
  const labels = new Uint8Array(T * N);
  const eventOf = new Int16Array(T * N).fill(-1);
  // anomalies spread evenly over [FIRST_ANOMALY_STEP, T − ANOMALY_STEPS), each at a random entity
  const span = T - ANOMALY_STEPS - FIRST_ANOMALY_STEP;
  for (let k = 0; k < anomalies && span > 0; k++) {
    const start = FIRST_ANOMALY_STEP + Math.floor(((k + 0.5) * span) / anomalies);
    const i = Math.floor(uniform() * N);
    for (let t = start; t < start + ANOMALY_STEPS; t++) {
      labels[t * N + i] = 1;
      eventOf[t * N + i] = 0;
      for (let f = 0; f < F; f++) values[(t * N + i) * F + f] += ANOMALY_SHIFT;
    }
  }
  return {
    id,
    entities,
    features,
    length: T,
    values,
    labels,
    eventOf,
    eventTypes: ['level-shift'],
    graphs: [ringGraph(entities)],
  };
}

/**
 * The suite's synthetic cluster (N entities on a ring, F metrics, two regimes, a static observed graph):
 * a labelled training series with 8 anomalies, a validation series without anomalies and a test series
 * with 6. The same options give the same series.
 */
export function nodeConformanceData(opts: NodeConformanceOptions = {}): NodeConformanceData {
  const N = opts.entities ?? 6;
  const F = opts.features ?? 3;
  const T = opts.length ?? 200;
  const seed = opts.seed ?? 11;
  return {
    train: clusterSeries('conformance/train', N, F, T, 8, seed),
    validation: clusterSeries('conformance/validation', N, F, Math.ceil(T / 2), 0, seed + 1),
    test: clusterSeries('conformance/test', N, F, Math.ceil((4 * T) / 5), 6, seed + 2),
  };
}

/** The series without labels and event codes: what an unsupervised detector is fitted on. */
export function withoutLabels(series: NodeSeries): NodeSeries {
  const rest = { ...series };
  delete rest.labels;
  delete rest.eventOf;
  delete rest.eventTypes;
  return rest;
}

/** The series with one more feature (a copy of the first) per entity. */
function withExtraFeature(series: NodeSeries): NodeSeries {
  const N = series.entities.length;
  const F = series.features.length;
  const values = new Float32Array(series.length * N * (F + 1));
  for (let r = 0; r < series.length * N; r++) {
    values.set(series.values.subarray(r * F, (r + 1) * F), r * (F + 1));
    values[r * (F + 1) + F] = series.values[r * F];
  }
  return { ...series, id: `${series.id}+feature`, features: [...series.features, 'extra'], values };
}

export function describeNodeDetectorConformance(name: string, subject: NodeConformanceSubject): void {
  const timeout = subject.timeoutMs ?? 60_000;
  const epochs = subject.epochs ?? 3;
  describe(`${name} node-detector conformance`, () => {
    const data = nodeConformanceData();
    const { test } = data;
    const N = test.entities.length;
    const dirs: string[] = [];
    let fitted: NodeDetector | undefined;
    let fittedScores: Float32Array | undefined;
    /** the training series as this detector is entitled to see it */
    const trainFor = (det: NodeDetector) => (det.supervised ? data.train : withoutLabels(data.train));
    const validationFor = (det: NodeDetector) => (det.supervised ? data.validation : withoutLabels(data.validation));

    beforeAll(async () => {
      const det = subject.create();
      fitted = det;
      const report = await det.fit(trainFor(det), { seed: 1, epochs, validation: validationFor(det) });
      expect(report.seconds).toBeGreaterThanOrEqual(0);
      fittedScores = await det.scoreNodes(test);
    }, timeout);

    afterAll(async () => {
      fitted?.dispose();
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    it('refuses to score or save before fit or load (NotFittedError)', async () => {
      const det = subject.create();
      await expect(det.scoreNodes(test)).rejects.toBeInstanceOf(NotFittedError);
      const dir = await mkdtemp(join(tmpdir(), 'driftwatch-node-conformance-'));
      dirs.push(dir);
      await expect(det.save(join(dir, 'model'))).rejects.toBeInstanceOf(NotFittedError);
      det.dispose();
    });

    it('scores every entity at every step: T·N scores, NaN before step W − 1, finite from there on', () => {
      const det = fitted!;
      const scores = fittedScores!;
      expect(det.featureCount).toBe(test.features.length);
      expect(scores).toBeInstanceOf(Float32Array);
      expect(scores.length).toBe(test.length * N);
      const W = det.windowLength;
      expect(Number.isInteger(W) && W >= 1 && W <= test.length).toBe(true);
      // the first (step, entity) where finiteness is not as the contract says, if any
      const wrong = Array.from(scores).findIndex((s, k) => Number.isFinite(s) !== Math.floor(k / N) >= W - 1);
      expect(
        wrong < 0 ? 'none' : { step: Math.floor(wrong / N), entity: wrong % N, score: scores[wrong], windowLength: W },
      ).toEqual('none');
    });

    it('scores the injected anomalous cells above the normal ones on average', () => {
      const scores = fittedScores!;
      let anomalous = 0;
      let anomalousCount = 0;
      let normal = 0;
      let normalCount = 0;
      for (let k = 0; k < scores.length; k++) {
        if (!Number.isFinite(scores[k])) continue;
        if (test.labels![k] === 1) {
          anomalous += scores[k];
          anomalousCount += 1;
        } else {
          normal += scores[k];
          normalCount += 1;
        }
      }
      expect(anomalousCount).toBeGreaterThan(0);
      expect(anomalous / anomalousCount).toBeGreaterThan(normal / normalCount);
    });

    it(
      'is deterministic under a seed',
      async () => {
        const det = subject.create();
        await det.fit(trainFor(det), { seed: 1, epochs, validation: validationFor(det) });
        expect(Array.from(await det.scoreNodes(test))).toEqual(Array.from(fittedScores!));
        det.dispose();
      },
      timeout,
    );

    it(
      'save → load gives identical scores',
      async () => {
        const det = fitted!;
        const dir = await mkdtemp(join(tmpdir(), 'driftwatch-node-conformance-'));
        dirs.push(dir);
        await det.save(join(dir, 'model'));
        const loaded = await subject.load(join(dir, 'model'));
        expect([loaded.id, loaded.supervised, loaded.windowLength, loaded.featureCount]).toEqual([
          det.id,
          det.supervised,
          det.windowLength,
          det.featureCount,
        ]);
        expect(Array.from(await loaded.scoreNodes(test))).toEqual(Array.from(fittedScores!));
        loaded.dispose();
      },
      timeout,
    );

    it('rejects a series with a different feature count (FeatureMismatchError)', async () => {
      await expect(fitted!.scoreNodes(withExtraFeature(test))).rejects.toBeInstanceOf(FeatureMismatchError);
    });

    it(
      'takes labels only when supervised: a supervised detector refuses a training series without them',
      async () => {
        const det = subject.create();
        if (det.supervised)
          await expect(det.fit(withoutLabels(data.train), { seed: 1, epochs })).rejects.toBeInstanceOf(ParameterError);
        else expect(trainFor(det).labels).toBeUndefined();
        det.dispose();
      },
      timeout,
    );
  });
}
