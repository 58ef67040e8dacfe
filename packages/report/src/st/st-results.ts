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

/**
 * The latest line per (experiment, data set, method, varied value): a resumed or repeated run replaces an older one.
 */
export function latestStLines(results: readonly StResult[]): StResult[] {
  const byKey = new Map<string, StResult>();
  for (const r of results)
    byKey.set([r.experiment, r.dataset, r.method, r.variedParam ?? '', r.variedValue ?? ''].join('\u0000'), r);
  return [...byKey.values()];
}

/** Listed values in their order, then the others alphabetically. */
function orderOf(values: readonly string[]): (a: string, b: string) => number {
  const rank = (v: string) => (values.includes(v) ? values.indexOf(v) : values.length);
  return (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

const DATASET_ORDER = ['nezha-ob', 'nezha-tt', 'sim'];

/** One table row per line: the metrics at the validation threshold, then the threshold-free ones and the cost. */
function metricCells(r: StResult): string[] {
  return [
    num(r.accuracy),
    num(r.precision),
    num(r.recall),
    num(r.f1),
    num(r.vusPr),
    num(r.tsbAdVusPr),
    num(r.peakF1),
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
  const section: StSection = { tables: [], figures: [], caveats: [] };
  if (results.length === 0) return section;
  const byMethod = orderOf(methodOrder);
  const byDataset = orderOf(DATASET_ORDER);
  for (const experiment of ['compare', 'window', 'scale', 'robustness']) {
    const rows = results.filter((r) => r.experiment === experiment);
    if (rows.length === 0) continue;
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
        "area) over buffers 0 … its sliding window, findLengthRank of entity 0's first metric (tsbAdWindow).",
      headers: ['data set', 'method', ...(varied ? ['parameter', 'value'] : []), ...METRIC_HEADERS],
      align: ['l', 'l', ...(varied ? (['l', 'r'] as const) : []), ...METRIC_HEADERS.map(() => 'r' as const)],
      rows: sorted.map((r) => [
        r.dataset,
        r.method,
        ...(varied ? [r.variedParam ?? '', String(r.variedValue ?? '')] : []),
        ...metricCells(r),
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
