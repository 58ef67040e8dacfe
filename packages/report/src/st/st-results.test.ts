import type { SourcedResult } from '../input';
import { buildReport } from '../build';
import { isStResult, latestStLines, stSection } from './st-results';

/** A `bench st` line with the given metrics (every other field as the bench writes it). */
function line(
  experiment: string,
  dataset: string,
  method: string,
  f1: number,
  varied?: [string, number],
  extra: Record<string, unknown> = {},
): SourcedResult {
  return {
    benchmark: 'st',
    experiment,
    method,
    dataset,
    testSequence: `${dataset}/series`,
    variedParam: varied?.[0] ?? null,
    variedValue: varied?.[1] ?? null,
    smoothing: 0,
    accuracy: 0.9,
    precision: 0.5,
    recall: 0.25,
    f1,
    vusPr: 0.4,
    peakF1: 0.6,
    aucPr: 0.3,
    threshold: 1,
    trainSeconds: 12.34,
    scoreSeconds: 0.5,
    backend: 'wasm',
    seed: 0,
    params: {},
    entities: 10,
    steps: 100,
    periods: { train: [0, 50], validation: [50, 70], test: [70, 100] },
    cells: { validationPositives: 7, testPositives: 9, test: 300 },
    labelWindow:
      dataset === 'sim'
        ? null
        : { rule: 'fixed 3 min after the injection', faults: 24, meanWindowMinutes: 4, meanLabelledSteps: 4 },
    budget: { epochs: 10, windowLength: 12 },
    warnings: [],
    source: 'r/results.jsonl',
    ...extra,
  };
}

/** the order the CLI passes (the registry's node detectors, st-dda's two scores first) */
const ORDER = ['st-dda-latent', 'st-dda-forecast', 'mlp', 'gbdt', 'cnn1d', 'transformer'];

