import {
  NotFittedError,
  assertWindowShape,
  type Detector,
  type FitOptions,
  type FeatureAttributing,
  type FitReport,
  type ManifestContext,
  type WindowSet,
} from '@driftwatch/contracts';
import { join } from 'node:path';
import { openModelDir, writeModelDir } from '../model-dir';
import { parseJsonFile, shallowManifest } from './common';
import { assertFiniteWindows } from './windows';

/** What a shallow detector knows once fitted: its model and the shape of the data it saw. */
export interface ShallowFit<Model> {
  model: Model;
  featureCount: number;
  domains: string[];
  seed: number;
}

/**
 * The part every JavaScript-only detector shares (fit in one pass, no tensors): shape and finiteness checks,
 * the fitted state, and the model directory (manifest + one JSON model file). Subclasses supply the maths:
 * `fitModel`, `scoreModel` and the JSON form of their model.
 */
export abstract class ShallowDetector<Config extends { windowLength: number }, Model>
  implements Detector<Config>, FeatureAttributing
{
  abstract readonly id: string;
  readonly config: Readonly<Config>;
  protected fitted: ShallowFit<Model> | undefined;
  /** FitProgress phase reported when fitting ends */
  protected abstract readonly fitPhase: string;
  /** the JSON file inside the model directory */
  protected abstract readonly modelFile: string;

  protected constructor(config: Config) {
    this.config = Object.freeze(config);
  }

  get windowLength(): number {
    return this.config.windowLength;
  }

  get featureCount(): number | undefined {
    return this.fitted?.featureCount;
  }

  protected abstract fitModel(train: WindowSet, opts: FitOptions): Model;
  protected abstract scoreModel(model: Model, windows: WindowSet): Float32Array;
  protected abstract modelToJson(model: Model): Record<string, unknown>;
  /**
   * Each flattened value's non-negative part in the window's score (W·D values, record-major): the exact terms
   * where the score is a sum of them. `valueTerms` returns a function reused for every window (buffers inside).
   */
  protected abstract valueTerms(model: Model): (window: Float32Array) => ArrayLike<number>;

  async fit(train: WindowSet, opts: FitOptions): Promise<FitReport> {
    const start = performance.now();
    assertWindowShape(train, this.windowLength, undefined);
    assertFiniteWindows(train, this.id);
    opts.signal?.throwIfAborted();
    const model = this.fitModel(train, opts);
    this.fitted = { model, featureCount: train.featureCount, domains: [...train.domains], seed: opts.seed };
    opts.onProgress?.({ epoch: 1, epochs: 1, phase: this.fitPhase });
    return { epochs: 1, seconds: (performance.now() - start) / 1000 };
  }

  /** the fitted state, once `windows` are checked to be finite and of the fitted shape */
  private fittedFor(windows: WindowSet): ShallowFit<Model> {
    const fitted = this.fitted;
    if (!fitted) throw new NotFittedError(this.id);
    assertWindowShape(windows, this.windowLength, fitted.featureCount);
    assertFiniteWindows(windows, this.id);
    return fitted;
  }

  async scoreWindows(windows: WindowSet): Promise<Float32Array> {
    return this.scoreModel(this.fittedFor(windows).model, windows);
  }

  /** a_f = Σ_t (value term of record t, feature f): each feature's terms summed over the window's records */
  async featureAttributions(windows: WindowSet): Promise<Float32Array> {
    const fitted = this.fittedFor(windows);
    const F = fitted.featureCount;
    const termsOf = this.valueTerms(fitted.model);
    const out = new Float32Array(windows.count * F);
    for (let i = 0; i < windows.count; i++) {
      const terms = termsOf(windows.window(i));
      for (let k = 0; k < terms.length; k++) out[i * F + (k % F)] += terms[k];
    }
    return out;
  }

  async save(dir: string, context?: ManifestContext): Promise<void> {
    const fitted = this.fitted;
    if (!fitted) throw new NotFittedError(this.id);
    const manifest = shallowManifest(
      {
        detector: this.id,
        config: { ...this.config },
        featureCount: fitted.featureCount,
        windowLength: this.windowLength,
        domains: fitted.domains,
        seed: fitted.seed,
      },
      context,
    );
    await writeModelDir(dir, manifest, { [this.modelFile]: JSON.stringify(this.modelToJson(fitted.model)) + '\n' });
  }

  /**
   * Loads a model directory: `create` builds the detector from the saved config, `fromJson` checks and decodes
   * the model file for the manifest's W·D (throwing InputError naming the file when it is damaged).
   */
  protected static async loadShallow<D extends ShallowDetector<{ windowLength: number }, M>, M>(
    dir: string,
    id: string,
    modelFile: string,
    create: (config: Record<string, unknown>) => D,
    fromJson: (json: Record<string, unknown>, file: string, dimension: number) => M,
  ): Promise<D> {
    const { manifest, files } = await openModelDir(dir, id);
    const det = create(manifest.config);
    const file = join(dir, modelFile);
    const json = parseJsonFile((await files.bytes(modelFile)).toString('utf8'), file);
    const model = fromJson(json, file, manifest.featureCount * manifest.windowLength);
    det.fitted = { model, featureCount: manifest.featureCount, domains: manifest.domains, seed: manifest.seed };
    return det;
  }

  dispose(): void {
    // plain arrays: nothing native to release
  }
}
