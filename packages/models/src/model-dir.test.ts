/**
 * Tampered model directories: every kind of damage a model directory can suffer between `save` and `load` ends in an
 * error naming the file, before any weight is used. The models are trained here (small and fast): a Mahalanobis
 * model (one JSON file) and a dense autoencoder (weights.bin + weights.json).
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriftwatchError, InputError, IntegrityError, type ManifestContext } from '@driftwatch/contracts';
import { initBackend } from './backend';
import { createDetector, loadDetector } from './registry';
import { oneFactorWindows } from './testing/synthetic-windows';

const W = 3;
const F = 4;
const train = (seed: number) => oneFactorWindows(200, seed, { windowLength: W, featureCount: F });
const test = oneFactorWindows(20, 99, { windowLength: W, featureCount: F, anomalies: 5 });

const MODELS = {
  mahalanobis: { params: { windowLength: W }, weights: 'mahalanobis.json' },
  'dense-ae': {
    params: { windowLength: W, hidden: 4, latentDim: 2, epochs: 2, batchSize: 32 },
    weights: 'weights.bin',
  },
} as const;
type ModelId = keyof typeof MODELS;

const context: ManifestContext = {
  featureNames: ['a', 'b', 'c', 'd'],
  standardisation: { mean: [0.5, -1, 2, 0], std: [1, 2, 0.5, 3] },
};

let root: string;
/** per detector: two models of the same shape trained on different data */
const saved = new Map<ModelId, [string, string]>();
let copies = 0;

beforeAll(async () => {
  await initBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'driftwatch-model-dir-'));
  for (const id of Object.keys(MODELS) as ModelId[]) {
    const dirs: string[] = [];
    for (const seed of [1, 2]) {
      const det = createDetector(id, { ...MODELS[id].params });
      await det.fit(train(seed), { seed });
      const dir = join(root, `${id}-${seed}`);
      await det.save(dir, context);
      det.dispose();
      dirs.push(dir);
    }
    saved.set(id, dirs as [string, string]);
  }
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** a fresh copy of the first saved model of `id`, to damage */
async function copyOf(id: ModelId, which = 0): Promise<string> {
  const dir = join(root, `copy-${copies++}`);
  await cp(saved.get(id)![which], dir, { recursive: true });
  return dir;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function editManifest(dir: string, edit: (m: Record<string, unknown>) => unknown): Promise<void> {
  const file = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify(edit(manifest) ?? manifest));
}

/** what someone who also edits the manifest does: the recorded hash follows the damaged file */
async function rehash(dir: string, name: string): Promise<void> {
  const bytes = await readFile(join(dir, name));
  await editManifest(dir, (m) => {
    for (const f of m.files as { name: string; bytes: number; sha256: string }[])
      if (f.name === name) Object.assign(f, { bytes: bytes.byteLength, sha256: sha256(bytes) });
  });
}

/** overwrites the first weight value: float32 in weights.bin, the first float64 of `axes` in the JSON model */
async function setFirstWeight(dir: string, id: ModelId, value: number): Promise<void> {
  const file = join(dir, MODELS[id].weights);
  if (id === 'dense-ae') {
    const bin = await readFile(file);
    bin.writeFloatLE(value, 0);
    await writeFile(file, bin);
  } else {
    const json = JSON.parse(await readFile(file, 'utf8'));
    const axes = Buffer.from(json.axes, 'base64');
    axes.writeDoubleLE(value, 0);
    json.axes = axes.toString('base64');
    await writeFile(file, JSON.stringify(json) + '\n');
  }
}

async function loadError(dir: string): Promise<Error> {
  try {
    const det = await loadDetector(dir);
    det.dispose();
  } catch (e) {
    return e as Error;
  }
  throw new Error(`${dir} loaded although it was damaged`);
}

