import { InputError, ParameterError, mulberry32, normalSampler, packedWindowSet } from '@driftwatch/contracts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directCovariance, gaussJordanInverse } from '../linalg/test-helpers';
import { Mahalanobis } from './mahalanobis';
import { writeModelFileRehashed } from '../testing/model-files';

/** n windows of W×D values, correlated across all W·D positions, with non-zero means. */
function windows(n: number, w: number, d: number, seed: number): Float32Array {
  const z = normalSampler(mulberry32(seed));
  const p = w * d;
  const mix = Array.from({ length: p * p }, () => z());
  const out = new Float32Array(n * p);
  for (let i = 0; i < n; i++) {
    const e = Array.from({ length: p }, () => z());
    for (let j = 0; j < p; j++) {
      let s = 0.3 * j - 1;
      for (let k = 0; k < p; k++) s += e[k] * mix[k * p + j];
      out[i * p + j] = s;
    }
  }
  return out;
}

describe('Mahalanobis detector', () => {
  it('scores flattened windows as xᵀΣ⁻¹x with Σ⁻¹ from Gauss–Jordan (full rank, no centring)', async () => {
    const w = 2;
    const d = 3;
    const p = w * d;
    const train = windows(300, w, d, 1);
    const test = windows(9, w, d, 2).map((v) => 2 * v);
    const det = new Mahalanobis({ windowLength: w });
    const report = await det.fit(packedWindowSet(train, w, d), { seed: 0 });
    expect(report.epochs).toBe(1);
    const scores = await det.scoreWindows(packedWindowSet(test, w, d));
    const inv = gaussJordanInverse(directCovariance(train, 300, p, 1).cov, p);
    for (let i = 0; i < 9; i++) {
      let q = 0;
      for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) q += test[i * p + a] * inv[a * p + b] * test[i * p + b];
      expect(scores[i] / q).toBeCloseTo(1, 6);
    }
  });

  it('gives finite scores when a feature is constant (ASD metrics 2 and 3)', async () => {
    const train = windows(100, 1, 4, 3);
    for (let i = 0; i < 100; i++) train[i * 4 + 1] = 0.5;
    const det = new Mahalanobis();
    await det.fit(packedWindowSet(train, 1, 4), { seed: 0 });
    const scores = await det.scoreWindows(packedWindowSet(windows(10, 1, 4, 4), 1, 4));
    for (const s of scores) expect(Number.isFinite(s)).toBe(true);
  });

  it('validates configuration and inputs', async () => {
    expect(() => new Mahalanobis({ windowLength: 0 })).toThrow(ParameterError);
    expect(() => new Mahalanobis({ nComponents: 3 })).toThrow(/unknown parameter/);
    const det = new Mahalanobis();
    await expect(det.scoreWindows(packedWindowSet(new Float32Array(2), 1, 2))).rejects.toThrow(/not fitted/);
    await expect(det.fit(packedWindowSet(new Float32Array(2), 1, 2), { seed: 0 })).rejects.toThrow(ParameterError);
    await expect(det.fit(packedWindowSet(Float32Array.of(1, 2, Infinity, 0), 1, 2), { seed: 0 })).rejects.toThrow(
      /finite/,
    );
  });

  it('rejects a model file of the wrong dimension on load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftwatch-maha-'));
    try {
      const det = new Mahalanobis();
      await det.fit(packedWindowSet(windows(20, 1, 3, 5), 1, 3), { seed: 0 });
      const model = join(dir, 'm');
      await det.save(model);
      const file = join(model, 'mahalanobis.json');
      const json = JSON.parse(await readFile(file, 'utf8'));
      await writeModelFileRehashed(model, 'mahalanobis.json', JSON.stringify({ ...json, dimension: 4 }));
      await expect(Mahalanobis.load(model)).rejects.toBeInstanceOf(InputError);
      await writeModelFileRehashed(model, 'mahalanobis.json', JSON.stringify({ ...json, axes: json.mean }));
      await expect(Mahalanobis.load(model)).rejects.toThrow(/axes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
