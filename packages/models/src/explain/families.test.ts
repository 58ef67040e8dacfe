/**
 * Every detector family explains an alarm by the feature that caused it: trained on normal windows of six
 * correlated sines, each family is shown windows where one feature (1…5 in turn, never feature 0, so that
 * uniform or all-zero attributions fail) is shifted by several standard deviations, and `explainWindows` must
 * rank that feature first in nearly every window.
 */
import { mulberry32, normalSampler, packedWindowSet, type Detector, type WindowSet } from '@driftwatch/contracts';
import { initBackend } from '../backend';
import { createDetector } from '../registry';
import type { DetectorParams } from '../descriptor';
import { explainWindows, topFeatures } from './index';

const F = 6;
/** a feature's standard deviation is about 0.71 (a unit sine plus noise of 0.1) */
const SHIFT = 4;
const ANOMALIES = 20;

/**
 * n windows of W records of F sines sharing one random phase θ per window: x_f(t) = sin(θ + 0.3·t + 0.9·f) + 0.1·ε
 * (no two features exact mirror images).
 * Window i of the set gets +SHIFT on feature `shifted(i)` in every record, where that is defined.
 */
function sineWindows(n: number, W: number, seed: number, shifted?: (i: number) => number): WindowSet {
  const uniform = mulberry32(seed);
  const normal = normalSampler(mulberry32(seed + 1));
  const values = new Float32Array(n * W * F);
  for (let i = 0; i < n; i++) {
    const theta = 2 * Math.PI * uniform();
    const target = shifted?.(i);
    for (let t = 0; t < W; t++)
      for (let f = 0; f < F; f++) {
        const shift = f === target ? SHIFT : 0;
        values[(i * W + t) * F + f] = Math.sin(theta + 0.3 * t + 0.9 * f) + 0.1 * normal() + shift;
      }
  }
  return packedWindowSet(values, W, F, new Uint8Array(n), ['normal']);
}

/** feature 1 + i mod 5: every feature but 0, four windows each */
const injected = (i: number) => 1 + (i % (F - 1));

interface FamilyCase {
  id: string;
  params: DetectorParams;
  /** 'model' for the families with their own decomposition, 'occlusion' for the rest */
  method: 'model' | 'occlusion';
  /** Σ_f a_f is the window's score */
  sumsToScore?: boolean;
  /** training windows (default 256) and epochs (default 20) */
  train?: number;
  epochs?: number;
  /** anomalous windows (of 20) where another feature may rank first (default 1) */
  misses?: number;
}

const training = { learningRate: 3e-3, batchSize: 32 };
const rec = { convFilters: 4, kernelSize: 3, gruUnits: 8 };

const CASES: FamilyCase[] = [
  { id: 'pca', params: { windowLength: 3, components: 4 }, method: 'model', sumsToScore: true },
  { id: 'mahalanobis', params: { windowLength: 3 }, method: 'model', sumsToScore: true },
  { id: 'iforest', params: { windowLength: 3, nEstimators: 100 }, method: 'model' },
  {
    id: 'dense-ae',
    params: { windowLength: 3, hidden: 16, latentDim: 3, ...training },
    method: 'model',
    sumsToScore: true,
  },
  { id: 'rec-ae', params: { windowLength: 4, latentDim: 3, ...rec, ...training }, method: 'model', sumsToScore: true },
  {
    id: 'dense-vae',
    params: { windowLength: 3, hidden: 16, latentDim: 3, scoreSamples: 8, ...training },
    method: 'model',
  },
  { id: 'rec-vae', params: { windowLength: 4, latentDim: 3, scoreSamples: 8, ...rec, ...training }, method: 'model' },
  { id: 'lstm-ad', params: { windowLength: 4, lstmUnits: [8], ...training }, method: 'model' },
  { id: 'tranad', params: { windowLength: 4, feedForward: 8, ...training }, method: 'model', sumsToScore: true },
  {
    id: 'omnianomaly',
    params: { windowLength: 4, units: 8, zDim: 2, flows: 2, ...training },
    method: 'model',
    // its one posterior sample follows the shifted value, so the decoder misplaces the features that move with it:
    // 18 of 20 (both misses on feature 2, ranked second after feature 5 or 1); 40 epochs do no better
    misses: 2,
  },
  {
    id: 'mscred',
    params: {
      windowLength: 4,
      signatureLengths: [2, 1],
      steps: 2,
      encoder: [
        { filters: 4, kernel: 3, stride: 1 },
        { filters: 4, kernel: 2, stride: 2 },
      ],
      ...training,
    },
    method: 'model',
    sumsToScore: true,
  },
  // DIVAD explains by imputing each feature from the others with its decoder, so the decoder must have learnt the
  // sines: with 256 windows and 20 epochs 2 (dense) and 4 (rec) of 20 windows had another feature first, with 512
  // and 40 none and 2
  {
    id: 'dense-divad-g',
    params: { windowLength: 3, hidden: 16, latentDim: 4, priorHidden: 8, ...training },
    method: 'model',
    train: 512,
    epochs: 40,
  },
  {
    id: 'rec-divad-gm',
    // its prior's score ranks these shifted windows below normal ones (ROC AUC 0.39; the prior moves about one
    // learning rate per step), so there is nothing of the shift to explain: the aggregated posterior's (0.97) is
    params: {
      windowLength: 4,
      latentDim: 3,
      components: 2,
      priorHidden: 4,
      scoring: 'aggregated-posterior',
      ...rec,
      ...training,
    },
    method: 'model',
    train: 512,
    epochs: 40,
    misses: 2,
  },
  {
    id: 'dense-dsvdd',
    params: { windowLength: 3, hidden: 16, repDim: 4, ...training },
    method: 'occlusion',
    // a distance in a learned embedding: holding a normal feature at its mean can move φ(x) as far (18–19 of 20)
  },
];

describe.each(CASES)('$id explains a shifted feature', ({ id, params, method, sumsToScore, train, epochs, misses }) => {
  let det: Detector;
  beforeAll(async () => {
    await initBackend('wasm');
    det = createDetector(id, params);
    await det.fit(sineWindows(train ?? 256, det.windowLength, 1), { seed: 0, epochs: epochs ?? 20 });
  }, 120_000);
  afterAll(() => det.dispose());

  it('ranks the injected feature first in nearly every anomalous window', async () => {
    const anomalous = sineWindows(ANOMALIES, det.windowLength, 2, injected);
    const { attributions, method: used } = await explainWindows(det, anomalous);
    expect(used).toBe(method);
    expect(attributions.length).toBe(ANOMALIES * F);
    for (const a of attributions) expect(a >= 0 && Number.isFinite(a)).toBe(true);
    const missed = Array.from({ length: ANOMALIES }, (_, i) => i).filter(
      (i) => topFeatures(attributions, F, i, 1)[0] !== injected(i),
    );
    expect(missed.length).toBeLessThanOrEqual(misses ?? 1);
  });

  if (sumsToScore)
    it('splits each window’s score exactly: the attributions sum to it', async () => {
      const windows = sineWindows(8, det.windowLength, 3, (i) => (i < 4 ? injected(i) : -1));
      const scores = await det.scoreWindows(windows);
      const { attributions } = await explainWindows(det, windows);
      for (let i = 0; i < windows.count; i++) {
        const total = attributions.subarray(i * F, (i + 1) * F).reduce((s, a) => s + a, 0);
        expect(Math.abs(total - scores[i])).toBeLessThanOrEqual(1e-4 * Math.abs(scores[i]) + 1e-6);
      }
    });
});
