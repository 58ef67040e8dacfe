import { existsSync } from 'node:fs';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { score } from '../src/commands/score';
import { train } from '../src/commands/train';
import { makeAsdLikeRoot, runCommand } from './fixtures';

/** `score --model` on a model directory damaged after `train`: one `driftwatch:` line, exit 1, no score file. */
describe('score with a tampered model', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  let model: string;
  const scoreWith = async (dir: string) => {
    const out = join(fixture.root, 'scores.csv');
    const r = await runCommand(score, ['--model', dir, '--out', out, '--data-root', fixture.root]);
    return { ...r, wrote: existsSync(out) };
  };

  beforeAll(async () => {
    fixture = await makeAsdLikeRoot({ servers: 2, train: 60, test: 150 });
    model = join(fixture.root, 'model');
    const r = await runCommand(train, [
      '--method',
      'mahalanobis',
      '--hold-out',
      '2',
      '--out',
      model,
      '--data-root',
      fixture.root,
    ]);
    expect(r.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
  });

  it('refuses a flipped byte in the model file, naming it', async () => {
    const file = join(model, 'mahalanobis.json');
    const original = await readFile(file);
    const flipped = Buffer.from(original);
    flipped[40] ^= 0x02;
    await writeFile(file, flipped);
    try {
      const r = await scoreWith(model);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^driftwatch: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: sha256 `));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.wrote).toBe(false);
    } finally {
      await writeFile(file, original);
    }
    expect((await scoreWith(model)).code).toBe(0);
  });

  it('refuses a model file linked to /dev/zero instead of reading it forever', async () => {
    const file = join(model, 'mahalanobis.json');
    const original = await readFile(file);
    await rm(file);
    await symlink('/dev/zero', file);
    try {
      const r = await scoreWith(model);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('symbolic link');
    } finally {
      await rm(file);
      await writeFile(file, original);
    }
  }, 10_000);

  it('refuses a null manifest with an error naming it', async () => {
    const file = join(model, 'manifest.json');
    const original = await readFile(file);
    await writeFile(file, 'null');
    try {
      const r = await scoreWith(model);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`driftwatch: ${file}: expected the manifest: a JSON object, found "null"`);
    } finally {
      await writeFile(file, original);
    }
  });
});
