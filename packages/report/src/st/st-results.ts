/**
 * The spatiotemporal experiments (`driftwatch bench st`, docs/spatiotemporal.md §4) in the report: one table per
 * experiment (method × data set, or method × varied value), line charts of F1 and VUS-PR against the varied
 * parameter with one line per method, and the label windows and budget the numbers come from.
 */
import type { SourcedResult } from '../input';
import type { Table } from '../tables';
import { fmt } from '../tables';
import { stLineSpec, type StLinePoint } from './st-lines-spec';
import type { VegaLiteSpec } from '../specs/spec';

/** A results line of `bench st`. */
export interface StResult extends SourcedResult {
  benchmark: 'st';
  experiment: string;
  variedParam: string | null;
  variedValue: number | null;
}

export function isStResult(r: SourcedResult): r is StResult {
  return r.benchmark === 'st' && typeof r.experiment === 'string';
}

export interface StSection {
  tables: Table[];
  figures: { id: string; caption: string; spec: VegaLiteSpec }[];
  caveats: string[];
}

const EXPERIMENT_TITLES: Record<string, string> = {
  compare: '(a) method comparison',
  window: '(b) window length W',
  scale: '(c) node scale N (simulated)',
  robustness: '(d) robustness (simulated)',
};

const num = (v: unknown, digits = 3) => fmt(typeof v === 'number' ? v : null, digits);

/** (experiment, data set, method, varied value): one cell of an experiment, run once per model seed */
function cellKey(r: StResult): string {
  return [r.experiment, r.dataset, r.method, r.variedParam ?? '', r.variedValue ?? ''].join('\u0000');
}

/**
 * The latest line per (experiment, data set, method, varied value, seed): a resumed or repeated run replaces an older
 * one, other seeds of the same cell stay.
 */
export function latestStLines(results: readonly StResult[]): StResult[] {
  const byKey = new Map<string, StResult>();
  for (const r of results) byKey.set(`${cellKey(r)}\u0000${String(r.seed)}`, r);
  return [...byKey.values()];
}

/** The metrics a cell shows as mean over its seeds (with the sample sd where the table prints it). */
const CELL_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'vusPr',
  'tsbAdVusPr',
  'peakF1',
  'trainSeconds',
  'scoreSeconds',
] as const;
/** printed as mean ± sd when a cell has more than one seed */
const SPREAD_METRICS: readonly string[] = ['f1', 'vusPr', 'peakF1'];

/** One cell over its seeds: its first line with every metric the mean over the seeds' lines, and their sd. */
export interface StCell extends StResult {
  seeds: number[];
  sd: Record<string, number>;
}

/** mean = Σx/n and sample sd = √(Σ(x − mean)²/(n − 1)) of the finite values (NaN when none; sd 0 for one) */
function meanAndSd(values: readonly unknown[]): [number, number] {
  const x = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (x.length === 0) return [NaN, NaN];
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const sd = x.length > 1 ? Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1)) : 0;
  return [mean, sd];
}

/** The lines grouped by cell, in first-seen order, with the metrics averaged over the seeds. */
export function stCells(lines: readonly StResult[]): StCell[] {
  const groups = new Map<string, StResult[]>();
  for (const r of lines) groups.set(cellKey(r), [...(groups.get(cellKey(r)) ?? []), r]);
  return [...groups.values()].map((group) => {
    const cell: StCell = { ...group[0], seeds: group.map((r) => Number(r.seed)), sd: {} };
    for (const m of CELL_METRICS) {
      if (group.every((r) => typeof r[m] !== 'number')) continue;
      const [mean, sd] = meanAndSd(group.map((r) => r[m]));
      cell[m] = mean;
      cell.sd[m] = sd;
    }
    return cell;
  });
}

