// The CLI as a user gets it: `npm pack` of apps/cli, `npm install <tarball>` into an empty project outside the
// repository, then `npx driftwatch --help`, `--version`, `doctor` (the wasm backend must find its .wasm files in
// the installed layout) and `demo --simulate` (its outputs must land in the project, not in the repository); then
// `npm i -g --prefix <folder>` and the global `driftwatch`. Exits non-zero on the first failed check and prints a
// table of sizes and times at the end. Run by .ci/run after the nx run: node tools/packaging/cli-install-test.mjs
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const appRoot = join(repoRoot, 'apps', 'cli');
const { name, version } = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8'));

/**
 * The environment of every child: npm's own variables of an enclosing `npm run` (prefix, global, package fields)
 * would redirect installs, so they go; npx must never fetch a package named driftwatch from the registry.
 */
function childEnv(extra = {}) {
  const kept = Object.entries(process.env).filter(
    ([key]) => !/^npm_(config_(prefix|global|location)|package_|lifecycle_)/i.test(key),
  );
  return { ...Object.fromEntries(kept), npm_config_yes: 'false', npm_config_fund: 'false', ...extra };
}

const rows = [];

/** Runs `command args` in `cwd`, times it, records a row and throws when `check` finds something wrong. */
function step(label, command, args, { cwd, env, check, timeoutMs = 300_000 }) {
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd, env: env ?? childEnv(), encoding: 'utf8', timeout: timeoutMs });
  const seconds = (performance.now() - t0) / 1000;
  const shown = `${command} ${args.join(' ')}`;
  const failure =
    r.error?.message ??
    (r.status !== 0 ? `exit code ${r.status}${r.signal ? ` (${r.signal})` : ''}, expected 0` : check?.(r));
  rows.push({ label, seconds, ok: !failure });
  if (failure) {
    const tail = (text) => (text ?? '').trim().split('\n').slice(-30).join('\n');
    throw new Error(
      `${label}: \`${shown}\` in ${cwd}: ${failure}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`,
    );
  }
  return r;
}

const expectOutput = (pattern, what) => (r) => (pattern.test(r.stdout) ? undefined : `stdout lacks ${what}`);

function table() {
  const lines = [
    '| step | seconds | ok |',
    '|------|--------:|----|',
    ...rows.map((r) => `| ${r.label} | ${r.seconds.toFixed(1)} | ${r.ok ? 'yes' : 'NO'} |`),
  ];
  return lines.join('\n');
}

function main() {
  const scratch = mkdtempSync(join(tmpdir(), 'driftwatch-cli-install-'));
  if (scratch.startsWith(`${repoRoot}${sep}`)) throw new Error(`scratch folder ${scratch} is inside the repository`);
  let tarballKiB;
  try {
    const packDir = join(scratch, 'pack');
    mkdirSync(packDir);
    // prepack builds the bundles from this checkout
    step('npm pack', 'npm', ['pack', '--pack-destination', packDir], { cwd: appRoot });
    const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs in ${packDir}, expected 1`);
    const tarball = join(packDir, tarballs[0]);
    tarballKiB = statSync(tarball).size / 1024;

    const project = join(scratch, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'cli-install-check', private: true })}\n`);
    step('npm install <tarball>', 'npm', ['install', '--no-audit', tarball], { cwd: project, timeoutMs: 600_000 });
    const installed = join(project, 'node_modules', ...name.split('/'));
    for (const file of [
      'bin/driftwatch.js',
      'dist/start.js',
      'dist/main.js',
      'dist/csv-worker.js',
      'dist/protocol-worker.js',
    ]) {
      if (!existsSync(join(installed, file))) throw new Error(`the installed package lacks ${file}`);
    }
    const shipped = readdirSync(join(installed, 'dist'));
    if (shipped.some((f) => f.endsWith('.inputs.json'))) throw new Error(`dist ships build input lists: ${shipped}`);
    if (existsSync(join(installed, 'src'))) throw new Error('the installed package ships its sources (src/)');
    // the libraries are inside the bundle; an installed @driftwatch/models would mean they were not
    if (existsSync(join(project, 'node_modules', '@driftwatch', 'models')))
      throw new Error('@driftwatch/models was installed beside the CLI, whose bundle should contain it');

    const local = { cwd: project };
    step('npx driftwatch --help', 'npx', ['driftwatch', '--help'], {
      ...local,
      check: expectOutput(/Usage: driftwatch <command>/, 'the usage line'),
    });
    step('npx driftwatch --version', 'npx', ['driftwatch', '--version'], {
      ...local,
      check: (r) => (r.stdout.trim() === version ? undefined : `printed ${r.stdout.trim()}, expected ${version}`),
    });
    step('npx driftwatch doctor', 'npx', ['driftwatch', 'doctor', '--backend', 'wasm'], {
      ...local,
      check: expectOutput(/\| wasm +\| tfjs-backend-wasm [\d.]+ +\| chosen +\| ok +\|/, 'wasm chosen and ok'),
    });
    const out = join(project, 'bench-results', 'demo');
    step('npx driftwatch demo --simulate', 'npx', ['driftwatch', 'demo', '--simulate'], {
      ...local,
      timeoutMs: 600_000,
      check: (r) => {
        if (!r.stdout.includes(`report:  ${join(out, 'report.html')}`))
          return `stdout does not name ${out}/report.html`;
        if (!/\| all nodes +\| +\d+ \| +[01]\.\d{3} \|/.test(r.stdout)) return 'stdout lacks the "all nodes" row';
        const missing = ['report.html', 'results.jsonl', 'demo.json', 'scores', 'data'].filter(
          (f) => !existsSync(join(out, f)),
        );
        if (missing.length > 0) return `${out} lacks ${missing.join(', ')}`;
        if (statSync(join(out, 'results.jsonl')).size === 0) return 'results.jsonl is empty';
        return undefined;
      },
    });

    const prefix = join(scratch, 'global');
    step('npm i -g --prefix <tmp> <tarball>', 'npm', ['i', '-g', '--no-audit', '--prefix', prefix, tarball], {
      cwd: scratch,
      timeoutMs: 600_000,
    });
    const bin = process.platform === 'win32' ? prefix : join(prefix, 'bin');
    const globalEnv = childEnv({ PATH: `${bin}${delimiter}${process.env.PATH}` });
    const elsewhere = join(scratch, 'elsewhere');
    mkdirSync(elsewhere);
    step('driftwatch --version (global)', 'driftwatch', ['--version'], {
      cwd: elsewhere,
      env: globalEnv,
      check: (r) => (r.stdout.trim() === version ? undefined : `printed ${r.stdout.trim()}, expected ${version}`),
    });
    step('driftwatch methods (global)', 'driftwatch', ['methods'], {
      cwd: elsewhere,
      env: globalEnv,
      check: expectOutput(/iforest/, 'the iforest detector'),
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    console.log(`\n${name}@${version}: tarball ${tarballKiB === undefined ? '—' : `${tarballKiB.toFixed(0)} KiB`}`);
    console.log(table());
    console.log(`(scratch folder ${scratch}, removed)`);
  }
}

try {
  main();
  console.log('cli-install-test: ok');
} catch (e) {
  console.error(`cli-install-test: ${e.message}`);
  process.exitCode = 1;
}
