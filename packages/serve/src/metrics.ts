/** The Prometheus metrics a serve instance exports (names fixed: the alerting rule in deploy/ reads them). */
import { Counter, Gauge, Registry } from 'prom-client';

export interface ServeMetrics {
  registry: Registry;
  score: Gauge<'entity'>;
  alarm: Gauge<'entity'>;
  threshold: Gauge<'entity'>;
  contribution: Gauge<'entity' | 'feature'>;
  lag: Gauge;
  queryErrors: Counter<'feature'>;
  up: Gauge;
  entities: Gauge;
  rounds: Counter<'outcome'>;
}

export function serveMetrics(): ServeMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    score: new Gauge({
      name: 'driftwatch_anomaly_score',
      help: "Smoothed anomaly score of the entity's latest scored record (compared with driftwatch_threshold)",
      labelNames: ['entity'],
      registers,
    }),
    alarm: new Gauge({
      name: 'driftwatch_alarm',
      help: '1 while the entity has a firing alarm (smoothed score over the threshold for the for duration), else 0',
      labelNames: ['entity'],
      registers,
    }),
    threshold: new Gauge({
      name: 'driftwatch_threshold',
      help: 'The calibrated alarm threshold the entity is compared with',
      labelNames: ['entity'],
      registers,
    }),
    contribution: new Gauge({
      name: 'driftwatch_feature_contribution',
      help: "Share of a feature in the latest window's score, for the top features of firing alarms",
      labelNames: ['entity', 'feature'],
      registers,
    }),
    lag: new Gauge({
      name: 'driftwatch_scoring_lag_seconds',
      help: 'Seconds from the evaluation time of the latest round to its scores being published',
      registers,
    }),
    queryErrors: new Counter({
      name: 'driftwatch_query_errors_total',
      help: 'Failed Prometheus requests (each attempt, retries included), by feature',
      labelNames: ['feature'],
      registers,
    }),
    up: new Gauge({ name: 'driftwatch_up', help: '1 when the last query round succeeded, else 0', registers }),
    entities: new Gauge({ name: 'driftwatch_entities', help: 'Entities this replica scores', registers }),
    rounds: new Counter({
      name: 'driftwatch_rounds_total',
      help: 'Query rounds, by outcome (ok, failed)',
      labelNames: ['outcome'],
      registers,
    }),
  };
}
