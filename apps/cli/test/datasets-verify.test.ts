import { copyFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { main } from '../src/main';
import { captureOutput, makeAsdLikeRoot, writeLockFor } from './fixtures';

const FOLDERS = ['train', 'test', 'test_label', 'interpretation_label'];

describe('datasets verify and files the lock does not list', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  let lock: string;
  let outside: string;
  const verify = () =>
    captureOutput(() => main(['datasets', 'verify', 'asd', '--lock', lock, '--data-root', fixture.root]));

  beforeAll(async () => {
    fixture = await makeAsdLikeRoot({ servers: 2, train: 30, test: 150 });
    const files = FOLDERS.flatMap((f) => ['omi-1', 'omi-2'].map((s) => `asd/${f}/${s}.txt`));
    lock = await writeLockFor(fixture.root, [...files, 'asd/anomaly_type.txt']);
    outside = await mkdtemp(join(tmpdir(), 'driftwatch-outside-'));
  });
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('passes while every file is listed', async () => {
    const r = await verify();
    expect(r.result).toBe(0);
    expect(r.stdout).toContain('asd: ok (9/9 files ok)');
    expect(r.stdout).not.toContain('note:');
  });

  it('fails on an unlisted entity in every folder (which train and bench would read), naming its files', async () => {
    for (const f of FOLDERS)
      await copyFile(join(fixture.root, 'asd', f, 'omi-2.txt'), join(fixture.root, 'asd', f, 'omi-13.txt'));
    try {
      const r = await verify();
      expect(r.result).toBe(1);
      expect(r.stdout).toContain('FAIL asd: entity omi-13 is not in the lock');
      for (const f of FOLDERS) expect(r.stdout).toContain(`asd/${f}/omi-13.txt`);
      expect(r.stdout).toContain('asd: FAILED (9/9 files ok, unlisted entities: omi-13)');
    } finally {
      for (const f of FOLDERS) await rm(join(fixture.root, 'asd', f, 'omi-13.txt'));
    }
    expect((await verify()).result).toBe(0);
  });

  it('notes symbolic links among the extra files, and fails when one is an entity', async () => {
    const target = join(outside, 'notes.txt');
    await writeFile(target, 'x\n');
    await symlink(target, join(fixture.root, 'asd', 'notes.txt'));
    try {
      const note = await verify();
      expect(note.result).toBe(0);
      expect(note.stdout).toContain('asd/notes.txt (symbolic link');
      await symlink(join(fixture.root, 'asd/train/omi-1.txt'), join(fixture.root, 'asd/train/omi-14.txt'));
      const entity = await verify();
      expect(entity.result).toBe(1);
      expect(entity.stdout).toContain('FAIL asd: entity omi-14 is not in the lock');
      expect(entity.stdout).toContain('asd/train/omi-14.txt (symbolic link');
    } finally {
      await rm(join(fixture.root, 'asd', 'notes.txt'), { force: true });
      await rm(join(fixture.root, 'asd/train/omi-14.txt'), { force: true });
    }
  });
});
