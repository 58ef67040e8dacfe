import { BASE_CONFIG, type VegaLiteSpec } from '../specs/spec';

/** One metric value of one method at one value of the varied parameter. */
export interface StLinePoint {
  method: string;
  x: number;
  metric: string;
  value: number;
}

/** Metric against the varied parameter: one panel per metric, one line (with points) per method. */
export function stLineSpec(points: readonly StLinePoint[], options: { title: string; xTitle: string }): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    config: BASE_CONFIG,
    data: { values: points.map((p) => ({ ...p })) },
    width: 260,
    height: 180,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xTitle, scale: { zero: false, nice: false } },
      y: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] } },
      color: { field: 'method', type: 'nominal', title: 'method' },
      column: { field: 'metric', type: 'nominal', title: null },
      tooltip: [
        { field: 'method' },
        { field: 'metric' },
        { field: 'x', title: options.xTitle },
        { field: 'value', format: '.3f' },
      ],
    },
  } as VegaLiteSpec;
}
