import { kde, quantile, silvermanBandwidth, PADDING_SCORE } from '@driftwatch/eval';
import type { ReportInput, ScoreSeries, SourcedResult } from './input';
import {
  groupBy,
  sequenceKey,
  summariseMethods,
  summariseSequences,
  type MethodSummary,
  type SequenceSummary,
} from './summary/grid-summary';
import { analyseSeries, type SeriesAnalysis } from './summary/series';
import { minMaxDecimate } from './figures/decimate';
import { bestPeakF1BoxPlotByMethod, peakF1BoxPlotBySequence, shortSequenceName } from './specs/box-plots';
import { sensitivitySpec, type SensitivityPoint } from './specs/sensitivity';
import { scoreDensitySpec, type DensityCurve } from './specs/distributions';
import { scoreTimelineSpec } from './specs/timeline';
import { paKSpec } from './specs/point-adjust';
import { latentProjectionSpec } from './specs/latent';
import type { VegaLiteSpec } from './specs/spec';
import {
  configurationTable,
  deployedTable,
  methodTable,
  metricSuiteTable,
  pointAdjustTable,
  runsTable,
  sequenceTable,
  type Table,
} from './tables';
import { renderSvgs } from './render/svg';
import { stSection } from './st/st-results';

export interface Figure {
  id: string;
  section: 'grid' | 'distributions' | 'timelines' | 'latent' | 'point-adjust' | 'st';
  caption: string;
  spec: VegaLiteSpec;
  /** filled by renderFigures */
  svg?: string;
}

export interface Report {
  input: ReportInput;
  sequences: SequenceSummary[];
  methods: MethodSummary[];
  analyses: SeriesAnalysis[];
  figures: Figure[];
  tables: Table[];
  caveats: string[];
}

/** Most points a timeline draws (min–max decimation keeps every spike). */
export const TIMELINE_POINTS = 2400;
/** Points each density curve is evaluated at. */
export const DENSITY_POINTS = 160;
/** Densities are drawn over the central quantiles of the pooled scores; heavy tails would squash the rest. */
export const DENSITY_RANGE: readonly [number, number] = [0.005, 0.995];
/** The paper's DIVAD training budget (docs/divad.md §3.3): up to 300 epochs, patience 100. */
const PAPER_MAX_EPOCHS = 300;

/**
 * Everything a report shows, computed from the input: summaries, per-series analyses, figure specs, tables, caveats.
 */
export function buildReport(full: ReportInput): Report {
  // `bench st` lines have their own tables and charts; the grid summaries are for the per-sequence benchmarks
  const st = stSection(full.results, full.methodOrder);
  const input = { ...full, results: full.results.filter((r) => r.benchmark !== 'st') };
  const results = input.results;
  const sequences = summariseSequences(results);
  const methods = summariseMethods(results, sequences);
  const bestByKey = new Map(sequences.map((s) => [sequenceKey(s), s.best]));
  const analyses: SeriesAnalysis[] = [];
  for (const series of input.series) {
    const best = bestByKey.get(sequenceKey(series));
    if (best) analyses.push(analyseSeries(series, best));
  }
  const figures: Figure[] = [
    ...gridFigures(results, sequences),
    ...distributionFigures(analyses),
    ...timelineFigures(analyses),
    ...latentFigures(input),
  ];
  if (analyses.length > 0) {
    figures.push({
      id: 'pa-k',
      section: 'point-adjust',
      caption: 'Dashed: the peak point-adjusted F1 that uniform random scores reach on the same labels.',
      spec: paKSpec(
        analyses.map((a) => ({
          method: a.series.method,
          sequence: shortSequenceName(a.series.testSequence),
          k: a.metrics.paK.k,
          f1: a.metrics.paK.f1,
          randomPointAdjustedF1: a.metrics.randomPointAdjustedF1,
        })),
      ),
    });
  }
  const tables = results.length > 0 || st.tables.length === 0 ? [methodTable(methods), sequenceTable(sequences)] : [];
  if (sequences.some((s) => (s.best.deployed ?? []).length > 0)) tables.push(deployedTable(sequences));
  if (analyses.length > 0) tables.push(metricSuiteTable(analyses), pointAdjustTable(analyses));
  if (results.length > 0 || st.tables.length === 0) tables.push(configurationTable(results));
  tables.push(...st.tables);
  figures.push(...st.figures.map((f) => ({ ...f, section: 'st' as const })));
  if (input.runs.length > 0) tables.push(runsTable(input.runs));
  // caveatsOf opens with the two caveats of the grid summaries (oracle peak F1, point adjustment), which st-only
  // reports do not show
  const caveats =
    results.length > 0 || st.tables.length === 0 ? caveatsOf(input, analyses) : caveatsOf(input, analyses).slice(2);
  return { input: full, sequences, methods, analyses, figures, tables, caveats: [...st.caveats, ...caveats] };
}

