import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { pairwiseAuc } from '../testing/synthetic-windows';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FeatureMismatchError,
  InputError,
  ParameterError,
  mulberry32,
  normalSampler,
  packedWindowSet,
  type WindowSet,
} from '@driftwatch/contracts';
import { describeDetectorConformance } from '@driftwatch/contracts/conformance';
import { initBackend, tf } from '../backend';
import { fitGaussianMixture } from '../density';
import { Divad, IMPUTATION_STEPS } from './divad';
import { writeModelFileRehashed } from '../testing/model-files';

const small = { hidden: 16, latentDim: 4, components: 2, priorHidden: 8, epochs: 2, batchSize: 32 };

const smallRec = {
  network: 'rec' as const,
  windowLength: 4,
  convFilters: 4,
  kernelSize: 3,
  gruUnits: 4,
  latentDim: 3,
  components: 2,
  priorHidden: 4,
  epochs: 2,
  batchSize: 32,
};

// the registry's conformance run covers the four ids at stride 1; a stride shortens the GRU's sequence (W′ < W)
// and makes the decoder crop
describeDetectorConformance('rec-divad-g (stride 2)', {
  create: () => new Divad({ variant: 'G', ...smallRec, stride: 2 }),
  load: (dir) => Divad.load(dir),
});

/** windows from two domains that differ in mean and in the correlation between features */
function twoDomains(n: number, seed: number, windowLength = 1, features = 6): WindowSet {
  const normal = normalSampler(mulberry32(seed));
  const size = windowLength * features;
  const values = new Float32Array(n * size);
  const dom = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    dom[i] = i % 2;
    const common = normal();
    for (let j = 0; j < size; j++)
      values[i * size + j] = (dom[i] ? 1 : -1) + (j % 2 ? common : -common) + 0.3 * normal();
  }
  return packedWindowSet(values, windowLength, features, dom, ['left', 'right']);
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'dense-divad-'));
  dirs.push(d);
  return d;
}

