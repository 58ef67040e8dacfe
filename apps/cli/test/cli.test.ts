import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileSystemMessage, main } from '../src/main';
import { scoredSpan } from '@driftwatch/experiments/data';
import { readResults } from '@driftwatch/experiments';
import { readScoreFile } from '@driftwatch/ingest';
import { captureOutput, makeAsdLikeRoot, writeLockFor } from './fixtures';

const REQUIRED = [
  'method',
  'dataset',
  'testSequence',
  'smoothing',
  'peakF1',
  'precision',
  'recall',
  'threshold',
  'aucPr',
  'trainSeconds',
  'scoreSeconds',
  'backend',
  'seed',
  'params',
];

describe('driftwatch CLI', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  beforeAll(async () => {
    fixture = await makeAsdLikeRoot();
  });
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
  });

  it('prints an overview and per-command help with examples', async () => {
    const { result, stdout } = await captureOutput(() => main(['--help']));
    expect(result).toBe(0);
    expect(stdout).toMatch(/bench asd-loso/);
    const help = await captureOutput(() => main(['bench', 'asd-loso', '--help']));
    expect(help.stdout).toMatch(/Examples:/);
    expect(help.stdout).toMatch(/--methods <ids>/);
  });

  it('rejects unknown flags and commands with a usage error', async () => {
    await expect(main(['bench', 'asd-loso', '--frobnicate'])).rejects.toThrow(/frobnicate/);
    await expect(main(['nonsense'])).rejects.toThrow(/unknown command/);
    await expect(main(['datasets'])).rejects.toThrow(/list, verify/);
  });

  it('datasets verify passes on intact files and names a file with one changed byte', async () => {
    const files = ['train', 'test', 'test_label', 'interpretation_label'].flatMap((folder) =>
      Array.from({ length: fixture.servers }, (_, s) => `asd/${folder}/omi-${s + 1}.txt`),
    );
    const lock = await writeLockFor(fixture.root, files);
    const ok = await captureOutput(() =>
      main(['datasets', 'verify', 'asd', '--lock', lock, '--data-root', fixture.root]),
    );
    expect(ok.result).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`asd: ok \\(${files.length}/${files.length} files ok\\)`));
    // a file of the fixture the lock does not list, but no entity: named as a note, not a failure
    expect(ok.stdout).toMatch(/note: 1 file\(s\) .* not in the lock/);
    expect(ok.stdout).toContain('asd/anomaly_type.txt');
    const victim = join(fixture.root, 'asd/test/omi-1.txt');
    const original = await readFile(victim);
    const changed = Buffer.from(original);
    changed[5] = changed[5] === 0x31 ? 0x32 : 0x31;
    await writeFile(victim, changed);
    try {
      const bad = await captureOutput(() =>
        main(['datasets', 'verify', 'asd', '--lock', lock, '--data-root', fixture.root]),
      );
      expect(bad.result).toBe(1);
      expect(bad.stdout).toContain('asd/test/omi-1.txt');
      expect(bad.stdout).toMatch(/sha256/);
    } finally {
      await writeFile(victim, original);
    }
  });

  it('bench asd-loso writes one complete line per (method, server, smoothing) and resumes', async () => {
    const out = join(fixture.root, 'bench');
    const args = [
      'bench',
      'asd-loso',
      '--methods',
      'iforest,mahalanobis',
      '--servers',
      '1,3',
      '--out',
      out,
      '--data-root',
      fixture.root,
      '--params',
      '{"iforest":{"nEstimators":20}}',
    ];
    const first = await captureOutput(() => main(args));
    expect(first.result).toBe(0);
    const rows = await readResults(join(out, 'results.jsonl'));
    expect(rows).toHaveLength(2 * 2 * 12);
    for (const r of rows) for (const k of REQUIRED) expect(r).toHaveProperty(k);
    expect(new Set(rows.map((r) => r.backend))).toEqual(new Set(['js']));
    expect(rows[0].command).toBe(`driftwatch ${args.slice(0, -1).join(' ')} '{"iforest":{"nEstimators":20}}'`);
    expect(new Set(rows.map((r) => r.testSequence))).toEqual(new Set(['asd/omi-1', 'asd/omi-3']));
    // the planted +0.8 shifts are easy: a working pipeline finds them on every server
    const best = Math.max(...rows.filter((r) => r.method === 'mahalanobis').map((r) => r.peakF1));
    expect(best).toBeGreaterThan(0.5);
    expect(first.stdout).toMatch(/\| omi-1 +\| iforest/);
    await expect(main(args)).rejects.toThrow(/already holds 48 results lines: pass --resume/);
    const again = await captureOutput(() => main([...args, '--resume']));
    expect(again.stderr).toMatch(/skipped/);
    expect(await readResults(join(out, 'results.jsonl'))).toHaveLength(rows.length);
  }, 120_000);

  it('train → score → evaluate reproduces the benchmark numbers of the same model', async () => {
    const model = join(fixture.root, 'model');
    const scores = join(fixture.root, 'scores.csv');
    const results = join(fixture.root, 'eval.jsonl');
    const base = ['--data-root', fixture.root];
    expect(
      (
        await captureOutput(() =>
          main(['train', '--method', 'mahalanobis', '--hold-out', '2', '--out', model, ...base]),
        )
      ).result,
    ).toBe(0);
    const manifest = JSON.parse(await readFile(join(model, 'manifest.json'), 'utf8'));
    expect(manifest.detector).toBe('mahalanobis');
    expect(manifest.trainedOn.sequences).toEqual(['asd/omi-1', 'asd/omi-3']);
    expect(manifest.standardisation.mean).toHaveLength(fixture.features);
    expect((await captureOutput(() => main(['score', '--model', model, '--out', scores, ...base]))).result).toBe(0);
    const csv = (await readFile(scores, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('sequence,record,score');
    expect(csv).toHaveLength(1 + fixture.trainRows + fixture.testRows);
    expect(
      (
        await captureOutput(() =>
          main(['evaluate', '--scores', scores, '--method', 'mahalanobis', '--out', results, ...base]),
        )
      ).result,
    ).toBe(0);
    const evaluated = await readResults(results);
    const bench = join(fixture.root, 'bench2');
    await captureOutput(() =>
      main(['bench', 'asd-loso', '--methods', 'mahalanobis', '--servers', '2', '--out', bench, ...base]),
    );
    const benchRows = await readResults(join(bench, 'results.jsonl'));
    expect(evaluated).toHaveLength(12);
    for (const e of evaluated) {
      const b = benchRows.find((r) => r.smoothing === e.smoothing)!;
      expect(e.peakF1).toBeCloseTo(b.peakF1, 10);
      expect(e.threshold).toBeCloseTo(b.threshold, 6);
    }
  }, 120_000);

  it.each(['dense-ae', 'dense-vae'])(
    '%s trains, saves, loads and scores from the CLI',
    async (method) => {
      const model = join(fixture.root, `model-${method}`);
      const scores = join(fixture.root, `scores-${method}.arrow`);
      const base = ['--data-root', fixture.root, '--backend', 'cpu'];
      const params =
        method === 'dense-vae' ? '{"hidden":8,"latentDim":2,"scoreSamples":4}' : '{"hidden":8,"latentDim":2}';
      expect(
        (
          await captureOutput(() =>
            main([
              'train',
              '--method',
              method,
              '--hold-out',
              '1',
              '--epochs',
              '1',
              '--params',
              params,
              '--out',
              model,
              ...base,
            ]),
          )
        ).result,
      ).toBe(0);
      const manifest = JSON.parse(await readFile(join(model, 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({
        detector: method,
        windowLength: 20,
        featureCount: fixture.features,
        backend: 'cpu',
      });
      expect((await captureOutput(() => main(['score', '--model', model, '--out', scores, ...base]))).result).toBe(0);
      const written = await readScoreFile(scores);
      expect([...written.keys()]).toEqual(['asd/omi-1']);
      const s = written.get('asd/omi-1')!;
      expect(s).toHaveLength(fixture.trainRows + fixture.testRows);
      expect(Array.from(s.subarray(19)).every((x) => Number.isFinite(x) && x > -Number.MAX_VALUE)).toBe(true);
      // the 19 records before the first full window have no score (NaN), never a sentinel
      expect(Array.from(s.subarray(0, 19)).every((x) => Number.isNaN(x))).toBe(true);
    },
    120_000,
  );

  it('--lr-grid trains a deep method once per learning rate and keeps the lowest validation loss', async () => {
    const out = join(fixture.root, 'bench-lr');
    const small = '{"dense-divad-gm":{"hidden":8,"latentDim":2,"components":2,"priorHidden":4,"batchSize":64}}';
    const args = [
      'bench',
      'asd-loso',
      '--methods',
      'dense-divad-gm',
      '--servers',
      '1',
      '--epochs',
      '2',
      '--lr-grid',
      '1e-4,3e-3',
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
    const rows = await readResults(join(out, 'results.jsonl'));
    expect(rows).toHaveLength(12);
    const selection = rows[0].lrSelection as { learningRate: number; bestValLoss: number }[];
    expect(selection.map((s) => s.learningRate)).toEqual([1e-4, 3e-3]);
    const losses = selection.map((s) => s.bestValLoss);
    expect(losses[0]).not.toBe(losses[1]);
    const expected = losses[0] <= losses[1] ? 1e-4 : 3e-3;
    expect((rows[0].params as { learningRate: number }).learningRate).toBe(expected);
    expect(rows[0].bestValLoss).toBe(Math.min(...losses));
    expect(rows[0].backend).toBe('cpu');
  }, 120_000);

  it('a missing data root explains where data comes from', async () => {
    await expect(
      main(['bench', 'asd-loso', '--methods', 'iforest', '--data-root', join(fixture.root, 'nope')]),
    ).rejects.toThrow(/--data-root|DRIFTWATCH_DATA/);
  });
});

describe('fileSystemMessage', () => {
  it('turns a missing file into one line naming it, and leaves other errors alone', async () => {
    const { readFile } = await import('node:fs/promises');
    const e = await readFile('/definitely/not/here.arrow').catch((x: unknown) => x);
    expect(fileSystemMessage(e)).toBe('/definitely/not/here.arrow: no such file or folder');
    expect(fileSystemMessage(new Error('boom'))).toBeUndefined();
  });
});

describe('scoredSpan, where the scores of a score file start', () => {
  it('counts the leading records without a score (NaN, or the lowest value of older files) only', () => {
    const L = -Number.MAX_VALUE;
    expect(scoredSpan(Float64Array.from([L, L, 0.5, L])).first).toBe(2);
    expect(scoredSpan(Float64Array.from([0.1])).first).toBe(0);
    expect(scoredSpan(Float64Array.from([NaN, NaN, NaN, 0.5, NaN])).first).toBe(3);
  });
});
