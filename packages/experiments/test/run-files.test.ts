import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WindowSet } from '@driftwatch/contracts';
import { windowSequences } from '@driftwatch/ingest';
import { dataChecksums, evenlySpaced, isLatentEncoder, latentProjection, writeRunInfo } from '../src';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('data checksums and run.json', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'experiments-files-'));
    await mkdir(join(root, 'toy', 'train'), { recursive: true });
    await writeFile(join(root, 'toy', 'train', 'a.txt'), 'a\n');
    await writeFile(join(root, 'toy', 'b.txt'), 'b\n');
    await writeFile(join(root, 'toy', 'c.txt'), 'c\n');
    const files = [
      { path: 'toy/b.txt', bytes: 2, sha256: sha('b\n') },
      { path: 'toy/c.txt', bytes: 2, sha256: sha('not c\n') },
    ];
    const source = { repository: 'example/toy', commit: '0'.repeat(40), paths: ['toy'] };
    const dataset = { name: 'toy', source, licence: 'MIT', layout: 'omnianomaly', bytes: 4, files };
    const lock = { format: 1, datasets: [dataset] };
    await writeFile(join(root, 'test.lock'), JSON.stringify(lock));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('hashes every file of the data set, sorted, and compares it with the lock', async () => {
    expect(await dataChecksums(root, 'toy', join(root, 'test.lock'))).toEqual([
      { path: 'toy/b.txt', sha256: sha('b\n'), lock: 'ok' },
      { path: 'toy/c.txt', sha256: sha('c\n'), lock: 'changed' },
      { path: 'toy/train/a.txt', sha256: sha('a\n'), lock: 'unlocked' },
    ]);
    // without a lock file every file is unlocked
    const unlocked = await dataChecksums(root, 'toy', join(root, 'missing.lock'));
    expect(unlocked.map((f) => f.lock)).toEqual(['unlocked', 'unlocked', 'unlocked']);
  });

  it('hashes a linked file too, since readers follow the link', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'experiments-outside-'));
    try {
      await writeFile(join(outside, 'd.txt'), 'd\n');
      await symlink(join(outside, 'd.txt'), join(root, 'toy', 'train', 'd.txt'));
      await symlink(join(outside, 'gone.txt'), join(root, 'toy', 'train', 'gone.txt'));
      const files = await dataChecksums(root, 'toy', join(root, 'test.lock'));
      expect(files.find((f) => f.path === 'toy/train/d.txt')).toEqual({
        path: 'toy/train/d.txt',
        sha256: sha('d\n'),
        lock: 'unlocked',
      });
      expect(files.map((f) => f.path)).not.toContain('toy/train/gone.txt');
    } finally {
      await rm(join(root, 'toy', 'train', 'd.txt'));
      await rm(join(root, 'toy', 'train', 'gone.txt'));
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('writes run.json with the given fields first, then the machine, then the data', async () => {
    const data = { dataset: 'toy', files: [] };
    await writeRunInfo(root, { command: 'x', startedAt: 't', experiment: 'compare', backend: { name: 'cpu' }, data });
    const run = JSON.parse(await readFile(join(root, 'run.json'), 'utf8'));
    expect(Object.keys(run)).toEqual(['command', 'startedAt', 'experiment', 'backend', 'machine', 'data']);
    expect(run.machine.node).toBe(process.version);
  });
});

describe('latent projection', () => {
  it('spreads picks evenly and keeps all when there are fewer', () => {
    expect(evenlySpaced(10, 4)).toEqual([0, 2, 5, 7]);
    expect(evenlySpaced(3, 4)).toEqual([0, 1, 2]);
  });

  it('projects both encodings of validation and test windows on two axes, with domain, split and label', async () => {
    const sequence = (id: string, domain: string, n: number, labels?: number[]) => ({
      id,
      entity: domain,
      domain,
      features: ['x'],
      length: n,
      values: Float32Array.from({ length: n }, (_, t) => Math.sin(t) + (domain === 'b' ? 3 : 0)),
      ...(labels ? { labels: Uint8Array.from(labels) } : {}),
    });
    const validationSequences = [sequence('v/a', 'a', 30), sequence('v/b', 'b', 30)];
    const validation = windowSequences(validationSequences, 4, { domains: ['a', 'b'] });
    const testLabels = Array.from({ length: 40 }, (_, t) => (t >= 30 ? 1 : 0));
    const test = windowSequences([sequence('t/c', 'c', 40, testLabels)], 4, { domains: ['c'] });
    // a 3-D "encoding": the window's mean, first value and last value (zd: the same, negated)
    const encoder = {
      async posteriorMeans(windows: WindowSet, which: 'y' | 'd') {
        const out = new Float32Array(windows.count * 3);
        for (let i = 0; i < windows.count; i++) {
          const w = windows.window(i);
          const sign = which === 'y' ? 1 : -1;
          out.set([sign * (w.reduce((a, b) => a + b, 0) / w.length), sign * w[0], sign * w[w.length - 1]], 3 * i);
        }
        return out;
      },
    };
    expect(isLatentEncoder(encoder)).toBe(true);
    expect(isLatentEncoder({})).toBe(false);
    const p = await latentProjection(encoder, 'toy', validation, test, 't/c', testLabels, 'c');
    expect(p.latentDim).toBe(3);
    expect(p.points).toHaveLength(validation.count + test.count);
    const validationDomains = p.points.filter((x) => x.split === 'validation').map((x) => x.domain);
    expect(validationDomains).toEqual([...new Array(27).fill('a'), ...new Array(27).fill('b')]);
    // test windows end at records 3 … 39: labelled from record 30 on
    const testLabelsDrawn = p.points.filter((x) => x.split === 'test').map((x) => x.label);
    expect(testLabelsDrawn).toEqual(Array.from({ length: 37 }, (_, i) => (i + 3 >= 30 ? 1 : 0)));
    // the first principal axis of zy separates domain b (shifted by 3) from a
    const meanFirst = (d: string) => p.points.filter((x) => x.domain === d).reduce((s, x) => s + x.zy[0], 0) / 27;
    expect(Math.abs(meanFirst('a') - meanFirst('b'))).toBeGreaterThan(2);
    expect(p.explained.zy[0]).toBeGreaterThan(p.explained.zy[1]);
  });
});
