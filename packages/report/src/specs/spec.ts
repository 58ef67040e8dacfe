import type { TopLevelSpec } from 'vega-lite';

/** A Vega-Lite specification with its data inlined (the report works offline). */
export type VegaLiteSpec = TopLevelSpec & { title?: unknown };

/** Colours shared by every figure so a population or method keeps its colour across the report. */
export const POPULATION_COLOURS = {
  'train normal': '#4c78a8',
  'test normal': '#54a24b',
  'test anomalous': '#e45756',
} as const;

export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Settings every figure shares: font, no outer border, light grid. */
export const BASE_CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { gridColor: '#eee', labelColor: '#333', titleColor: '#333', titleFontWeight: 'normal' as const },
  legend: { orient: 'bottom' as const, labelLimit: 240 },
  title: { anchor: 'start' as const, fontSize: 13, fontWeight: 'bold' as const },
};
