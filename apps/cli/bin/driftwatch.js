#!/usr/bin/env node
'use strict';
// Runs the bundled CLI, building it first when the bundle is missing or older than any workspace source,
// so that `npx driftwatch …` works right after `npm ci` and after every edit.
const fs = require('node:fs');
const path = require('node:path');

const appRoot = path.join(__dirname, '..');
const repoRoot = path.join(appRoot, '..', '..');
const bundle = path.join(appRoot, 'dist', 'main.js');

function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function stale() {
  if (!fs.existsSync(bundle)) return true;
  const built = fs.statSync(bundle).mtimeMs;
  const sources = [path.join(appRoot, 'src'), ...fs.readdirSync(path.join(repoRoot, 'packages')).map((p) => path.join(repoRoot, 'packages', p, 'src'))];
  return sources.some((s) => newestSource(s) > built);
}

async function start() {
  if (stale()) {
    const { pathToFileURL } = require('node:url');
    const { buildProject } = await import(pathToFileURL(path.join(repoRoot, 'tools', 'build.mjs')).href);
    await buildProject(appRoot);
  }
  require(bundle).run(process.argv.slice(2));
}

start().catch((e) => {
  process.stderr.write(`driftwatch: could not start: ${e && e.message ? e.message : e}\n`);
  process.exitCode = 1;
});
