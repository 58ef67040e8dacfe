import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataRootError, IntegrityError, InputError } from '@driftwatch/contracts';
import { findRepoRoot } from '../datasets/data-root';
import {
  parseDatasetsLock,
  readDatasetsLock,
  sha256File,
  type DatasetsLock,
  type LockDownload,
  type LockedDataset,
  type LockSource,
} from '../datasets/lock';
import { realDataRoot } from '../testing/real-data';
import { fetchDataset } from './fetch-dataset';
import { numpyPickle, serveFiles, tarGz, zipArchive, type TestServer } from './testing';
import { hasGzipProgram } from './verified-write';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const dataRoot = realDataRoot('nezha');
const repoRoot = findRepoRoot(__dirname)!;
const describeReal = dataRoot && realDataRoot('asd') && realDataRoot('exathlon') ? describe : describe.skip;

/** All regular files below `dir` (relative paths), to show that nothing else was left behind. */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await filesUnder(join(dir, e.name), `${prefix}${e.name}/`)));
    else out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

function sourcesOf(d: LockedDataset): LockSource[] {
  return Array.isArray(d.source) ? d.source : [d.source];
}

describeReal('fetchDataset with the repository lock and a local server laid out like raw.githubusercontent.com', () => {
  let lock: DatasetsLock;
  let server: TestServer;
  let target: string;
  const routes = new Map<string, Buffer | string>();
  const nezhaPath = (p: string) => `/IntelligentDDS/Nezha/d8140101fdb4e7dfb60d3ef9f64706f382b68470/${p}`;
  const interfusion = (p: string) => `/zhhlee/InterFusion/8c85d511c1f070669ba8c5cf097b8fa4a202d15b/${p}`;
  const exathlon = (p: string) => `/exathlonbenchmark/exathlon/4101f6087f902fa150e392b65c957976faa84e40/${p}`;
  const lockedSha = (path: string) => lock.datasets.flatMap((d) => d.files).find((f) => f.path === path)!.sha256;
  const asdText = (part: string) => readFile(join(dataRoot!, 'asd', part, 'omi-1.txt'), 'utf8');

  beforeAll(async () => {
    lock = await readDatasetsLock(join(repoRoot, 'datasets.lock'));
    // Nezha files are byte copies at the pinned commit (data README): <repo>/<commit>/<path> → data root
    const nezha = lock.datasets.find((d) => d.name === 'nezha')!;
    expect(sourcesOf(nezha)[0]).toMatchObject({
      repository: 'IntelligentDDS/Nezha',
      commit: 'd8140101fdb4e7dfb60d3ef9f64706f382b68470',
    });
    for (const f of nezha.files) routes.set(nezhaPath(f.path.slice('nezha/'.length)), join(dataRoot!, f.path));
    routes.set(
      interfusion('data/interpretation_label/omi-1.txt'),
      join(dataRoot!, 'asd/interpretation_label/omi-1.txt'),
    );
    // ASD pickles as numpy 1.x pickles them, made from the text files (float32 values; labels float64)
    const rows = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((l) => l.split(',').map(Number));
    const train = rows(await asdText('train'));
    const test = rows(await asdText('test'));
    const labels = rows(await asdText('test_label')).map((r) => r[0]);
    routes.set(
      interfusion('data/processed/omi-1_train.pkl'),
      numpyPickle(Float32Array.from(train.flat()), [train.length, 19]),
    );
    routes.set(
      interfusion('data/processed/omi-1_test.pkl'),
      numpyPickle(Float32Array.from(test.flat()), [test.length, 19]),
    );
    routes.set(
      interfusion('data/processed/omi-1_test_label.pkl'),
      numpyPickle(Float64Array.from(labels), [labels.length]),
    );
    // Exathlon zips: the CSV as it is in the upstream zip (decompressed from the data root), the ground truth as it is
    const csv = gunzipSync(await readFile(join(dataRoot!, 'exathlon/app1/1_0_100000_15.csv.gz')));
    routes.set(
      exathlon('data/raw/app1/1_0_100000_15.zip'),
      zipArchive([{ name: '1_0_100000_15.csv', body: csv, method: 0 }]),
    );
    routes.set(
      exathlon('data/raw/ground_truth.zip'),
      zipArchive([{ name: 'ground_truth.csv', body: await readFile(join(dataRoot!, 'exathlon/ground_truth.csv')) }]),
    );
    server = await serveFiles(routes);
  });
  afterAll(() => server?.close());
  beforeEach(async () => {
    target = await mkdtemp(join(tmpdir(), 'ingest-fetch-'));
    server.requests.length = 0;
  });
  afterEach(() => rm(target, { recursive: true, force: true }));

  const NEZHA_FEW = [
    'nezha/LICENSE',
    'nezha/construct_data/root_cause_ts.json',
    'nezha/rca_data/2023-01-29/trace/10_21_trace.csv',
  ];

  it('fetches real Nezha files: sha256 as in the lock, bytes as served, from the raw GitHub URL', async () => {
    const license = lock.datasets.find((d) => d.name === 'nezha')!.downloads!.find((d) => d.to === 'nezha/LICENSE')!;
    expect(license.url).toBe(
      'https://raw.githubusercontent.com/IntelligentDDS/Nezha/d8140101fdb4e7dfb60d3ef9f64706f382b68470/LICENSE',
    );
    const report = await fetchDataset(lock, 'nezha', target, { baseUrl: server.origin, only: NEZHA_FEW });
    expect(report.written.sort()).toEqual([...NEZHA_FEW].sort());
    for (const path of NEZHA_FEW) {
      expect(await sha256File(join(target, path))).toBe(lockedSha(path));
      expect((await readFile(join(target, path))).equals(await readFile(join(dataRoot!, path)))).toBe(true);
    }
    expect(await filesUnder(target)).toEqual([...NEZHA_FEW].sort());
  });

  it('resumes a real file after the connection dropped mid-file', async () => {
    const path = 'nezha/rca_data/2023-01-29/trace/10_21_trace.csv';
    const url = nezhaPath(path.slice(6));
    server.cutNext(url, 200_000);
    await expect(fetchDataset(lock, 'nezha', target, { baseUrl: server.origin, only: [path] })).rejects.toThrow(
      /run the same fetch again to resume/,
    );
    expect(existsSync(join(target, path))).toBe(false);
    const held = (await stat(join(target, `${path}.part`))).size;
    expect(held).toBeGreaterThan(0);
    const report = await fetchDataset(lock, 'nezha', target, { baseUrl: server.origin, only: [path] });
    expect(server.requests.at(-1)).toEqual({ path: url, range: `bytes=${held}-` });
    expect(report.resumed).toEqual([{ url: `${server.origin}${url}`, from: held }]);
    expect(await sha256File(join(target, path))).toBe(lockedSha(path));
    expect(await filesUnder(target)).toEqual([path]);
  });

  it(
    'rejects a corrupted download with an IntegrityError naming URL, expected and found sha256, and writes ' +
      'nothing',
    async () => {
      const path = 'nezha/construct_data/root_cause_ts.json';
      const good = await readFile(join(dataRoot!, path));
      const bad = Buffer.from(good);
      bad[10] ^= 0x01;
      const corrupt = await serveFiles(new Map([[nezhaPath(path.slice(6)), bad]]));
      try {
        const run = fetchDataset(lock, 'nezha', target, { baseUrl: corrupt.origin, only: [path] });
        await expect(run).rejects.toThrow(IntegrityError);
        await expect(fetchDataset(lock, 'nezha', target, { baseUrl: corrupt.origin, only: [path] })).rejects.toThrow(
          `${corrupt.origin}${nezhaPath(path.slice(6))}: sha256 ${sha(bad)}, expected ${lockedSha(path)}`,
        );
      } finally {
        await corrupt.close();
      }
      expect(await filesUnder(target)).toEqual([]);
    },
  );

  it('keeps a file that is already right, and refuses to overwrite one that differs unless asked', async () => {
    const [good, other] = ['nezha/LICENSE', 'nezha/construct_data/root_cause_ts.json'];
    await mkdir(join(target, 'nezha/construct_data'), { recursive: true });
    await writeFile(join(target, good), await readFile(join(dataRoot!, good)));
    await writeFile(join(target, other), '{"edited": true}\n');
    await expect(fetchDataset(lock, 'nezha', target, { baseUrl: server.origin, only: [good, other] })).rejects.toThrow(
      DataRootError,
    );
    expect(await readFile(join(target, other), 'utf8')).toBe('{"edited": true}\n');
    expect(server.requests).toEqual([]);
    const report = await fetchDataset(lock, 'nezha', target, {
      baseUrl: server.origin,
      only: [good, other],
      replace: true,
    });
    expect(report.present).toEqual([good]);
    expect(report.written).toEqual([other]);
    expect(server.requests.map((r) => r.path)).toEqual([nezhaPath('construct_data/root_cause_ts.json')]);
    expect(await sha256File(join(target, other))).toBe(lockedSha(other));
  });

  it('converts ASD numpy pickles into the locked text files', async () => {
    const only = [
      'asd/train/omi-1.txt',
      'asd/test/omi-1.txt',
      'asd/test_label/omi-1.txt',
      'asd/interpretation_label/omi-1.txt',
    ];
    const report = await fetchDataset(lock, 'asd', target, { baseUrl: server.origin, only });
    expect(report.written.sort()).toEqual([...only].sort());
    for (const path of only) expect(await sha256File(join(target, path))).toBe(lockedSha(path));
    expect(await filesUnder(target)).toEqual([...only].sort());
  });

  it('refuses a pickle whose values differ from the locked text, and leaves nothing behind', async () => {
    const text = await asdText('test_label');
    const labels = text.trimEnd().split('\n').map(Number);
    labels[0] = 1 - labels[0];
    const wrong = await serveFiles(
      new Map([
        [interfusion('data/processed/omi-1_test_label.pkl'), numpyPickle(Float64Array.from(labels), [labels.length])],
      ]),
    );
    try {
      await expect(
        fetchDataset(lock, 'asd', target, { baseUrl: wrong.origin, only: ['asd/test_label/omi-1.txt'] }),
      ).rejects.toThrow(
        new RegExp(
          `sha256 of asd/test_label/omi-1\\.txt is [0-9a-f]{64}, expected ${lockedSha('asd/test_label/omi-1.txt')}`,
        ),
      );
    } finally {
      await wrong.close();
    }
    expect(await filesUnder(target)).toEqual([]);
  });

  it('unzips Exathlon: the CSV checked against the README sha256, gzipped like gzip -9 -n', async () => {
    const report = await fetchDataset(lock, 'exathlon', target, {
      baseUrl: server.origin,
      only: ['exathlon/ground_truth.csv', 'exathlon/app1/'],
    });
    expect(report.written.sort()).toEqual(['exathlon/app1/1_0_100000_15.csv.gz', 'exathlon/ground_truth.csv']);
    expect(await sha256File(join(target, 'exathlon/ground_truth.csv'))).toBe(lockedSha('exathlon/ground_truth.csv'));
    const gz = await readFile(join(target, 'exathlon/app1/1_0_100000_15.csv.gz'));
    // data README: decompressed sha256 of 1_0_100000_15.csv
    expect(sha(gunzipSync(gz))).toBe('cf621de0a4798fa2de0bc84fd9a0f619cf242dd7fa6442e6331a8fa3104aae2c');
    if (hasGzipProgram()) expect(sha(gz)).toBe(lockedSha('exathlon/app1/1_0_100000_15.csv.gz'));
    else expect(report.notes.join('\n')).toMatch(/content verified/);
    expect(await filesUnder(target)).toEqual(['exathlon/app1/1_0_100000_15.csv.gz', 'exathlon/ground_truth.csv']);
  }, 30_000);

  it('checks an Alibaba archive against the sha256 Alibaba published', async () => {
    const fake = tarGz([{ name: 'machine_meta.csv', body: Buffer.from('m_1,0,1,a,96,100,USING\n') }]);
    const alibaba = await serveFiles(new Map([['/v2018Traces/machine_meta.tar.gz', fake]]));
    try {
      await expect(
        fetchDataset(lock, 'alibaba-v2018', target, {
          baseUrl: alibaba.origin,
          only: ['alibaba-v2018/machine_meta.csv'],
        }),
      ).rejects.toThrow(
        `${alibaba.origin}/v2018Traces/machine_meta.tar.gz: sha256 ${sha(fake)}, expected ` +
          `b5b1b786b22cd413a3674b8f2ebfb2f02fac991c95df537f363ef2797c8f6d55`,
      );
    } finally {
      await alibaba.close();
    }
    expect(await filesUnder(target)).toEqual([]);
  });
});

