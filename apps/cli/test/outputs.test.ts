import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriftwatchError } from '@driftwatch/contracts';
import { main } from '../src/main';
import { captureOutput, makeAsdLikeRoot } from './fixtures';

/** What a refused command must leave: the error is a DriftwatchError (printed as `driftwatch: …`, no stack). */
async function refused(argv: string[], message: RegExp | string): Promise<void> {
  const error = await captureOutput(() => main(argv)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DriftwatchError);
  expect((error as Error).message).toMatch(message);
}

describe('outputs never remove or replace what is not theirs', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  let dir: string;
  const train = (out: string, ...more: string[]) => [
    'train',
    '--method',
    'mahalanobis',
    '--hold-out',
    '1',
    '--data-root',
    fixture.root,
    '--out',
    out,
    ...more,
  ];

  beforeAll(async () => {
    fixture = await makeAsdLikeRoot({ servers: 2, features: 3, train: 150, test: 160 });
    dir = await mkdtemp(join(tmpdir(), 'cli-outputs-'));
  });
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('train --out refuses user files, a file and the data root; --force replaces only the first two', async () => {
    const user = join(dir, 'user');
    await mkdir(user);
    await writeFile(join(user, 'thesis.tex'), 'years of work');
    await refused(train(user), /holds files that are not a model directory.*--force/);
    expect(await readFile(join(user, 'thesis.tex'), 'utf8')).toBe('years of work');

    const file = join(dir, 'notes.txt');
    await writeFile(file, 'notes');
    await refused(train(file), /is a file, expected a folder/);
    expect(await readFile(file, 'utf8')).toBe('notes');

    // the data root it reads, directly and through a symbolic link: never, not even with --force
    const link = join(dir, 'data-link');
    await symlink(fixture.root, link);
    for (const out of [fixture.root, link, join(fixture.root, 'asd', 'train', '..')]) {
      await refused(train(out, '--force'), /(holds|is also) an input/);
    }
    expect((await readdir(join(fixture.root, 'asd', 'train'))).sort()).toEqual(['omi-1.txt', 'omi-2.txt']);

    const forced = await captureOutput(() => main(train(user, '--force')));
    expect(forced.result).toBe(0);
    expect(existsSync(join(user, 'manifest.json'))).toBe(true);
    // a previous model is replaced without --force
    expect((await captureOutput(() => main(train(user)))).result).toBe(0);
  }, 60_000);

  it('convert refuses --rejects equal to the input or --out, and --out equal to the input', async () => {
    const input = join(dir, 'm.csv');
    const original = 'ts,host,cpu\n1,a,0.5\n2,a,oops\n3,a,0.7\n';
    await writeFile(input, original);
    const skip = ['--to', 'csv', '--map', 'timestamp=ts', '--map', 'entity=host', '--on-error', 'skip'];
    await refused(['convert', input, ...skip, '--out', join(dir, 'o.csv'), '--rejects', input], /also an input/);
    await refused(
      ['convert', input, ...skip, '--out', join(dir, 'o.csv'), '--rejects', join(dir, '.', 'o.csv')],
      /--rejects .* is also --out/,
    );
    await refused(['convert', input, ...skip, '--out', input, '--force'], /also an input/);
    expect(await readFile(input, 'utf8')).toBe(original);
    expect(existsSync(join(dir, 'o.csv'))).toBe(false);
  });

  it('report --out onto the results it reads is refused; bench --out onto a file is a clear error', async () => {
    const bench = join(dir, 'bench');
    const args = ['bench', 'asd-loso', '--methods', 'mahalanobis', '--servers', '1', '--data-root', fixture.root];
    expect((await captureOutput(() => main([...args, '--out', bench]))).result).toBe(0);
    const results = await readFile(join(bench, 'results.jsonl'), 'utf8');
    const md = ['--format', 'md', '--data-root', fixture.root];
    await refused(['report', bench, ...md, '--out', join(bench, 'results.jsonl')], /also an input/);
    await refused(['report', join(bench, 'results.jsonl'), ...md, '--out', join(bench, 'run.json')], /also an input/);
    expect(await readFile(join(bench, 'results.jsonl'), 'utf8')).toBe(results);
    // evaluate appends results lines: never to the score file it reads
    const scores = join(bench, 'scores', 'mahalanobis', 'omi-1.arrow');
    const scoreBytes = await readFile(scores);
    await refused(['evaluate', '--scores', scores, '--data-root', fixture.root, '--out', scores], /also an input/);
    expect((await readFile(scores)).equals(scoreBytes)).toBe(true);

    const file = join(dir, 'a-file');
    await writeFile(file, 'mine');
    await refused([...args, '--out', file], /is a file, expected a folder for benchmark results/);
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(join(other, 'keep.txt'), 'mine');
    await refused([...args, '--out', other], /holds files that are not benchmark results/);
    expect(await readFile(file, 'utf8')).toBe('mine');
    expect(await readdir(other)).toEqual(['keep.txt']);
  }, 60_000);

  it('--out into a missing folder names that path, not a temporary, and leaves nothing', async () => {
    const input = join(dir, 'small.csv');
    await writeFile(input, 'ts,host,cpu\n1,a,0.5\n2,a,0.7\n');
    const missing = join(dir, 'no-such-folder');
    const out = join(missing, 'small.arrow');
    const map = ['--map', 'timestamp=ts', '--map', 'entity=host'];
    await refused(
      ['convert', input, '--to', 'arrow', ...map, '--out', out],
      `cannot write ${out}: the folder ${missing}`,
    );
    const rejects = join(missing, 'rejects.csv');
    await refused(
      [
        'convert',
        input,
        '--to',
        'arrow',
        ...map,
        '--out',
        join(dir, 'small.arrow'),
        '--on-error',
        'skip',
        '--rejects',
        rejects,
      ],
      `cannot write ${rejects}: the folder ${missing}`,
    );
    const leftovers = (await readdir(dir)).filter((name) => name.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });
});