describe('Divad', () => {
  const train = twoDomains(384, 1);
  const validation = twoDomains(128, 2);
  const test = twoDomains(40, 3);

  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('lowers the validation loss over a short training run and reports it per epoch', async () => {
    const det = new Divad({ variant: 'GM', ...small, hidden: 32, epochs: 15, alpha: 10 });
    const progress: number[] = [];
    const report = await det.fit(train, {
      seed: 0,
      validation,
      onProgress: (p) => p.valLoss !== undefined && progress.push(p.valLoss),
    });
    expect(report.epochs).toBe(15);
    expect(report.valLoss).toHaveLength(15);
    expect(progress).toEqual(report.valLoss);
    expect(report.bestValLoss!).toBeLessThan(report.valLoss![0] - 1);
    expect(report.bestValLoss).toBe(Math.min(...report.valLoss!));
    det.dispose();
  });

  it(
    'trains with α = 0: the domain classifier gets no gradient, so (without weight decay) it keeps its ' +
      'initial weights',
    async () => {
      const before = new Divad({ variant: 'GM', ...small, alpha: 0, weightDecay: 0, epochs: 1 });
      const after = new Divad({ variant: 'GM', ...small, alpha: 0, weightDecay: 0, epochs: 3 });
      // the same seed gives the same initial weights; one run stops after 1 epoch, the other after 3
      await before.fit(train, { seed: 5, epochs: 1 });
      await after.fit(train, { seed: 5 });
      const [w1, w3] = [before.parameterValues(), after.parameterValues()];
      expect(Array.from(w3.get('cls/head/kernel')!.values)).toEqual(Array.from(w1.get('cls/head/kernel')!.values));
      expect(Array.from(w3.get('enc_y/head/kernel')!.values)).not.toEqual(
        Array.from(w1.get('enc_y/head/kernel')!.values),
      );
      const scores = await after.scoreWindows(test);
      expect(scores.every((x) => Number.isFinite(x))).toBe(true);
      before.dispose();
      after.dispose();
    },
  );

  describe.each(['G', 'GM'] as const)('trained %s', (variant) => {
    let det: Divad;
    const L = small.latentDim;
    beforeAll(async () => {
      det = new Divad({ variant, ...small, epochs: 3 });
      await det.fit(train, { seed: 4, validation });
    });
    afterAll(() => det.dispose());

    it.each(['y', 'd'] as const)('posterior means equal a plain-JS forward pass of the z%s encoder', async (which) => {
      const w = det.parameterValues();
      const mu = await det.posteriorMeans(test, which);
      const dense = (x: ArrayLike<number>, name: string, out: number, relu: boolean) => {
        const k = w.get(`${name}/kernel`)!.values;
        const b = w.get(`${name}/bias`)!.values;
        return Array.from({ length: out }, (_, o) => {
          let s = b[o];
          for (let i = 0; i < x.length; i++) s += x[i] * k[i * out + o];
          return relu ? Math.max(0, s) : s;
        });
      };
      for (let i = 0; i < test.count; i++) {
        const h = dense(test.window(i), `enc_${which}/dense_0`, small.hidden, true);
        const head = dense(h, `enc_${which}/head`, 2 * L, false);
        for (let j = 0; j < L; j++) expect(mu[i * L + j]).toBeCloseTo(head[j], 4);
      }
    });

    it('prior scores are −ln p(μ) computed directly from the prior', async () => {
      const mu = await det.posteriorMeans(test);
      const scores = await det.scoreWindowsWith(test, 'prior');
      const w = det.parameterValues();
      for (let i = 0; i < test.count; i++) {
        const m = Array.from(mu.subarray(i * L, (i + 1) * L));
        let expected: number;
        if (variant === 'G') {
          // −ln N(μ; 0, I) = ½‖μ‖² + (L/2) ln 2π
          expected = 0.5 * m.reduce((s, v) => s + v * v, 0) + (L / 2) * Math.log(2 * Math.PI);
        } else {
          const logits = w.get('prior_y/logits')!.values;
          const means = w.get('prior_y/means')!.values;
          const raw = w.get('prior_y/raw_scales')!.values;
          const z = Array.from(logits).reduce((s, v) => s + Math.exp(v), 0);
          let p = 0;
          for (let k = 0; k < small.components; k++) {
            let dens = Math.exp(logits[k]) / z;
            for (let j = 0; j < L; j++) {
              const s = 1e-4 + Math.log(1 + Math.exp(raw[k * L + j]));
              dens *= Math.exp(-((m[j] - means[k * L + j]) ** 2) / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI));
            }
            p += dens;
          }
          expected = -Math.log(p);
        }
        expect(Math.abs(scores[i] - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
      }
    });

    it('fits the aggregated posterior to the posterior means of the training and validation windows', async () => {
      const all = new Float32Array((train.count + validation.count) * L);
      all.set(await det.posteriorMeans(train));
      all.set(await det.posteriorMeans(validation), train.count * L);
      const n = train.count + validation.count;
      const ap = det.aggregatedPosterior!;
      const mu = await det.posteriorMeans(test);
      const scores = await det.scoreWindowsWith(test, 'aggregated-posterior');
      if (variant === 'G') {
        expect(ap.kind).toBe('origin-mahalanobis');
        if (ap.kind !== 'origin-mahalanobis') return;
        for (let j = 0; j < L; j++) {
          let mean = 0;
          for (let i = 0; i < n; i++) mean += all[i * L + j] / n;
          expect(ap.model.mean[j]).toBeCloseTo(mean, 5);
        }
        // Σ_j (μ·v_j)²/λ_j, no centring (docs/divad.md §3.5)
        for (let i = 0; i < test.count; i++) {
          let s = 0;
          for (let j = 0; j < L; j++) {
            let proj = 0;
            for (let q = 0; q < L; q++) proj += mu[i * L + q] * ap.model.axes[j * L + q];
            s += (proj * proj) / ap.model.variances[j];
          }
          expect(scores[i]).toBeCloseTo(s, 3);
        }
      } else {
        expect(ap.kind).toBe('gaussian-mixture');
        expect(ap.model).toEqual(fitGaussianMixture(all, n, L, { components: small.components, seed: 0 }));
        expect(scores.every(Number.isFinite)).toBe(true);
      }
      expect(await det.scoreWindows(test)).toEqual(
        await det.scoreWindowsWith(test, variant === 'G' ? 'aggregated-posterior' : 'prior'),
      );
    });

    it('explains by imputation: a_f = s(x) − s(x with f imputed by encoder–decoder passes), in plain JS', async () => {
      const w = det.parameterValues();
      const F = test.featureCount;
      const dense = (x: readonly number[], name: string, out: number, relu: boolean) => {
        const k = w.get(`${name}/kernel`)!.values;
        const b = w.get(`${name}/bias`)!.values;
        return Array.from({ length: out }, (_, o) => {
          let s = b[o];
          for (let i = 0; i < x.length; i++) s += x[i] * k[i * out + o];
          return relu ? Math.max(0, s) : s;
        });
      };
      const mean = (x: number[], which: 'y' | 'd') =>
        dense(dense(x, `enc_${which}/dense_0`, small.hidden, true), `enc_${which}/head`, 2 * L, false).slice(0, L);
      // W = 1: the decoder head gives D means, then D raw scales
      const decoded = (x: number[]) =>
        dense(dense([...mean(x, 'y'), ...mean(x, 'd')], 'dec/dense_0', small.hidden, true), 'dec/head', 2 * F, false);
      const imputed: number[] = [];
      for (let i = 0; i < test.count; i++)
        for (let f = 0; f < F; f++) {
          const x = Array.from(test.window(i));
          for (let step = 0; step < IMPUTATION_STEPS; step++) x[f] = decoded(x)[f];
          imputed.push(...x);
        }
      const without = await det.scoreWindows(packedWindowSet(Float32Array.from(imputed), 1, F));
      const base = await det.scoreWindows(test);
      const attributions = await det.featureAttributions(test);
      for (let i = 0; i < test.count; i++)
        for (let f = 0; f < F; f++) {
          const expected = Math.max(0, base[i] - without[i * F + f]);
          expect(Math.abs(attributions[i * F + f] - expected)).toBeLessThan(1e-3 * Math.max(1, Math.abs(base[i])));
        }
    });

    it("with apFit 'train' fits the aggregated posterior to the training windows' posterior means alone", async () => {
      const own = new Divad({ variant, ...small, epochs: 1, apFit: 'train' });
      await own.fit(train, { seed: 4, validation });
      const mu = await own.posteriorMeans(train);
      const ap = own.aggregatedPosterior!;
      if (ap.kind === 'gaussian-mixture')
        expect(ap.model).toEqual(fitGaussianMixture(mu, train.count, L, { components: small.components, seed: 0 }));
      else
        for (let j = 0; j < L; j++) {
          let m = 0;
          for (let i = 0; i < train.count; i++) m += mu[i * L + j] / train.count;
          expect(ap.model.mean[j]).toBeCloseTo(m, 5);
        }
      own.dispose();
    });

    it('saves a manifest with provenance and weight files, and loads to identical scores', async () => {
      const dir = join(await tempDir(), 'model');
      await det.save(dir, {
        featureNames: ['a', 'b', 'c', 'd', 'e', 'f'],
        trainedOn: { dataset: 'synthetic', sequences: ['s1'] },
      });
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({
        format: 2,
        detector: variant === 'G' ? 'dense-divad-g' : 'dense-divad-gm',
        featureCount: 6,
        windowLength: 1,
        domains: ['left', 'right'],
        backend: 'wasm',
        seed: 4,
        featureNames: ['a', 'b', 'c', 'd', 'e', 'f'],
        trainedOn: { dataset: 'synthetic', sequences: ['s1'] },
        metrics: { epochs: 3 },
      });
      expect(manifest.files.map((f: { name: string }) => f.name)).toEqual([
        'weights.bin',
        'weights.json',
        'densities.json',
      ]);
      expect(manifest.config).toEqual({ ...det.config });
      expect(manifest.versions['tfjs-core']).toBe(tf.version_core);
      expect(typeof manifest.metrics.bestValLoss).toBe('number');
      const index = JSON.parse(await readFile(join(dir, 'weights.json'), 'utf8'));
      const bin = await readFile(join(dir, 'weights.bin'));
      const total = index.weights.reduce(
        (s: number, e: { shape: number[] }) => s + e.shape.reduce((a, b) => a * b, 1),
        0,
      );
      expect(bin.byteLength).toBe(total * 4);
      // the first kernel, read back as little-endian float32, is the trained one
      const first = index.weights[0];
      const values = det.parameterValues().get(first.name)!.values;
      expect(bin.readFloatLE(first.offset * 4 + 8)).toBe(values[2]);
      const loaded = await Divad.load(dir);
      expect(loaded.domains).toEqual(['left', 'right']);
      for (const s of ['prior', 'aggregated-posterior'] as const) {
        expect(Array.from(await loaded.scoreWindowsWith(test, s))).toEqual(
          Array.from(await det.scoreWindowsWith(test, s)),
        );
      }
      loaded.dispose();
    });

    it('rejects windows of another shape with a FeatureMismatchError', async () => {
      await expect(det.scoreWindows(twoDomains(4, 9, 1, 5))).rejects.toBeInstanceOf(FeatureMismatchError);
      await expect(det.scoreWindows(twoDomains(4, 9, 2, 3))).rejects.toBeInstanceOf(FeatureMismatchError);
    });
  });

  it('load rejects damaged model directories with an InputError', async () => {
    const det = new Divad({ variant: 'G', ...small, epochs: 1 });
    await det.fit(train, { seed: 0 });
    const dir = join(await tempDir(), 'model');
    await det.save(dir);
    det.dispose();
    const index = JSON.parse(await readFile(join(dir, 'weights.json'), 'utf8'));
    index.weights[0].shape = [7, 16];
    await writeModelFileRehashed(dir, 'weights.json', JSON.stringify(index));
    await expect(Divad.load(dir)).rejects.toBeInstanceOf(InputError);
    await writeModelFileRehashed(dir, 'weights.json', '{ not json');
    await expect(Divad.load(dir)).rejects.toThrow(/weights\.json.*valid JSON/);
  });

  it('rejects validation windows from a domain it was not trained on', async () => {
    const det = new Divad({ variant: 'G', ...small });
    const other = packedWindowSet(new Float32Array(12), 1, 6, [0, 0], ['elsewhere']);
    await expect(det.fit(train, { seed: 0, validation: other })).rejects.toThrow(ParameterError);
    await expect(det.fit(train, { seed: 0, validation: other })).rejects.toThrow(/elsewhere/);
    det.dispose();
  });

  it('is untrained before fit, and stops on an aborted signal without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const det = new Divad({ variant: 'GM', ...small, epochs: 50 });
    expect(det.featureCount).toBeUndefined();
    await expect(det.scoreWindows(test)).rejects.toThrow(/not trained/);
    const ac = new AbortController();
    const fit = det.fit(train, {
      seed: 0,
      validation,
      signal: ac.signal,
      onProgress: (p) => p.epoch === 2 && ac.abort(),
    });
    await expect(fit).rejects.toMatchObject({ name: 'AbortError' });
    expect(det.featureCount).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees every tensor on dispose; other seeds give other models', async () => {
    const before = tf.memory().numTensors;
    const a = new Divad({ variant: 'GM', ...small, epochs: 1 });
    const b = new Divad({ variant: 'GM', ...small, epochs: 1 });
    await a.fit(train, { seed: 1 });
    await b.fit(train, { seed: 2 });
    expect(Array.from(await a.scoreWindows(test))).not.toEqual(Array.from(await b.scoreWindows(test)));
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('Rec DIVAD', () => {
  it('takes the ASD column of docs/divad.md §3.6 as defaults, and only its own layout keys', () => {
    expect(new Divad({ network: 'rec', variant: 'GM' }).config).toMatchObject({
      windowLength: 20,
      convFilters: [32],
      kernelSize: 5,
      stride: 1,
      gruUnits: [32],
      priorHidden: 32,
      alpha: 1e3,
      beta: 5,
      latentDim: 16,
      components: 8,
    });
    expect(new Divad({ network: 'rec', variant: 'GM' }).id).toBe('rec-divad-gm');
    expect(() => new Divad({ network: 'rec', variant: 'G', hidden: 8 })).toThrow(
      /^rec-divad-g: unknown parameter 'hidden'/,
    );
    expect(() => new Divad({ variant: 'G', gruUnits: 8 })).toThrow(/^dense-divad-g: unknown parameter 'gruUnits'/);
    expect(() => new Divad({ network: 'rec', variant: 'G', convFilters: [] })).toThrow(
      /^rec-divad-g: convFilters must be a positive integer or a non-empty list/,
    );
  });

  it(
    'learns the dynamics of two domains: windows at a foreign frequency outrank normal ones under the GM ' +
      'prior (a dense model reaches about 0.8)',
    async () => {
      await initBackend('wasm');
      const W = 4;
      const make = (n: number, seed: number, broken = 0) => {
        const normal = normalSampler(mulberry32(seed));
        const F = 3;
        const values = new Float32Array(n * W * F);
        const dom = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          dom[i] = i % 2;
          const phase = normal();
          for (let r = 0; r < W; r++) {
            // normal windows advance the phase by 0.5 per record, anomalous ones by 1.5
            const t = phase + 0.5 * r;
            const row = [Math.sin(t), Math.cos(t), dom[i] ? 1 : -1];
            if (i >= n - broken) [row[0], row[1]] = [Math.sin(phase + 1.5 * r), Math.cos(phase + 1.5 * r)];
            for (let j = 0; j < F; j++) values[(i * W + r) * F + j] = row[j] + 0.05 * normal();
          }
        }
        return packedWindowSet(values, W, F, dom, ['a', 'b']);
      };
      const det = new Divad({
        ...smallRec,
        variant: 'GM',
        convFilters: 8,
        gruUnits: 8,
        latentDim: 4,
        epochs: 30,
        learningRate: 3e-3,
        alpha: 1,
        beta: 1,
      });
      await det.fit(make(512, 1), { seed: 0, validation: make(128, 2) });
      const scores = await det.scoreWindows(make(40, 3, 8));
      expect(pairwiseAuc(scores, 32)).toBeGreaterThanOrEqual(0.95);
      det.dispose();
    },
    120_000,
  );

  it('trains to the same scores on cpu and wasm (relative difference ≤ 1e-3)', async () => {
    const data = twoDomains(128, 11, 4, 3);
    const test = twoDomains(16, 12, 4, 3);
    const scores: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const det = new Divad({ ...smallRec, variant: 'GM', epochs: 2 });
      await det.fit(data, { seed: 4, validation: data });
      scores.push(await det.scoreWindows(test));
      det.dispose();
    }
    await initBackend('wasm');
    const [cpu, wasm] = scores;
    for (let i = 0; i < cpu.length; i++)
      expect(Math.abs(cpu[i] - wasm[i]) / Math.max(1e-6, Math.abs(cpu[i]))).toBeLessThanOrEqual(1e-3);
  }, 120_000);
});
