import { defineCommand } from '../command';

export const exampleMetricsDefinition = defineCommand({
  path: ['example-metrics'],
  summary: 'write example service metrics with injected anomaly episodes (CSV, Parquet, Prometheus JSON, labels)',
  usage:
    'driftwatch example-metrics --out DIR [--entities 5] [--metrics 10] [--days 2] [--training-days 1] ' +
    '[--episodes 3] [--seed S]',
  description: [
    'Servers with their own levels and scales export ten correlated metrics once a minute (CPU, memory, request',
    'rate, latency, errors, disk, network in and out, a requests_total counter, connections) that follow a daily',
    'load curve. The first --training-days are clean; after them each server gets --episodes episodes a day in',
    'which ONE metric departs from the others (a spike, a level shift or a drift, 10–60 minutes, 4–6 standard',
    'deviations). DIR gets metrics.csv (wide: entity, timestamp in ISO 8601, one column per metric), the same data',
    'as metrics.parquet and as metrics.json (a Prometheus range-query response), labels.csv (entity, start, end,',
    'type, metric, sigmas; bounds inclusive) and example.json (options, seed, the training range, how to read each',
    'file). The same flags give the same bytes. DIR is written as a whole: a temporary folder renamed when complete.',
    '`driftwatch simulate` is the other generator: a whole cluster with a drifting call graph and propagating faults.',
  ].join('\n'),
  options: {
    out: { type: 'string', valueName: 'dir', description: 'output folder' },
    entities: { type: 'string', valueName: 'N', default: '5', description: 'servers' },
    metrics: { type: 'string', valueName: 'M', default: '10', description: 'metrics per server (1–10)' },
    days: { type: 'string', valueName: 'D', default: '2', description: 'days of one-minute records' },
    'training-days': {
      type: 'string',
      valueName: 'D',
      default: '1',
      description: 'leading days without episodes: the period to train on',
    },
    episodes: {
      type: 'string',
      valueName: 'K',
      default: '3',
      description: 'injected episodes per server and day after the training days',
    },
    seed: {
      type: 'string',
      valueName: 'S',
      default: '0',
      description: 'random seed: the same flags and seed give the same files, byte for byte',
    },
    force: { type: 'boolean', description: 'replace an existing output folder' },
  },
  examples: [
    'driftwatch example-metrics --entities 5 --metrics 10 --days 2 --seed 0 --out example',
    'driftwatch example-metrics --entities 20 --days 7 --training-days 5 --episodes 2 --out example-week',
  ],
});
