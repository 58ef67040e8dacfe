import { buildReport, varyingNumericParams } from './build';
import { renderMarkdown } from './markdown';
import { syntheticReportInput } from '../test/synthetic';

describe('buildReport', () => {
  const input = syntheticReportInput();
  const report = buildReport(input);

  it('draws the grid, a density panel set per method, a timeline per series and the PA%K curves', () => {
    const ids = report.figures.map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'box-by-sequence',
        'box-by-method',
        'sensitivity-smoothing',
        'kde-dense-divad-gm',
        'kde-iforest',
        'pa-k',
      ]),
    );
    expect(ids.filter((id) => id.startsWith('timeline-'))).toHaveLength(input.series.length);
    expect(ids).toContain('latent-dense-divad-gm-omi-1');
  });

  it('puts the three populations into each density panel', () => {
    const kde = report.figures.find((f) => f.id === 'kde-iforest')!.spec as unknown as {
      data: { values: { kind: string; sequence: string }[] };
    };
    const kinds = new Set(kde.data.values.map((v) => v.kind));
    expect([...kinds].sort()).toEqual(['test anomalous', 'test normal', 'train normal']);
    expect(new Set(kde.data.values.map((v) => v.sequence)).size).toBe(3);
  });

  it('tables: per method, per sequence, deployed, metric suite, point adjustment, configuration, runs', () => {
    expect(report.tables.map((t) => t.id)).toEqual([
      'methods',
      'sequences',
      'deployed',
      'metric-suite',
      'point-adjust',
      'configuration',
      'runs',
    ]);
    const methods = report.tables[0];
    expect(methods.rows).toHaveLength(2);
    // best mean of iforest: mean over servers of the max peak F1 over the grid, from the results lines
    const iforest = input.results.filter((r) => r.method === 'iforest');
    const perServer = [1, 2, 3].map((s) =>
      Math.max(...iforest.filter((r) => r.testSequence === `asd/omi-${s}`).map((r) => r.peakF1)),
    );
    const row = methods.rows.find((r) => r[0] === 'iforest')!;
    expect(Number(row[3])).toBeCloseTo(perServer.reduce((a, b) => a + b, 0) / 3, 3);
    expect(report.tables[2].rows).toHaveLength(input.series.length * 5);
  });

  it('states the caveats: oracle figures, point adjustment with the random baseline, short training', () => {
    const text = report.caveats.join('\n');
    expect(text).toMatch(/chosen with the test labels/);
    expect(text).toMatch(/Point adjustment inflates results.*random scores reach a point-adjusted F1 of \d\.\d{3}/s);
    expect(text).toMatch(/dense-divad-gm was trained for at most 10 epochs/);
    expect(text).not.toMatch(/iforest was trained/);
  });

  it('finds grid dimensions among numeric parameters', () => {
    const lines = input.results.map((r, i) => ({
      ...r,
      params: { ...r.params, nEstimators: i % 2 ? 50 : 100, name: 'x' },
    }));
    expect(varyingNumericParams(lines)).toEqual(['nEstimators']);
    expect(varyingNumericParams(input.results)).toEqual([]);
  });

  it('writes Markdown with every table and one row per line of each', () => {
    const md = renderMarkdown(report);
    for (const t of report.tables) {
      expect(md).toContain(`### ${t.title}`);
    }
    const sequenceRows = md.split('\n').filter((l) => /^\| (dense-divad-gm|iforest) \| asd\/omi-\d \| 3 \|/.test(l));
    expect(sequenceRows).toHaveLength(6);
  });

  it('reports results without score files with a note instead of plots', () => {
    const bare = buildReport({ ...input, series: [] });
    expect(bare.figures.some((f) => f.section === 'timelines')).toBe(false);
    expect(bare.caveats.join(' ')).toMatch(/No score files/);
  });
});
