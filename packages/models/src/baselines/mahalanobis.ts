import {
  assertWindowShape,
  InputError,
  ParameterError,
  type Detector,
  type FitOptions,
  type FitReport,
  type ManifestContext,
  type WindowSet,
} from '@driftwatch/contracts';
import { join } from 'node:path';
import { fitOriginMahalanobisRows, originMahalanobisScoresOfRows, type OriginMahalanobis } from '../linalg';
import { readManifest, readModelFile, writeModelDir } from '../model-dir';
import { decodeFloat64, encodeFloat64, notFitted, parseJsonFile, positiveInteger, rejectUnknownKeys, shallowManifest } from './common';
import { assertFiniteWindows } from './windows';

export interface MahalanobisConfig {
  /** records per window; a window is flattened to W·D features */
  windowLength: number;
}

const ID = 'mahalanobis';
const MODEL_FILE = 'mahalanobis.json';

interface Fitted {
  model: OriginMahalanobis;
  featureCount: number;
  domains: string[];
  seed: number;
}

/**
 * Mahalanobis baseline (Shyu et al. 2003; divad.md §4): PCA with all components of the flattened
 * normal windows, score Σ_j (x·v_j)²/λ_j without centring (see `eigenvalueFloor` for λ_j ≈ 0).
 */
export class Mahalanobis implements Detector<MahalanobisConfig> {
  readonly id = ID;
  readonly config: Readonly<MahalanobisConfig>;
  private fitted: Fitted | undefined;

  constructor(params: Partial<MahalanobisConfig> | Record<string, unknown> = {}) {
    const p = params as Record<string, unknown>;
    rejectUnknownKeys(p, ['windowLength'], ID);
    this.config = Object.freeze({ windowLength: positiveInteger(p, 'windowLength', 1, ID) });
  }

  get windowLength(): number {
    return this.config.windowLength;
  }

  get featureCount(): number | undefined {
    return this.fitted?.featureCount;
  }

  /** The fitted Gaussian (read-only use). */
  get model(): OriginMahalanobis | undefined {
    return this.fitted?.model;
  }

  async fit(train: WindowSet, opts: FitOptions): Promise<FitReport> {
    const start = performance.now();
    assertWindowShape(train, this.windowLength, undefined);
    if (train.count < 2) throw new ParameterError(`${ID}: needs at least 2 training windows for a covariance, got ${train.count}`);
    assertFiniteWindows(train, ID);
    opts.signal?.throwIfAborted();
    const model = fitOriginMahalanobisRows((i) => train.window(i), train.count, train.windowLength * train.featureCount);
    this.fitted = { model, featureCount: train.featureCount, domains: [...train.domains], seed: opts.seed };
    opts.onProgress?.({ epoch: 1, epochs: 1, phase: 'fit-density' });
    return { epochs: 1, seconds: (performance.now() - start) / 1000 };
  }

  async scoreWindows(windows: WindowSet): Promise<Float32Array> {
    const fitted = this.fitted;
    if (!fitted) throw notFitted(ID);
    assertWindowShape(windows, this.windowLength, fitted.featureCount);
    assertFiniteWindows(windows, ID);
    return Float32Array.from(originMahalanobisScoresOfRows(fitted.model, (i) => windows.window(i), windows.count));
  }

  async save(dir: string, context?: ManifestContext): Promise<void> {
    const fitted = this.fitted;
    if (!fitted) throw notFitted(ID);
    const m = fitted.model;
    const weights = {
      format: 1,
      dimension: m.dimension,
      axes: encodeFloat64(Float64Array.from(m.axes)),
      variances: encodeFloat64(Float64Array.from(m.variances)),
      floor: m.floor,
      mean: encodeFloat64(Float64Array.from(m.mean)),
    };
    const manifest = shallowManifest(
      { detector: ID, config: { ...this.config }, featureCount: fitted.featureCount, windowLength: this.windowLength, domains: fitted.domains, seed: fitted.seed },
      context,
    );
    await writeModelDir(dir, manifest, { [MODEL_FILE]: JSON.stringify(weights) + '\n' });
  }

  static async load(dir: string): Promise<Mahalanobis> {
    const manifest = await readManifest(dir, ID);
    const det = new Mahalanobis(manifest.config);
    const file = join(dir, MODEL_FILE);
    const json = parseJsonFile((await readModelFile(dir, MODEL_FILE)).toString('utf8'), file);
    const d = json.dimension;
    const expected = manifest.featureCount * manifest.windowLength;
    if (json.format !== 1 || d !== expected) throw new InputError({ file }, `a Mahalanobis model of format 1 with dimension ${expected}`, String(d));
    if (typeof json.floor !== 'number' || !(json.floor > 0)) throw new InputError({ file }, 'a positive eigenvalue floor', String(json.floor));
    const model: OriginMahalanobis = {
      dimension: expected,
      axes: Array.from(decodeFloat64(json.axes, 'axes', file, expected * expected)),
      variances: Array.from(decodeFloat64(json.variances, 'variances', file, expected)),
      floor: json.floor,
      mean: Array.from(decodeFloat64(json.mean, 'mean', file, expected)),
    };
    det.fitted = { model, featureCount: manifest.featureCount, domains: manifest.domains, seed: manifest.seed };
    return det;
  }

  dispose(): void {
    // plain arrays: nothing native to release
  }
}