/** A lock with one data set `cluster` whose downloads are given (checked by the same parser as datasets.lock). */
function testLock(downloads: LockDownload[], files: { path: string; body: Buffer }[] = []): DatasetsLock {
  const entries = files.map((f) => ({ path: f.path, bytes: f.body.length, sha256: sha(f.body) }));
  const dataset = {
    name: 'cluster',
    source: { repository: 'example/cluster', commit: 'a'.repeat(40), paths: [] },
    licence: 'test',
    layout: 'test',
    bytes: entries.reduce((s, e) => s + e.bytes, 0),
    files: entries,
    downloads,
  };
  return parseDatasetsLock(JSON.stringify({ format: 1, datasets: [dataset] }));
}

describe('fetchDataset with archives made in the test', () => {
  const meta = Buffer.from('m_1,0,1,a,96,100,USING\nm_2,0,2,b,96,100,USING\n');
  const usage = Buffer.from('m_1,0,39,93,,,,,\n'.repeat(2000));
  const tar = tarGz([
    { name: './v2018/', type: 'directory' },
    { name: './v2018/machine_meta.csv', body: meta },
    { name: './v2018/README', body: Buffer.from('not wanted\n') },
    { name: './v2018/machine_usage.csv', body: usage },
  ]);
  const zip = zipArchive([
    { name: 'a/one.csv', body: meta },
    { name: 'two.csv', body: usage, method: 0 },
  ]);
  let server: TestServer;
  let target: string;
  beforeAll(async () => {
    server = await serveFiles(
      new Map([
        ['/v2018Traces/tables.tar.gz', tar],
        ['/zips/all.zip', zip],
      ]),
    );
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    target = await mkdtemp(join(tmpdir(), 'ingest-fetch-archive-'));
  });
  afterEach(() => rm(target, { recursive: true, force: true }));

  const tarDownload: LockDownload = {
    url: 'http://archive.example/v2018Traces/tables.tar.gz',
    sha256: sha(tar),
    unpack: 'tar.gz',
    to: 'cluster/',
    members: [
      { name: 'machine_meta.csv', to: 'cluster/machine_meta.csv' },
      { name: 'machine_usage.csv', to: 'cluster/usage/machine_usage.csv' },
    ],
  };

  it('unpacks the listed tar.gz members (found below a top folder) and nothing else', async () => {
    const report = await fetchDataset(testLock([tarDownload]), 'cluster', target, { baseUrl: server.origin });
    expect(report.written).toEqual(['cluster/machine_meta.csv', 'cluster/usage/machine_usage.csv']);
    expect((await readFile(join(target, 'cluster/machine_meta.csv'))).equals(meta)).toBe(true);
    expect((await readFile(join(target, 'cluster/usage/machine_usage.csv'))).equals(usage)).toBe(true);
    expect(await filesUnder(target)).toEqual(['cluster/machine_meta.csv', 'cluster/usage/machine_usage.csv']);
    // outputs without a checksum of their own count as present once written by a checked archive
    const again = await fetchDataset(testLock([tarDownload]), 'cluster', target, { baseUrl: server.origin });
    expect(again.written).toEqual([]);
    expect(again.present).toEqual(['cluster/machine_meta.csv', 'cluster/usage/machine_usage.csv']);
  });

  it('names the members an archive lacks, and keeps a download that matched its published sha256', async () => {
    const missing = { ...tarDownload, members: [{ name: 'batch_task.csv', to: 'cluster/batch_task.csv' }] };
    await expect(fetchDataset(testLock([missing]), 'cluster', target, { baseUrl: server.origin })).rejects.toThrow(
      /batch_task\.csv.*v2018\/machine_meta\.csv/,
    );
    expect(await filesUnder(target)).toEqual(['cluster/tables.tar.gz.part']);
  });

  it('unpacks every file of a zip without a member list below its folder', async () => {
    const download: LockDownload = {
      url: 'http://zips.example/zips/all.zip',
      sha256: sha(zip),
      unpack: 'zip',
      to: 'cluster/z/',
    };
    const report = await fetchDataset(testLock([download]), 'cluster', target, { baseUrl: server.origin });
    expect(report.written).toEqual(['cluster/z/a/one.csv', 'cluster/z/two.csv']);
    expect((await readFile(join(target, 'cluster/z/a/one.csv'))).equals(meta)).toBe(true);
    expect((await readFile(join(target, 'cluster/z/two.csv'))).equals(usage)).toBe(true);
  });

  it('gunzips a download into the locked file, and gzips one keeping its content', async () => {
    const gz = await serveFiles(
      new Map([
        ['/g/usage.csv.gz', gzipSync(usage)],
        ['/g/meta.csv', meta],
      ]),
    );
    try {
      const downloads: LockDownload[] = [
        { url: 'http://g.example/g/usage.csv.gz', unpack: 'gunzip', to: 'cluster/usage.csv' },
        { url: 'http://g.example/g/meta.csv', sha256: sha(meta), unpack: 'gzip', to: 'cluster/meta.csv.gz' },
      ];
      const report = await fetchDataset(
        testLock(downloads, [{ path: 'cluster/usage.csv', body: usage }]),
        'cluster',
        target,
        { baseUrl: gz.origin },
      );
      expect(report.written).toEqual(['cluster/usage.csv', 'cluster/meta.csv.gz']);
      expect((await readFile(join(target, 'cluster/usage.csv'))).equals(usage)).toBe(true);
      expect(gunzipSync(await readFile(join(target, 'cluster/meta.csv.gz'))).equals(meta)).toBe(true);
      expect(await filesUnder(target)).toEqual(['cluster/meta.csv.gz', 'cluster/usage.csv']);
    } finally {
      await gz.close();
    }
  });

  it('accepts other gzip bytes with the same content, with a note', async () => {
    const members = [
      { name: 'machine_meta.csv', to: 'cluster/meta.csv.gz', sha256: sha(meta), compress: 'gzip' as const },
    ];
    // the locked .gz was made by another compressor: no local gzip reproduces these bytes
    const lockWithFile = testLock(
      [{ ...tarDownload, members }],
      [{ path: 'cluster/meta.csv.gz', body: Buffer.from('other gzip bytes') }],
    );
    const report = await fetchDataset(lockWithFile, 'cluster', target, { baseUrl: server.origin });
    expect(report.notes).toEqual([
      expect.stringMatching(
        /^cluster\/meta\.csv\.gz: content verified, but .* wrote other gzip bytes than the locked file/,
      ),
    ]);
    expect(gunzipSync(await readFile(join(target, 'cluster/meta.csv.gz'))).equals(meta)).toBe(true);
    // on the next run the same content counts as present
    expect((await fetchDataset(lockWithFile, 'cluster', target, { baseUrl: server.origin })).present).toEqual([
      'cluster/meta.csv.gz',
    ]);
    const wrongContent = testLock([{ ...tarDownload, members: [{ ...members[0], sha256: 'e'.repeat(64) }] }]);
    await rm(join(target, 'cluster/meta.csv.gz'));
    await expect(fetchDataset(wrongContent, 'cluster', target, { baseUrl: server.origin })).rejects.toThrow(
      /\(content before compression\)/,
    );
    expect(existsSync(join(target, 'cluster/meta.csv.gz'))).toBe(false);
  });

  it('checks a member against the locked file and refuses a download that would write outside its folder', async () => {
    const lockWithFile = testLock(
      [tarDownload],
      [{ path: 'cluster/machine_meta.csv', body: Buffer.from('something else\n') }],
    );
    await expect(fetchDataset(lockWithFile, 'cluster', target, { baseUrl: server.origin })).rejects.toThrow(
      /sha256 of cluster\/machine_meta\.csv is/,
    );
    expect(existsSync(join(target, 'cluster/machine_meta.csv'))).toBe(false);
    expect(() => testLock([{ ...tarDownload, members: [{ name: 'x', to: 'elsewhere/x' }] }])).toThrow(InputError);
  });
});
