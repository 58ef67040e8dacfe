/**
 * Opens a whole report in headless Chromium: no console errors, every figure drawn (an SVG with a non-empty
 * box and the marks its kind must have), every table filled, and a screenshot kept under artifacts/.
 * CI installs Debian's chromium (.ci/run); elsewhere the test is skipped when no Chromium is found, and is
 * required when CI is set.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildReport, renderFigures } from '../src/build';
import { renderHtml } from '../src/html';
import { syntheticReportInput } from './synthetic';
import { findChromium } from './chromium';

const executablePath = findChromium();
const required = Boolean(process.env.CI);
const ARTIFACTS = join(__dirname, '..', '..', '..', 'artifacts');

/** Marks each figure kind must contain, by id prefix (Vega's SVG classes). */
const EXPECTED_MARKS: [RegExp, string[]][] = [
  [/^box-by-sequence$/, ['mark-rect', 'mark-rule']],
  [/^box-by-method$/, ['mark-rect', 'mark-symbol']],
  [/^sensitivity-/, ['mark-line']],
  [/^kde-/, ['mark-area']],
  [/^timeline-/, ['mark-line', 'mark-rect', 'mark-rule']],
  [/^pa-k$/, ['mark-line', 'mark-rule']],
  [/^latent-/, ['mark-symbol']],
];

interface FigureCheck {
  id: string;
  width: number;
  height: number;
  marks: Record<string, number>;
}

(executablePath || required ? describe : describe.skip)('the HTML report in headless Chromium', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'driftwatch-browser-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders every plot and table without a console error, and leaves a screenshot', async () => {
    if (!executablePath)
      throw new Error("no Chromium found (install Debian's chromium or set CHROMIUM_PATH); CI requires this test");
    const report = await renderFigures(buildReport(syntheticReportInput()), { strict: true });
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(report));

    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      viewport: { width: 1240, height: 900 },
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on(
        'console',
        (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`),
      );
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${file}`, { waitUntil: 'load' });

      const figures: FigureCheck[] = await page.$$eval('figure[data-figure]', (nodes) =>
        nodes.map((n) => {
          const svg = n.querySelector('svg');
          const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
          const marks: Record<string, number> = {};
          // typed by hand: the package compiles without the DOM library
          const groups = n.querySelectorAll('g[class*="role-mark"]') as unknown as ArrayLike<{
            getAttribute(name: string): string | null;
            querySelectorAll(s: string): { length: number };
          }>;
          for (const g of Array.from(groups)) {
            const kind = g.getAttribute('class')!.split(' ')[0];
            marks[kind] = (marks[kind] ?? 0) + g.querySelectorAll('path[d]:not([d=""]), line, rect').length;
          }
          return { id: n.getAttribute('data-figure')!, width: box.width, height: box.height, marks };
        }),
      );
      expect(figures.map((f) => f.id).sort()).toEqual(report.figures.map((f) => f.id).sort());
      for (const f of figures) {
        expect({ id: f.id, drawn: f.width > 100 && f.height > 100 }).toEqual({ id: f.id, drawn: true });
        const expected = EXPECTED_MARKS.find(([re]) => re.test(f.id))?.[1];
        expect({ id: f.id, known: expected !== undefined }).toEqual({ id: f.id, known: true });
        for (const mark of expected!)
          expect({ id: f.id, mark, drawn: (f.marks[mark] ?? 0) > 0 }).toEqual({ id: f.id, mark, drawn: true });
      }
      const rowsPerTable = await page.$$eval('table[data-table]', (tables) =>
        tables.map((t) => [t.getAttribute('data-table'), t.querySelectorAll('tbody tr').length] as const),
      );
      for (const t of report.tables) expect(rowsPerTable).toContainEqual([t.id, t.rows.length]);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report-browser-test.png'), fullPage: true });
      expect(problems).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
