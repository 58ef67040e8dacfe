// node tools/packaging/consumer-test.mjs [package …] (after the libraries are built; .ci/run runs it after nx).
// Installs each library as another team would: `npm pack` of every library, then per library a scratch
// project under the OS's temporary folder that installs its tarball and the tarballs of the @driftwatch
// packages it depends on (third-party packages come from the registry), compiles the README's example as an
// ES module (.mts, `import`) and as CommonJS (.cts, `require`) under the strictest settings
// (strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes, nodenext, skipLibCheck false), and runs both.
// models also gets a project without its tfjs peers, where importing it must say what to install.
// Prints a table: package, tarball KiB, install s, tsc s, examples ok.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const tscBin = require.resolve('typescript/bin/tsc');
const typesNodeVersion = JSON.parse(readFileSync(require.resolve('@types/node/package.json'), 'utf8')).version;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The compiler settings a strict consumer uses (issue 18): nothing in our declarations may need them relaxed. */
export const CONSUMER_COMPILER_OPTIONS = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  module: 'nodenext',
  moduleResolution: 'nodenext',
  target: 'es2022',
  lib: ['es2022'],
  types: ['node'],
  skipLibCheck: false,
  outDir: 'out',
};

/**
 * Third-party declaration files that do not compile under the consumer settings, and why (TypeScript 6.0,
 * tfjs 4.22, vega 6.4 / vega-lite 6.4). Our public types expose tfjs (models: tensors, `tf`; experiments through
 * models' detector ids) and vega-lite specs (report), so a consumer of those compiles these files too. Errors
 * inside them are counted and printed; an error anywhere else (our declarations, the example) fails the test.
 */
export const UPSTREAM_DECLARATION_FAILURES = {
  '@tensorflow/tfjs-core':
    'written for browsers: DOM types (HTMLImageElement, WebGLTexture, IDBFactory, …) and `Long` from @types/long, ' +
    'which it does not depend on',
  '@tensorflow/tfjs-backend-webgl': 'DOM and WebGL types (WebGL2RenderingContext, HTMLCanvasElement, …)',
  '@tensorflow/tfjs-data': 'DOM types (RequestInfo, …)',
  '@tensorflow/tfjs-layers':
    'compiled without strictNullChecks: under strict, LayersModel does not implement InferenceModel ' +
    '(Shape holds null) and a keras config type breaks its index signature (TS2420, TS2411)',
  '@webgpu/types':
    "DOM types (ImageBitmap, VideoFrame, …); with lib dom it conflicts with TypeScript 6's own WebGPU types",
  'vega-typings': 'DOM types (Element, HTMLElement, MouseEvent, …)',
  'vega-lite': 'Axis extends two types whose `title` differ under exactOptionalPropertyTypes (TS2320)',
};

/** tsc's errors grouped by where they are: a third-party package of the list above, or elsewhere. */
export function classifyTscErrors(output) {
  const upstream = {};
  const ours = [];
  let current;
  for (const line of output.split('\n')) {
    const error = /^(.+?)\(\d+,\d+\): error TS\d+/.exec(line);
    if (!error) {
      if (current && /^\s/.test(line)) current.push(line);
      continue;
    }
    const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(error[1])?.[1];
    if (pkg && pkg in UPSTREAM_DECLARATION_FAILURES) {
      upstream[pkg] = (upstream[pkg] ?? 0) + 1;
      current = undefined;
    } else {
      current = [line];
      ours.push(current);
    }
  }
  return { upstream, ours: ours.map((lines) => lines.join('\n')) };
}

/** The marker that names a README's code block as the example the consumer test runs. */
export const EXAMPLE_MARKER = '<!-- consumer-example -->';

/** The ```ts block right after the marker in a README, or undefined when there is none. */
export function readmeExample(readme) {
  const at = readme.indexOf(EXAMPLE_MARKER);
  if (at === -1) return undefined;
  const block = /^```ts\n([\s\S]*?)^```/m.exec(readme.slice(at + EXAMPLE_MARKER.length));
  return block?.[1];
}

/**
 * The example as CommonJS: its import declarations first (TypeScript compiles them to require calls in a
 * .cts file), the rest inside an async function, as CommonJS has no top-level await.
 */
export function asCommonJs(example) {
  const lines = example.split('\n');
  const imports = [];
  const body = [];
  let inImport = false;
  for (const line of lines) {
    if (/^import\s/.test(line) || inImport) {
      imports.push(line);
      inImport = !/;\s*$/.test(line);
    } else body.push(line);
  }
  return [
    ...imports,
    'async function main(): Promise<void> {',
    ...body.map((l) => (l ? `  ${l}` : l)),
    '}',
    'main().catch((error: unknown) => {',
    '  console.error(error);',
    '  process.exitCode = 1;',
    '});',
    '',
  ].join('\n');
}

