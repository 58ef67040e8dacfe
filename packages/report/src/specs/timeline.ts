import { BASE_CONFIG, type VegaLiteSpec } from './spec';

export interface TimelineInput {
  title: string;
  /** record index and smoothed score of the points to draw (already decimated) */
  points: { t: number; score: number }[];
  /** ground-truth anomaly ranges [start, end) in record indices */
  ranges: { start: number; end: number; event: string }[];
  thresholds: { name: string; value: number; oracle: boolean }[];
}

/** Score over time with the ground-truth ranges shaded and the thresholds drawn across. */
export function scoreTimelineSpec(input: TimelineInput): VegaLiteSpec {
  const x = { field: 't', type: 'quantitative' as const, title: 'record', scale: { nice: false, zero: false } };
  const thresholds = input.thresholds.filter((t) => Number.isFinite(t.value));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: input.title,
    config: BASE_CONFIG,
    width: 860,
    height: 170,
    layer: [
      {
        data: { values: input.ranges.map((r) => ({ ...r })) },
        mark: { type: 'rect', color: '#e45756', opacity: 0.18 },
        encoding: {
          x: { field: 'start', type: 'quantitative' },
          x2: { field: 'end' },
          tooltip: [{ field: 'event', title: 'event type' }, { field: 'start' }, { field: 'end' }],
        },
      },
      {
        // a short range is narrower than a pixel as a rect: a rule at its start keeps it visible
        data: { values: input.ranges.map((r) => ({ ...r })) },
        mark: { type: 'rule', color: '#e45756', opacity: 0.6, strokeWidth: 1.5 },
        encoding: { x: { field: 'start', type: 'quantitative' } },
      },
      {
        data: { values: input.points },
        mark: { type: 'line', strokeWidth: 1, color: '#4c78a8' },
        encoding: { x, y: { field: 'score', type: 'quantitative', title: 'score', scale: { zero: false } } },
      },
      {
        data: { values: thresholds.map((t) => ({ ...t, label: t.oracle ? `${t.name} (oracle)` : t.name })) },
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: {
          y: { field: 'value', type: 'quantitative' },
          color: {
            field: 'label',
            type: 'nominal',
            title: 'threshold',
            scale: { range: ['#222', '#f58518', '#54a24b', '#b279a2', '#9d755d', '#bab0ac'] },
          },
          strokeDash: {
            field: 'oracle',
            type: 'nominal',
            legend: null,
            scale: {
              domain: [true, false],
              range: [
                [4, 3],
                [1, 0],
              ],
            },
          },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
}
