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
