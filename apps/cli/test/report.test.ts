import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readScoreFile } from '@driftwatch/ingest';
import { main } from '../src/main';
import { findLengthRank } from '@driftwatch/eval';
import { loadEntitySequences, readResults } from '@driftwatch/experiments';
import { captureOutput, makeAsdLikeRoot } from './fixtures';

describe('driftwatch report', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  let bench: string;
  beforeAll(async () => {
    fixture = await makeAsdLikeRoot();
    bench = join(fixture.root, 'bench');
    const run = await captureOutput(() =>
      main([
        'bench',
        'asd-loso',
        '--methods',
        'iforest,mahalanobis',
        '--servers',
        '1,2',
        '--out',
        bench,
        '--data-root',
        fixture.root,
        '--params',
        '{"iforest":{"nEstimators":20}}',
      ]),
    );
    expect(run.result).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
  });

  it('bench keeps deployed thresholds, score files with validation scores, and data checksums', async () => {
    const rows = await readResults(join(bench, 'results.jsonl'));
    for (const r of rows) {
      expect(r.deployed!.map((d) => d.selector)).toEqual(['p99', 'mean+3std', 'median+3mad', 'iqr-1.5', 'pot-1e-3']);
      for (const d of r.deployed!) expect(Number.isFinite(d.threshold) || d.error !== undefined).toBe(true);
    }
    const scores = await readScoreFile(join(bench, 'scores', 'iforest', 'omi-1.arrow'));
    const ids = [...scores.keys()];
    expect(ids[0]).toBe('asd/omi-1');
    // the validation tail of each training server, named by its record range
    expect(ids.slice(1)).toEqual([
      expect.stringMatching(/^validation:asd\/omi-2\[\d+:\d+\]$/),
      expect.stringMatching(/^validation:asd\/omi-3\[\d+:\d+\]$/),
    ]);
    const run = JSON.parse(await readFile(join(bench, 'run.json'), 'utf8'));
    expect(run.data.dataset).toBe('asd');
    expect(run.data.files.map((f: { path: string }) => f.path)).toContain('asd/test_label/omi-1.txt');
    expect(run.data.files.every((f: { sha256: string }) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
  });

  it('writes one HTML page with box plots, densities, timelines and the tables', async () => {
    const out = join(fixture.root, 'report.html');
    const { result } = await captureOutput(() => main(['report', bench, '--out', out, '--data-root', fixture.root]));
    expect(result).toBe(0);
    const html = await readFile(out, 'utf8');
    for (const id of [
      'box-by-sequence',
      'box-by-method',
      'sensitivity-smoothing',
      'kde-iforest',
      'kde-mahalanobis',
      'timeline-iforest-omi-1',
      'timeline-mahalanobis-omi-2',
      'pa-k',
    ]) {
      expect(html).toMatch(new RegExp(`<figure data-figure="${id}"><svg `));
    }
    for (const table of ['methods', 'sequences', 'deployed', 'metric-suite', 'point-adjust', 'configuration', 'runs'])
      expect(html).toContain(`data-table="${table}"`);
    expect(html).not.toMatch(/<script|<link /);
    expect(html).toMatch(/Point adjustment inflates results/);
  }, 60_000);

  it('without --out writes under bench-results/ of the working directory, not into the directory itself', async () => {
    const cwd = join(fixture.root, 'default-out');
    await mkdir(cwd);
    const before = process.cwd();
    process.chdir(cwd);
    try {
      const { result } = await captureOutput(() =>
        main(['report', bench, '--format', 'md', '--data-root', fixture.root]),
      );
      expect(result).toBe(0);
    } finally {
      process.chdir(before);
    }
    expect(await readFile(join(cwd, 'bench-results', 'report.md'), 'utf8')).toMatch(/^# driftwatch report: /);
    expect(existsSync(join(cwd, 'report.md'))).toBe(false);
  }, 60_000);

  it('writes the tables as Markdown with --format md', async () => {
    const out = join(fixture.root, 'report.md');
    await captureOutput(() =>
      main(['report', join(bench, 'results.jsonl'), '--format', 'md', '--out', out, '--data-root', fixture.root]),
    );
    const md = await readFile(out, 'utf8');
    expect(md).toMatch(/^# driftwatch report: iforest, mahalanobis on asd/);
    expect(md.split('\n').filter((l) => /^\| (iforest|mahalanobis) \| asd\/omi-[12] \| 12 \|/.test(l))).toHaveLength(4);
    // TSB-AD's VUS window comes from the first feature of each test sequence (train and test records)
    const lines = md.split('\n');
    const header = lines.findIndex((l) => l.includes('| VUS-PR TSB-AD | w TSB-AD |'));
    const column = lines[header].split('|').findIndex((c) => c.trim() === 'w TSB-AD');
    const end = lines.findIndex((l, k) => k > header && !l.startsWith('|'));
    // the rows after the header and its separator: method, short sequence name, …
    const rows = lines.slice(header + 2, end).map((l) => l.split('|').map((c) => c.trim()));
    expect(rows).toHaveLength(4);
    for (const seq of await loadEntitySequences(fixture.root, 'asd', ['omi-1', 'omi-2'])) {
      const firstFeature = Array.from({ length: seq.length }, (_, t) => seq.values[t * seq.features.length]);
      const windows = rows.filter((r) => r[2] === seq.entity).map((r) => r[column]);
      expect(windows).toEqual([String(findLengthRank(firstFeature)), String(findLengthRank(firstFeature))]);
    }
  }, 60_000);

  it('draws the latent encodings a DIVAD bench writes, with every training domain and the test server', async () => {
    const out = join(fixture.root, 'bench-divad');
    const small = '{"dense-divad-gm":{"hidden":8,"latentDim":3,"components":2,"priorHidden":4,"batchSize":64}}';
    const args = [
      'bench',
      'asd-loso',
      '--methods',
      'dense-divad-gm',
      '--servers',
      '2',
      '--epochs',
      '1',
      '--out',
      out,
      '--data-root',
      fixture.root,
      '--params',
      small,
      '--backend',
      'cpu',
    ];
    expect((await captureOutput(() => main(args))).result).toBe(0);
    const latent = JSON.parse(await readFile(join(out, 'latent', 'dense-divad-gm', 'omi-2.json'), 'utf8'));
    expect(latent).toMatchObject({ method: 'dense-divad-gm', testSequence: 'asd/omi-2', latentDim: 3 });
    const domains = new Set(latent.points.map((p: { domain: string }) => p.domain));
    expect([...domains].sort()).toEqual(['omi-1', 'omi-2', 'omi-3']);
    expect(
      latent.points
        .filter((p: { split: string }) => p.split === 'test')
        .every((p: { domain: string }) => p.domain === 'omi-2'),
    ).toBe(true);
    const html = join(out, 'report.html');
    await captureOutput(() => main(['report', out, '--out', html, '--data-root', fixture.root]));
    expect(await readFile(html, 'utf8')).toMatch(/<figure data-figure="latent-dense-divad-gm-omi-2"><svg /);
  }, 120_000);

  it('names the file and line of a bad results line and writes nothing', async () => {
    const dir = join(fixture.root, 'bad');
    await mkdir(dir, { recursive: true });
    const lines = (await readFile(join(bench, 'results.jsonl'), 'utf8')).split('\n');
    const broken = JSON.parse(lines[1]);
    delete broken.peakF1;
    await writeFile(join(dir, 'results.jsonl'), `${lines[0]}\n${JSON.stringify(broken)}\n`);
    const out = join(fixture.root, 'bad.html');
    await expect(main(['report', dir, '--out', out, '--data-root', fixture.root])).rejects.toThrow(
      /bad\/results\.jsonl:2:1: expected a results line with a number "peakF1"/,
    );
    expect(existsSync(out)).toBe(false);
    await expect(main(['report', join(fixture.root, 'nowhere')])).rejects.toThrow(/no such results folder/);
    await expect(main(['report', fixture.root])).rejects.toThrow(/holds no results.jsonl/);
    await expect(main(['report', bench, '--format', 'pdf'])).rejects.toThrow(/--format expects html or md/);
  });

  it('refuses a score file that belongs to other results', async () => {
    const dir = join(fixture.root, 'swapped');
    await mkdir(join(dir, 'scores', 'iforest'), { recursive: true });
    await copyFile(join(bench, 'results.jsonl'), join(dir, 'results.jsonl'));
    await copyFile(join(bench, 'scores', 'mahalanobis', 'omi-1.arrow'), join(dir, 'scores', 'iforest', 'omi-1.arrow'));
    await expect(main(['report', dir, '--out', join(dir, 'r.html'), '--data-root', fixture.root])).rejects.toThrow(
      /iforest on asd\/omi-1: peak F1 from the score file .* does not belong/,
    );
    expect(existsSync(join(dir, 'r.html'))).toBe(false);
  });
});