describe('bench st results in the report', () => {
  it('lists methods in the given order, the others after them alphabetically', () => {
    const rows = ['zeta', 'gbdt', 'alpha', 'mlp'].map((m) => line('compare', 'sim', m, 0.5));
    const table = (order?: string[]) => stSection(rows, order).tables.find((t) => t.id === 'st-compare')!;
    const methodsOf = (order?: string[]) => table(order).rows.map((r) => r[1]);
    expect(methodsOf(ORDER)).toEqual(['mlp', 'gbdt', 'alpha', 'zeta']);
    expect(methodsOf()).toEqual(['alpha', 'gbdt', 'mlp', 'zeta']);
  });

  it('recognises st lines only', () => {
    expect(isStResult(line('compare', 'sim', 'gbdt', 0.5))).toBe(true);
    const asd = line('compare', 'sim', 'gbdt', 0.5);
    delete asd.benchmark;
    expect(isStResult(asd)).toBe(false);
  });

  it('a later line of the same run replaces the earlier one', () => {
    const kept = latestStLines(
      [
        line('compare', 'sim', 'gbdt', 0.1),
        line('compare', 'sim', 'mlp', 0.2),
        line('compare', 'sim', 'gbdt', 0.3),
      ].filter(isStResult),
    );
    expect(kept.map((r) => [r.method, r.f1])).toEqual([
      ['gbdt', 0.3],
      ['mlp', 0.2],
    ]);
  });

  it('keeps every seed of a cell and shows the cell as mean ± sample sd over them, with its seeds', () => {
    const lines = [
      line('compare', 'sim', 'st-dda-latent', 0.5, undefined, { seed: 0 }),
      line('compare', 'sim', 'st-dda-latent', 0.7, undefined, { seed: 1 }),
      line('compare', 'sim', 'st-dda-latent', 0.1, undefined, { seed: 2 }),
      // a rerun of seed 2 replaces its first line
      line('compare', 'sim', 'st-dda-latent', 0.9, undefined, { seed: 2, peakF1: 0.9 }),
      line('compare', 'sim', 'gbdt', 0.25),
    ];
    expect(latestStLines(lines.filter(isStResult)).map((r) => [r.method, r.seed, r.f1])).toEqual([
      ['st-dda-latent', 0, 0.5],
      ['st-dda-latent', 1, 0.7],
      ['st-dda-latent', 2, 0.9],
      ['gbdt', 0, 0.25],
    ]);
    const table = stSection(lines, ORDER).tables.find((t) => t.id === 'st-compare')!;
    expect(table.headers.slice(0, 3)).toEqual(['data set', 'method', 'seeds']);
    const at = (h: string) => table.headers.indexOf(h);
    const dda = table.rows.find((r) => r[1] === 'st-dda-latent')!;
    // F1 0.5, 0.7, 0.9: mean 0.7, sd √(0.08/2) = 0.2; peak F1 0.6, 0.6, 0.9: mean 0.7, sd √(0.06/2) ≈ 0.173
    expect([dda[at('seeds')], dda[at('F1')], dda[at('peak F1')], dda[at('accuracy')]]).toEqual([
      '0, 1, 2',
      '0.700 ± 0.200',
      '0.700 ± 0.173',
      '0.900',
    ]);
    const gbdt = table.rows.find((r) => r[1] === 'gbdt')!;
    expect([gbdt[at('seeds')], gbdt[at('F1')]]).toEqual(['0', '0.250 ± 0.000']);
    expect(table.caption).toMatch(/mean ± sample sd over the seeds/);
  });

  it('compare: a method × data set table with the metrics written as given', () => {
    const section = stSection(
      [
        line('compare', 'sim', 'gbdt', 0.5, undefined, { tsbAdVusPr: 0.45, tsbAdWindow: 24 }),
        // a line written before TSB-AD's VUS-PR was added
        line('compare', 'nezha-ob', 'st-dda-forecast', 0.25),
        line('compare', 'nezha-ob', 'st-dda-latent', 0.125),
      ],
      ORDER,
    );
    const table = section.tables.find((t) => t.id === 'st-compare')!;
    expect(table.headers).toEqual([
      'data set',
      'method',
      'accuracy',
      'precision',
      'recall',
      'F1',
      'VUS-PR',
      'VUS-PR TSB-AD',
      'peak F1',
      'train s',
      'score s',
    ]);
    expect(table.rows).toEqual([
      ['nezha-ob', 'st-dda-latent', '0.900', '0.500', '0.250', '0.125', '0.400', '–', '0.600', '12.3', '0.50'],
      ['nezha-ob', 'st-dda-forecast', '0.900', '0.500', '0.250', '0.250', '0.400', '–', '0.600', '12.3', '0.50'],
      ['sim', 'gbdt', '0.900', '0.500', '0.250', '0.500', '0.400', '0.450', '0.600', '12.3', '0.50'],
    ]);
    expect(section.figures).toHaveLength(0);
    const protocol = section.tables.find((t) => t.id === 'st-protocol')!;
    expect(protocol.rows.find((r) => r[1] === 'nezha-ob')![3]).toBe(
      'fixed 3 min after the injection; 24 faults, mean 4.0 min (4.0 labelled steps)',
    );
    expect(protocol.rows.find((r) => r[1] === 'sim')![3]).toBe('simulator ground truth');
    expect(protocol.rows[0][7]).toMatch(/^epochs ≤ 10, W 12/);
  });

  it(
    'varied experiments: a table by value and one line chart per (data set, parameter) with F1 and VUS-PR ' +
      'per method',
    () => {
      const rows = [8, 4].flatMap((w) =>
        ['gbdt', 'mlp'].map((m) => line('window', 'sim', m, w / 10, ['windowLength', w])),
      );
      rows.push(
        line('robustness', 'sim', 'gbdt', 0.3, ['rewiring', 0.02]),
        line('robustness', 'sim', 'gbdt', 0.2, ['structuralNoise', 0.2]),
      );
      const section = stSection(rows, ORDER);
      expect(section.tables.find((t) => t.id === 'st-window')!.rows.map((r) => [r[1], r[3], r[7]])).toEqual([
        // methods in the given order: mlp before gbdt
        ['mlp', '4', '0.400'],
        ['gbdt', '4', '0.400'],
        ['mlp', '8', '0.800'],
        ['gbdt', '8', '0.800'],
      ]);
      expect(section.figures.map((f) => f.id)).toEqual([
        'st-window-sim-windowLength',
        'st-robustness-sim-rewiring',
        'st-robustness-sim-structuralNoise',
      ]);
      const values = (
        section.figures[0].spec as unknown as {
          data: { values: { method: string; x: number; metric: string; value: number }[] };
        }
      ).data.values;
      expect(values).toHaveLength(8);
      expect(values.filter((v) => v.metric === 'F1' && v.method === 'gbdt').map((v) => [v.x, v.value])).toEqual([
        [8, 0.8],
        [4, 0.4],
      ]);
    },
  );

  it(
    'buildReport keeps st lines out of the per-sequence summaries and adds the st tables, figures and a ' +
      'warning caveat',
    () => {
      const report = buildReport({
        generatedAt: 'now',
        results: [
          line('window', 'sim', 'gbdt', 0.4, ['windowLength', 4], {
            warnings: ['the test period has no anomalous cell'],
          }),
        ],
        runs: [],
        series: [],
      });
      expect(report.tables.map((t) => t.id)).toEqual(['st-window', 'st-protocol']);
      expect(report.figures.map((f) => [f.id, f.section])).toEqual([['st-window-sim-windowLength', 'st']]);
      expect(report.sequences).toHaveLength(0);
      expect(report.caveats.some((c) => c.includes('windowLength=4: the test period has no anomalous cell'))).toBe(
        true,
      );
    },
  );
});
