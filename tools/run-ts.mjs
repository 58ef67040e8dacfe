// node tools/run-ts.mjs <file.ts> [args…] (or `npm run ts -- <file.ts> …`): bundles a TypeScript entry point
// with the workspace packages inlined from source and third-party packages external, then runs it.
// Used for the packages' examples and the benchmarks.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join, resolve, basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { buildWorkers, thirdPartyExternal } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function runTypeScript(entry, args = []) {
  const outDir = join(root, 'node_modules', '.cache', 'driftwatch-run');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${basename(entry, '.ts')}-${process.pid}.js`);
  await build({
    entryPoints: [resolve(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    conditions: ['source'],
    logLevel: 'warning',
    plugins: [thirdPartyExternal],
  });
  await buildWorkers(outDir);
  const r = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit' });
  return r.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error('usage: node tools/run-ts.mjs <file.ts> [args…]');
    process.exit(2);
  }
  process.exit(await runTypeScript(entry, args));
}
