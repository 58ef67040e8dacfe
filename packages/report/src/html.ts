import type { Figure, Report } from './build';
import type { Table } from './tables';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE =
  `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; ` +
  `background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; background: white; }
h1 { font-size: 22px; margin: 0 0 4px; } ` +
  `h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 20px 0 6px; }
.meta { color: #666; font-size: 12px; }
.caveats { background: #fff8e6; border-left: 4px solid #f0b429; padding: 8px 16px; margin: 16px 0; }
.caveats li { margin: 4px 0; }
figure { margin: 12px 0 20px; overflow-x: auto; } ` +
  `figcaption { color: #555; font-size: 12px; margin-top: 2px; max-width: 900px; }
table { border-collapse: collapse; font-size: 12px; margin: 6px 0 4px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; } ` +
  `th { background: #f3f3f3; text-align: left; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; } ` +
  `td.code { font-family: ui-monospace, monospace; font-size: 11px; word-break: break-all; max-width: 420px; }
.row { display: flex; flex-wrap: wrap; gap: 0 36px; align-items: flex-start; } ` +
  `.row figure { width: min-content; } .row figcaption { min-width: 220px; }
.table-caption { color: #555; font-size: 12px; max-width: 900px; }
nav a { margin-right: 12px; font-size: 12px; }
details { margin: 6px 0; } summary { cursor: pointer; color: #444; }
`;

function renderTable(t: Table): string {
  const head = t.headers.map((h, i) => `<th class="${t.align[i]}">${escapeHtml(h)}</th>`).join('');
  const codeColumns = new Set(
    t.headers.map((h, i) => (/parameters|command|sha256/.test(h) ? i : -1)).filter((i) => i >= 0),
  );
  const body = t.rows
    .map(
      (row) =>
        '<tr>' +
        row
          .map((cell, i) => `<td class="${codeColumns.has(i) ? 'code' : t.align[i]}">${escapeHtml(cell)}</td>`)
          .join('') +
        '</tr>',
    )
    .join('\n');
  return (
    `<h3 id="table-${t.id}">${escapeHtml(t.title)}</h3>\n<div ` +
    `class="table-caption">${escapeHtml(t.caption)}</div>\n<table ` +
    `data-table="${t.id}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`
  );
}

function renderFigure(f: Figure): string {
  if (f.svg === undefined) throw new Error(`figure ${f.id} has not been rendered`);
  return `<figure data-figure="${escapeHtml(f.id)}">${f.svg}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`;
}

interface Section {
  id: string;
  title: string;
  body: string;
}

function renderSection(s: Section): string {
  return `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>\n${s.body}</section>`;
}

/** One self-contained HTML page: inline CSS and SVG, no script, nothing fetched. */
export function renderHtml(report: Report): string {
  const { input } = report;
  const figures = (s: Figure['section']) =>
    report.figures
      .filter((f) => f.section === s)
      .map(renderFigure)
      .join('\n');
  const table = (id: string) =>
    report.tables
      .filter((t) => t.id === id)
      .map(renderTable)
      .join('\n');
  const sources = [...new Set(input.results.map((r) => r.source))];
  const methods = [...new Set(input.results.map((r) => r.method))];
  const datasets = [...new Set(input.results.map((r) => r.dataset))];
  const checksums = input.runs
    .filter((r) => r.data && r.data.files.length > 0)
    .map(
      (r) =>
        '<details><summary>' +
        escapeHtml(`${r.source}: sha256 of the ${r.data!.files.length} ${r.data!.dataset} files read`) +
        '</summary>' +
        renderTable({
          id: 'checksums',
          title: '',
          caption: '',
          headers: ['file', 'sha256', 'datasets.lock'],
          align: ['l', 'l', 'l'],
          rows: r.data!.files.map((f) => [f.path, f.sha256, f.lock]),
        }) +
        '</details>',
    )
    .join('\n');
  const sections: Section[] = [
    {
      id: 'caveats',
      title: 'Caveats',
      body: `<ul class="caveats">${report.caveats.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>`,
    },
    {
      id: 'summary',
      title: 'Summary tables',
      body: [table('methods'), table('sequences'), table('deployed')].join('\n'),
    },
    {
      id: 'spatiotemporal',
      title: 'Spatiotemporal experiments',
      body: [
        ...report.tables.filter((t) => t.id.startsWith('st-')).map(renderTable),
        figures('st') && `<div class="row">${figures('st')}</div>`,
      ].join('\n'),
    },
    { id: 'grid', title: 'Across the grid', body: figures('grid') && `<div class="row">${figures('grid')}</div>` },
    { id: 'distributions', title: 'Score distributions', body: figures('distributions') },
    { id: 'timelines', title: 'Score timelines', body: figures('timelines') },
    { id: 'latent', title: 'Latent encodings by domain', body: figures('latent') },
    { id: 'metrics', title: 'The wider metric suite', body: table('metric-suite') },
    {
      id: 'point-adjust',
      title: 'Point adjustment (read with care)',
      body: `${table('point-adjust')}\n${figures('point-adjust')}`,
    },
    {
      id: 'configuration',
      title: 'Configuration, machines and data',
      body: [table('configuration'), table('runs'), checksums].join('\n'),
    },
  ].filter((s) => s.body.trim() !== '');
  const nav = sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('');
  const title = input.title ?? `driftwatch report: ${methods.join(', ')} on ${datasets.join(', ')}`;
  return (
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<div class="meta">generated ${escapeHtml(input.generatedAt)} from ${escapeHtml(sources.join(', '))} ` +
    `· ${input.results.length} results lines · ${report.analyses.length} score series</div>
<nav>${nav}</nav>
${sections.map(renderSection).join('\n')}
</main>
</body>
</html>
`
  );
}
