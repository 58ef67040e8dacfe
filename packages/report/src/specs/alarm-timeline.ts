import type { TopLevelSpec } from 'vega-lite';
import { BASE_CONFIG, type VegaLiteSpec } from './spec';

type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** Episodes whose top features are written on the plot (the highest peaks); the table lists all of them. */
export const LABELLED_EPISODES = 6;
/** Above this ratio of the highest |score| to the threshold the y axis is a symmetric log scale. */
const SYMLOG_RATIO = 20;

/** One entity's scored records as a score file holds them, and its alarm episodes. */
export interface AlarmTimelineInput {
  title: string;
  /** x axis: 'time' (ms since the epoch, drawn as dates) or 'record' (index) */
  axis: 'time' | 'record';
  /** already decimated; x in the axis' unit */
  points: { x: number; smoothed: number }[];
  threshold: number;
  /** alarm episodes, x in the axis' unit; `label` names the top features (written for the highest peaks only) */
  episodes: { start: number; end: number; peak: number; peakScore: number; label: string }[];
  /** labelled ranges from a labels file, when given */
  labels: { start: number; end: number; type: string }[];
}

/**
 * Smoothed score over time with the threshold across, alarm episodes shaded orange with their top features
 * written at the peak, and labelled ranges (if any) shaded red beneath: what an on-call engineer reads first.
 */
export function alarmTimelineSpec(input: AlarmTimelineInput): VegaLiteSpec {
  const labelled = [...input.episodes].sort((a, b) => b.peakScore - a.peakScore).slice(0, LABELLED_EPISODES);
  // a spike hundreds of times the threshold flattens everything else: a symmetric log axis keeps both readable
  const peak = Math.max(...input.points.map((p) => Math.abs(p.smoothed)));
  const yScale = peak > SYMLOG_RATIO * Math.abs(input.threshold) ? { type: 'symlog' as const } : { zero: false };
  const type = input.axis === 'time' ? ('temporal' as const) : ('quantitative' as const);
  const title = input.axis === 'time' ? 'time (UTC)' : 'record';
  // numbers on a temporal axis are ms since the epoch, as in the score file
  const scale = input.axis === 'time' ? { nice: false } : { nice: false, zero: false };
  const x = { field: 'x', type, title, scale };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: input.title,
    config: BASE_CONFIG,
    width: 860,
    height: 170,
    // a layer without rows has no extent and makes Vega warn: only layers with something to draw are kept
    layer: (<Layer[]>[
      {
        data: { values: input.labels.map((l) => ({ ...l })) },
        // a strip along the top, so labels stay visible under the episodes' shading
        mark: { type: 'rect', color: '#e45756', opacity: 0.8 },
        encoding: {
          x: { field: 'start', type },
          x2: { field: 'end' },
          y: { value: 0 },
          y2: { value: 7 },
          tooltip: [{ field: 'type', title: 'label' }],
        },
      },
      {
        data: { values: input.episodes.map((e) => ({ ...e })) },
        mark: { type: 'rect', color: '#f58518', opacity: 0.3 },
        encoding: {
          x: { field: 'start', type },
          x2: { field: 'end' },
          tooltip: [
            { field: 'label', title: 'top features' },
            { field: 'peakScore', title: 'peak', format: '.3g' },
          ],
        },
      },
      {
        data: { values: input.points },
        mark: { type: 'line', strokeWidth: 1, color: '#4c78a8' },
        encoding: {
          x,
          y: { field: 'smoothed', type: 'quantitative', title: 'smoothed score', scale: { zero: false } },
        },
      },
      {
        data: { values: [{ threshold: input.threshold }] },
        mark: { type: 'rule', strokeWidth: 1.5, color: '#222', strokeDash: [4, 3] },
        encoding: { y: { field: 'threshold', type: 'quantitative', scale: yScale } },
      },
      {
        data: { values: labelled.map((e) => ({ ...e })) },
        mark: { type: 'text', align: 'left', dx: 3, dy: -6, fontSize: 10, color: '#b35806' },
        encoding: {
          x: { field: 'peak', type },
          y: { field: 'peakScore', type: 'quantitative', scale: yScale },
          text: { field: 'label' },
        },
      },
    ]).filter((layer) => (layer as { data: { values: unknown[] } }).data.values.length > 0),
  };
}
