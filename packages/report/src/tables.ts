import type { MethodSummary, SequenceSummary } from './summary/grid-summary';
import type { SeriesAnalysis } from './summary/series';
import { shortSequenceName } from './specs/box-plots';
import type { RunInfo, SourcedResult } from './input';

/** A table both the HTML and the Markdown writer render: cells are already formatted text. */
export interface Table {
  id: string;
  title: string;
  caption: string;
  headers: string[];
  /** 'l' or 'r' per column */
  align: ('l' | 'r')[];
  rows: string[][];
}

/** Three decimals; '–' for a missing or non-finite value. */
export function fmt(v: number | null | undefined, digits = 3): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–';
}

function fmtThreshold(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : v.toPrecision(5);
}

export function selectorsOf(summaries: readonly { deployedF1: Record<string, unknown> }[]): string[] {
  return [...new Set(summaries.flatMap((s) => Object.keys(s.deployedF1)))];
}

export function methodTable(methods: readonly MethodSummary[]): Table {
  const selectors = selectorsOf(methods);
  return {
    id: 'methods',
    title: 'Per method and data set',
    caption:
      "best = each test sequence's highest peak F1 over its grid (oracle); max / median / IQR are over " +
      'test sequences. ' +
      'all-grid median: median of every grid point. deployed: mean over sequences of the median F1 over ' +
      'the grid at a label-free threshold.',
    headers: [
      'method',
      'data set',
      'sequences',
      'best: mean',
      'best: max',
      'best: median',
      'best: IQR',
      'all-grid median',
      ...selectors.map((s) => `deployed ${s}`),
    ],
    align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', ...selectors.map(() => 'r' as const)],
    rows: methods.map((m) => [
      m.method,
      m.dataset,
      String(m.sequences),
      fmt(m.bestMean),
      fmt(m.bestPeakF1.max),
      fmt(m.bestPeakF1.median),
      fmt(m.bestPeakF1.iqr),
      fmt(m.allPeakF1.median),
      ...selectors.map((s) => fmt(m.deployedF1[s])),
    ]),
  };
}

export function sequenceTable(sequences: readonly SequenceSummary[]): Table {
  return {
    id: 'sequences',
    title: 'Per method and test sequence (over the grid)',
    caption:
      'Peak F1 over the grid points of each (method, test sequence); best β and the figures at the best ' +
      'grid point are oracle choices.',
    headers: [
      'method',
      'test sequence',
      'grid points',
      'max',
      'median',
      'Q1',
      'Q3',
      'IQR',
      'best β',
      'P',
      'R',
      'AUC-PR',
      'train s',
      'score s',
    ],
    align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: sequences.map((s) => [
      s.method,
      s.testSequence,
      String(s.peakF1.n),
      fmt(s.peakF1.max),
      fmt(s.peakF1.median),
      fmt(s.peakF1.q1),
      fmt(s.peakF1.q3),
      fmt(s.peakF1.iqr),
      String(s.best.smoothing),
      fmt(s.best.precision),
      fmt(s.best.recall),
      fmt(s.best.aucPr),
      fmt(s.best.trainSeconds, 1),
      fmt(s.best.scoreSeconds, 2),
    ]),
  };
}

export function deployedTable(sequences: readonly SequenceSummary[]): Table {
  const rows: string[][] = [];
  for (const s of sequences) {
    for (const d of s.best.deployed ?? []) {
      const f1 = s.deployedF1[d.selector];
      rows.push([
        s.method,
        shortSequenceName(s.testSequence),
        d.selector,
        fmtThreshold(d.threshold),
        fmt(d.precision),
        fmt(d.recall),
        fmt(d.f1),
        fmt(f1?.median),
        fmt(s.peakF1.max),
        d.error ?? '',
      ]);
    }
  }
  return {
    id: 'deployed',
    title: 'Label-free thresholds (deployment) next to the oracle peak',
    caption:
      'Thresholds fitted on the validation scores of the training sequences only. τ, P, R, F1 at the best ' +
      "grid point's β; " +
      '"median F1" over every β of the grid. The oracle peak F1 picks τ (and β) with the test labels.',
    headers: ['method', 'sequence', 'selector', 'τ', 'P', 'R', 'F1', 'median F1 (grid)', 'oracle peak F1', 'note'],
    align: ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    rows,
  };
}

