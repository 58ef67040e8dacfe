import type { SourcedResult } from '../input';
import { BASE_CONFIG, type VegaLiteSpec } from './spec';

/** The part of a sequence id that names the test server or application ('asd/omi-3' → 'omi-3'). */
export function shortSequenceName(id: string): string {
  const parts = id.split('/');
  return parts.length > 1 ? parts.slice(1).join('/') : id;
}

/** Peak F1 over each (method, test sequence)'s grid: one box per method beside each other for every sequence. */
export function peakF1BoxPlotBySequence(results: readonly SourcedResult[]): VegaLiteSpec {
  const values = results.map((r) => ({
    method: r.method,
    sequence: shortSequenceName(r.testSequence),
    peakF1: r.peakF1,
    smoothing: r.smoothing,
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Peak F1 over the grid, per test sequence and method',
    config: BASE_CONFIG,
    data: { values },
    width: { step: 28 },
    height: 220,
    mark: { type: 'boxplot', extent: 'min-max', size: 18, median: { color: 'white' } },
    encoding: {
      x: {
        field: 'sequence',
        type: 'nominal',
        title: 'test sequence',
        sort: [...new Set(values.map((v) => v.sequence))],
      },
      xOffset: { field: 'method', type: 'nominal' },
      y: { field: 'peakF1', type: 'quantitative', title: 'peak F1', scale: { domain: [0, 1] } },
      color: { field: 'method', type: 'nominal', title: 'method' },
    },
  };
}

/** Each test sequence's best peak F1 (max over its grid), boxed per method: the spread across servers. */
export function bestPeakF1BoxPlotByMethod(
  best: readonly { method: string; sequence: string; peakF1: number }[],
): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Best peak F1 per test sequence, per method',
    config: BASE_CONFIG,
    data: { values: best.map((b) => ({ ...b, sequence: shortSequenceName(b.sequence) })) },
    width: { step: 60 },
    height: 220,
    layer: [
      {
        mark: { type: 'boxplot', extent: 'min-max', size: 30, median: { color: 'white' } },
        encoding: {
          x: { field: 'method', type: 'nominal', title: 'method' },
          y: { field: 'peakF1', type: 'quantitative', title: 'best peak F1', scale: { domain: [0, 1] } },
          color: { field: 'method', type: 'nominal', legend: null },
        },
      },
      {
        mark: { type: 'point', filled: true, color: '#222', size: 25, opacity: 0.8 },
        encoding: {
          x: { field: 'method', type: 'nominal' },
          y: { field: 'peakF1', type: 'quantitative' },
          tooltip: [{ field: 'sequence' }, { field: 'peakF1', format: '.3f' }],
        },
      },
    ],
  };
}
