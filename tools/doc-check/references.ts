/**
 * Finding what the repository's text says about its design documents and its own layout, as pure functions of
 * text, so that the checks in repository.test.ts can be tested on hand-written examples first.
 *
 * A design-document reference is a path ending in `<name>.md` for a name in `DESIGN_DOC_NAMES` (or another file
 * of docs/), followed by what it cites: section ids (`§3.6`, `§5a`, `§5(a)`, ranges `§3–4`, lists `§1, §5b` and
 * `§3.6 and §5b`), a heading name after a section (`§5a "Features"`) or a heading name alone
 * (`architecture.md, "Data"`).
 */
import { posix } from 'node:path';

/** Documents that lived outside the repository before docs/ existed: a mention of one must point into docs/. */
export const DESIGN_DOC_NAMES: readonly string[] = ['architecture.md', 'divad.md', 'spatiotemporal.md', 'toolchain.md'];

/** The folder, relative to the repository root, that holds the design documents. */
export const DOCS_DIR = 'docs';

export interface Heading {
  /** 1-based line of the heading */
  line: number;
  level: number;
  /** section id without the §, normalised (`5(a)` → `5a`); absent for a heading without one */
  id?: string;
  /** the rest of the heading text */
  title: string;
  /** 1-based line where the section ends (exclusive): the next heading of the same or a higher level */
  end: number;
}

export interface NameCitation {
  name: string;
  /** the section the name was cited under, when it followed one (`§5a "Loading"`) */
  section?: string;
}

export interface DocReference {
  /** 1-based line where the path starts */
  line: number;
  /** the path as written: `docs/divad.md`, `divad.md`, `../shared/design/divad.md`, … */
  written: string;
  /** the file name, `divad.md` */
  doc: string;
  /** the path is the target of a markdown link (`[text](path)`), which resolves against the citing file's folder */
  link: boolean;
  /** cited section ids, normalised; a range contributes both ends */
  sections: string[];
  names: NameCitation[];
}

export interface Problem {
  file: string;
  line: number;
  message: string;
}

const SECTION_ID = String.raw`\d+(?:\.\d+)*(?:\([a-z]\)|[a-z](?![a-z]))?`;

