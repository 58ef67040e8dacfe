import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND_PREFERENCES } from '@driftwatch/models';
import { OUTPUT_FORMATS } from '@driftwatch/ingest';
import { UsageError } from '../src/cli-error';
import { defineCommand, type Command, type OptionValues } from '../src/command';
import { COMMANDS, DRIFTWATCH } from '../src/commands';
import { ST_EXPERIMENTS } from '@driftwatch/experiments/st-settings';
import { main } from '../src/main';
import { runProgram } from '../src/program';
import { captureOutput } from './fixtures';

/** The error `main(argv)` rejects with (it must reject). */
async function failure(argv: string[]): Promise<Error> {
  const outcome = await captureOutput(() =>
    main(argv).then(
      () => undefined,
      (e: unknown) => e as Error,
    ),
  );
  if (!outcome.result) throw new Error(`driftwatch ${argv.join(' ')} did not fail`);
  return outcome.result;
}

describe('did you mean', () => {
  it('suggests the command a typo was meant to be, at the top and within a group', async () => {
    const top = await failure(['trian']);
    expect(top).toBeInstanceOf(UsageError);
    expect(top.message).toMatch(/^unknown command 'trian' \(did you mean train\?\)/);
    expect((await failure(['datasets', 'lst'])).message).toMatch(/unknown command 'lst' \(did you mean list\?\)/);
    expect((await failure(['graph', 'drfit'])).message).toMatch(/did you mean drift\?/);
  });

  it("suggests the option a typo was meant to be, from that command's options", async () => {
    const e = await failure(['train', '--methd', 'iforest']);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(/^unknown option '--methd' \(did you mean --method\?\)\. Run 'driftwatch train --help'/);
    // bench asd-loso has --methods, not --method
    expect((await failure(['bench', 'asd-loso', '--method', 'iforest'])).message).toMatch(/did you mean --methods\?/);
  });

  it('suggests nothing for a word like no command', async () => {
    const e = await failure(['xyzzy']);
    expect(e.message).toMatch(/^unknown command 'xyzzy'\. Run 'driftwatch --help' for the commands\.$/);
  });
});

describe('groups', () => {
  it.each(['datasets', 'bench', 'graph'])("'%s --help' lists exactly its commands and summaries", async (group) => {
    const { result, stdout } = await captureOutput(() => main([group, '--help']));
    expect(result).toBe(0);
    const listed = stdout
      .slice(stdout.indexOf('Commands:\n'), stdout.indexOf('\n\nExamples:'))
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s{2,}/));
    const members = COMMANDS.map((c) => c.definition).filter((d) => d.path[0] === group);
    expect(listed).toEqual(members.map((d) => [d.path[1], d.summary]));
    expect(stdout).toContain(`Usage: driftwatch ${group} <command>`);
  });

  it('a group alone is a usage error naming its commands', async () => {
    const e = await failure(['graph']);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(
      "'graph' needs one of: build, inspect, drift. Run 'driftwatch graph --help' for what they do.",
    );
  });

  it('every group has a summary and no path is both a group and a command', () => {
    const paths = COMMANDS.map((c) => c.definition.path.join(' '));
    expect(new Set(paths).size).toBe(paths.length);
    const groups = new Set(COMMANDS.filter((c) => c.definition.path.length > 1).map((c) => c.definition.path[0]));
    expect(Object.keys(DRIFTWATCH.groups).sort()).toEqual([...groups].sort());
    for (const g of groups) expect(paths).not.toContain(g);
  });
});

