import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateCluster, type SimulationOptions } from '@driftwatch/simulate';
import { writeSimulationFiles } from '@driftwatch/simulate/files';
import { simulate } from '../src/commands/simulate';
import { writeFolderAtomic } from '../src/output-folder';
import { runCommand } from './fixtures';

describe('driftwatch simulate', () => {
  let dir: string;
  const flags = [
    '--nodes',
    '8',
    '--steps',
    '120',
    '--seed',
    '3',
    '--rewiring',
    '0.05',
    '--noise',
    '0.25',
    '--burst',
    '1.5',
    '--window',
    '10',
    '--faults',
    '3',
    '--fault-start',
    '20',
  ];
  // the same run, built from the library directly: what the files must hold
  const options: SimulationOptions = {
    nodes: 8,
    steps: 120,
    rewiring: 0.05,
    structuralNoise: 0.25,
    graphWindow: 10,
    workload: { burstAmplitude: 1.5 },
    faults: { count: 3, start: 20 },
  };
  const expected = simulateCluster(options, 3);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-simulate-'));
    const r = await runCommand(simulate, [...flags, '--out', join(dir, 'a')]);
    expect(r.stderr).not.toMatch(/driftwatch:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/8 nodes, 120 steps, 5 metrics \(seed 3\)/);
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the files of the simulate package for the simulation its flags describe', async () => {
    // the file contents are the simulate package's (tested there): here the flags must reach the same simulation
    const library = join(dir, 'library');
    await mkdir(library);
    await writeSimulationFiles(library, expected, ['csv', 'arrow']);
    const names = (await readdir(library)).sort();
    expect((await readdir(join(dir, 'a'))).sort()).toEqual(names);
    for (const name of names.filter((n) => n !== 'simulation.json'))
      expect([name, (await readFile(join(dir, 'a', name))).equals(await readFile(join(library, name)))]).toEqual([
        name,
        true,
      ]);
    const manifest = JSON.parse(await readFile(join(dir, 'a', 'simulation.json'), 'utf8'));
    expect(manifest.command).toMatch(/^driftwatch simulate --nodes 8 /);
    expect(manifest.config).toEqual(JSON.parse(JSON.stringify(expected.config)));
  });

  it('writes byte-identical files for the same flags and seed', async () => {
    const r = await runCommand(simulate, [...flags, '--out', join(dir, 'b')]);
    expect(r.code).toBe(0);
    const names = (await readdir(join(dir, 'a'))).sort();
    expect((await readdir(join(dir, 'b'))).sort()).toEqual(names);
    for (const name of names) {
      const [a, b] = [await readFile(join(dir, 'a', name)), await readFile(join(dir, 'b', name))];
      // simulation.json records the command line, which names another --out
      if (name === 'simulation.json')
        expect(a.toString().replace(/"command": .*\n/, '')).toBe(b.toString().replace(/"command": .*\n/, ''));
      else expect([name, a.equals(b)]).toEqual([name, true]);
    }
    const other = await runCommand(simulate, [
      ...flags.slice(0, 4),
      '--seed',
      '4',
      ...flags.slice(6),
      '--out',
      join(dir, 'c'),
      '--format',
      'csv',
    ]);
    expect(other.code).toBe(0);
    expect((await readFile(join(dir, 'c', 'metrics.csv'))).equals(await readFile(join(dir, 'a', 'metrics.csv')))).toBe(
      false,
    );
    expect(existsSync(join(dir, 'c', 'metrics.arrow'))).toBe(false);
  });

  it('stops on a bad parameter with one line, leaving no folder and no temporary behind', async () => {
    const before = (await readdir(dir)).sort();
    const r = await runCommand(simulate, ['--nodes', '8', '--rewiring', '2', '--out', join(dir, 'bad')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('driftwatch: rewiring must be a number in [0, 1], got 2\n');
    const notNumber = await runCommand(simulate, ['--nodes', 'many', '--out', join(dir, 'bad')]);
    expect([notNumber.code, notNumber.stderr]).toEqual([2, "driftwatch: --nodes expects a number, got 'many'\n"]);
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it('keeps an existing folder unless --force, and then replaces it whole', async () => {
    const target = join(dir, 'kept');
    const first = await runCommand(simulate, ['--nodes', '6', '--steps', '60', '--out', target]);
    expect(first.code).toBe(0);
    await writeFile(join(target, 'note.txt'), 'mine');
    const refused = await runCommand(simulate, ['--nodes', '6', '--steps', '60', '--out', target]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/exists \(use --force to replace it\)/);
    expect(existsSync(join(target, 'note.txt'))).toBe(true);
    const forced = await runCommand(simulate, [
      '--nodes',
      '6',
      '--steps',
      '60',
      '--out',
      target,
      '--force',
      '--format',
      'arrow',
    ]);
    expect(forced.code).toBe(0);
    expect(existsSync(join(target, 'note.txt'))).toBe(false);
    expect(existsSync(join(target, 'metrics.arrow'))).toBe(true);
    expect(existsSync(join(target, 'metrics.csv'))).toBe(false);
  });

  it(
    'writes a folder whole or not at all: a failure halfway leaves neither a new folder nor a temporary, and ' +
      'keeps an old one',
    async () => {
      const parent = await mkdtemp(join(tmpdir(), 'cli-atomic-'));
      const fail = async (d: string) => {
        await writeFile(join(d, 'half.txt'), 'half');
        throw new Error('disk on fire');
      };
      await expect(writeFolderAtomic(join(parent, 'new'), false, fail)).rejects.toThrow('disk on fire');
      expect(await readdir(parent)).toEqual([]);
      await writeFolderAtomic(join(parent, 'old'), false, (d) => writeFile(join(d, 'v1.txt'), '1'));
      await expect(writeFolderAtomic(join(parent, 'old'), true, fail)).rejects.toThrow('disk on fire');
      expect(await readdir(parent)).toEqual(['old']);
      expect(await readdir(join(parent, 'old'))).toEqual(['v1.txt']);
      await rm(parent, { recursive: true, force: true });
    },
  );

  it('reads parameters from --config, with flags winning', async () => {
    const config = join(dir, 'sim.json');
    await writeFile(config, JSON.stringify({ nodes: 10, steps: 50, topology: 'dag', faults: { count: 0 } }));
    const r = await runCommand(simulate, [
      '--config',
      config,
      '--steps',
      '40',
      '--out',
      join(dir, 'cfg'),
      '--format',
      'arrow',
    ]);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, 'cfg', 'simulation.json'), 'utf8'));
    expect([manifest.config.nodes, manifest.config.steps, manifest.config.topology]).toEqual([10, 40, 'dag']);
    await writeFile(config, '{"nodes": 10,\n "steps": }');
    const bad = await runCommand(simulate, ['--config', config, '--out', join(dir, 'cfg2')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^driftwatch: ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:`));
  });
});
