import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchWindows } from '../src/commands/bench-windows';
import { runCommand } from './fixtures';

describe('driftwatch bench windows: flags that do not fit the protocol', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-windows-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    [[], /needs --protocol loso, per-entity or tsb-ad/],
    [['--protocol', 'per-protocol'], /--protocol expects loso, per-entity or tsb-ad, got 'per-protocol'/],
    [['--protocol', 'tsb-ad'], /--protocol tsb-ad reads --input <file\|folder>/],
    [['--protocol', 'tsb-ad', '--input', 'x', '--dataset', 'smd'], /--protocol tsb-ad reads --input/],
    [['--protocol', 'per-entity', '--input', 'x'], /--input is for --protocol tsb-ad/],
  ])('%j is a usage error and writes nothing', async (args, message) => {
    const out = join(dir, 'out');
    const { code, stderr } = await runCommand(benchWindows, [...args, '--methods', 'mahalanobis', '--out', out]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('a TSB-AD file with a bad name fails before anything is written, naming the file', async () => {
    const out = join(dir, 'out');
    const { code, stderr } = await runCommand(benchWindows, [
      '--protocol',
      'tsb-ad',
      '--input',
      join(__dirname, 'bench-windows.test.ts'),
      '--methods',
      'mahalanobis',
      '--out',
      out,
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/bench-windows\.test\.ts: expected a TSB-AD file name ending in _tr_<N>_1st_<M>\.csv/);
    expect(existsSync(out)).toBe(false);
  });
});
