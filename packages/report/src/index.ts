export type {
  ReportInput,
  RunInfo,
  ScoreSeries,
  SourcedResult,
  DataFileChecksum,
  LatentPoint,
  LatentProjection,
} from './input';
export {
  buildReport,
  renderFigures,
  varyingNumericParams,
  densityCurves,
  TIMELINE_POINTS,
  DENSITY_POINTS,
  DENSITY_RANGE,
  type Report,
  type Figure,
} from './build';
export { renderHtml, escapeHtml } from './html';
export { renderMarkdown, markdownTable } from './markdown';
export { renderSvgs } from './render/svg';
export { minMaxDecimate } from './figures/decimate';
export {
  bestGridPoint,
  fiveNumbers,
  summariseSequences,
  summariseMethods,
  groupBy,
  type FiveNumbers,
  type SequenceSummary,
  type MethodSummary,
} from './summary/grid-summary';
export {
  analyseSeries,
  RANDOM_BASELINE_SEED,
  type SeriesAnalysis,
  type SeriesMetrics,
  type ScorePopulations,
} from './summary/series';
export { fmt, type Table } from './tables';
export type { VegaLiteSpec } from './specs/spec';
export { stSection, isStResult, latestStLines, type StResult, type StSection } from './st/st-results';
export { stLineSpec, type StLinePoint } from './st/st-lines-spec';
export { graphSnapshotSpec, graphCells, type GraphSnapshotFigureOptions, type GraphCell } from './specs/graph-snapshot';
export { graphSnapshotPage, type GraphSnapshotPage, type NodeDegreeRow } from './graph-page';

import { buildReport, renderFigures } from './build';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import type { ReportInput } from './input';

/** The whole HTML report of `input`: summaries, rendered figures, tables and caveats in one page. */
export async function htmlReport(input: ReportInput): Promise<string> {
  return renderHtml(await renderFigures(buildReport(input)));
}

/** The Markdown summary (tables and caveats) of `input`. */
export function markdownReport(input: ReportInput): string {
  return renderMarkdown(buildReport(input));
}
export {
  alarmsPage,
  alarmTimelines,
  type AlarmsPage,
  type AlarmSeries,
  type AlarmEpisodeRow,
  type LabelledRecords,
} from './alarms-page';
export { alarmTimelineSpec, type AlarmTimelineInput } from './specs/alarm-timeline';