/** Listed values in their order, then the others alphabetically. */
function orderOf(values: readonly string[]): (a: string, b: string) => number {
  const rank = (v: string) => (values.includes(v) ? values.indexOf(v) : values.length);
  return (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

const DATASET_ORDER = ['nezha-ob', 'nezha-tt', 'sim'];

/**
 * One table row per cell: the metrics at the validation threshold, then the threshold-free ones and the cost; F1,
 * VUS-PR and peak F1 as mean ± sd when the table has cells of several seeds.
 */
function metricCells(r: StCell, spread: boolean): string[] {
  const withSd = (m: string) =>
    spread && SPREAD_METRICS.includes(m) && typeof r[m] === 'number' ? `${num(r[m])} ± ${num(r.sd[m])}` : num(r[m]);
  return [
    num(r.accuracy),
    num(r.precision),
    num(r.recall),
    withSd('f1'),
    withSd('vusPr'),
    num(r.tsbAdVusPr),
    withSd('peakF1'),
    num(r.trainSeconds, 1),
    num(r.scoreSeconds, 2),
  ];
}
const METRIC_HEADERS = [
  'accuracy',
  'precision',
  'recall',
  'F1',
  'VUS-PR',
  'VUS-PR TSB-AD',
  'peak F1',
  'train s',
  'score s',
];

/**
 * Tables, figures and caveats of every `bench st` line; methods are listed in `methodOrder` (the CLI passes the
 * detector registry's), the ones it does not name after them alphabetically.
 */
export function stSection(all: readonly SourcedResult[], methodOrder: readonly string[] = []): StSection {
  const results = latestStLines(all.filter(isStResult));
  const cells = stCells(results);
  const section: StSection = { tables: [], figures: [], caveats: [] };
  if (results.length === 0) return section;
  const byMethod = orderOf(methodOrder);
  const byDataset = orderOf(DATASET_ORDER);
  for (const experiment of ['compare', 'window', 'scale', 'robustness']) {
    const rows = cells.filter((r) => r.experiment === experiment);
    if (rows.length === 0) continue;
    const spread = rows.some((r) => r.seeds.length > 1);
    const sorted = [...rows].sort(
      (a, b) =>
        byDataset(a.dataset, b.dataset) ||
        (a.variedParam ?? '').localeCompare(b.variedParam ?? '') ||
        (a.variedValue ?? 0) - (b.variedValue ?? 0) ||
        byMethod(a.method, b.method),
    );
    const varied = rows.some((r) => r.variedParam);
    section.tables.push({
      id: `st-${experiment}`,
      title: `Spatiotemporal ${EXPERIMENT_TITLES[experiment]}`,
      caption:
        'Node × step cells of the test period. accuracy, precision, recall and F1 at the threshold that ' +
        'maximises F1 on the validation period; ' +
        'VUS-PR (buffers 0 … W) and peak F1 (best threshold on the test labels, an oracle) need no threshold. ' +
        "VUS-PR TSB-AD: the TSB-AD benchmark's VUS-PR (recall over the predicted buffer records only, step PR " +
        "area) over buffers 0 … its sliding window, findLengthRank of entity 0's first metric (tsbAdWindow)." +
        (spread
          ? ' Cells run with several model seeds (seeds) on the same data: F1, VUS-PR and peak F1 as mean ± ' +
            'sample sd over the seeds, every other figure as the mean.'
          : ''),
      headers: [
        'data set',
        'method',
        ...(varied ? ['parameter', 'value'] : []),
        ...(spread ? ['seeds'] : []),
        ...METRIC_HEADERS,
      ],
      align: [
        'l',
        'l',
        ...(varied ? (['l', 'r'] as const) : []),
        ...(spread ? (['l'] as const) : []),
        ...METRIC_HEADERS.map(() => 'r' as const),
      ],
      rows: sorted.map((r) => [
        r.dataset,
        r.method,
        ...(varied ? [r.variedParam ?? '', String(r.variedValue ?? '')] : []),
        ...(spread ? [r.seeds.join(', ')] : []),
        ...metricCells(r, spread),
      ]),
    });
    if (!varied) continue;
    for (const [key, group] of groupRows(rows, (r) => `${r.dataset}\u0000${r.variedParam}`)) {
      const [dataset, param] = key.split('\u0000');
      const points: StLinePoint[] = group.flatMap((r) => [
        { method: r.method, x: r.variedValue ?? NaN, metric: 'F1', value: typeof r.f1 === 'number' ? r.f1 : NaN },
        {
          method: r.method,
          x: r.variedValue ?? NaN,
          metric: 'VUS-PR',
          value: typeof r.vusPr === 'number' ? r.vusPr : NaN,
        },
      ]);
      section.figures.push({
        id: `st-${experiment}-${dataset}-${param}`,
        caption:
          `${EXPERIMENT_TITLES[experiment]} on ${dataset}: F1 at the validation threshold and VUS-PR ` +
          `against ${param}, one line per method.`,
        spec: stLineSpec(
          points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.x)),
          { title: `${experiment}: ${dataset}, metric vs ${param}`, xTitle: param },
        ),
      });
    }
  }
  section.tables.push(protocolTable(results));
  section.caveats.push(...stCaveats(results));
  return section;
}

