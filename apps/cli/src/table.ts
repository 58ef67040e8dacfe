/** Renders rows as an aligned plain-text (markdown-compatible) table. */
export function renderTable(headers: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, i: number) => ((align?.[i] ?? 'l') === 'r' ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (r: string[]) => `| ${r.map((c, i) => pad(c, i)).join(' | ')} |`;
  const sep =
    '|' +
    widths.map((w, i) => ((align?.[i] ?? 'l') === 'r' ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|') +
    '|';
  return [line(headers), sep, ...cells.map(line)].join('\n');
}

export function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}
