import { BASE_CONFIG, type VegaLiteSpec } from './spec';

export interface PaKInput {
  method: string;
  sequence: string;
  k: readonly number[];
  f1: ArrayLike<number>;
  /** peak point-adjusted F1 of uniform random scores on the same labels */
  randomPointAdjustedF1: number;
}

/** PA%K curves (F1 after adjustment vs K) with the random-score baseline's PA F1 as a dashed rule per panel. */
export function paKSpec(curves: readonly PaKInput[]): VegaLiteSpec {
  const values = curves.flatMap((c) =>
    c.k.map((k, i) => ({ method: c.method, sequence: c.sequence, k, f1: c.f1[i], random: c.randomPointAdjustedF1 })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'PA%K: F1 after point adjustment when ≥ K % of an event is detected (oracle threshold)',
    config: BASE_CONFIG,
    data: { values },
    facet: { column: { field: 'sequence', type: 'nominal', title: null } },
    spec: {
      width: 250,
      height: 150,
      layer: [
        {
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x: { field: 'k', type: 'quantitative', title: 'K (%)' },
            y: { field: 'f1', type: 'quantitative', title: 'F1 (PA%K)', scale: { domain: [0, 1] } },
            color: { field: 'method', type: 'nominal', title: 'method' },
          },
        },
        {
          mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
          encoding: { y: { field: 'random', aggregate: 'max', type: 'quantitative' } },
        },
      ],
    },
  };
}
