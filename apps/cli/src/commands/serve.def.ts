import { backendOption, defineCommand, prometheusOptions } from '../command';

export const serveDefinition = defineCommand({
  path: ['serve'],
  summary: 'score a live Prometheus continuously with a train --input model: alarms, explanations, /metrics',
  usage:
    'driftwatch serve --model <dir> --prometheus <url> --config <serve.yaml> [--port N] [--state <file>] ' +
    '[--shard i/n]',
  description: [
    'Every interval (config `interval`, the step of the training records) queries each model feature from',
    "Prometheus's HTTP API (query_range: the first round fills the first window, later rounds catch up what they",
    'missed), scores each entity (the value of `entityLabel`) with the feature plan, standardisation, smoothing and',
    'threshold of the model — the scores of `score --input` on the same records — and runs an alarm per entity:',
    'pending when the smoothed score reaches the threshold, firing after `for`, resolved below it. Missing data',
    'never fires; a gap longer than the window restarts the warm-up. Serves /metrics (driftwatch_anomaly_score,',
    'driftwatch_alarm, driftwatch_feature_contribution, driftwatch_threshold, driftwatch_scoring_lag_seconds,',
    'driftwatch_query_errors_total, driftwatch_up), /api/alerts (JSON with top features), /healthz and / (a status',
    'page). The config file (YAML or JSON) maps each model feature to one PromQL query keeping the entity label;',
    'it is checked against the model and Prometheus at start. --state keeps per-entity state across restarts',
    '(written atomically each round); --shard i/n scores the entities whose Prometheus hashmod is i. Runs until',
    'SIGINT or SIGTERM.',
  ].join('\n'),
  options: {
    model: { type: 'string', valueName: 'dir', description: 'model directory written by `driftwatch train --input`' },
    ...prometheusOptions,
    port: {
      type: 'string',
      valueName: 'N',
      default: '9464',
      description: 'port of /metrics, /api/alerts and / (0: any)',
    },
    host: { type: 'string', valueName: 'addr', default: '127.0.0.1', description: 'address to listen on' },
    state: { type: 'string', valueName: 'file', description: 'checkpoint file: resume from it, write it each round' },
    shard: { type: 'string', valueName: 'i/n', description: 'score only the entities of replica i of n (hashmod)' },
    threshold: { type: 'string', valueName: 'X', description: "alarm threshold instead of the model's" },
    top: { type: 'string', valueName: 'N', default: '3', description: 'features named per alarm' },
    ...backendOption,
  },
  examples: [
    'driftwatch serve --model models/node --prometheus http://127.0.0.1:9090 --config serve.yaml',
    'driftwatch serve --model models/node --prometheus http://prometheus:9090 --config serve.yaml --port 9464 \\\n' +
      '    --state /var/lib/driftwatch/state.json --shard 1/3',
  ],
});