function groupRows<T>(rows: readonly T[], keyOf: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) out.set(keyOf(r), [...(out.get(keyOf(r)) ?? []), r]);
  return out;
}

interface LabelWindowInfo {
  rule?: string;
  faults?: number;
  meanWindowMinutes?: number;
  meanLabelledSteps?: number;
}
interface PeriodsInfo {
  train?: number[];
  validation?: number[];
  test?: number[];
}

/** Per (experiment, data set): its label window, periods, positives and budget. */
function protocolTable(results: readonly StResult[]): Table {
  const rows: string[][] = [];
  for (const [, group] of groupRows(results, (r) => `${r.experiment}\u0000${r.dataset}`)) {
    const r = group[0];
    const lw = (r.labelWindow ?? undefined) as LabelWindowInfo | undefined;
    const p = (r.periods ?? {}) as PeriodsInfo;
    const cells = (r.cells ?? {}) as { test?: number; testPositives?: number; validationPositives?: number };
    const budget = (r.budget ?? {}) as Record<string, unknown>;
    const range = (x?: number[]) => (x ? `${x[0]}–${x[1]}` : '–');
    rows.push([
      r.experiment,
      r.dataset,
      `${String(r.entities ?? '–')} × ${String(r.steps ?? '–')}`,
      lw
        ? `${lw.rule ?? '–'}; ${lw.faults ?? '–'} faults, mean ${num(lw.meanWindowMinutes, 1)} min ` +
          `(${num(lw.meanLabelledSteps, 1)} labelled steps)`
        : 'simulator ground truth',
      `${range(p.train)} / ${range(p.validation)} / ${range(p.test)}`,
      `${cells.validationPositives ?? '–'} / ${cells.testPositives ?? '–'} (${cells.test ?? '–'})`,
      String(r.graphSource ?? '–'),
      `epochs ≤ ${String(budget.epochs ?? '–')}, ` +
        `W ${String(budget.windowLength ?? '–')}${r.dataset === 'sim' ? `, T ${String(r.steps)}` : ''}`,
    ]);
  }
  return {
    id: 'st-protocol',
    title: 'Spatiotemporal experiments: data, label windows, periods and budget',
    caption:
      'Periods are step ranges [start–end) of train / validation / test. Anomalous cells: labelled cells ' +
      'of the validation and the test period (and the number of test cells). ' +
      'st-dda trains on the train period with every labelled step made missing; the supervised baselines ' +
      'on the labelled train period.',
    headers: [
      'experiment',
      'data set',
      'entities × steps',
      'label window',
      'periods (train / validation / test)',
      'anomalous cells: validation / test (test cells)',
      'observed graph',
      'budget',
    ],
    align: ['l', 'l', 'r', 'l', 'l', 'l', 'l', 'l'],
    rows,
  };
}

function stCaveats(results: readonly StResult[]): string[] {
  const caveats = [
    'Spatiotemporal experiments: the paper reports accuracy / precision / recall / F1 of 0.941 / 0.936 / ' +
      '0.928 / 0.932 for its detector on Alibaba 2018 with labels it does not describe; these tables come ' +
      'from another protocol (Nezha, simulated clusters) and a small training budget, so only the ranking of ' +
      'methods and the direction of trends can be compared.',
  ];
  const warned = results.filter((r) => Array.isArray(r.warnings) && (r.warnings as unknown[]).length > 0);
  for (const r of warned)
    caveats.push(
      `${r.experiment} ${r.dataset} ${r.method}${r.variedParam ? ` ${r.variedParam}=${r.variedValue}` : ''}` +
        `: ${(r.warnings as string[]).join('; ')}.`,
    );
  return caveats;
}
