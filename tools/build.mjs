// Builds one project with esbuild: node tools/build.mjs <projectRoot>.
// Libraries: tools/build-library.mjs (CommonJS, ES module and declarations per entry of "exports"; API reports).
// The CLI (a package with "bin"): dist/main.js with the workspace packages inlined from their sources and
// third-party packages external (tfjs finds its .wasm files in node_modules), and dist/start.js, the same entry
// without the modules it imports dynamically (the commands' run modules): the launcher answers help, version and
// usage errors from it and loads main.js only to run a command. Each bundle's inputs go to <name>.inputs.json,
// so the launcher's staleness check stats only the files the bundle was built from.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLibrary } from './build-library.mjs';

/** esbuild plugin: workspace packages (@driftwatch/*) are bundled from source, all others stay external. */
export const thirdPartyExternal = {
  name: 'third-party-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@driftwatch/') ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * esbuild plugin: every `import()` resolves to a module that throws when evaluated. The start-up bundle keeps its
 * lazily imported run modules out this way; its program hands a command that runs to the full bundle instead.
 */
export const dynamicImportsLeftOut = {
  name: 'dynamic-imports-left-out',
  setup(b) {
    const leftOut = (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'left-out' } : undefined);
    b.onResolve({ filter: /.*/ }, leftOut);
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in this bundle`)});`,
      loader: 'js',
    }));
  },
};

const buildFile = fileURLToPath(import.meta.url);
const repoRoot = join(buildFile, '..', '..');

/**
 * Writes a file as a whole: a temporary sibling renamed over it. The launcher may build while another build or
 * a running CLI reads the same files; a reader then sees the old file or the new one, never half of one.
 */
function writeWhole(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** esbuild with its outputs written by writeWhole; returns the result (with its metafile). */
async function buildWhole(options) {
  const result = await build({ ...options, write: false, metafile: true });
  for (const file of result.outputFiles) writeWhole(file.path, file.contents);
  return result;
}

/** The source files an esbuild metafile lists, relative to the repository (its keys are relative to the cwd). */
function inputsOf(metafile) {
  return Object.keys(metafile.inputs)
    .filter((key) => !key.includes(':'))
    .map((key) => relative(repoRoot, resolve(key)));
}

/**
 * Scripts that library code starts as worker threads or processes, found at run time beside the bundle that runs
 * (`join(__dirname, '<name>.js')`); every bundle (a library's dist, the CLI, `npm run ts`) gets them.
 */
export const WORKER_ENTRIES = [
  'packages/ingest/src/stream/csv-worker.ts',
  'packages/experiments/src/jobs/protocol-worker.ts',
];

/**
 * Bundles each worker entry into `outdir/<name>.js` (workspace packages inlined, third-party external); returns
 * their esbuild metafiles.
 */
export async function buildWorkers(outdir, entries = WORKER_ENTRIES) {
  const results = await Promise.all(
    entries.map((entry) =>
      buildWhole({
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        sourcemap: true,
        logLevel: 'warning',
        entryPoints: [join(repoRoot, entry)],
        outfile: join(outdir, `${basename(entry, '.ts')}.js`),
        conditions: ['source'],
        plugins: [thirdPartyExternal],
      }),
    ),
  );
  return results.map((r) => r.metafile);
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

/**
 * The CLI's bundles (start.js, main.js, the workers) and their input lists, from `root`/src/main.ts into `outdir`;
 * returns their esbuild metafiles (apps/cli/test/package.test.ts derives the package's dependencies from them).
 */
export async function buildCli(root, outdir = join(root, 'dist')) {
  const bundle = (name, plugins) =>
    buildWhole({
      ...common,
      entryPoints: [join(root, 'src/main.ts')],
      outfile: join(outdir, `${name}.js`),
      conditions: ['source'],
      plugins,
    });
  const [main, start, workers] = await Promise.all([
    bundle('main', [thirdPartyExternal]),
    bundle('start', [dynamicImportsLeftOut, thirdPartyExternal]),
    buildWorkers(outdir),
  ]);
  const self = relative(repoRoot, buildFile);
  const workerInputs = workers.flatMap(inputsOf);
  writeWhole(
    join(outdir, 'main.inputs.json'),
    `${JSON.stringify([self, ...inputsOf(main.metafile), ...workerInputs])}\n`,
  );
  writeWhole(join(outdir, 'start.inputs.json'), `${JSON.stringify([self, ...inputsOf(start.metafile)])}\n`);
  return [main.metafile, start.metafile, ...workers];
}

export async function buildProject(projectRoot) {
  const root = resolve(projectRoot);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (pkg.bin) {
    await buildCli(root);
    return;
  }
  const times = await buildLibrary(root);
  if (process.env.DRIFTWATCH_BUILD_TIMES) {
    const ms = Object.entries(times).map(([step, t]) => `${step} ${Math.round(t)} ms`);
    console.log(`${basename(root)}: ${ms.join(', ')}`);
  }
  const own = WORKER_ENTRIES.filter((entry) => resolve(repoRoot, entry).startsWith(`${root}/`));
  if (own.length > 0) await buildWorkers(join(root, 'dist'), own);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node tools/build.mjs <projectRoot>');
    process.exit(2);
  }
  buildProject(target).catch((e) => {
    console.error(`build of ${basename(target)} failed: ${e.message}`);
    process.exit(1);
  });
}
