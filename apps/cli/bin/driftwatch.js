#!/usr/bin/env node
'use strict';
// Runs the bundled CLI. dist/start.js (definitions and parser only) answers help, version and usage errors;
// dist/main.js (everything) is loaded only when a command runs.
// In the repository (tools/build.mjs beside apps/cli) a bundle that is missing or older than a file it was built
// from is rebuilt first, so that `npx driftwatch …` works right after `npm ci` and after every edit. Installed from
// the package (no repository around it) the bundles are run as shipped: their inputs are not there to compare with.
const fs = require('node:fs');
const path = require('node:path');

const appRoot = path.join(__dirname, '..');
const repoRoot = path.join(appRoot, '..', '..');
const dist = path.join(appRoot, 'dist');
const buildScript = path.join(repoRoot, 'tools', 'build.mjs');
// both, so that an installed package whose grandparent folder happens to hold a tools/build.mjs is not "the repository"
const inRepository = fs.existsSync(buildScript) && fs.existsSync(path.join(repoRoot, 'nx.json'));

/** Missing, or older than one of its inputs (tools/build.mjs lists them beside it): a few dozen stats, not a walk. */
function stale(name) {
  const built = fs.statSync(path.join(dist, `${name}.js`), { throwIfNoEntry: false });
  if (!built) return true;
  let inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(path.join(dist, `${name}.inputs.json`), 'utf8'));
  } catch {
    return true;
  }
  return inputs.some((p) => {
    const s = fs.statSync(path.join(repoRoot, p), { throwIfNoEntry: false });
    return !s || s.mtimeMs > built.mtimeMs;
  });
}

async function load(name) {
  const bundle = path.join(dist, `${name}.js`);
  if (inRepository && stale(name)) {
    const { pathToFileURL } = require('node:url');
    const { buildProject } = await import(pathToFileURL(buildScript).href);
    await buildProject(appRoot);
  } else if (!inRepository && !fs.existsSync(bundle)) {
    throw new Error(`${bundle} is missing: this installation of @driftwatch/cli is incomplete; install it again`);
  }
  return require(bundle);
}

function failed(e) {
  process.stderr.write(`driftwatch: could not start: ${e && e.message ? e.message : e}\n`);
  process.exitCode = 1;
}

load('start')
  .then((start) => start.run(process.argv.slice(2), (argv) => load('main').then((main) => main.run(argv), failed)))
  .catch(failed);
