import { defineCommand, prometheusOptions } from '../command';

export const recordDefinition = defineCommand({
  path: ['record'],
  summary: "record training data from Prometheus with serve's queries: a file `train --input` reads",
  usage:
    'driftwatch record --prometheus <url> --config <serve.yaml> (--last <duration> | --range FROM..TO) --out <file>',
  description: [
    'Runs one query_range per feature of the serve config (the file `driftwatch serve --config` reads) over the range,',
    "at the config's interval, and writes one Prometheus query_range response (JSON) whose series are labelled",
    '{__name__: feature, <entityLabel>: entity}: train a model on it with `driftwatch train --input`, then serve it',
    'with the same config, so the features mean at training what they mean live. Long ranges are fetched in chunks',
    '(Prometheus answers at most 11,000 points per series). Pick a range of normal operation: alarms are calibrated',
    'on its last part. The file is written whole (temporary name, then rename) or not at all.',
  ].join('\n'),
  options: {
    ...prometheusOptions,
    last: { type: 'string', valueName: 'duration', description: 'the range ending now: 6h, 2d, 90m, …' },
    range: {
      type: 'string',
      valueName: 'FROM..TO',
      description: 'ISO 8601 times, e.g. 2026-12-01T00:00Z..2026-12-03T00:00Z',
    },
    out: { type: 'string', valueName: 'file', description: 'the JSON file to write (.json)' },
  },
  examples: [
    'driftwatch record --prometheus http://127.0.0.1:9090 --config serve.yaml --last 2d --out normal.json',
    'driftwatch record --prometheus http://prometheus:9090 --config serve.yaml \\\n' +
      '    --range 2026-12-01T00:00Z..2026-12-03T00:00Z --out normal.json',
    'driftwatch train --input normal.json --method mahalanobis --out models/node   # then: driftwatch serve …',
  ],
});
