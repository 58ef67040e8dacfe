/**
 * 2-D pictures of a DIVAD model's latent spaces: posterior means of q(zy|x) and q(zd|x) for a sample of
 * validation windows (every training server) and test windows, each projected on its two principal axes.
 * A domain-invariant zy mixes the servers; zd should separate them.
 */
import type { LatentPoint, LatentProjection, WindowSet } from '@driftwatch/contracts';
import { subsetIndexedWindows, writeFileAtomic, type IndexedWindowSet } from '@driftwatch/ingest';
import { projectOnPrincipalAxes } from '@driftwatch/models';

/** A detector that can encode windows (Dense DIVAD). */
export interface LatentEncoder {
  posteriorMeans(windows: WindowSet, which: 'y' | 'd'): Promise<Float32Array>;
}

export function isLatentEncoder(d: unknown): d is LatentEncoder {
  return typeof (d as Partial<LatentEncoder>)?.posteriorMeans === 'function';
}

/** Windows drawn from each sequence: validation per training server, and the test server. */
export const LATENT_SAMPLE = { validationPerSequence: 100, test: 400 } as const;

/** Up to `count` indices spread evenly over [0, n). */
export function evenlySpaced(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * n) / count));
}

export async function latentProjection(
  encoder: LatentEncoder,
  method: string,
  validation: IndexedWindowSet,
  test: IndexedWindowSet,
  testSequence: string,
  testLabels: ArrayLike<number>,
  testDomain: string,
): Promise<LatentProjection> {
  const bySequence = new Map<number, number[]>();
  for (let i = 0; i < validation.count; i++) {
    const k = validation.sequenceOf(i);
    if (!bySequence.has(k)) bySequence.set(k, []);
    bySequence.get(k)!.push(i);
  }
  const validationPick = [...bySequence.values()].flatMap((list) =>
    evenlySpaced(list.length, LATENT_SAMPLE.validationPerSequence).map((j) => list[j]),
  );
  const testPick = evenlySpaced(test.count, LATENT_SAMPLE.test);
  const sets = [
    subsetIndexedWindows(validation, Int32Array.from(validationPick)),
    subsetIndexedWindows(test, Int32Array.from(testPick)),
  ];
  const encode = async (which: 'y' | 'd') => {
    const parts = await Promise.all(sets.map((s) => encoder.posteriorMeans(s, which)));
    const all = new Float32Array(parts[0].length + parts[1].length);
    all.set(parts[0]);
    all.set(parts[1], parts[0].length);
    return all;
  };
  const n = validationPick.length + testPick.length;
  const [zy, zd] = [await encode('y'), await encode('d')];
  const latentDim = zy.length / n;
  const py = projectOnPrincipalAxes(zy, n, latentDim, 2);
  const pd = projectOnPrincipalAxes(zd, n, latentDim, 2);
  const points: LatentPoint[] = [];
  for (let r = 0; r < n; r++) {
    const isTest = r >= validationPick.length;
    const i = isTest ? testPick[r - validationPick.length] : validationPick[r];
    points.push({
      domain: isTest ? testDomain : validation.domains[validation.domainOf(i)],
      split: isTest ? 'test' : 'validation',
      label: isTest ? testLabels[test.endOf(i)] : 0,
      zy: [py.coordinates[2 * r], py.coordinates[2 * r + 1]],
      zd: [pd.coordinates[2 * r], pd.coordinates[2 * r + 1]],
    });
  }
  return {
    method,
    testSequence,
    latentDim,
    explained: { zy: Array.from(py.explained), zd: Array.from(pd.explained) },
    points,
  };
}

export async function writeLatentProjection(path: string, projection: LatentProjection): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(projection)}\n`);
}
