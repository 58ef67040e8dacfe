import { join } from 'node:path';
import { InputError } from '@driftwatch/contracts';
import { findRepoRoot } from '../datasets/data-root';
import { parseDatasetsLock, readDatasetsLock, type LockDownload } from '../datasets/lock';
import { isSelected, memberMatches, partPathOf, plannedOutputs } from './fetch-dataset';

const FILE = { path: 'alpha/a.txt', bytes: 2, sha256: 'a'.repeat(64) };

function lockText(downloads: unknown, files = [FILE]): string {
  const dataset = {
    name: 'alpha',
    source: { repository: 'owner/repo', commit: 'b'.repeat(40), paths: [] },
    licence: 'MIT',
    layout: 'test',
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    files,
    downloads,
  };
  return JSON.stringify({ format: 1, datasets: [dataset] });
}

function rejection(downloads: unknown): string {
  try {
    parseDatasetsLock(lockText(downloads));
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

const copy: LockDownload = {
  url: 'https://raw.githubusercontent.com/owner/repo/' + 'b'.repeat(40) + '/a.txt',
  unpack: 'none',
  to: 'alpha/a.txt',
};

describe('datasets.lock downloads', () => {
  it('reads the repository lock: every data set has downloads, each byte copy carries its file sha256', async () => {
    const lock = await readDatasetsLock(join(findRepoRoot(__dirname)!, 'datasets.lock'));
    for (const d of lock.datasets) {
      expect(d.downloads?.length).toBeGreaterThan(0);
      const locked = new Map(d.files.map((f) => [f.path, f.sha256]));
      for (const dl of d.downloads!) {
        if (dl.unpack === 'none' && !dl.convert) expect(dl.sha256).toBe(locked.get(dl.to));
        if (dl.url.startsWith('https://raw.githubusercontent.com/'))
          expect(dl.url).toMatch(/^https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/[0-9a-f]{40}\//);
      }
    }
    // every locked file of the GitHub data sets has exactly one download writing it
    for (const name of ['asd', 'smd', 'nezha', 'exathlon']) {
      const d = lock.datasets.find((x) => x.name === name)!;
      const outputs = d.downloads!.flatMap((dl) => plannedOutputs(dl, d)!.map((o) => o.path)).sort();
      expect(outputs).toEqual(d.files.map((f) => f.path).sort());
    }
    // the six Alibaba archives with the sha256 of trace_2018.md (alibaba-v2018/schema.txt)
    const alibaba = lock.datasets.find((x) => x.name === 'alibaba-v2018')!.downloads!;
    expect(alibaba.map((d) => d.url.split('/').pop())).toEqual(
      ['batch_instance', 'batch_task', 'container_meta', 'container_usage', 'machine_meta', 'machine_usage'].map(
        (t) => `${t}.tar.gz`,
      ),
    );
    expect(alibaba.find((d) => d.url.endsWith('/machine_usage.tar.gz'))!.sha256).toBe(
      '3e6ee87fd204bb85b9e234c5c75a5096580fdabc8f085b224033080090753a7a',
    );
  });

  it('accepts a lock without downloads (older locks stay readable)', () => {
    const text = JSON.parse(lockText(undefined));
    expect(parseDatasetsLock(JSON.stringify(text)).datasets[0].downloads).toBeUndefined();
  });

  it('rejects downloads that could write outside the data set, write unverified files, or are malformed', () => {
    expect(rejection([{ ...copy, url: 'ftp://host/a.txt' }])).toMatch(/url.*http or https/);
    expect(rejection([{ ...copy, to: 'beta/a.txt' }])).toMatch(/to.*under "alpha\/"/);
    expect(rejection([{ ...copy, to: 'alpha/../etc/passwd' }])).toMatch(/to/);
    expect(rejection([{ ...copy, unpack: 'rar' }])).toMatch(/unpack.*none, gzip, gunzip, tar\.gz, zip/);
    expect(rejection([{ ...copy, to: 'alpha/unlisted.txt' }])).toMatch(
      /sha256.*given, since alpha\/unlisted\.txt has no sha256/,
    );
    expect(rejection([copy, copy])).toMatch(/the only download writing alpha\/a\.txt/);
    expect(rejection([{ url: copy.url, unpack: 'zip', to: 'alpha/x.txt' }])).toMatch(/ending in "\/"/);
    expect(rejection([{ url: copy.url, unpack: 'zip', to: 'alpha/' }])).toMatch(/sha256/);
    expect(rejection([{ url: copy.url, unpack: 'zip', to: 'alpha/', members: [{ name: 'a', to: 'beta/a' }] }])).toMatch(
      /members\[0\]\.to/,
    );
    expect(rejection([{ ...copy, convert: 'numpy-pickle-text', unpack: 'gunzip' }])).toMatch(/convert/);
    expect(parseDatasetsLock(lockText([copy])).datasets[0].downloads).toEqual([copy]);
  });

  it('plans outputs, .part names and selections', () => {
    const dataset = parseDatasetsLock(lockText([copy])).datasets[0];
    expect(plannedOutputs(copy, dataset)).toEqual([{ path: 'alpha/a.txt', sha256: FILE.sha256 }]);
    const zip: LockDownload = {
      url: 'https://h/x/arch.zip?raw=1',
      sha256: 'c'.repeat(64),
      unpack: 'zip',
      to: 'alpha/z/',
      members: [{ name: 'a.csv', to: 'alpha/z/a.csv.gz', sha256: 'd'.repeat(64), compress: 'gzip' }],
    };
    expect(plannedOutputs(zip, dataset)).toEqual([
      { path: 'alpha/z/a.csv.gz', sha256: undefined, contentSha256: 'd'.repeat(64), member: zip.members![0] },
    ]);
    expect(partPathOf(copy)).toBe('alpha/a.txt.part');
    expect(partPathOf(zip)).toBe('alpha/z/arch.zip.part');
    expect(isSelected(zip, ['alpha/z'])).toBe(true);
    expect(isSelected(zip, ['alpha/z/a.csv.gz'])).toBe(true);
    expect(isSelected(zip, ['alpha/a.txt'])).toBe(false);
    expect(isSelected(copy, ['alpha/a'])).toBe(false);
    expect(memberMatches('./v2018/machine_meta.csv', 'machine_meta.csv')).toBe('suffix');
    expect(memberMatches('./machine_meta.csv', 'machine_meta.csv')).toBe('exact');
    expect(memberMatches('other_machine_meta.csv', 'machine_meta.csv')).toBeUndefined();
  });
});
