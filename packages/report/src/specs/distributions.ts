import { BASE_CONFIG, POPULATION_COLOURS, type VegaLiteSpec } from './spec';

export interface DensityCurve {
  sequence: string;
  population: string;
  /** Silverman bandwidth of this population */
  bandwidth: number;
  count: number;
  x: ArrayLike<number>;
  density: ArrayLike<number>;
}

/** Score densities of one method, one panel per test sequence, one curve per population (independent axes). */
export function scoreDensitySpec(
  method: string,
  curves: readonly DensityCurve[],
  smoothingBySequence: Record<string, number>,
): VegaLiteSpec {
  const values = curves.flatMap((c) =>
    Array.from(c.x, (x, i) => ({
      sequence: `${c.sequence} (β = ${smoothingBySequence[c.sequence]})`,
      population: `${c.population} (n = ${c.count})`,
      kind: c.population,
      score: x,
      density: c.density[i],
    })),
  );
  const domain = Object.keys(POPULATION_COLOURS);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Score distributions of ${method} (Gaussian KDE, Silverman bandwidth)`,
    config: BASE_CONFIG,
    data: { values },
    facet: { column: { field: 'sequence', type: 'nominal', title: null } },
    spec: {
      width: 250,
      height: 160,
      mark: { type: 'area', opacity: 0.35, line: true, interpolate: 'monotone' },
      encoding: {
        x: { field: 'score', type: 'quantitative', title: 'score', scale: { zero: false, nice: false } },
        y: { field: 'density', type: 'quantitative', title: 'density', stack: null },
        color: {
          field: 'kind',
          type: 'nominal',
          title: 'population',
          scale: { domain, range: domain.map((d) => POPULATION_COLOURS[d as keyof typeof POPULATION_COLOURS]) },
        },
        detail: { field: 'population', type: 'nominal' },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}
