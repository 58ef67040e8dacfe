import { BASE_CONFIG, type VegaLiteSpec } from './spec';

export interface SensitivityPoint {
  method: string;
  sequence: string;
  x: number;
  peakF1: number;
}

/**
 * Peak F1 against one setting: a thin line per (method, test sequence) and the mean over sequences drawn
 * thick, so both the typical effect and its spread across servers show.
 */
export function sensitivitySpec(
  points: readonly SensitivityPoint[],
  xTitle: string,
  options: { logX?: boolean } = {},
): VegaLiteSpec {
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: xTitle,
    scale: options.logX ? { type: 'log' as const, nice: false } : { zero: false, nice: false },
  };
  const y = { type: 'quantitative' as const, title: 'peak F1', scale: { domain: [0, 1] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Sensitivity: peak F1 vs ${xTitle}`,
    config: BASE_CONFIG,
    data: { values: points.map((p) => ({ ...p })) },
    width: 420,
    height: 220,
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1, opacity: 0.35, point: false },
        encoding: {
          x,
          y: { ...y, field: 'peakF1' },
          color: { field: 'method', type: 'nominal', title: 'method' },
          detail: { field: 'sequence', type: 'nominal' },
        },
      },
      {
        mark: { type: 'line', strokeWidth: 3, point: true },
        encoding: {
          x,
          y: { ...y, field: 'peakF1', aggregate: 'mean' },
          color: { field: 'method', type: 'nominal' },
          tooltip: [
            { field: 'method' },
            { field: 'x', title: xTitle },
            { field: 'peakF1', aggregate: 'mean', title: 'mean peak F1', format: '.3f' },
          ],
        },
      },
    ],
  };
}
