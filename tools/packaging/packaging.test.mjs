// node --test tools/packaging/: the pure parts of the library build and the consumer test (the scripts
// themselves run in CI: tools/build.mjs through nx, consumer-test.mjs after it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCi, libraryEntries, reportName } from '../build-library.mjs';
import {
  asCommonJs,
  classifyTscErrors,
  exportTargets,
  readmeExample,
  workspaceClosure,
  EXAMPLE_MARKER,
} from './consumer-test.mjs';

describe('readmeExample', () => {
  it('takes the ts block after the marker, not an earlier one', () => {
    const readme = ['# x', '```ts', 'no();', '```', EXAMPLE_MARKER, '', '```ts', 'yes();', '```', ''].join('\n');
    assert.equal(readmeExample(readme), 'yes();\n');
  });

  it('is undefined without the marker', () => {
    assert.equal(readmeExample('# x\n```ts\nno();\n```\n'), undefined);
  });
});

describe('asCommonJs', () => {
  it('keeps the imports (multi-line ones too) at the top and wraps the rest in an async main', () => {
    const example = "import { a } from 'p';\nimport {\n  b,\n} from 'q';\n\nawait a(b);\n";
    const lines = asCommonJs(example).split('\n');
    assert.deepEqual(lines.slice(0, 5), [
      "import { a } from 'p';",
      'import {',
      '  b,',
      "} from 'q';",
      'async function main(): Promise<void> {',
    ]);
    assert.ok(lines.includes('  await a(b);'));
    assert.ok(lines.includes('main().catch((error: unknown) => {'));
  });
});

describe('workspaceClosure', () => {
  const lib = (deps) => ({ pkg: { dependencies: deps } });
  const byName = new Map([
    ['@driftwatch/a', lib({ '@driftwatch/b': '^1', 'left-pad': '1' })],
    ['@driftwatch/b', lib({ '@driftwatch/c': '^1' })],
    ['@driftwatch/c', lib({})],
    ['@driftwatch/z', lib({ '@driftwatch/a': '^1' })],
  ]);

  it("follows dependencies' dependencies and leaves third-party ones and dependents out", () => {
    assert.deepEqual(workspaceClosure('@driftwatch/a', byName).sort(), [
      '@driftwatch/a',
      '@driftwatch/b',
      '@driftwatch/c',
    ]);
  });

  it('names a dependency that is not a library', () => {
    byName.set('@driftwatch/y', lib({ '@driftwatch/nowhere': '^1' }));
    assert.throws(() => workspaceClosure('@driftwatch/y', byName), /@driftwatch\/nowhere is not a library/);
  });
});

describe('exportTargets', () => {
  it('lists every file of an exports map but the source condition', () => {
    const map = {
      '.': { source: './src/index.ts', import: { types: './dist/index.d.mts', default: './dist/index.mjs' } },
      './package.json': './package.json',
    };
    assert.deepEqual(exportTargets(map), ['./dist/index.d.mts', './dist/index.mjs', './package.json']);
  });
});

describe('classifyTscErrors', () => {
  it('counts errors inside the listed third-party packages and keeps every other one with its detail lines', () => {
    const output = [
      "node_modules/@tensorflow/tfjs-core/dist/types.d.ts(3,1): error TS2304: Cannot find name 'Long'.",
      "node_modules/@tensorflow/tfjs-core/dist/tensor.d.ts(9,2): error TS2304: Cannot find name 'ImageData'.",
      "node_modules/@driftwatch/eval/dist/index.d.mts(1,1): error TS2305: Module has no exported member 'x'.",
      "example.mts(4,7): error TS2322: Type 'string' is not assignable to type 'number'.",
      '  Detail of the error above.',
      "node_modules/some-new-lib/index.d.ts(1,1): error TS2304: Cannot find name 'Window'.",
    ].join('\n');
    const { upstream, ours } = classifyTscErrors(output);
    assert.deepEqual(upstream, { '@tensorflow/tfjs-core': 2 });
    assert.equal(ours.length, 3);
    assert.match(ours[1], /example\.mts[\s\S]*Detail of the error above/);
    assert.match(ours[2], /some-new-lib/);
  });
});

describe('library entries and reports', () => {
  const pkg = {
    name: '@driftwatch/ingest',
    exports: {
      '.': { source: './src/index.ts' },
      './testing': { source: './src/testing.ts' },
      './package.json': './package.json',
    },
  };

  it('has one entry per exported source file, named after its subpath', () => {
    assert.deepEqual(
      libraryEntries('/r', pkg).map((e) => [e.name, e.source]),
      [
        ['index', '/r/src/index.ts'],
        ['testing', '/r/src/testing.ts'],
      ],
    );
  });

  it('names the main report after the package and the others after their entry', () => {
    assert.equal(reportName(pkg, 'index'), 'ingest');
    assert.equal(reportName(pkg, 'testing'), 'ingest-testing');
  });

  it('treats CI as set unless it is empty, false or 0', () => {
    assert.equal(isCi({ CI: 'true' }), true);
    assert.equal(isCi({ CI: '1' }), true);
    assert.equal(isCi({}), false);
    assert.equal(isCi({ CI: 'false' }), false);
    assert.equal(isCi({ CI: '0' }), false);
  });
});
