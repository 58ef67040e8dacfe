import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepStaleTemporaries, temporaryOwner, writeDirectoryAtomic, writeFileAtomic } from './atomic';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contracts-atomic-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the file in one step and leaves no temporary behind', async () => {
    const path = join(dir, 'out.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    await writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
    expect(Array.from(await readFile(path))).toEqual([1, 2, 3]);
    expect(await readdir(dir)).toEqual(['out.json']);
  });

  it('leaves the old file and no temporary when the write fails', async () => {
    const path = join(dir, 'keep.txt');
    await writeFile(path, 'old');
    await expect(writeFileAtomic(join(dir, 'missing', 'x.txt'), 'data')).rejects.toThrow();
    // a non-empty folder in the way makes the rename fail after the temporary was written
    const blocked = join(dir, 'blocked');
    await mkdir(join(blocked, 'inner'), { recursive: true });
    await expect(writeFileAtomic(blocked, 'data')).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['blocked', 'keep.txt']);
    expect(await readFile(path, 'utf8')).toBe('old');
  });

  it('names the path asked for, not the temporary, when the folder is missing', async () => {
    const path = join(dir, 'missing', 'scores.csv');
    const error = await writeFileAtomic(path, 'data').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe(`cannot write ${path}: the folder ${join(dir, 'missing')} does not exist`);
    expect(error?.message).not.toMatch(/\.tmp/);
  });

  it("sweeps the temporaries of dead processes on the next write into the folder, keeps the living's", async () => {
    // no Linux pid exceeds 2^22; the parent of this process is alive
    const dead = 2 ** 22 + 1;
    const alive = process.ppid;
    const stale = [`.scores.arrow.${dead}.0123456789ab.tmp`, `.model-2.tmp-${dead}-mk2x-9fz0q1`];
    const living = `.scores.arrow.${alive}.ba9876543210.tmp`;
    for (const name of [...stale, living]) await writeFile(join(dir, name), 'half a file');
    // a folder being replaced when its process died goes back where it was
    await mkdir(join(dir, `.model.${dead}.00000000000a.tmp.old`));
    await writeFile(join(dir, `.model.${dead}.00000000000a.tmp.old`, 'weights.bin'), 'w');
    // and so does a model folder moved aside by a training killed before the new model was in place
    await mkdir(join(dir, `.model-2.old-${dead}-mk2x-9fz0q1`));
    expect(stale.map(temporaryOwner)).toEqual([dead, dead]);
    await writeFileAtomic(join(dir, 'scores.arrow'), 'new');
    expect((await readdir(dir)).sort()).toEqual([living, 'model', 'model-2', 'scores.arrow'].sort());
    expect(await readFile(join(dir, 'model', 'weights.bin'), 'utf8')).toBe('w');
    expect(await sweepStaleTemporaries(dir)).toEqual([]);
  });

  it('replaces a folder whole, or leaves it as it was when filling fails', async () => {
    const target = join(dir, 'out');
    await writeDirectoryAtomic(target, (d) => writeFile(join(d, 'a.txt'), '1'));
    await expect(
      writeDirectoryAtomic(target, async (d) => {
        await writeFile(join(d, 'b.txt'), '2');
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(await readdir(target)).toEqual(['a.txt']);
    await writeDirectoryAtomic(target, (d) => writeFile(join(d, 'b.txt'), '2'));
    expect(await readdir(target)).toEqual(['b.txt']);
    expect((await readdir(dir)).sort()).toEqual(['out']);
    await expect(writeDirectoryAtomic(join(dir, 'no', 'out'), async () => undefined)).rejects.toThrow(
      `cannot write ${join(dir, 'no', 'out')}: the folder ${join(dir, 'no')} does not exist`,
    );
  });
});
