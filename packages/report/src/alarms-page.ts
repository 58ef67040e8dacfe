/**
 * A self-contained page of one score file (`driftwatch report scores.csv`): per entity, the smoothed score over
 * time with the threshold, the alarm episodes and their top features; then the table of every episode.
 */
import { minMaxDecimate } from './figures/decimate';
import { renderSvgs } from './render/svg';
import { alarmTimelineSpec } from './specs/alarm-timeline';
import type { VegaLiteSpec } from './specs/spec';
import { htmlTable, standalonePage } from './standalone-page';
import { escapeHtml } from './html';
import { fmt } from './tables';

/** One entity's rows of a record-score file: NaN where a record has no score (warm-up, gaps). */
export interface AlarmSeries {
  entity: string;
  /** ms since the epoch per record, when the input had times */
  timestamps?: ArrayLike<number>;
  smoothed: ArrayLike<number>;
  threshold: number;
}

export interface AlarmEpisodeRow {
  entity: string;
  firstRecord: number;
  lastRecord: number;
  peakRecord: number;
  peakScore: number;
  /** largest share first */
  topFeatures: { name: string; share: number }[];
}

/** A labelled range in records [first, last], both included. */
export interface LabelledRecords {
  entity: string;
  first: number;
  last: number;
  type: string;
}

export interface AlarmsPage {
  title: string;
  /** one line under the heading: the model, its calibration, the input */
  summary: string;
  series: AlarmSeries[];
  episodes: AlarmEpisodeRow[];
  labels?: LabelledRecords[];
}

/** Most points one entity's line draws (min–max decimation keeps every spike). */
const POINTS_PER_ENTITY = 2400;

const featureText = (e: AlarmEpisodeRow): string =>
  e.topFeatures.map((f) => `${f.name} ${(100 * f.share).toFixed(0)}%`).join(', ');

/** One timeline per entity, in the order of `page.series`. */
export function alarmTimelines(page: AlarmsPage): VegaLiteSpec[] {
  return page.series.map((s) => {
    const at = (i: number): number => (s.timestamps ? s.timestamps[i] : i);
    const finite = Float64Array.from(s.smoothed, (v) => (Number.isFinite(v) ? v : NaN));
    // decimation compares values; NaN records (no score) are drawn as gaps by leaving them out
    const keep = minMaxDecimate(
      finite.map((v) => (Number.isNaN(v) ? -Infinity : v)),
      POINTS_PER_ENTITY,
    ).filter((i) => !Number.isNaN(finite[i]));
    const episodes = page.episodes
      .filter((e) => e.entity === s.entity)
      .map((e) => ({
        start: at(e.firstRecord),
        end: at(e.lastRecord),
        peak: at(e.peakRecord),
        peakScore: e.peakScore,
        label: e.topFeatures.map((f) => f.name).join(', '),
      }));
    const labels = (page.labels ?? [])
      .filter((l) => l.entity === s.entity)
      .map((l) => ({ start: at(l.first), end: at(l.last), type: l.type }));
    return alarmTimelineSpec({
      title: `${s.entity}: ${episodes.length} alarm episode${episodes.length === 1 ? '' : 's'}`,
      axis: s.timestamps ? 'time' : 'record',
      points: keep.map((i) => ({ x: at(i), smoothed: finite[i] })),
      threshold: s.threshold,
      episodes,
      labels,
    });
  });
}

/** The page's HTML; timelines are rendered here (Vega-Lite to SVG in Node); `strict` fails on plot warnings. */
export async function alarmsPage(page: AlarmsPage, options: { strict?: boolean } = {}): Promise<string> {
  const svgs = await renderSvgs(alarmTimelines(page), options);
  const byEntity = new Map(page.series.map((s) => [s.entity, s]));
  const when = (entity: string, record: number): string => {
    const t = byEntity.get(entity)?.timestamps;
    return t ? new Date(t[record]).toISOString().replace('.000Z', 'Z') : `record ${record}`;
  };
  const rows = page.episodes.map((e) => [
    e.entity,
    when(e.entity, e.firstRecord),
    when(e.entity, e.lastRecord),
    e.lastRecord - e.firstRecord + 1,
    fmt(e.peakScore),
    featureText(e),
  ]);
  const figures = page.series
    .map(
      (s, i) =>
        `<figure>${svgs[i]}<figcaption>${escapeHtml(s.entity)}: smoothed score (blue), threshold ` +
        `${escapeHtml(fmt(s.threshold))} (dashed), alarm episodes (orange) labelled with their top features` +
        `${page.labels ? ', labelled ranges (red strip on top)' : ''}.</figcaption></figure>`,
    )
    .join('\n');
  return standalonePage(
    page.title,
    page.summary,
    `${figures}
<h2>Alarm episodes</h2>
${
  rows.length > 0
    ? htmlTable(
        ['entity', 'start', 'end', 'records', 'peak', 'top features (share of the peak score)'],
        rows,
        new Set([3, 4]),
      )
    : '<p>No alarm: every smoothed score stayed below its threshold.</p>'
}`,
  );
}
