// A library's dist/ (tools/build.mjs calls this for every package without "bin"): per entry point of its
// package.json "exports" (".", "./testing", …):
//   dist/<entry>.cjs  CommonJS, dependencies external
//   dist/<entry>.mjs  ES module, dependencies external; modules shared by entries go to dist/chunks/
//   dist/<entry>.d.cts and dist/<entry>.d.mts  one declaration file per entry: tsc's declarations rolled up by
//                     api-extractor, so they hold no relative imports and read the same under CommonJS and ESM
// and the API report packages/<name>/api/<name>[-<entry>].api.md, rewritten here; with CI=true the build fails
// instead when the public API differs from the checked-in report.
// api-extractor reads declarations with the TypeScript it bundles; 7.60 bundles 6.0.3, the repository's own
// compiler, so the d.ts of TypeScript 6 need no other roll-up tool.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import ts from 'typescript';
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';

/**
 * Code the ES module bundles start with: the sources are written for CommonJS (`__dirname` finds the worker
 * beside the bundle, models requires optional tfjs backends at run time, report resolves vega), and esbuild's
 * ESM output leaves those names free. Prefixed names keep the imports clear of the bundle's own.
 */
export const ESM_BANNER = [
  "import { createRequire as __driftwatchCreateRequire } from 'node:module';",
  "import { fileURLToPath as __driftwatchFileURLToPath } from 'node:url';",
  "import { dirname as __driftwatchDirname } from 'node:path';",
  'const require = __driftwatchCreateRequire(import.meta.url);',
  'const __filename = __driftwatchFileURLToPath(import.meta.url);',
  'const __dirname = __driftwatchDirname(__filename);',
].join('\n');

/** The entry points of a package: name ('index' for ".", else the subpath) and source file, from "exports". */
export function libraryEntries(root, pkg) {
  const exportsMap = pkg.exports ?? { '.': { source: './src/index.ts' } };
  return Object.entries(exportsMap)
    .filter(([, target]) => typeof target === 'object' && typeof target.source === 'string')
    .map(([subpath, target]) => ({
      name: subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '-'),
      source: join(root, target.source),
    }));
}

/** The API report's name of an entry: `<package>` for the main entry, `<package>-<entry>` for the others. */
export function reportName(pkg, entry) {
  const short = pkg.name.replace(/^@[^/]+\//, '');
  return entry === 'index' ? short : `${short}-${entry}`;
}

const bundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  packages: 'external',
};

/**
 * esbuild plugin for the ES module bundle: the package's required peer dependencies are loaded through
 * `require` where the importing module runs, not by hoisted `import` statements. Node resolves hoisted imports
 * before any code runs, so a missing peer would fail with its bare "Cannot find package"; this way the
 * package's own check (models: backend/require-peers.ts) runs first and says what to install.
 */
export function peersThroughRequire(pkg) {
  const peers = Object.keys(pkg.peerDependencies ?? {}).filter((name) => !pkg.peerDependenciesMeta?.[name]?.optional);
  const escaped = peers.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return {
    name: 'peers-through-require',
    setup(b) {
      if (peers.length === 0) return;
      b.onResolve({ filter: new RegExp(`^(${escaped.join('|')})(/|$)`) }, (args) =>
        args.namespace === 'peer-require'
          ? { path: args.path, external: true }
          : { path: args.path, namespace: 'peer-require' },
      );
      b.onLoad({ filter: /.*/, namespace: 'peer-require' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

async function bundleLibrary(root, pkg, entries) {
  const entryPoints = Object.fromEntries(entries.map((e) => [e.name, e.source]));
  const outdir = join(root, 'dist');
  await Promise.all([
    build({ ...bundleOptions, entryPoints, outdir, format: 'cjs', outExtension: { '.js': '.cjs' } }),
    build({
      ...bundleOptions,
      entryPoints,
      outdir,
      format: 'esm',
      outExtension: { '.js': '.mjs' },
      // one copy of a module two entries share (experiments' index re-exports its data entry)
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      banner: { js: ESM_BANNER },
      plugins: [peersThroughRequire(pkg)],
    }),
  ]);
}

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
}

/**
 * tsc's declarations of the entries and what they import, into `outDir`. Other @driftwatch packages resolve to
 * their built declarations (no `source` condition), as a consumer's compiler sees them; Nx builds them first.
 */
function emitDeclarations(root, entries, outDir) {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {
      noEmit: false,
      declaration: true,
      emitDeclarationOnly: true,
      outDir,
      rootDir: join(root, 'src'),
      customConditions: [],
      sourceMap: false,
      declarationMap: false,
    },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(formatDiagnostics([d]));
      },
    },
  );
  const program = ts.createProgram({ rootNames: entries.map((e) => e.source), options: parsed.options });
  const emitted = program.emit();
  // resolution errors (a dependency not built) would otherwise turn its types into `any` without a word
  const errors = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].filter(
    (d) => d.category === ts.DiagnosticCategory.Error,
  );
  if (errors.length > 0) {
    throw new Error(`declarations of ${basename(root)} did not compile:\n${formatDiagnostics(errors.slice(0, 20))}`);
  }
}

