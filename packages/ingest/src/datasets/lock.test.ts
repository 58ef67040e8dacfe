import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataRootError, InputError } from '@driftwatch/contracts';
import { realDataRoot } from '../testing/real-data';
import { findRepoRoot } from './data-root';
import {
  parseDatasetsLock,
  readDatasetsLock,
  sha256File,
  unlistedFiles,
  verifyDatasets,
  type DatasetsLock,
} from './lock';

const FILES: Record<string, string> = {
  'alpha/train/a.txt': '0.1,0.2\n0.3,0.4\n',
  'alpha/test/b.txt': '1,2\n',
  'beta/readme.md': 'beta data\n',
};
const SOURCE = { repository: 'owner/repo', commit: 'a'.repeat(40), paths: ['data/'] };

/** A lock built from the file contents with a one-shot hash (not the streaming one under test). */
function lockOf(files: Record<string, string>): DatasetsLock {
  const names = [...new Set(Object.keys(files).map((p) => p.split('/')[0]))].sort();
  return {
    format: 1,
    datasets: names.map((name) => {
      const entries = Object.keys(files)
        .filter((p) => p.startsWith(`${name}/`))
        .sort()
        .map((path) => ({
          path,
          bytes: Buffer.byteLength(files[path]),
          sha256: createHash('sha256').update(files[path]).digest('hex'),
        }));
      return {
        name,
        source: SOURCE,
        licence: 'MIT',
        layout: 'test',
        bytes: entries.reduce((s, f) => s + f.bytes, 0),
        files: entries,
      };
    }),
  };
}

async function catchLock(text: string): Promise<InputError> {
  try {
    parseDatasetsLock(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`no error for ${text}`);
}

describe('datasets.lock verification', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ingest-lock-'));
    for (const [path, text] of Object.entries(FILES)) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), text);
    }
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('streams sha256 like a one-shot hash, also for files larger than one chunk', async () => {
    const big = Buffer.alloc(3 * (1 << 20) + 17, 7);
    await writeFile(join(root, 'big.bin'), big);
    expect(await sha256File(join(root, 'big.bin'))).toBe(createHash('sha256').update(big).digest('hex'));
  });

  it('reports ok for an intact data root, with progress', async () => {
    const progress: string[] = [];
    const reports = await verifyDatasets(root, lockOf(FILES), undefined, (done, total, path) =>
      progress.push(`${done}/${total} ${path}`),
    );
    expect(reports.map((r) => [r.path, r.status])).toEqual([
      ['alpha/test/b.txt', 'ok'],
      ['alpha/train/a.txt', 'ok'],
      ['beta/readme.md', 'ok'],
    ]);
    expect(progress).toEqual(['1/3 alpha/test/b.txt', '2/3 alpha/train/a.txt', '3/3 beta/readme.md']);
  });

  it('finds a changed byte, a truncated file and a deleted file', async () => {
    const changed = FILES['alpha/train/a.txt'].replace('0.4', '0.5');
    await writeFile(join(root, 'alpha/train/a.txt'), changed);
    await truncate(join(root, 'alpha/test/b.txt'), 2);
    await unlink(join(root, 'beta/readme.md'));
    const reports = await verifyDatasets(root, lockOf(FILES));
    const byPath = Object.fromEntries(reports.map((r) => [r.path, r]));
    expect(byPath['alpha/train/a.txt']).toMatchObject({
      dataset: 'alpha',
      status: 'sha256',
      expectedBytes: 16,
      actualBytes: 16,
      actualSha256: createHash('sha256').update(changed).digest('hex'),
    });
    expect(byPath['alpha/test/b.txt']).toMatchObject({ status: 'size', expectedBytes: 4, actualBytes: 2 });
    expect(byPath['beta/readme.md']).toMatchObject({ dataset: 'beta', status: 'missing' });
    expect(byPath['beta/readme.md'].actualBytes).toBeUndefined();
  });

  it('lists files inside the data set folders that the lock does not name', async () => {
    expect(await unlistedFiles(root, lockOf(FILES))).toEqual([]);
    await writeFile(join(root, 'alpha/train/new.txt'), '9\n');
    await mkdir(join(root, 'beta/extra'), { recursive: true });
    await writeFile(join(root, 'beta/extra/x.csv'), '1\n');
    await writeFile(join(root, 'outside.txt'), 'not in any data set folder\n');
    expect(await unlistedFiles(root, lockOf(FILES))).toEqual([
      { dataset: 'alpha', path: 'alpha/train/new.txt' },
      { dataset: 'beta', path: 'beta/extra/x.csv' },
    ]);
    expect(await unlistedFiles(root, lockOf(FILES), ['beta'])).toEqual([{ dataset: 'beta', path: 'beta/extra/x.csv' }]);
    await rm(join(root, 'beta'), { recursive: true });
    expect(await unlistedFiles(root, lockOf(FILES), ['beta'])).toEqual([]);
  });

  it('checks only the named data sets and rejects unknown names', async () => {
    const reports = await verifyDatasets(root, lockOf(FILES), ['beta']);
    expect(reports.map((r) => r.path)).toEqual(['beta/readme.md']);
    await expect(verifyDatasets(root, lockOf(FILES), ['gamma'])).rejects.toThrow(
      new DataRootError('unknown data set gamma; datasets.lock lists alpha, beta'),
    );
  });

  it('reads a lock file and rejects bad JSON and bad shapes with their location', async () => {
    const path = join(root, 'datasets.lock');
    await writeFile(path, JSON.stringify(lockOf(FILES), null, 2));
    expect(await readDatasetsLock(path)).toEqual(lockOf(FILES));
    await writeFile(path, '{\n  "format": 1,\n  "datasets": [,]\n}');
    const e = await readDatasetsLock(path).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    // `  "datasets": [` is 15 characters: the stray comma is column 16
    expect((e as InputError).location).toEqual({ file: path, line: 3, column: 16 });
    for (const [text, line, column] of [
      ['{"format": 1', 1, 13],
      ['{"format": 1,\n "datasets": ["a\tb"]}', 2, 17],
      ['{"format": 1,\n "datasets": ["\\x"]}', 2, 16],
      ['{"format": 01}', 1, 13],
      ['{"format": 1} x', 1, 15],
    ] as const) {
      expect([text, (await catchLock(text)).location]).toEqual([text, { file: undefined, line, column }]);
    }
    const broken = lockOf(FILES);
    broken.datasets[1].files[0].sha256 = 'xyz';
    expect(() => parseDatasetsLock(JSON.stringify(broken), 'l.json')).toThrow(
      'l.json: expected datasets[1].files[0].sha256 to be 64 lower-case hex digits, found "xyz"',
    );
    const wrongTotal = lockOf(FILES);
    wrongTotal.datasets[0].bytes += 1;
    expect(() => parseDatasetsLock(JSON.stringify(wrongTotal))).toThrow(
      /datasets\[0\]\.bytes to be the sum of its file sizes \(20\)/,
    );
    expect(() => parseDatasetsLock(JSON.stringify({ format: 2, datasets: [] }))).toThrow(/"format" to be 1/);
  });
});

