import {
  arrowChains,
  backendChainProblems,
  citationProblems,
  findDocReferences,
  layoutTableProjects,
  mentionCandidates,
  parseHeadings,
  pathMentions,
  referenceTarget,
  type DocReference,
} from './references';

const NAMES = ['divad.md', 'architecture.md', 'toolchain.md', 'spatiotemporal.md'];

/** The cited parts of the first reference found in `text`. */
function cited(text: string): Pick<DocReference, 'written' | 'sections' | 'names'> {
  const [r] = findDocReferences(text, NAMES);
  return { written: r.written, sections: r.sections, names: r.names };
}

describe('findDocReferences', () => {
  it('reads the path as written, from bare names to paths outside the repository', () => {
    const text = [
      'see divad.md here',
      'see `design/divad.md` §5(a)',
      'from ../shared/design/spatiotemporal.md and /abs/design/toolchain.md',
      'and docs/architecture.md.',
      'not packages/ingest/docs/exathlon.md nor divad.mdx nor mydivad.md',
    ].join('\n');
    expect(findDocReferences(text, NAMES).map((r) => [r.line, r.written, r.doc])).toEqual([
      [1, 'divad.md', 'divad.md'],
      [2, 'design/divad.md', 'divad.md'],
      [3, '../shared/design/spatiotemporal.md', 'spatiotemporal.md'],
      [3, '/abs/design/toolchain.md', 'toolchain.md'],
      [4, 'docs/architecture.md', 'architecture.md'],
    ]);
  });

  it.each([
    ['(divad.md §3.6; more)', ['3.6']],
    ['divad.md §5b for ${server}', ['5b']],
    ['`design/divad.md` §5(a) (loading)', ['5a']],
    ['(divad.md §1, §5b). Data', ['1', '5b']],
    ['divad.md §3.6 and §5b;', ['3.6', '5b']],
    ['divad.md §3–4 (table below)', ['3', '4']],
    ['spatiotemporal.md §3–§4)', ['3', '4']],
    ['divad.md §3.1–3.2:', ['3.1', '3.2']],
    ['(divad.md §2 items 3–5)', ['2']],
    ['(divad.md §3.5 AP-Gaussian, §4 Mahalanobis)', ['3.5']],
    ["divad.md §3.6\\'s 35,273", ['3.6']],
    ['spatiotemporal.md §4 (c): 32', ['4']],
    ['spatiotemporal.md §4d, structural noise', ['4d']],
    ['divad.md, paper §3.3.2', []],
    ["divad.md's 12", []],
  ])('reads the sections of %p', (text, sections) => {
    expect(cited(text).sections).toEqual(sections);
  });

  it('reads heading names after a section and after a comma, also across a comment line break', () => {
    expect(cited('(divad.md §5a "Loading" (1)–(6))')).toMatchObject({
      sections: ['5a'],
      names: [{ name: 'Loading', section: '5a' }],
    });
    expect(cited('(architecture.md, "Files between steps")').names).toEqual([{ name: 'Files between steps' }]);
    const wrapped = [' * fixes (toolchain.md, "Missing kernels on wasm" and "wasm matMul', ' * defect"). A'].join('\n');
    expect(cited(wrapped).names).toEqual([{ name: 'Missing kernels on wasm' }, { name: 'wasm matMul defect' }]);
    // a quoted phrase after "§n," is a quotation, not a heading
    expect(cited('(spatiotemporal.md §1, "dependency drift")')).toEqual({
      written: 'spatiotemporal.md',
      sections: ['1'],
      names: [],
    });
  });

  it('marks markdown link targets', () => {
    const refs = findDocReferences('[docs/divad.md §2](divad.md#evaluation)', NAMES);
    expect(refs.map((r) => [r.written, r.link])).toEqual([
      ['docs/divad.md', false],
      ['divad.md', true],
    ]);
  });
});

describe('parseHeadings', () => {
  const md = [
    '# Title',
    '## §1 One',
    '### §1.4 Propagation',
    '#### Loading',
    '```',
    '## §9 in a fence',
    '```',
    '## §5(a) Exathlon',
    'text',
  ].join('\n');

  it('gives ids, titles and section ends, and skips fenced code', () => {
    expect(parseHeadings(md)).toEqual([
      { line: 1, level: 1, id: undefined, title: 'Title', end: 10 },
      { line: 2, level: 2, id: '1', title: 'One', end: 8 },
      { line: 3, level: 3, id: '1.4', title: 'Propagation', end: 8 },
      { line: 4, level: 4, id: undefined, title: 'Loading', end: 8 },
      { line: 8, level: 2, id: '5a', title: 'Exathlon', end: 10 },
    ]);
  });
});

