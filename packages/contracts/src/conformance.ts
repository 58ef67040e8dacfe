/**
 * The detector conformance suite: every detector's tests call `describeDetectorConformance`.
 * It runs under jest (uses its globals) and is exported from `@driftwatch/contracts/conformance`
 * so that the main entry stays free of I/O.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFeatureAttributing, type Detector } from './detector';
import { FeatureMismatchError, NotFittedError } from './errors';
import { mulberry32, normalSampler } from './random';
import { packedWindowSet } from './window-set';
import type { WindowSet } from './sequence';

export * from './fuzz';

export interface ConformanceSubject {
  /** a fresh, untrained detector with small settings (fast to fit) */
  create: () => Detector;
  /** loads a detector saved with `save` */
  load: (dir: string) => Promise<Detector>;
  /** features per record of the synthetic data (default 4) */
  featureCount?: number;
  /** training windows (default 256) */
  trainCount?: number;
  /** epochs for iterative detectors (default 2) */
  epochs?: number;
  /** jest timeout per test, ms (default 60 s) */
  timeoutMs?: number;
  /**
   * per-feature attributions (count × F) of a fitted detector's windows, checked to be finite and ≥ 0 (default:
   * the detector's own `featureAttributions` where it has one)
   */
  explain?: (detector: Detector, windows: WindowSet) => Promise<Float32Array>;
}

/** The subject's explanation of `windows`, or null where it has none. */
function attributionsOf(subject: ConformanceSubject, det: Detector, windows: WindowSet): Promise<Float32Array> | null {
  if (subject.explain) return subject.explain(det, windows);
  return isFeatureAttributing(det) ? det.featureAttributions(windows) : null;
}

/** Synthetic normal windows from two domains with different means, plus a few outliers for scoring. */
export function conformanceData(
  windowLength: number,
  featureCount: number,
  count: number,
  seed = 7,
): { train: WindowSet; test: WindowSet } {
  const normal = normalSampler(mulberry32(seed));
  const size = windowLength * featureCount;
  const make = (n: number, outliers: number) => {
    const values = new Float32Array(n * size);
    const dom = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      dom[i] = i % 2;
      const shift = dom[i] === 0 ? -0.5 : 0.5;
      const scale = i >= n - outliers ? 6 : 1;
      for (let j = 0; j < size; j++) values[i * size + j] = shift + scale * normal();
    }
    return packedWindowSet(values, windowLength, featureCount, dom, ['a', 'b']);
  };
  return { train: make(count, 0), test: make(32, 4) };
}

export function describeDetectorConformance(name: string, subject: ConformanceSubject): void {
  const F = subject.featureCount ?? 4;
  const timeout = subject.timeoutMs ?? 60_000;
  const epochs = subject.epochs ?? 2;
  describe(`${name} conformance`, () => {
    const probe = subject.create();
    const W = probe.windowLength;
    probe.dispose();
    const { train, test } = conformanceData(W, F, subject.trainCount ?? 256);
    const dirs: string[] = [];
    afterAll(async () => {
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    it(
      'refuses to score or save before fit or load (NotFittedError)',
      async () => {
        const det = subject.create();
        await expect(det.scoreWindows(test)).rejects.toBeInstanceOf(NotFittedError);
        if (isFeatureAttributing(det))
          await expect(det.featureAttributions(test)).rejects.toBeInstanceOf(NotFittedError);
        const dir = await mkdtemp(join(tmpdir(), 'driftwatch-conformance-'));
        dirs.push(dir);
        await expect(det.save(join(dir, 'model'))).rejects.toBeInstanceOf(NotFittedError);
        det.dispose();
      },
      timeout,
    );

    it(
      'fits, gives one finite score per window and explains it by F attributions ≥ 0',
      async () => {
        const det = subject.create();
        const report = await det.fit(train, { seed: 1, epochs, validation: train });
        expect(report.seconds).toBeGreaterThanOrEqual(0);
        expect(det.featureCount).toBe(F);
        const scores = await det.scoreWindows(test);
        expect(scores).toBeInstanceOf(Float32Array);
        expect(scores.length).toBe(test.count);
        for (const s of scores) expect(Number.isFinite(s)).toBe(true);
        // the 4 scaled-up windows at the end are outliers: on average they must score higher
        const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / a.length;
        expect(mean(scores.subarray(28))).toBeGreaterThan(mean(scores.subarray(0, 28)));
        const attributions = await attributionsOf(subject, det, test);
        if (attributions) {
          expect(attributions.length).toBe(test.count * F);
          for (const a of attributions) expect(Number.isFinite(a) && a >= 0).toBe(true);
        }
        det.dispose();
      },
      timeout,
    );

    it(
      'is deterministic under a seed',
      async () => {
        const a = subject.create();
        const b = subject.create();
        await a.fit(train, { seed: 3, epochs, validation: train });
        await b.fit(train, { seed: 3, epochs, validation: train });
        expect(Array.from(await b.scoreWindows(test))).toEqual(Array.from(await a.scoreWindows(test)));
        a.dispose();
        b.dispose();
      },
      timeout,
    );

    it(
      'save → load gives identical scores',
      async () => {
        const det = subject.create();
        await det.fit(train, { seed: 5, epochs, validation: train });
        const dir = await mkdtemp(join(tmpdir(), 'driftwatch-conformance-'));
        dirs.push(dir);
        const modelDir = join(dir, 'model');
        await det.save(modelDir);
        const loaded = await subject.load(modelDir);
        expect(loaded.id).toBe(det.id);
        expect(loaded.featureCount).toBe(F);
        expect(Array.from(await loaded.scoreWindows(test))).toEqual(Array.from(await det.scoreWindows(test)));
        det.dispose();
        loaded.dispose();
      },
      timeout,
    );

    it(
      'rejects windows with a different feature count',
      async () => {
        const det = subject.create();
        await det.fit(train, { seed: 1, epochs, validation: train });
        const wrong = conformanceData(W, F + 1, 8).test;
        await expect(det.scoreWindows(wrong)).rejects.toBeInstanceOf(FeatureMismatchError);
        if (isFeatureAttributing(det))
          await expect(det.featureAttributions(wrong)).rejects.toBeInstanceOf(FeatureMismatchError);
        det.dispose();
      },
      timeout,
    );
  });
}
