import type { LatentProjection } from '../input';
import { BASE_CONFIG, type VegaLiteSpec } from './spec';

/** What a point is: a validation window of a training domain, or a normal or anomalous test window. */
export function latentKind(p: { split: string; label: number }): string {
  return p.split === 'validation' ? 'validation (training domains)' : p.label > 0 ? 'test anomalous' : 'test normal';
}

/** zy and zd side by side, each on its own first two principal axes, coloured by domain. */
export function latentProjectionSpec(projection: LatentProjection): VegaLiteSpec {
  const spaces = [
    { key: 'zy' as const, name: `zy (domain-invariant), PC1–2 explain ${share(projection.explained.zy)}` },
    { key: 'zd' as const, name: `zd (domain-specific), PC1–2 explain ${share(projection.explained.zd)}` },
  ];
  const values = spaces.flatMap(({ key, name }) =>
    projection.points.map((p) => ({ space: name, domain: p.domain, kind: latentKind(p), x: p[key][0], y: p[key][1] })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title:
      `Latent encodings of ${projection.method}, test sequence ${projection.testSequence} (posterior means, ` +
      `L = ${projection.latentDim})`,
    config: BASE_CONFIG,
    data: { values },
    facet: { column: { field: 'space', type: 'nominal', title: null, sort: spaces.map((s) => s.name) } },
    spec: {
      width: 330,
      height: 260,
      // thousands of points: no per-point ARIA labels
      mark: { type: 'point', filled: true, size: 18, opacity: 0.7, aria: false },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'PC1', scale: { zero: false } },
        y: { field: 'y', type: 'quantitative', title: 'PC2', scale: { zero: false } },
        color: {
          field: 'domain',
          type: 'nominal',
          title: 'domain',
          sort: naturalOrder(projection.points.map((p) => p.domain)),
          scale: { scheme: 'tableau20' },
          legend: { orient: 'right' },
        },
        shape: {
          field: 'kind',
          type: 'nominal',
          title: 'window',
          scale: {
            domain: ['validation (training domains)', 'test normal', 'test anomalous'],
            range: ['circle', 'triangle-up', 'cross'],
          },
          legend: { orient: 'right' },
        },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/** Distinct names in natural order (omi-2 before omi-10). */
export function naturalOrder(names: readonly string[]): string[] {
  return [...new Set(names)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function share(explained: readonly number[]): string {
  return `${(100 * explained.slice(0, 2).reduce((a, b) => a + b, 0)).toFixed(0)} %`;
}