export function metricSuiteTable(analyses: readonly SeriesAnalysis[]): Table {
  return {
    id: 'metric-suite',
    title: 'The wider metric suite at the best grid point',
    caption:
      'Computed from the score files over every record after the first window (no records dropped after ' +
      'anomalies, unlike peak F1). ' +
      'VUS over buffers ℓ = 0…W. ' +
      "VUS-PR TSB-AD: the TSB-AD benchmark's definition (recall over the predicted buffer records only, step " +
      'PR area) over buffers 0…w, w its sliding window (findLengthRank of the first feature of the test ' +
      'sequence; W when the data were not at hand). ' +
      'Range-based (Tatbul et al., Exathlon AD2), event-wise (Garg et al.), ' +
      'affiliation (Huet et al.) and ' +
      'detection delay are taken at the oracle peak threshold.',
    headers: [
      'method',
      'sequence',
      'β',
      'peak F1',
      'AUC-ROC',
      'AUC-PR',
      'VUS-ROC',
      'VUS-PR',
      'VUS-PR TSB-AD',
      'w TSB-AD',
      'range F1 AD2',
      'composite F1',
      'event F1',
      'affiliation P',
      'affiliation R',
      'events found',
      'mean delay',
    ],
    align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: analyses.map((a) => {
      const m = a.metrics;
      return [
        a.series.method,
        shortSequenceName(a.series.testSequence),
        String(a.smoothing),
        fmt(m.peakF1),
        fmt(m.aucRoc),
        fmt(m.aucPr),
        fmt(m.vusRoc),
        fmt(m.vusPr),
        fmt(m.tsbAdVusPr),
        String(m.tsbAdWindow),
        fmt(m.rangeF1Ad2),
        fmt(m.compositeF1),
        fmt(m.eventF1),
        fmt(m.affiliationPrecision),
        fmt(m.affiliationRecall),
        `${m.detectedEvents}/${m.events}`,
        m.meanDelay === null ? '–' : fmt(m.meanDelay, 1),
      ];
    }),
  };
}

export function pointAdjustTable(analyses: readonly SeriesAnalysis[]): Table {
  return {
    id: 'point-adjust',
    title: 'Point adjustment, with its random-score baseline',
    caption:
      'PA F1: peak F1 after point adjustment (a whole event counts as found when one record is flagged). ' +
      'Random: uniform scores on the same labels ' +
      '(seed 0). PA%K area: mean F1 over K = 0…100 %. A method whose PA F1 is near the random one has shown nothing.',
    headers: [
      'method',
      'sequence',
      'peak F1 (pointwise)',
      'PA F1',
      'random: pointwise F1',
      'random: PA F1',
      'PA%K area',
    ],
    align: ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
    rows: analyses.map((a) => [
      a.series.method,
      shortSequenceName(a.series.testSequence),
      fmt(a.metrics.peakF1),
      fmt(a.metrics.pointAdjustedF1),
      fmt(a.metrics.randomPointwiseF1),
      fmt(a.metrics.randomPointAdjustedF1),
      fmt(a.metrics.paK.area),
    ]),
  };
}

/** Exact configuration of every (method, data set): distinct parameter sets, seeds, backends and commands. */
export function configurationTable(results: readonly SourcedResult[]): Table {
  const seen = new Map<
    string,
    {
      method: string;
      dataset: string;
      params: string;
      seed: string;
      backend: string;
      epochs: string;
      command: string;
      lines: number;
    }
  >();
  for (const r of results) {
    const params = JSON.stringify(r.params ?? {});
    const key = [r.method, r.dataset, params, r.seed, r.backend, r.command].join('\u0000');
    const entry = seen.get(key);
    if (entry) entry.lines++;
    else
      seen.set(key, {
        method: r.method,
        dataset: r.dataset,
        params,
        seed: String(r.seed),
        backend: String(r.backend),
        epochs: typeof r.epochs === 'number' ? String(r.epochs) : '–',
        command: typeof r.command === 'string' ? r.command : '',
        lines: 1,
      });
  }
  return {
    id: 'configuration',
    title: 'Configuration of every run',
    caption:
      'Distinct (method, parameters, seed, backend, command) combinations and how many results lines each produced.',
    headers: ['method', 'data set', 'parameters', 'seed', 'backend', 'epochs (last)', 'results lines', 'command'],
    align: ['l', 'l', 'l', 'r', 'l', 'r', 'r', 'l'],
    rows: [...seen.values()].map((e) => [
      e.method,
      e.dataset,
      e.params,
      e.seed,
      e.backend,
      e.epochs,
      String(e.lines),
      e.command,
    ]),
  };
}

export function runsTable(runs: readonly RunInfo[]): Table {
  return {
    id: 'runs',
    title: 'Runs, machines and data',
    caption: "From each results folder's run.json. Data: files read, and how many match datasets.lock.",
    headers: ['results', 'started', 'backend', 'machine', 'data set', 'files', 'match the lock', 'command'],
    align: ['l', 'l', 'l', 'l', 'l', 'r', 'r', 'l'],
    rows: runs.map((r) => {
      const files = r.data?.files ?? [];
      const m = r.machine ?? {};
      const machine = [m.cpuModel, m.cpus !== undefined ? `${m.cpus} CPUs` : undefined, m.platform, m.node]
        .filter((x) => x !== undefined)
        .join(', ');
      return [
        r.source,
        r.startedAt ?? '–',
        describeBackend(r.backend),
        machine || '–',
        r.data?.dataset ?? '–',
        String(files.length),
        files.length === 0 ? '–' : `${files.filter((f) => f.lock === 'ok').length}/${files.length}`,
        r.command ?? '–',
      ];
    }),
  };
}

function describeBackend(b: RunInfo['backend']): string {
  if (!b) return '–';
  const name = b.name ?? 'unknown';
  const versions =
    typeof b.versions === 'object' && b.versions !== null
      ? Object.entries(b.versions as Record<string, unknown>).filter(([k]) => k !== 'node')
      : [];
  return versions.length > 0 ? `${name} (${versions.map(([k, v]) => `${k} ${String(v)}`).join(', ')})` : name;
}
