import type { Report } from './build';
import type { Table } from './tables';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(t: Table): string {
  const head = `| ${t.headers.map(cell).join(' | ')} |`;
  const rule = `|${t.align.map((a) => (a === 'r' ? ' ---: ' : ' --- ')).join('|')}|`;
  const rows = t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
  return [`### ${t.title}`, '', t.caption, '', head, rule, ...rows].join('\n');
}

/** The tables and caveats of a report as Markdown (no figures: those need the HTML report). */
export function renderMarkdown(report: Report): string {
  const { input } = report;
  const methods = [...new Set(input.results.map((r) => r.method))];
  const datasets = [...new Set(input.results.map((r) => r.dataset))];
  const title = input.title ?? `driftwatch report: ${methods.join(', ')} on ${datasets.join(', ')}`;
  return [
    `# ${title}`,
    '',
    `Generated ${input.generatedAt} from ${[...new Set(input.results.map((r) => r.source))].join(', ')}: ` +
      `${input.results.length} results lines, ${report.analyses.length} score series.`,
    '',
    '## Caveats',
    '',
    ...report.caveats.map((c) => `- ${c}`),
    '',
    '## Tables',
    '',
    report.tables.map(markdownTable).join('\n\n'),
    '',
  ].join('\n');
}