describe.each(Object.keys(MODELS) as ModelId[])('a tampered %s model directory', (id) => {
  const weights = MODELS[id].weights;

  it('loads untouched, scoring as the model that was saved (the control for every case below)', async () => {
    const det = createDetector(id, { ...MODELS[id].params });
    await det.fit(train(1), { seed: 1 });
    const loaded = await loadDetector(await copyOf(id));
    expect(Array.from(await loaded.scoreWindows(test))).toEqual(Array.from(await det.scoreWindows(test)));
    det.dispose();
    loaded.dispose();
  });

  it('refuses a flipped byte in the weight file, naming it and both hashes', async () => {
    const dir = await copyOf(id);
    const file = join(dir, weights);
    const bytes = await readFile(file);
    const recorded = sha256(bytes);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    await writeFile(file, bytes);
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toContain(file);
    expect(error.message).toContain(sha256(bytes));
    expect(error.message).toContain(recorded);
  });

  it('refuses the weight file of another model of the same shape', async () => {
    const dir = await copyOf(id);
    const other = saved.get(id)![1];
    await cp(join(other, weights), join(dir, weights));
    // both shapes match, so only the hash can tell (on the old code it scored with the other model's weights)
    expect((await readFile(join(dir, weights))).byteLength).toBe((await readFile(join(other, weights))).byteLength);
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toContain(join(dir, weights));
  });

  it.each([
    ['NaN', NaN],
    ['1e38', 1e38],
    ['-Infinity', -Infinity],
  ])('refuses a %s weight by its hash', async (_name, value) => {
    const dir = await copyOf(id);
    await setFirstWeight(dir, id, value);
    expect(await loadError(dir)).toBeInstanceOf(IntegrityError);
  });

  it.each([
    ['NaN', NaN],
    ['+Infinity', Infinity],
  ])('refuses a %s weight even when the manifest was re-hashed to match', async (name, value) => {
    const dir = await copyOf(id);
    await setFirstWeight(dir, id, value);
    await rehash(dir, weights);
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(join(dir, weights));
    expect(error.message).toMatch(/finite/);
    expect(error.message).toContain(name.replace('+', ''));
  });

  it.each([
    ['zero', 0],
    ['negative', -2],
  ])('refuses a %s standardisation.std', async (_name, value) => {
    const dir = await copyOf(id);
    await editManifest(dir, (m) => {
      (m.standardisation as { std: number[] }).std[2] = value;
    });
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(join(dir, 'manifest.json'));
    expect(error.message).toContain('standardisation.std[2]');
    expect(error.message).toContain(`found "${value}"`);
  });

  it('refuses a weight file that is a symbolic link to /dev/zero, without reading it', async () => {
    const dir = await copyOf(id);
    await rm(join(dir, weights));
    await symlink('/dev/zero', join(dir, weights));
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(join(dir, weights));
    expect(error.message).toMatch(/symbolic link/);
  }, 5_000);

  it('refuses a symbolic link even to the genuine weight file', async () => {
    const dir = await copyOf(id);
    await rm(join(dir, weights));
    await symlink(join(saved.get(id)![0], weights), join(dir, weights));
    expect((await loadError(dir)).message).toMatch(/symbolic link/);
  });

  it('refuses a weight file that grew (a size other than the recorded one)', async () => {
    const dir = await copyOf(id);
    const file = join(dir, weights);
    const bytes = await readFile(file);
    await writeFile(file, Buffer.concat([bytes, Buffer.alloc(8)]));
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toContain(`${bytes.byteLength + 8} bytes, expected ${bytes.byteLength}`);
  });
});

describe('a damaged manifest.json', () => {
  it.each([
    ['null', 'the manifest: a JSON object', 'null'],
    ['[]', 'the manifest: a JSON object', 'an array'],
    ['42', 'the manifest: a JSON object', '42'],
  ])('%s is refused with an error naming the file and what it holds', async (text, expected, found) => {
    const dir = await copyOf('mahalanobis');
    await writeFile(join(dir, 'manifest.json'), text);
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`${join(dir, 'manifest.json')}: expected ${expected}, found "${found}"`);
  });

  it.each([
    ['files', (m: Record<string, unknown>) => ({ ...m, files: null }), 'files: a list of {name, bytes, sha256}'],
    ['a file entry', (m: Record<string, unknown>) => ({ ...m, files: ['mahalanobis.json'] }), 'files[0]: an object'],
    [
      'a hash',
      (m: Record<string, unknown>) => ({
        ...m,
        files: (m.files as object[]).map((f) => ({ ...f, sha256: 'abc' })),
      }),
      'files[0].sha256: 64 lower-case hex digits',
    ],
    [
      'a file name',
      (m: Record<string, unknown>) => ({
        ...m,
        files: (m.files as object[]).map((f) => ({ ...f, name: '../mahalanobis-2/mahalanobis.json' })),
      }),
      'files[0].name: a file name inside the directory',
    ],
    ['featureCount', (m: Record<string, unknown>) => ({ ...m, featureCount: -1 }), 'featureCount: a positive integer'],
    ['config', (m: Record<string, unknown>) => ({ ...m, config: null }), 'config: an object of settings'],
  ])('with %s damaged is refused', async (_name, edit, expected) => {
    const dir = await copyOf('mahalanobis');
    await editManifest(dir, edit);
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(`${join(dir, 'manifest.json')}: expected ${expected}`);
  });

  it('of a model saved before files were hashed (format 1) asks for a retrain', async () => {
    const dir = await copyOf('dense-ae');
    await editManifest(dir, (m) => ({
      ...m,
      format: 1,
      files: (m.files as { name: string }[]).map((f) => f.name),
    }));
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(DriftwatchError);
    expect(error.message).toContain(join(dir, 'manifest.json'));
    expect(error.message).toMatch(/format 1.*retrain it with driftwatch train/);
  });
});