/** `5(a)` → `5a`; ids are compared in this form. */
export function normaliseSectionId(raw: string): string {
  return raw.replace(/\(([a-z])\)$/, '$1');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Headings of a markdown text, outside fenced code blocks; `## §3.6 Title` gives id `3.6` and title `Title`. */
export function parseHeadings(markdown: string): Heading[] {
  const lines = markdown.split('\n');
  const found: Omit<Heading, 'end'>[] = [];
  let fence: string | undefined;
  lines.forEach((text, i) => {
    const fenceMatch = /^\s*(`{3,}|~{3,})/.exec(text);
    if (fenceMatch) {
      if (fence === undefined) fence = fenceMatch[1][0];
      else if (fenceMatch[1][0] === fence) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) return;
    const idMatch = new RegExp(String.raw`^§\s?(${SECTION_ID})(?:\s+|$)`).exec(m[2]);
    found.push({
      line: i + 1,
      level: m[1].length,
      id: idMatch ? normaliseSectionId(idMatch[1]) : undefined,
      title: (idMatch ? m[2].slice(idMatch[0].length) : m[2]).trim(),
    });
  });
  return found.map((h, k) => {
    const next = found.slice(k + 1).find((o) => o.level <= h.level);
    return { ...h, end: next ? next.line : lines.length + 1 };
  });
}

/** A comment marker at the start of a continuation line (` * `, `// `, `# `), dropped when lines are joined. */
function withoutCommentPrefix(line: string): string {
  return line.replace(/^\s*(?:\*(?!\*)|\/\/|#)?\s*/, '');
}

/** What a reference cites, read from the text right after `<name>.md`. */
function readCitation(tail: string): Pick<DocReference, 'sections' | 'names'> {
  const sections: string[] = [];
  const names: NameCitation[] = [];
  let rest = tail.replace(/^`/, '');
  const named = /^,\s*"([^"]+)"/.exec(rest);
  if (named) {
    names.push({ name: named[1] });
    rest = rest.slice(named[0].length);
    const another = /^\s*(?:,|\band\b)\s*"([^"]+)"/;
    for (let more = another.exec(rest); more; more = another.exec(rest)) {
      names.push({ name: more[1] });
      rest = rest.slice(more[0].length);
    }
    return { sections, names };
  }
  const first = new RegExp(String.raw`^\s*,?\s*§\s?(${SECTION_ID})`);
  const next = new RegExp(String.raw`^\s*(?:,|\band\b)\s*§\s?(${SECTION_ID})`);
  const rangeEnd = new RegExp(String.raw`^\s*[–-]\s*§?\s?(${SECTION_ID})`);
  const nameAfter = /^ "([^"]+)"/;
  let m = first.exec(rest);
  while (m) {
    const id = normaliseSectionId(m[1]);
    sections.push(id);
    rest = rest.slice(m[0].length);
    const range = rangeEnd.exec(rest);
    if (range) {
      sections.push(normaliseSectionId(range[1]));
      rest = rest.slice(range[0].length);
    } else {
      const name = nameAfter.exec(rest);
      if (name) {
        names.push({ name: name[1], section: id });
        rest = rest.slice(name[0].length);
      }
    }
    m = next.exec(rest);
  }
  return { sections, names };
}

/**
 * Every mention of a design document in `text` (`docNames`: file names such as `divad.md`) with what it cites.
 * A citation may continue on the next line of a comment (`(architecture.md,\n * "Conventions")`).
 */
export function findDocReferences(text: string, docNames: readonly string[]): DocReference[] {
  if (docNames.length === 0) return [];
  const names = docNames.map((n) => escapeRegExp(n.replace(/\.md$/, ''))).join('|');
  const path = new RegExp(String.raw`(?<![\w./-])((?:\.{1,2}/|/)?(?:[\w.-]+/)*)(${names})\.md(?![\w-])`, 'g');
  const lines = text.split('\n');
  const out: DocReference[] = [];
  lines.forEach((line, i) => {
    const joined = i + 1 < lines.length ? `${line} ${withoutCommentPrefix(lines[i + 1])}` : line;
    for (const m of line.matchAll(path)) {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      out.push({
        line: i + 1,
        written: m[0],
        doc: `${m[2]}.md`,
        link: line.slice(0, start).endsWith(']('),
        ...readCitation(joined.slice(end)),
      });
    }
  });
  return out;
}

/** What `written` in `file` (both relative to the repository root) designates, or why it is not allowed. */
export function referenceTarget(file: string, ref: DocReference): { target: string } | { problem: string } {
  const expected = `${DOCS_DIR}/${ref.doc}`;
  if (ref.link) {
    const resolved = posix.normalize(posix.join(posix.dirname(file), ref.written));
    if (resolved.startsWith('../') || posix.isAbsolute(ref.written)) {
      return { problem: `link to ${ref.written} leaves the repository; link to ${expected}` };
    }
    return { target: resolved };
  }
  if (ref.written === expected) return { target: expected };
  if (ref.written === ref.doc) return { problem: `bare ${ref.doc}: write ${expected}` };
  return { problem: `${ref.written} is not in the repository's ${DOCS_DIR}/: write ${expected}` };
}

/** Problems of one reference against the headings of its target (`undefined`: the target file does not exist). */
export function citationProblems(
  file: string,
  ref: DocReference,
  target: string,
  headings: Heading[] | undefined,
): Problem[] {
  const at = (message: string): Problem => ({ file, line: ref.line, message });
  if (!headings) return [at(`${target} does not exist`)];
  const problems: Problem[] = [];
  for (const id of ref.sections) {
    if (!headings.some((h) => h.id === id)) problems.push(at(`${target} has no heading §${id}`));
  }
  const sameName = (h: Heading, name: string) => h.title.replace(/[`"]/g, '').toLowerCase() === name.toLowerCase();
  for (const { name, section } of ref.names) {
    const scope = section === undefined ? undefined : headings.find((h) => h.id === section);
    if (section !== undefined && !scope) continue; // already reported as a missing section
    const inScope = (h: Heading) => !scope || (h.line > scope.line && h.line < scope.end);
    if (!headings.some((h) => inScope(h) && sameName(h, name))) {
      problems.push(at(`${target} has no heading "${name}"${section === undefined ? '' : ` under §${section}`}`));
    }
  }
  return problems;
}

/** Projects named in the first column of the table under the `## Layout` heading: `packages/x`, `apps/x`. */
export function layoutTableProjects(readme: string): string[] | undefined {
  const layout = parseHeadings(readme).find((h) => h.level === 2 && h.title === 'Layout');
  if (!layout) return undefined;
  const lines = readme.split('\n').slice(layout.line, layout.end - 1);
  return lines.flatMap((l) => {
    const m = /^\|\s*`((?:packages|apps)\/[\w.-]+)\/?`\s*\|/.exec(l);
    return m ? [m[1]] : [];
  });
}

/** Chains `a → b → c` (backticks dropped) with their 1-based line. */
export function arrowChains(text: string): { line: number; items: string[] }[] {
  const token = String.raw`\`?[\w@./-]+\`?`;
  const chain = new RegExp(String.raw`${token}(?:\s*→\s*${token})+`, 'g');
  const out: { line: number; items: string[] }[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(chain)) {
      out.push({ line: i + 1, items: m[0].split('→').map((s) => s.trim().replace(/`/g, '')) });
    }
  });
  return out;
}

/** Chains of at least two backend names, which must then be the loader's whole order. */
export function backendChainProblems(file: string, text: string, order: readonly string[]): Problem[] {
  const known = new Set(order);
  const expected = order.join(' → ');
  return arrowChains(text)
    .filter((c) => c.items.filter((x) => known.has(x)).length >= 2)
    .filter((c) => c.items.join(' → ') !== expected)
    .map((c) => ({ file, line: c.line, message: `backend order ${c.items.join(' → ')}; the loader's is ${expected}` }));
}

export interface PathMention {
  line: number;
  path: string;
  /** how it was mentioned: `npm run ts -- <path>` resolves against the repository root only */
  kind: 'npm-run-ts' | 'example' | 'bench';
}

/** `npm run ts -- <path>`, `npm run bench -- <name>` and `…/examples/<file>.ts` mentions (placeholders skipped). */
export function pathMentions(text: string): PathMention[] {
  const out: PathMention[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/npm run ts -- ([^\s`'")]+)/g)) {
      if (!m[1].startsWith('<')) out.push({ line: i + 1, path: m[1], kind: 'npm-run-ts' });
    }
    for (const m of line.matchAll(/npm run bench -- ([^\s`'")]+)/g)) {
      if (!m[1].startsWith('<') && !m[1].startsWith('-')) out.push({ line: i + 1, path: m[1], kind: 'bench' });
    }
    for (const m of line.matchAll(/(?<![\w./-])((?:[\w.-]+\/)*examples\/[\w.-]+\.(?:ts|mjs|js))(?![\w-])/g)) {
      out.push({ line: i + 1, path: m[1], kind: 'example' });
    }
  });
  return out;
}

/**
 * Where a mention in `file` may point (repository-relative candidates): `npm run ts` runs from the repository
 * root; an example path may also be relative to the markdown file's folder or to its project's root.
 */
export function mentionCandidates(file: string, mention: PathMention, projectRoot: string | undefined): string[] {
  if (mention.kind === 'bench') return [`tools/bench/${mention.path}.ts`];
  const fromRoot = posix.normalize(mention.path);
  if (mention.kind === 'npm-run-ts') return [fromRoot];
  const local = [posix.join(posix.dirname(file), mention.path)];
  if (projectRoot !== undefined) local.push(posix.join(projectRoot, mention.path));
  return [fromRoot, ...local.map((p) => posix.normalize(p))];
}