describe('referenceTarget and citationProblems', () => {
  const ref = (over: Partial<DocReference>): DocReference => ({
    line: 7,
    written: 'docs/divad.md',
    doc: 'divad.md',
    link: false,
    sections: [],
    names: [],
    ...over,
  });
  const headings = parseHeadings(
    ['## §2 Evaluation', '## §5 Data', '### §5a Exathlon', '#### Loading', '### §5b ASD', '#### Labels'].join('\n'),
  );
  const problems = (over: Partial<DocReference>) => citationProblems('a.ts', ref(over), 'docs/divad.md', headings);

  it('accepts docs/<name> and resolves links against the citing folder', () => {
    expect(referenceTarget('packages/x/src/a.ts', ref({}))).toEqual({ target: 'docs/divad.md' });
    expect(referenceTarget('docs/architecture.md', ref({ written: 'divad.md', link: true }))).toEqual({
      target: 'docs/divad.md',
    });
  });

  it('refuses bare names, other folders and links out of the repository', () => {
    expect(referenceTarget('a.ts', ref({ written: 'divad.md' }))).toEqual({
      problem: 'bare divad.md: write docs/divad.md',
    });
    expect(referenceTarget('a.ts', ref({ written: '../shared/design/divad.md' }))).toEqual({
      problem: "../shared/design/divad.md is not in the repository's docs/: write docs/divad.md",
    });
    const outside = ref({ written: '../shared/design/divad.md', link: true });
    expect(referenceTarget('README.md', outside)).toHaveProperty('problem');
  });

  it('reports missing files, sections and names, and looks for a name inside its section only', () => {
    expect(problems({ sections: ['2', '5a'] })).toEqual([]);
    expect(problems({ sections: ['3.6'] })).toEqual([
      { file: 'a.ts', line: 7, message: 'docs/divad.md has no heading §3.6' },
    ]);
    expect(problems({ sections: ['5a'], names: [{ name: 'loading', section: '5a' }] })).toEqual([]);
    expect(problems({ sections: ['5a'], names: [{ name: 'Labels', section: '5a' }] })).toEqual([
      { file: 'a.ts', line: 7, message: 'docs/divad.md has no heading "Labels" under §5a' },
    ]);
    expect(problems({ names: [{ name: 'Labels' }] })).toEqual([]);
    expect(citationProblems('a.ts', ref({}), 'docs/divad.md', undefined)).toEqual([
      { file: 'a.ts', line: 7, message: 'docs/divad.md does not exist' },
    ]);
  });
});

describe('README helpers', () => {
  it('lists the projects of the layout table only', () => {
    const readme = [
      '# x',
      '| `packages/old` | not layout |',
      '## Layout',
      '| project | what |',
      '|---|---|',
      '| `packages/a` | A |',
      '| `apps/cli` | B |',
      '| `tools/` | C |',
      '## Commands',
      '| `packages/z` | Z |',
    ].join('\n');
    expect(layoutTableProjects(readme)).toEqual(['packages/a', 'apps/cli']);
    expect(layoutTableProjects('# no layout')).toBeUndefined();
  });

  it('finds arrow chains and holds backend chains to the whole loader order', () => {
    const order = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'];
    expect(arrowChains('tries `tfjs-node-gpu` → `tfjs-node` → wasm → cpu (flag); F → 64 → D')).toEqual([
      { line: 1, items: ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] },
      { line: 1, items: ['F', '64', 'D'] },
    ]);
    const text = [
      'old: tfjs-node-gpu → tfjs-node → wasm → cpu',
      'new: tfjs-node-gpu → tfjs-node → webgpu → wasm → cpu',
      'x → wasm',
    ].join('\n');
    expect(backendChainProblems('README.md', text, order)).toEqual([
      {
        file: 'README.md',
        line: 1,
        message: "backend order tfjs-node-gpu → tfjs-node → wasm → cpu; the loader's is " + order.join(' → '),
      },
    ]);
  });

  it('finds npm run ts, bench and example mentions and where they may resolve', () => {
    const text = [
      'npm run ts -- packages/a/examples/x.ts [DATA]',
      '`npm run ts -- <file>`',
      'npm run bench -- st --nodes 32',
      '`examples/y.ts` prints',
    ].join('\n');
    const mentions = pathMentions(text);
    expect(mentions).toEqual([
      { line: 1, path: 'packages/a/examples/x.ts', kind: 'npm-run-ts' },
      { line: 1, path: 'packages/a/examples/x.ts', kind: 'example' },
      { line: 3, path: 'st', kind: 'bench' },
      { line: 4, path: 'examples/y.ts', kind: 'example' },
    ]);
    expect(mentionCandidates('packages/a/docs/g.md', mentions[3], 'packages/a')).toEqual([
      'examples/y.ts',
      'packages/a/docs/examples/y.ts',
      'packages/a/examples/y.ts',
    ]);
    expect(mentionCandidates('README.md', mentions[0], undefined)).toEqual(['packages/a/examples/x.ts']);
    expect(mentionCandidates('README.md', mentions[2], undefined)).toEqual(['tools/bench/st.ts']);
  });
});