/** Renders every figure's spec to SVG (one worker for all); `strict` fails on Vega-Lite warnings. */
export async function renderFigures(report: Report, options: { strict?: boolean } = {}): Promise<Report> {
  const svgs = await renderSvgs(
    report.figures.map((f) => f.spec),
    options,
  );
  return { ...report, figures: report.figures.map((f, i) => ({ ...f, svg: svgs[i] })) };
}

function gridFigures(results: readonly SourcedResult[], sequences: readonly SequenceSummary[]): Figure[] {
  if (results.length === 0) return [];
  const figures: Figure[] = [
    {
      id: 'box-by-sequence',
      section: 'grid',
      caption:
        'Each box: every grid point (smoothing factor × parameters) of one method on one test sequence; ' +
        'whiskers at min and max.',
      spec: peakF1BoxPlotBySequence(results),
    },
    {
      id: 'box-by-method',
      section: 'grid',
      caption:
        "Each point: one test sequence's best peak F1 over its grid (an oracle choice); the box spans the " +
        'test sequences.',
      spec: bestPeakF1BoxPlotByMethod(
        sequences.map((s) => ({ method: s.method, sequence: s.testSequence, peakF1: s.peakF1.max })),
      ),
    },
  ];
  const smoothings = new Set(results.map((r) => r.smoothing));
  if (smoothings.size > 1) {
    figures.push({
      id: 'sensitivity-smoothing',
      section: 'grid',
      caption:
        'x = 1/(1 − β), about how many recent window scores the EWMA averages (β = 0: no smoothing). Peak ' +
        'F1 of each point is the best over any other grid parameter.',
      spec: sensitivitySpec(
        bestOver(results, (r) => 1 / (1 - r.smoothing)),
        'EWMA span 1/(1 − β)',
        { logX: true },
      ),
    });
  }
  for (const param of varyingNumericParams(results)) {
    figures.push({
      id: `sensitivity-${param}`,
      section: 'grid',
      caption: `Peak F1 against ${param}; each point is the best over the other grid parameters, smoothing included.`,
      spec: sensitivitySpec(
        bestOver(
          results.filter((r) => typeof r.params?.[param] === 'number'),
          (r) => r.params[param] as number,
        ),
        param,
      ),
    });
  }
  return figures;
}

/** Best peak F1 per (method, sequence, x). */
function bestOver(results: readonly SourcedResult[], xOf: (r: SourcedResult) => number): SensitivityPoint[] {
  const groups = groupBy(results, (r) => `${r.method}\u0000${r.testSequence}\u0000${xOf(r)}`);
  return [...groups.values()].map((rows) => ({
    method: rows[0].method,
    sequence: shortSequenceName(rows[0].testSequence),
    x: xOf(rows[0]),
    peakF1: Math.max(...rows.map((r) => r.peakF1)),
  }));
}

