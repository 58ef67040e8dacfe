/**
 * Training data from the Prometheus that serve will query: one query_range per feature of the serve config, at the
 * config's interval, written as ONE Prometheus matrix response whose series are labelled {__name__: feature,
 * <entityLabel>: entity} — the layout `driftwatch train --input` reads. Recording through the same queries is what
 * makes a model's features mean at training what they mean live.
 */
import { DriftwatchError } from '@driftwatch/contracts';
import type { ServeConfig } from './config';
import type { PrometheusClient } from './prometheus-client';

/** Prometheus answers at most 11,000 points per series and query; ranges are cut into chunks below that. */
export const MAX_POINTS_PER_QUERY = 10_000;

export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** A query_range response as Prometheus writes it. */
export interface PrometheusMatrix {
  status: 'success';
  data: { resultType: 'matrix'; result: MatrixSeries[] };
}

export interface RecordRange {
  /** first evaluation time, ms since the epoch */
  startMs: number;
  /** last evaluation time (inclusive), ms */
  endMs: number;
}

export interface RecordProgress {
  feature: string;
  /** features done, this one included */
  done: number;
  total: number;
  series: number;
}

/** [start, end] cut into consecutive ranges of at most `maxPoints` evaluation times on the step grid. */
export function rangeChunks(startMs: number, endMs: number, stepMs: number, maxPoints: number): RecordRange[] {
  const chunks: RecordRange[] = [];
  for (let from = startMs; from <= endMs; from += maxPoints * stepMs)
    chunks.push({ startMs: from, endMs: Math.min(endMs, from + (maxPoints - 1) * stepMs) });
  return chunks;
}

/** Prometheus's sample text: NaN and ±Inf spelled as it spells them. */
function sampleText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * Records every feature of `config` over `range`. Each query must give at most one series per entity and at least
 * one series in all; a series without the entity label is an error (train could not tell whose it is).
 */
export async function recordRange(
  client: PrometheusClient,
  config: ServeConfig,
  range: RecordRange,
  onProgress?: (p: RecordProgress) => void,
): Promise<PrometheusMatrix> {
  if (!(range.endMs >= range.startMs))
    throw new DriftwatchError(`record: the range ends before it starts (${range.startMs}..${range.endMs} ms)`);
  const features = Object.entries(config.features);
  const result: MatrixSeries[] = [];
  const chunks = rangeChunks(range.startMs, range.endMs, config.intervalMs, MAX_POINTS_PER_QUERY);
  for (const [k, [feature, query]] of features.entries()) {
    const byEntity = new Map<string, MatrixSeries>();
    for (const chunk of chunks)
      for (const s of await client.queryRange(query, chunk.startMs, chunk.endMs, config.intervalMs, feature)) {
        const entity = s.labels[config.entityLabel];
        if (entity === undefined)
          throw new DriftwatchError(
            `feature ${feature}: the query ${query} returns a series without the label ${config.entityLabel} ` +
              `(${JSON.stringify(s.labels)}); keep it, e.g. sum by (${config.entityLabel}) (…)`,
          );
        let series = byEntity.get(entity);
        if (series === undefined) {
          series = { metric: { __name__: feature, [config.entityLabel]: entity }, values: [] };
          byEntity.set(entity, series);
        } else if (series.values.length > 0 && series.values[series.values.length - 1][0] * 1000 >= chunk.startMs)
          throw new DriftwatchError(
            `feature ${feature}: the query ${query} returns more than one series for ${config.entityLabel}="${entity}"`,
          );
        for (let i = 0; i < s.times.length; i++) series.values.push([s.times[i] / 1000, sampleText(s.values[i])]);
      }
    if (byEntity.size === 0)
      throw new DriftwatchError(`feature ${feature}: the query ${query} returns no series in the range`);
    result.push(...byEntity.values());
    onProgress?.({ feature, done: k + 1, total: features.length, series: byEntity.size });
  }
  return { status: 'success', data: { resultType: 'matrix', result } };
}
