import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The CLI as a package: its bundles inline @driftwatch/* and leave third-party packages to `require`, so what it
 * must declare as `dependencies` is exactly what esbuild left external. Derived here from the build's metafile
 * (not from a list kept beside it), so that a new import in any library fails this test until it is declared.
 */
const appRoot = join(__dirname, '..');
const repoRoot = join(appRoot, '..', '..');
const packageJson = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  engines?: Record<string, string>;
};

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

/** Builds the CLI's bundles into a temporary folder and returns esbuild's metafiles (main, start, workers). */
function buildMetafiles(): Metafile[] {
  const out = mkdtempSync(join(tmpdir(), 'cli-metafile-'));
  try {
    const script = [
      "import { pathToFileURL } from 'node:url';",
      'const { buildCli } = await import(pathToFileURL(process.argv[1]).href);',
      'const metafiles = await buildCli(process.argv[2], process.argv[3]);',
      'process.stdout.write(JSON.stringify(metafiles));',
    ].join('\n');
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script, join(repoRoot, 'tools', 'build.mjs'), appRoot, out],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
    if (r.status !== 0) throw new Error(`building the CLI failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Metafile[];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** 'csv-parse/sync' → 'csv-parse', '@tensorflow/tfjs/dist/x' → '@tensorflow/tfjs'. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The version installed where the CLI resolves `name` from: node_modules folders from apps/cli upwards. */
function installedVersion(name: string): string {
  for (let dir = appRoot; ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed above ${appRoot}`);
  }
}

describe('the CLI package', () => {
  let external: string[];
  beforeAll(() => {
    const specifiers = buildMetafiles().flatMap((m) =>
      Object.values(m.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)),
    );
    const builtin = (s: string) => s.startsWith('node:') || builtinModules.includes(s.split('/')[0]);
    external = [...new Set(specifiers.filter((s) => !builtin(s)).map(packageName))].sort();
  }, 120_000);

  it('depends on exactly the third-party packages its bundles leave external, at the installed versions', () => {
    // the bundles do import something third-party (an empty list would make the comparison vacuous)
    expect(external).toEqual(expect.arrayContaining(['commander', '@tensorflow/tfjs-backend-wasm']));
    const declared = packageJson.dependencies ?? {};
    expect(Object.keys(declared).sort()).toEqual(external);
    for (const name of external) expect(`${name}@${declared[name]}`).toBe(`${name}@${installedVersion(name)}`);
  });

  it('keeps the workspace libraries as development dependencies only: they are inside the bundle', () => {
    expect(external.filter((name) => name.startsWith('@driftwatch/'))).toEqual([]);
    const dev = packageJson.devDependencies ?? {};
    const internal = Object.keys(dev).filter((name) => name.startsWith('@driftwatch/'));
    expect(internal.length).toBeGreaterThan(0);
    for (const name of internal) expect(`${name}@${dev[name]}`).toBe(`${name}@^0.1.0`);
  });

  it('ships the launcher and the bundles, and names the Node versions it runs on', () => {
    expect(packageJson.files).toEqual(expect.arrayContaining(['bin', 'dist']));
    expect(packageJson.engines?.node).toBe('>=20');
  });
});

describe('the launcher outside the repository', () => {
  let dir: string;
  beforeAll(() => {
    // builds the bundles when a source is newer, as the repository's launcher does
    spawnSync(process.execPath, [join(appRoot, 'bin', 'driftwatch.js'), '--version']);
    dir = mkdtempSync(join(tmpdir(), 'cli-installed-'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** An installed-like copy: node_modules/@driftwatch/cli/{bin,dist?} with no tools/build.mjs two levels up. */
  function install(withDist: boolean): string {
    const pkg = join(dir, withDist ? 'with-dist' : 'without-dist', 'node_modules', '@driftwatch', 'cli');
    cpSync(join(appRoot, 'bin'), join(pkg, 'bin'), { recursive: true });
    cpSync(join(appRoot, 'package.json'), join(pkg, 'package.json'));
    if (withDist) cpSync(join(appRoot, 'dist', 'start.js'), join(pkg, 'dist', 'start.js'));
    return pkg;
  }

  function driftwatch(pkg: string, argv: string[]) {
    // commander as the CLI resolves it in the repository; an installation would have it in its node_modules
    const nodePath = [join(appRoot, 'node_modules'), join(repoRoot, 'node_modules')].join(':');
    return spawnSync(process.execPath, [join(pkg, 'bin', 'driftwatch.js'), ...argv], {
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: nodePath },
    });
  }

  it('runs the bundle as shipped, building nothing', () => {
    const pkg = install(true);
    const before = statSync(join(pkg, 'dist', 'start.js')).mtimeMs;
    const r = driftwatch(pkg, ['--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(packageJson.version);
    expect(r.status).toBe(0);
    expect(statSync(join(pkg, 'dist', 'start.js')).mtimeMs).toBe(before);
  });

  it('says the installation is incomplete when its bundle is missing, instead of trying to build', () => {
    const pkg = install(false);
    const r = driftwatch(pkg, ['--help']);
    expect(r.stderr).toMatch(/dist[\\/]start\.js is missing: this installation of @driftwatch\/cli is incomplete/);
    expect(r.stderr).not.toMatch(/build\.mjs/);
    expect(r.status).toBe(1);
    expect(existsSync(join(pkg, 'dist'))).toBe(false);
  });
});