describe('choices', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-choices-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a --backend outside the loader's preferences stops before anything runs, naming each allowed one", async () => {
    const out = join(dir, 'model');
    const e = await failure(['train', '--method', 'iforest', '--backend', 'gpu', '--out', out]);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(/^--backend expects .* got 'gpu'$/);
    for (const b of BACKEND_PREFERENCES) expect(e.message).toContain(b);
    expect(existsSync(out)).toBe(false);
  });

  it("convert --to names ingest's output formats; bench st names the experiments", async () => {
    const to = await failure(['convert', join(dir, 'in.csv'), '--to', 'xlsx']);
    expect(to).toBeInstanceOf(UsageError);
    const allowed = `${OUTPUT_FORMATS.slice(0, -1).join(', ')} or ${OUTPUT_FORMATS.at(-1)}`;
    expect(to.message).toBe(`--to expects ${allowed}, got 'xlsx'`);
    const experiment = await failure(['bench', 'st', 'speed']);
    for (const x of ST_EXPERIMENTS) expect(experiment.message).toContain(x);
  });

  it('exits 2 with the driftwatch: prefix through the installed command', async () => {
    const { spawnSync } = await import('node:child_process');
    const argv = [join(__dirname, '../bin/driftwatch.js'), 'report', 'x', '--format', 'pdf'];
    const r = spawnSync(process.execPath, argv, { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("driftwatch: --format expects html or md, got 'pdf'\n");
    expect(r.stdout).toBe('');
  }, 60_000);
});

describe('version', () => {
  it("--version and -v print apps/cli/package.json's version", async () => {
    const { version } = JSON.parse(await readFile(join(__dirname, '../package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const { result, stdout } = await captureOutput(() => main([flag]));
      expect(result).toBe(0);
      expect(stdout).toBe(`${version}\n`);
    }
  });
});

describe('what run receives', () => {
  const definition = defineCommand({
    path: ['probe'],
    summary: 'records its values',
    usage: 'driftwatch probe <file> [--data-root DIR]',
    arguments: [{ name: 'file', required: true, description: 'a file' }],
    options: {
      'data-root': { type: 'string', valueName: 'dir', description: 'a folder' },
      level: { type: 'string', default: '3', choices: ['1', '3'], description: 'a level' },
      map: { type: 'string', multiple: true, description: 'repeatable' },
      force: { type: 'boolean', description: 'a switch' },
      json: { type: 'boolean', description: 'another switch' },
    },
    examples: ['driftwatch probe a.csv'],
  });
  const probe = async (argv: string[]) => {
    const seen: { values?: OptionValues; positionals?: string[]; argv?: string[] } = {};
    const cmd: Command<typeof definition> = {
      ...definition,
      async run(values, positionals, all) {
        // typed from the definition: a choice is one of its values, a default is always there, a repeated option a list
        const level: '1' | '3' = values.level;
        const map: string[] | undefined = values.map;
        const force: boolean | undefined = values.force;
        Object.assign(seen, { values: { ...values, level, map, force }, positionals, argv: all });
        return 7;
      },
    };
    const code = await runProgram({ ...DRIFTWATCH, commands: [{ definition, load: async () => cmd }] }, argv);
    return { code, ...seen };
  };

  it('values by option name, defaults filled, repeated options collected, the whole command line', async () => {
    const argv = ['probe', 'a.csv', '--data-root', '/d', '--map', 'x=1', '--force', '--map', 'y=2'];
    expect(await probe(argv)).toEqual({
      code: 7,
      values: { 'data-root': '/d', level: '3', map: ['x=1', 'y=2'], force: true, json: undefined },
      positionals: ['a.csv'],
      argv,
    });
  });

  it('a missing argument and one too many are usage errors', async () => {
    await expect(probe(['probe'])).rejects.toThrow(/missing required argument 'file'/);
    await expect(probe(['probe', 'a', 'b'])).rejects.toThrow(/too many arguments/);
    await expect(probe(['probe', 'a', '--level', '2'])).rejects.toThrow("--level expects 1 or 3, got '2'");
  });

  it('help shows each option once, with its choices and default, and the examples', async () => {
    const notLoaded = { definition, load: () => Promise.reject(new Error('not loaded for help')) };
    const spec = { ...DRIFTWATCH, commands: [notLoaded] };
    const { result, stdout } = await captureOutput(() => runProgram(spec, ['probe', '--help']));
    expect(result).toBe(0);
    expect(stdout).toMatch(/\n {6}--level <value> +a level \(one of: 1, 3; default: 3\)\n/);
    expect(stdout).toMatch(/\n {2}-h, --help +show this help\n/);
    expect(stdout).toMatch(/\nArguments:\n {2}<file> +a file\n/);
    expect(stdout).toMatch(/\nExamples:\n {2}driftwatch probe a\.csv\n$/);
  });
});