/** datasets/README.md: bytes and files of each data set folder. */
const README_TABLE: Record<string, [number, number]> = {
  asd: [14_072_965, 50],
  smd: [24_662_280, 10],
  nezha: [24_199_659, 87],
  exathlon: [5_828_418, 3],
  'alibaba-v2018': [10_814, 1],
};

describe('the repository datasets.lock', () => {
  const lockPath = join(findRepoRoot(__dirname)!, 'datasets.lock');
  it('lists every data set of the README with its size, file count and source', async () => {
    const lock = await readDatasetsLock(lockPath);
    expect(Object.fromEntries(lock.datasets.map((d) => [d.name, [d.bytes, d.files.length]]))).toEqual(README_TABLE);
    const asd = lock.datasets.find((d) => d.name === 'asd')!;
    expect(asd).toMatchObject({
      licence: 'MIT',
      layout: 'omnianomaly',
      source: { repository: 'zhhlee/InterFusion', commit: '8c85d511c1f070669ba8c5cf097b8fa4a202d15b' },
    });
    for (const d of lock.datasets) expect(d.files.map((f) => f.path)).toEqual(d.files.map((f) => f.path).sort());
    expect(asd.files.every((f) => f.path.startsWith('asd/') && !f.path.includes('\\'))).toBe(true);
  });
  const root = realDataRoot('asd');
  (root ? it : it.skip)('matches the real ASD files', async () => {
    const lock = await readDatasetsLock(lockPath);
    const reports = await verifyDatasets(root!, lock, ['asd']);
    expect(reports.filter((r) => r.status !== 'ok')).toEqual([]);
    const license = lock.datasets
      .find((d) => d.name === 'asd')!
      .files.find((f) => f.path === 'asd/LICENSE.InterFusion')!;
    expect(license.sha256).toBe(
      createHash('sha256')
        .update(await readFile(join(root!, 'asd', 'LICENSE.InterFusion')))
        .digest('hex'),
    );
  });
});
