/**
 * Fuzzed model manifests: a saved Mahalanobis model whose manifest.json is mutated byte-wise, replaced by random
 * bytes, or kept valid JSON with one value swapped for a hostile one (null, a negative or huge number, a long
 * string, the wrong container). Every load must read or end in a short DriftwatchError, and leave the directory as
 * it was.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@driftwatch/contracts';
import { fuzzCase, fuzzSummary, mutateBytes, newFuzzTally, randomBytes } from '@driftwatch/contracts/conformance';
import { createDetector, loadDetector } from './registry';
import { oneFactorWindows } from './testing/synthetic-windows';

const CASES = 120;
const HOSTILE: unknown[] = [null, -1, 0, 1e308, -1e308, 2 ** 53 + 2, 'x'.repeat(5000), [], {}, [null], true, ''];

/** Every (parent, key) of a JSON value, so one of them can be replaced. */
function slots(value: unknown, out: [Record<string | number, unknown>, string | number][] = []) {
  if (value !== null && typeof value === 'object') {
    const container = value as Record<string | number, unknown>;
    for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
      out.push([container, key]);
      slots(container[key], out);
    }
  }
  return out;
}

/** The manifest with one value (at any depth) replaced by a hostile one, still valid JSON. */
function hostileManifest(text: string, next: () => number): string {
  const manifest = JSON.parse(text) as unknown;
  const all = slots(manifest);
  const [parent, key] = all[Math.floor(next() * all.length)];
  parent[key] = HOSTILE[Math.floor(next() * HOSTILE.length)];
  return JSON.stringify(manifest, null, 2);
}

describe('fuzz: model manifests', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-manifest-fuzz-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('every mutated, random or hostile manifest loads or fails with a DriftwatchError, leaving no file', async () => {
    const detector = createDetector('mahalanobis', { windowLength: 3 });
    await detector.fit(oneFactorWindows(60, 1, { windowLength: 3, featureCount: 3 }), { seed: 1 });
    const model = join(dir, 'model');
    await detector.save(model, { featureNames: ['a', 'b', 'c'], standardisation: { mean: [0, 1, 2], std: [1, 2, 3] } });
    detector.dispose();
    const manifestPath = join(model, 'manifest.json');
    const original = await readFile(manifestPath, 'utf8');
    const files = (await readdir(model)).sort();
    await (await loadDetector(model)).dispose(); // the control: the unmutated model loads

    const next = mulberry32(22);
    const tally = newFuzzTally();
    for (let k = 0; k < CASES; k++) {
      const kind = k % 3;
      const bytes =
        kind === 0
          ? mutateBytes(Buffer.from(original), next)
          : kind === 1
            ? Buffer.from(hostileManifest(original, next))
            : k % 9 === 2
              ? randomBytes(next, 512)
              : Buffer.from(hostileManifest(hostileManifest(original, next), next));
      await writeFile(manifestPath, bytes);
      await fuzzCase(tally, `case ${k}`, async () => (await loadDetector(model)).dispose());
      const left = (await readdir(dir)).filter((name) => name !== 'model');
      const inside = (await readdir(model)).sort();
      if (left.length > 0 || inside.join() !== files.join()) tally.leftovers++;
      for (const name of left) await rm(join(dir, name), { recursive: true, force: true });
    }
    await writeFile(manifestPath, original);
    process.stdout.write(fuzzSummary('model manifests', tally));
    expect(tally.crashed).toEqual([]);
    expect(tally.leftovers).toBe(0);
    expect(tally.cases).toBe(CASES);
  }, 60_000);
});
