/** The frame of the one-subject pages (a graph snapshot, a score file's alarms): style, tables, head and body. */
import { escapeHtml } from './html';

const PAGE_STYLE =
  `body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; ` +
  `background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; background: white; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px ` +
  `solid #ddd; }
.meta { color: #666; font-size: 12px; } figure { margin: 12px 0; overflow-x: auto; } figcaption { color: ` +
  `#555; font-size: 12px; max-width: 900px; }
table { border-collapse: collapse; font-size: 12px; } th, td { padding: 3px 8px; border-bottom: 1px solid ` +
  `#eee; } th { background: #f3f3f3; text-align: left; } td.r { text-align: right; font-variant-numeric: ` +
  `tabular-nums; }`;

/** A table of already formatted cells; columns in `right` are right-aligned. */
export function htmlTable(headers: string[], rows: (string | number)[][], right: Set<number>): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${right.has(i) ? ' class="r"' : ''}>${escapeHtml(String(c))}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

/** A whole page: `title` as <title> and heading, `summary` under it, then `body` (HTML). */
export function standalonePage(title: string, summary: string, body: string): string {
  return (
    `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, ` +
    `initial-scale=1"><title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
<div class="meta">${escapeHtml(summary)}</div>
${body}
</main></body>
</html>
`
  );
}
