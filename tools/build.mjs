// Builds one project with esbuild: node tools/build.mjs <projectRoot>.
// Libraries: every entry of package.json "exports" → dist/*.js (CommonJS), dependencies left external.
// The CLI (a package with "bin"): one bundle dist/main.js with the workspace packages inlined from
// their sources and third-party packages external (tfjs finds its .wasm files in node_modules).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/** esbuild plugin: workspace packages (@driftwatch/*) are bundled from source, all others stay external. */
export const thirdPartyExternal = {
  name: 'third-party-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@driftwatch/') ? undefined : { path: args.path, external: true }));
  },
};

const repoRoot = join(fileURLToPath(import.meta.url), '..', '..');

/**
 * Scripts that library code starts as worker threads, found at run time beside the bundle that runs
 * (`join(__dirname, '<name>.js')`); every bundle (a library's dist, the CLI, `npm run ts`) gets them.
 */
export const WORKER_ENTRIES = ['packages/ingest/src/stream/csv-worker.ts'];

/** Bundles each worker entry into `outdir/<name>.js` (workspace packages inlined, third-party external). */
export async function buildWorkers(outdir, entries = WORKER_ENTRIES) {
  await Promise.all(
    entries.map((entry) =>
      build({
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
}

export async function buildProject(projectRoot) {
  const root = resolve(projectRoot);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
  if (pkg.bin) {
    await build({
      ...common,
      entryPoints: [join(root, 'src/main.ts')],
      outfile: join(root, 'dist/main.js'),
      conditions: ['source'],
      plugins: [thirdPartyExternal],
    });
    await buildWorkers(join(root, 'dist'));
    return;
  }
  const entries = Object.values(pkg.exports ?? { '.': { source: './src/index.ts' } }).map((e) => join(root, e.source));
  await build({
    ...common,
    entryPoints: entries,
    outdir: join(root, 'dist'),
    packages: 'external',
    entryNames: '[name]',
  });
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