/** Numeric parameters that take more than one value within some method's results (a grid dimension). */
export function varyingNumericParams(results: readonly SourcedResult[]): string[] {
  const out = new Set<string>();
  for (const rows of groupBy(results, (r) => r.method).values()) {
    const values = new Map<string, Set<number>>();
    for (const r of rows) {
      for (const [k, v] of Object.entries(r.params ?? {})) {
        if (typeof v !== 'number') continue;
        if (!values.has(k)) values.set(k, new Set());
        values.get(k)!.add(v);
      }
    }
    for (const [k, set] of values) if (set.size > 1) out.add(k);
  }
  return [...out].sort();
}

function distributionFigures(analyses: readonly SeriesAnalysis[]): Figure[] {
  return [...groupBy(analyses, (a) => a.series.method)].map(([method, list]) => {
    const curves: DensityCurve[] = [];
    const smoothing: Record<string, number> = {};
    for (const a of list) {
      const sequence = shortSequenceName(a.series.testSequence);
      smoothing[sequence] = a.smoothing;
      curves.push(...densityCurves(sequence, a));
    }
    return {
      id: `kde-${method}`,
      section: 'distributions' as const,
      caption:
        'train normal: validation windows of the training sequences (normal only); test normal / ' +
        'anomalous: the held-out sequence by its labels. ' +
        `Scores at the best grid point's β; x spans ` +
        `the ${DENSITY_RANGE[0] * 100}–${DENSITY_RANGE[1] * 100} % quantiles of the pooled scores.`,
      spec: scoreDensitySpec(method, curves, smoothing),
    };
  });
}

/** Gaussian KDE (Silverman's rule) of each population over one shared grid. */
export function densityCurves(sequence: string, a: SeriesAnalysis): DensityCurve[] {
  const pops = Object.entries(a.populations).filter(
    (e): e is [string, Float64Array] => e[1] !== undefined && e[1].length >= 2,
  );
  if (pops.length === 0) return [];
  const pooled = Float64Array.from(pops.flatMap(([, v]) => Array.from(v))).filter(
    (v) => v > PADDING_SCORE && Number.isFinite(v),
  );
  const lo = quantile(pooled, DENSITY_RANGE[0]);
  const hi = quantile(pooled, DENSITY_RANGE[1]);
  if (!(hi > lo)) return [];
  const grid = Float64Array.from({ length: DENSITY_POINTS }, (_, i) => lo + ((hi - lo) * i) / (DENSITY_POINTS - 1));
  const curves: DensityCurve[] = [];
  for (const [population, values] of pops) {
    let bandwidth: number;
    try {
      bandwidth = silvermanBandwidth(values);
    } catch {
      continue; // all equal: no density to draw
    }
    const { density } = kde(values, { bandwidth, grid });
    curves.push({ sequence, population, bandwidth, count: values.length, x: grid, density });
  }
  return curves;
}

function timelineFigures(analyses: readonly SeriesAnalysis[]): Figure[] {
  return analyses.map((a) => {
    const keep = minMaxDecimate(a.scores, TIMELINE_POINTS);
    const points = keep.map((i) => ({ t: a.offset + i, score: a.scores[i] }));
    const deployed = a.deployed.filter((d) => d.selector === 'pot-1e-3' || d.selector === 'p99');
    return {
      id: `timeline-${a.series.method}-${shortSequenceName(a.series.testSequence)}`,
      section: 'timelines' as const,
      caption:
        `Shaded: ground-truth anomaly ranges. ${a.scores.length} ` +
        `records${keep.length < a.scores.length ? `, drawn with ${keep.length} points (min–max decimation)` : ''}.`,
      spec: scoreTimelineSpec({
        title:
          `${a.series.method} on ${a.series.testSequence} (β = ${a.smoothing}, peak ` +
          `F1 ${a.metrics.peakF1.toFixed(3)})`,
        points,
        ranges: rangesOf(a.series),
        thresholds: [
          { name: 'peak-F1 τ', value: a.oracleThreshold, oracle: true },
          ...deployed.map((d) => ({ name: `${d.selector} τ`, value: d.threshold, oracle: false })),
        ],
      }),
    };
  });
}

