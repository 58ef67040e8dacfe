/**
 * The status page at `/`: server-rendered HTML with one inline SVG sparkline per entity (smoothed score, the
 * threshold as a dashed line, pending and firing entities coloured), and the alarms with their top features.
 * Drawn by hand rather than with the report's Vega renderer: the page is rebuilt on every request and must stay
 * cheap for thousands of entities.
 */
import type { AlertView } from './service';

export interface SparklineInput {
  entity: string;
  status: 'inactive' | 'pending' | 'firing';
  at: readonly number[];
  smoothed: readonly number[];
  threshold: number;
}

export interface StatusPageInput {
  title: string;
  summary: string;
  up: boolean;
  alerts: AlertView[];
  entities: SparklineInput[];
  /** entities not drawn (the page draws the alarmed ones and the highest scores first) */
  omitted: number;
}

const WIDTH = 240;
const HEIGHT = 48;
const PAD = 3;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : '–');

/** Linear map of v from [lo, hi] to [a, b] (the middle when the range is empty). */
export function scale(v: number, lo: number, hi: number, a: number, b: number): number {
  return hi > lo ? a + ((v - lo) / (hi - lo)) * (b - a) : (a + b) / 2;
}

/** One entity's sparkline: the y range covers the scores and the threshold, so the dashed line is always inside. */
export function sparkline(s: SparklineInput): string {
  const values = s.smoothed.filter((v) => Number.isFinite(v));
  const lo = Math.min(s.threshold, ...values);
  const hi = Math.max(s.threshold, ...values);
  const t0 = s.at[0] ?? 0;
  const t1 = s.at[s.at.length - 1] ?? 1;
  const x = (t: number) => scale(t, t0, t1, PAD, WIDTH - PAD).toFixed(1);
  const y = (v: number) => scale(v, lo, hi, HEIGHT - PAD, PAD).toFixed(1);
  const points = s.at.map((t, i) => `${x(t)},${y(s.smoothed[i])}`).join(' ');
  const colour = s.status === 'firing' ? '#c0392b' : s.status === 'pending' ? '#d68910' : '#2c3e50';
  const ty = y(s.threshold);
  return (
    `<svg class="spark" data-entity="${escapeHtml(s.entity)}" width="${WIDTH}" height="${HEIGHT}" ` +
    `viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(s.entity)} score">` +
    `<line class="threshold" x1="${PAD}" x2="${WIDTH - PAD}" y1="${ty}" y2="${ty}" stroke="#888" ` +
    'stroke-dasharray="4 3" stroke-width="1"/>' +
    (s.at.length > 0
      ? `<polyline class="score" fill="none" stroke="${colour}" stroke-width="1.5" points="${points}"/>`
      : '') +
    '</svg>'
  );
}

export function statusPage(input: StatusPageInput): string {
  const alertRows = input.alerts
    .map(
      (a) =>
        `<tr class="${a.status}"><td>${escapeHtml(a.entity)}</td><td>${a.status}</td>` +
        `<td>${escapeHtml(a.activeAt)}</td>` +
        `<td>${fmt(a.score)}</td><td>${fmt(a.threshold)}</td><td>${escapeHtml(
          a.topFeatures.map((f) => `${f.name} ${(100 * f.share).toFixed(0)}%`).join(', ') || '–',
        )}</td></tr>`,
    )
    .join('');
  const cards = input.entities
    .map((s) => {
      const last = s.smoothed[s.smoothed.length - 1];
      return (
        `<div class="card ${s.status}"><div class="name">${escapeHtml(s.entity)} <span>${s.status}</span></div>` +
        `${sparkline(s)}<div class="value">score ${fmt(last ?? NaN)} / threshold ${fmt(s.threshold)}</div></div>`
      );
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="15"><link rel="icon" href="data:,">
<title>${escapeHtml(input.title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
.up{color:#1e8449}.down{color:#c0392b}
table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
tr.firing td:nth-child(2){color:#c0392b;font-weight:600}tr.pending td:nth-child(2){color:#d68910}
.grid{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #ddd;border-radius:4px;padding:6px}
.card.firing{border-color:#c0392b}.card.pending{border-color:#d68910}.name{font-weight:600}
.name span{font-weight:400;color:#777;font-size:12px}.value{font-size:12px;color:#555}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<p>${escapeHtml(input.summary)} — Prometheus <span class="${input.up ? 'up">up' : 'down">down'}</span></p>
<h2>Alarms (${input.alerts.length})</h2>
${
  input.alerts.length > 0
    ? '<table id="alarms"><thead><tr><th>entity</th><th>status</th><th>since</th><th>score</th><th>threshold</th>' +
      `<th>top features</th></tr></thead><tbody>${alertRows}</tbody></table>`
    : '<p id="alarms">No pending or firing alarm.</p>'
}
<h2>Entities (${input.entities.length + input.omitted})</h2>
<div class="grid">${cards}</div>
${input.omitted > 0 ? `<p>${input.omitted} more entities not drawn.</p>` : ''}
</body></html>
`;
}
