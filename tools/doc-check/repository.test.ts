/**
 * The repository's text against the repository: design-document references resolve to docs/ and its headings,
 * and the READMEs agree with the code (projects, backend order, runnable paths). Reads the tracked files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { defaultCandidates } from '@driftwatch/models';
import {
  DESIGN_DOC_NAMES,
  DOCS_DIR,
  arrowChains,
  backendChainProblems,
  citationProblems,
  findDocReferences,
  layoutTableProjects,
  mentionCandidates,
  parseHeadings,
  pathMentions,
  referenceTarget,
  type Heading,
  type Problem,
} from './references';

const root = join(__dirname, '..', '..');
/** Files whose text is scanned for references: sources, scripts, configuration and markdown. */
const SCANNED = /\.(?:ts|js|mjs|cjs|md|json|sh|ya?ml)$/;
/** Generated or data files, and this checker (its tests quote references on purpose). */
const NOT_SCANNED = ['package-lock.json', 'datasets.lock', 'tools/doc-check/'];

const read = (file: string) => readFileSync(join(root, file), 'utf8');
const exists = (file: string) => existsSync(join(root, file));

function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\0').filter((f) => f !== '' && exists(f));
}

const tracked = trackedFiles();
const scanned = tracked.filter((f) => SCANNED.test(f) && !NOT_SCANNED.some((n) => f === n || f.startsWith(n)));
const markdown = tracked.filter((f) => f.endsWith('.md'));
/** The historical names plus every document in docs/, so that a new document is held to the same rules. */
const docsInRepository = readdirSync(join(root, DOCS_DIR)).filter((f) => f.endsWith('.md') && f !== 'README.md');
const docNames = [...new Set([...DESIGN_DOC_NAMES, ...docsInRepository])];

const headingCache = new Map<string, Heading[] | undefined>();
function headingsOf(file: string): Heading[] | undefined {
  if (!headingCache.has(file)) headingCache.set(file, exists(file) ? parseHeadings(read(file)) : undefined);
  return headingCache.get(file);
}

const show = (problems: Problem[]) => problems.map((p) => `${p.file}:${p.line}: ${p.message}`);

/** The nearest folder at or above the file's folder with a project.json, as a repository-relative path. */
function projectRootOf(file: string): string | undefined {
  for (let dir = posix.dirname(file); dir !== '.'; dir = posix.dirname(dir)) {
    if (exists(posix.join(dir, 'project.json'))) return dir;
  }
  return undefined;
}

describe('design-document references', () => {
  const references = scanned.flatMap((file) => findDocReferences(read(file), docNames).map((ref) => ({ file, ref })));

  it('finds references to check', () => {
    expect(references.length).toBeGreaterThan(0);
  });

  it('point at docs/<name>.md inside the repository, and every cited section and heading exists there', () => {
    const problems = references.flatMap(({ file, ref }): Problem[] => {
      const where = referenceTarget(file, ref);
      if ('problem' in where) return [{ file, line: ref.line, message: where.problem }];
      return citationProblems(file, ref, where.target, headingsOf(where.target));
    });
    expect(show(problems)).toEqual([]);
  });
});

describe('READMEs against the code', () => {
  it('the root README layout table lists exactly the projects under packages/ and apps/', () => {
    const isProject = (dir: string) => exists(`${dir}/project.json`) || exists(`${dir}/package.json`);
    const projects = ['packages', 'apps'].flatMap((parent) =>
      readdirSync(join(root, parent), { withFileTypes: true })
        .filter((d) => d.isDirectory() && isProject(`${parent}/${d.name}`))
        .map((d) => `${parent}/${d.name}`),
    );
    const listed = layoutTableProjects(read('README.md'));
    expect(listed).toBeDefined();
    const missing = projects.filter((p) => !listed!.includes(p));
    const extra = listed!.filter((p) => !projects.includes(p));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it('every backend order in the markdown is the loader order, and the root README states it', () => {
    const order = defaultCandidates().map((c) => c.name);
    const expected = order.join(' → ');
    const stated = arrowChains(read('README.md')).some((c) => c.items.join(' → ') === expected);
    const noOrder: Problem = { file: 'README.md', line: 0, message: `no backend order, expected ${expected}` };
    const missing = stated ? [] : [noOrder];
    const wrong = markdown.flatMap((file) => backendChainProblems(file, read(file), order));
    expect(show([...missing, ...wrong])).toEqual([]);
  });

  it('every npm run ts / npm run bench target and example path in the markdown exists', () => {
    const problems = markdown.flatMap((file) =>
      pathMentions(read(file)).flatMap((m): Problem[] => {
        const candidates = mentionCandidates(file, m, projectRootOf(file));
        if (candidates.some(exists)) return [];
        return [{ file, line: m.line, message: `${m.kind} ${m.path} does not exist (tried ${candidates.join(', ')})` }];
      }),
    );
    expect(show(problems)).toEqual([]);
  });
});