/** Whether this run must leave checked-in API reports alone and fail on a difference (CI). */
export function isCi(env = process.env) {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
}

function declarationFileOf(root, entry, declarationsDir) {
  return join(declarationsDir, relative(join(root, 'src'), entry.source)).replace(/\.ts$/, '.d.ts');
}

function extractorConfig(root, entry, declarationsDir) {
  const report = reportName(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')), entry.name);
  const declarationFile = declarationFileOf(root, entry, declarationsDir);
  return ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: declarationFile,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2022'],
            module: 'preserve',
            moduleResolution: 'bundler',
            strict: true,
            // tsc checked the sources already; checking every declaration file again is most of the time here
            skipLibCheck: true,
            types: ['node', 'jest'],
          },
          files: [declarationFile],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: report,
        reportFolder: join(root, 'api'),
        reportTempFolder: join(declarationsDir, '.api'),
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: true, untrimmedFilePath: join(root, 'dist', `${entry.name}.d.ts`) },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning' },
          // the packages mark no @public/@beta release tags: everything exported is public
          'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
          // a type the API uses but the entry does not export: listed in the report, where review sees it
          'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
          'ae-undocumented': { logLevel: 'none', addToApiReportFile: false },
        },
        // doc comments are prose for readers, not TSDoc markup
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(root, 'package.json'),
  });
}

function rollUpDeclarations(root, pkg, entry, config, compilerState, localBuild) {
  const report = reportName(pkg, entry.name);
  const rollup = config.untrimmedFilePath;
  if (localBuild) mkdirSync(join(root, 'api'), { recursive: true });
  const messages = [];
  const result = Extractor.invoke(config, {
    localBuild,
    compilerState,
    messageCallback: (message) => {
      if (message.logLevel === 'warning' || message.logLevel === 'error')
        messages.push(message.formatMessageWithLocation(root));
      message.handled = true;
    },
  });
  const reportPath = relative(process.cwd(), join(root, 'api', `${report}.api.md`));
  if (!localBuild && result.apiReportChanged) {
    throw new Error(
      `the public API of ${pkg.name} (${entry.name}) differs from ${reportPath}. If the change is meant, run ` +
        `\`node tools/build.mjs ${relative(process.cwd(), root)}\` without CI set and commit ${reportPath}.`,
    );
  }
  if (!result.succeeded) {
    throw new Error(`api-extractor failed on ${pkg.name} (${entry.name}):\n${messages.join('\n')}`);
  }
  if (messages.length > 0) console.warn(messages.join('\n'));
  // the same declarations for both module kinds: a rolled-up file imports only packages, by name
  copyFileSync(rollup, join(root, 'dist', `${entry.name}.d.cts`));
  copyFileSync(rollup, join(root, 'dist', `${entry.name}.d.mts`));
  rmSync(rollup);
}

/** Builds dist/ of the library at `root` and its API reports; returns the milliseconds of each step. */
export async function buildLibrary(root, { localBuild = !isCi() } = {}) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entries = libraryEntries(root, pkg);
  const missing = entries.filter((e) => !existsSync(e.source));
  if (missing.length > 0) throw new Error(`exports name missing sources: ${missing.map((e) => e.source).join(', ')}`);
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const times = {};
  let start = performance.now();
  await bundleLibrary(root, pkg, entries);
  times.bundle = performance.now() - start;
  start = performance.now();
  // a fixed place: the API report quotes the paths of declaration files in its warnings
  const declarationsDir = join(root, 'dist', '.declarations');
  try {
    emitDeclarations(root, entries, declarationsDir);
    times.tsc = performance.now() - start;
    start = performance.now();
    const configs = entries.map((entry) => extractorConfig(root, entry, declarationsDir));
    // one TypeScript program for all entries: creating it is most of api-extractor's time
    const compilerState = CompilerState.create(configs[0], {
      additionalEntryPoints: entries.map((entry) => declarationFileOf(root, entry, declarationsDir)),
    });
    entries.forEach((entry, i) => rollUpDeclarations(root, pkg, entry, configs[i], compilerState, localBuild));
    times.apiExtractor = performance.now() - start;
  } finally {
    rmSync(declarationsDir, { recursive: true, force: true });
  }
  return times;
}
