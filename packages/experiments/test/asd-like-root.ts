import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, normalSampler } from '@driftwatch/contracts';

/**
 * A small data root in the OmniAnomaly layout: `servers` ASD-like servers (`omi-1` …) with `features` metrics at
 * a level of 0.2·s, a normal train part and a test part whose records 40–49 and 120–134 are shifted by +0.8.
 */
export async function asdLikeRoot(opts: { servers?: number; features?: number; train?: number; test?: number } = {}) {
  const servers = opts.servers ?? 3;
  const F = opts.features ?? 3;
  const trainRows = opts.train ?? 300;
  const testRows = opts.test ?? 200;
  const normal = normalSampler(mulberry32(5));
  const root = await mkdtemp(join(tmpdir(), 'experiments-asd-'));
  for (const d of ['train', 'test', 'test_label', 'interpretation_label']) {
    await mkdir(join(root, 'asd', d), { recursive: true });
  }
  const segments: [number, number][] = [
    [40, 49],
    [120, 134],
  ];
  const types = ['dataset,anomaly_segment,anomaly_type'];
  const values: Record<string, { train: number[][]; test: number[][]; labels: number[] }> = {};
  for (let s = 1; s <= servers; s++) {
    const name = `omi-${s}`;
    const value = (j: number, shift: number) => 0.2 * s + 0.1 * Math.sin(j) + 0.1 * normal() + shift;
    const row = (shift: number) => Array.from({ length: F }, (_, j) => Math.round(value(j, shift) * 100) / 100);
    const labels = new Array<number>(testRows).fill(0);
    for (const [a, b] of segments) labels.fill(1, a, b + 1);
    const train = Array.from({ length: trainRows }, () => row(0));
    const test = labels.map((l) => row(l ? 0.8 : 0));
    values[name] = { train, test, labels };
    await writeFile(join(root, 'asd/train', `${name}.txt`), train.map((r) => r.join(',')).join('\n') + '\n');
    await writeFile(join(root, 'asd/test', `${name}.txt`), test.map((r) => r.join(',')).join('\n') + '\n');
    await writeFile(join(root, 'asd/test_label', `${name}.txt`), labels.join('\n') + '\n');
    const interpretation = segments.map(([a, b]) => `${a}-${b}:1,2`).join('\n');
    await writeFile(join(root, 'asd/interpretation_label', `${name}.txt`), interpretation);
    for (const [a, b] of segments) types.push(`${name},${a}-${b},metric`);
  }
  await writeFile(join(root, 'asd/anomaly_type.txt'), types.join('\n'));
  return { root, servers, features: F, trainRows, testRows, values };
}
