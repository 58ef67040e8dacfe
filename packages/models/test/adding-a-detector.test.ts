/**
 * Walks docs/adding-a-detector.md: copies packages/models to a temporary folder, applies the guide's code blocks
 * there with exactly its touch points (the detector's file, the registry's import and table line), and runs the
 * copy's registry suite — descriptor checks and window conformance — on the new id. If the guide's code or its
 * claim "file + one registry entry + test" goes stale, this fails.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ParameterError } from '@driftwatch/contracts';
import type { RegistryUnderTest } from '../src/testing/registry-suite';

const REPO = join(__dirname, '..', '..', '..');
const GUIDE = readFileSync(join(REPO, 'docs/adding-a-detector.md'), 'utf8');

/** The code of the fenced block whose info string is `ts <tag>`. */
function block(tag: string): string {
  const found = [...GUIDE.matchAll(/^```ts (\S+)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === tag);
  if (found.length !== 1)
    throw new Error(`docs/adding-a-detector.md: expected one \`\`\`ts ${tag} block, found ${found.length}`);
  return found[0][2];
}

const fileBlock = [...GUIDE.matchAll(/^```ts file=(\S+)\n/gm)];
const detectorPath = fileBlock.length === 1 ? fileBlock[0][1] : undefined;

/** A copy of the package (sources and package.json) with the guide applied; node_modules linked so imports resolve. */
function applyGuide(root: string): string {
  const models = join(root, 'packages', 'models');
  cpSync(join(REPO, 'packages', 'models', 'src'), join(models, 'src'), {
    recursive: true,
    filter: (p) => !p.endsWith('.test.ts'),
  });
  cpSync(join(REPO, 'packages', 'models', 'package.json'), join(models, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  // touch point 1: the detector's file
  const target = join(root, detectorPath!);
  if (!existsSync(dirname(target)))
    throw new Error(`the guide puts the detector in ${dirname(detectorPath!)}, which packages/models does not have`);
  writeFileSync(target, block(`file=${detectorPath}`));
  // touch point 2: one import and one line of the registry's table
  const registryFile = join(models, 'src', 'registry.ts');
  const lines = readFileSync(registryFile, 'utf8').split('\n');
  const lastImport = lines.map((l) => l.startsWith('import ')).lastIndexOf(true);
  const tableEnd = lines.findIndex((l) => l.startsWith('} satisfies Record<string, DetectorDescriptor>'));
  if (lastImport < 0 || tableEnd < 0)
    throw new Error('registry.ts no longer has the import list and the REGISTRY table the guide describes');
  lines.splice(tableEnd, 0, block('registry-entry').trimEnd());
  lines.splice(lastImport + 1, 0, block('registry-import').trimEnd());
  writeFileSync(registryFile, lines.join('\n'));
  return join(models, 'src');
}

describe('docs/adding-a-detector.md', () => {
  it('names one file for the detector, under packages/models/src', () => {
    expect(detectorPath).toMatch(/^packages\/models\/src\/[a-z-]+\/[a-z0-9-]+\.ts$/);
  });
  if (!detectorPath) return;

  const root = mkdtempSync(join(tmpdir(), 'driftwatch-guide-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const src = applyGuide(root);
  // the copy's own modules (and so its own schema classes), loaded through jest's TypeScript transform
  const registry = {
    ...require(join(src, 'registry')),
    ...require(join(src, 'node-registry')),
  } as RegistryUnderTest & { DETECTOR_IDS: string[] };
  type Suite = typeof import('../src/testing/registry-suite');
  const { describeRegistry } = require(join(src, 'testing', 'registry-suite')) as Suite;
  const id = registry.DETECTOR_DESCRIPTORS.at(-1)!.id;

  it('adds exactly one window id to the copied registry, with the parameters its schema declares', () => {
    expect(id).toBe('zscore');
    expect(registry.DETECTOR_IDS).toHaveLength(18);
    expect(registry.DETECTOR_IDS.at(-1)).toBe('zscore');
    const det = registry.createDetector('zscore', { windowLength: 2 });
    expect([det.id, det.windowLength]).toEqual(['zscore', 2]);
    expect(() => registry.createDetector('zscore', { floor: 0 })).toThrow(ParameterError);
    expect(() => registry.createDetector('zscore', { flor: 1 })).toThrow(/did you mean 'floor'/);
  });

  it('type-checks with the rest of the package (strict tsc over the copy)', () => {
    const models = dirname(src);
    writeFileSync(
      join(models, 'tsconfig.json'),
      JSON.stringify({ extends: join(REPO, 'tsconfig.base.json'), include: ['src/**/*.ts'] }),
    );
    const tsc = spawnSync(
      process.execPath,
      [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(models, 'tsconfig.json')],
      { encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);

  describeRegistry(registry, [id]);
});