function libraries() {
  return readdirSync(join(repoRoot, 'packages'))
    .filter((name) => existsSync(join(repoRoot, 'packages', name, 'package.json')))
    .map((dir) => {
      const root = join(repoRoot, 'packages', dir);
      return { dir, root, pkg: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) };
    });
}

/** The @driftwatch packages `name` needs, itself included: its dependencies' dependencies too. */
export function workspaceClosure(name, byName) {
  const seen = new Set();
  const visit = (n) => {
    if (seen.has(n)) return;
    const lib = byName.get(n);
    if (!lib) throw new Error(`${n} is not a library of this repository`);
    seen.add(n);
    for (const dep of Object.keys(lib.pkg.dependencies ?? {})) if (dep.startsWith('@driftwatch/')) visit(dep);
  };
  visit(name);
  return [...seen];
}

function run(command, args, cwd, what) {
  const started = performance.now();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) {
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${what} failed (exit ${r.status}) in ${cwd}:\n${output}`);
  }
  return { seconds, stdout: r.stdout };
}

/** The files an exports map names, but for the `source` condition, which only the workspace uses. */
export function exportTargets(exportsMap) {
  if (typeof exportsMap === 'string') return [exportsMap];
  return Object.entries(exportsMap).flatMap(([key, target]) => (key === 'source' ? [] : exportTargets(target)));
}

/** Packs a library into `into`; checks that every file its exports name is in the tarball. */
function pack(lib, into) {
  const out = execFileSync(npm, ['pack', '--json', '--pack-destination', into], { cwd: lib.root, encoding: 'utf8' });
  const [info] = JSON.parse(out);
  const files = new Set(info.files.map((f) => f.path));
  const named = exportTargets(lib.pkg.exports).map((p) => p.replace(/^\.\//, ''));
  const missing = named.filter((p) => !files.has(p));
  if (missing.length > 0) throw new Error(`${lib.pkg.name}: the tarball lacks ${missing.join(', ')} (build it first)`);
  const shipped = [...files].filter((p) => /(^|\/)(src|test)\/|\.test\.|jest\.config|project\.json/.test(p));
  if (shipped.length > 0) throw new Error(`${lib.pkg.name}: the tarball ships ${shipped.slice(0, 5).join(', ')}`);
  return { file: join(into, info.filename), bytes: info.size };
}

function scratchProject(name, dependencies) {
  const dir = mkdtempSync(join(tmpdir(), `driftwatch-consumer-${name.replace(/\W+/g, '-')}-`));
  const pkg = {
    name: 'driftwatch-consumer',
    private: true,
    dependencies,
    devDependencies: { '@types/node': typesNodeVersion },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  return dir;
}

function install(dir, extraArgs = []) {
  return run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...extraArgs], dir, 'npm install').seconds;
}

/**
 * Seconds tsc takes for a consumer that imports nothing, with the same settings: most of a consumer's time is
 * checking @types/node and TypeScript's own libraries (skipLibCheck false), which this separates from ours.
 */
function baselineTscSeconds() {
  const dir = scratchProject('baseline', {});
  try {
    install(dir);
    writeFileSync(join(dir, 'empty.mts'), 'export {};\n');
    const tsconfig = { compilerOptions: CONSUMER_COMPILER_OPTIONS, files: ['empty.mts'] };
    writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
    return run(process.execPath, [tscBin, '-p', 'tsconfig.json'], dir, 'tsc of the empty consumer').seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One library: install, compile the README example both ways, run both; returns its row of the table. */
function checkLibrary(lib, tarballs, byName) {
  const example = readmeExample(readFileSync(join(lib.root, 'README.md'), 'utf8'));
  if (!example) throw new Error(`${lib.pkg.name}: README.md has no example (a \`\`\`ts block after ${EXAMPLE_MARKER})`);
  const dependencies = Object.fromEntries(
    workspaceClosure(lib.pkg.name, byName).map((n) => [n, `file:${tarballs.get(n).file}`]),
  );
  const dir = scratchProject(lib.pkg.name, dependencies);
  try {
    const installSeconds = install(dir);
    writeFileSync(join(dir, 'example.mts'), example);
    writeFileSync(join(dir, 'example.cts'), asCommonJs(example));
    const tsconfig = { compilerOptions: CONSUMER_COMPILER_OPTIONS, files: ['example.mts', 'example.cts'] };
    writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
    const started = performance.now();
    // tsc still emits when a third-party declaration file has errors; classifyTscErrors decides
    const tsc = spawnSync(process.execPath, [tscBin, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
    const tscSeconds = (performance.now() - started) / 1000;
    const { upstream, ours } = classifyTscErrors(`${tsc.stdout}${tsc.stderr}`);
    if (ours.length > 0 || (tsc.status !== 0 && Object.keys(upstream).length === 0)) {
      const shown = ours.length > 0 ? ours.slice(0, 20).join('\n') : `${tsc.stdout}${tsc.stderr}`;
      throw new Error(`tsc of ${lib.pkg.name}'s consumer failed (${ours.length} errors) in ${dir}:\n${shown}`);
    }
    for (const file of ['out/example.mjs', 'out/example.cjs']) {
      const { stdout } = run(process.execPath, [file], dir, `${file} (${lib.pkg.name})`);
      if (stdout.trim() === '') throw new Error(`${file} (${lib.pkg.name}) printed nothing`);
    }
    return { installSeconds, tscSeconds, upstream };
  } finally {
    if (process.env.DRIFTWATCH_KEEP_SCRATCH) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * models without its tfjs peers (installed as npm 6 or --legacy-peer-deps would): both module kinds must fail
 * with the install command, not with Node's bare module-not-found.
 */
function checkMissingPeers(lib, tarballs, byName) {
  const dependencies = Object.fromEntries(
    workspaceClosure(lib.pkg.name, byName).map((n) => [n, `file:${tarballs.get(n).file}`]),
  );
  const dir = scratchProject(`${lib.pkg.name}-no-peers`, dependencies);
  try {
    install(dir, ['--legacy-peer-deps']);
    const expected = 'npm install @tensorflow/tfjs@';
    for (const [kind, code] of [
      ['require', `require(${JSON.stringify(lib.pkg.name)})`],
      ['import', `await import(${JSON.stringify(lib.pkg.name)})`],
    ]) {
      const args = kind === 'import' ? ['--input-type=module', '-e', code] : ['-e', code];
      const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
      if (r.status === 0 || !r.stderr.includes(expected)) {
        throw new Error(
          `${lib.pkg.name} without tfjs (${kind}): expected an error naming "${expected}…", got exit ${r.status}:\n` +
            r.stderr.split('\n').slice(0, 8).join('\n'),
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(rows) {
  const header = ['package', 'tarball KiB', 'install s', 'tsc s', 'examples ok'];
  const cells = rows.map((r) => [
    r.name,
    (r.bytes / 1024).toFixed(1),
    r.installSeconds?.toFixed(1) ?? '-',
    r.tscSeconds?.toFixed(1) ?? '-',
    r.ok ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

async function main(only) {
  const libs = libraries();
  const byName = new Map(libs.map((l) => [l.pkg.name, l]));
  const chosen = only.length > 0 ? libs.filter((l) => only.includes(l.dir) || only.includes(l.pkg.name)) : libs;
  const unknown = only.filter((o) => !libs.some((l) => l.dir === o || l.pkg.name === o));
  if (unknown.length > 0)
    throw new Error(`unknown package ${unknown.join(', ')}; libraries: ${libs.map((l) => l.dir).join(', ')}`);
  const packDir = mkdtempSync(join(tmpdir(), 'driftwatch-tarballs-'));
  const rows = [];
  const failures = [];
  let baseline = NaN;
  try {
    const tarballs = new Map(libs.map((l) => [l.pkg.name, pack(l, packDir)]));
    baseline = baselineTscSeconds();
    for (const lib of chosen) {
      const row = { name: lib.pkg.name, bytes: tarballs.get(lib.pkg.name).bytes, ok: false };
      rows.push(row);
      try {
        Object.assign(row, checkLibrary(lib, tarballs, byName));
        if (lib.pkg.peerDependencies?.['@tensorflow/tfjs']) checkMissingPeers(lib, tarballs, byName);
        row.ok = true;
        console.log(`ok ${lib.pkg.name}`);
      } catch (error) {
        failures.push(error.message);
        console.error(`FAILED ${lib.pkg.name}: ${error.message}`);
      }
    }
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
  console.log(`\n${table(rows)}`);
  console.log(`tsc of an empty consumer (only @types/node and TypeScript's libraries): ${baseline.toFixed(1)} s`);
  const upstream = new Map();
  for (const row of rows)
    for (const [pkg, count] of Object.entries(row.upstream ?? {}))
      upstream.set(pkg, [...(upstream.get(pkg) ?? []), `${row.name.replace('@driftwatch/', '')} ${count}`]);
  if (upstream.size > 0) {
    console.log('\nerrors inside third-party declaration files (known, see UPSTREAM_DECLARATION_FAILURES):');
    for (const [pkg, seen] of upstream)
      console.log(`  ${pkg} (${seen.join(', ')}): ${UPSTREAM_DECLARATION_FAILURES[pkg]}`);
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} of ${rows.length} consumer projects failed`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