function latentFigures(input: ReportInput): Figure[] {
  return (input.latent ?? []).map((projection) => ({
    id: `latent-${projection.method}-${shortSequenceName(projection.testSequence)}`,
    section: 'latent' as const,
    caption:
      'Posterior means of sampled validation windows of every training domain and of test windows, ' +
      'projected on their first two principal axes. ' +
      'A domain-invariant zy mixes the domains; zd should separate them.',
    spec: latentProjectionSpec(projection),
  }));
}

function rangesOf(series: ScoreSeries): { start: number; end: number; event: string }[] {
  if (series.ranges && series.ranges.length > 0)
    return series.ranges.filter((r) => !r.ignored).map((r) => ({ start: r.start, end: r.end, event: r.eventType }));
  const out: { start: number; end: number; event: string }[] = [];
  const y = series.labels;
  for (let i = 0; i < y.length;) {
    if (y[i] > 0) {
      let j = i;
      while (j < y.length && y[j] === y[i]) j++;
      out.push({ start: i, end: j, event: series.eventNames?.[y[i]] ?? String(y[i]) });
      i = j;
    } else i++;
  }
  return out;
}

function epochsRun(epochs: readonly number[]): string {
  if (epochs.length === 0) return 'as configured';
  const [lo, hi] = [Math.min(...epochs), Math.max(...epochs)];
  return lo === hi ? `${lo} run on every fold` : `${lo}–${hi} run`;
}

function caveatsOf(input: ReportInput, analyses: readonly SeriesAnalysis[]): string[] {
  const caveats = [
    'Peak F1, its precision and recall, and the "best" smoothing factor are chosen with the test labels: ' +
      'they bound what a method can do, they are not what a deployment gets. The deployed columns use ' +
      'thresholds fitted on validation scores without labels.',
  ];
  const randomPa = analyses.map((a) => a.metrics.randomPointAdjustedF1);
  caveats.push(
    'Point adjustment inflates results: once one record of an event is flagged the whole event counts as ' +
      'detected, so even random scores look good' +
      (randomPa.length > 0
        ? ` (uniform random scores reach a point-adjusted F1 ` +
          `of ${Math.min(...randomPa).toFixed(3)}–${Math.max(...randomPa).toFixed(3)} on these labels)`
        : '') +
      '. Point-adjusted figures appear only with their PA%K curve and that random baseline; rank methods ' +
      'by the unadjusted figures.',
  );
  for (const [method, rows] of groupBy(input.results, (r) => r.method)) {
    const epochs = rows.map((r) => r.epochs).filter((e): e is number => typeof e === 'number');
    const maxEpochs = rows
      .map((r) => (r.params as { epochs?: unknown })?.epochs)
      .filter((e): e is number => typeof e === 'number');
    if (method.includes('divad') && maxEpochs.length > 0 && Math.max(...maxEpochs) < PAPER_MAX_EPOCHS) {
      caveats.push(
        `${method} was trained for at most ${Math.max(...maxEpochs)} epochs (${epochsRun(epochs)}); the ` +
          `paper trains up to ${PAPER_MAX_EPOCHS} with patience 100, so these are not the paper's numbers.`,
      );
    }
  }
  const unmatched = input.runs.flatMap((r) =>
    (r.data?.files ?? []).filter((f) => f.lock !== 'ok').map((f) => `${f.path} (${f.lock})`),
  );
  if (unmatched.length > 0)
    caveats.push(
      `Data files that do not match datasets.lock: ${unmatched.slice(0, 8).join(', ')}` +
        `${unmatched.length > 8 ? `, and ${unmatched.length - 8} more` : ''}.`,
    );
  if (input.results.length > 0 && analyses.length === 0)
    caveats.push(
      'No score files were found beside the results: distributions, timelines and the wider metric suite are missing.',
    );
  caveats.push(...(input.notes ?? []));
  return caveats;
}
