import { defineCommand } from '../command';

/** ingest's OUTPUT_FORMATS and INPUT_FORMATS (the ingest package loads Arrow and Parquet; a test keeps these equal). */
export const CONVERT_OUTPUT_FORMATS = ['arrow', 'parquet', 'csv'] as const;
export const CONVERT_INPUT_FORMATS = ['wide-csv', 'long-csv', 'arrow', 'parquet', 'prometheus'] as const;

export const convertDefinition = defineCommand({
  path: ['convert'],
  summary: 'convert metrics between CSV (wide or long), Arrow IPC, Parquet and Prometheus JSON, streaming',
  usage: 'driftwatch convert <input> --to arrow|parquet|csv [--out FILE] [--map key=value …] [--on-error skip]',
  description: [
    'Reads the input as record batches and writes them in the new format; memory stays bounded by the batch size.',
    'The output is written to a temporary file and renamed when complete: a failed run leaves no output and keeps',
    'an existing file. With --on-error skip, CSV rows that do not parse are left out and written, with file, line,',
    'column and what was expected, to the rejects file.',
  ].join('\n'),
  arguments: [
    {
      name: 'input',
      required: true,
      description: 'the file to convert (CSV, optionally gzip-compressed; Arrow IPC; Parquet; Prometheus JSON)',
    },
  ],
  options: {
    to: { type: 'string', valueName: 'format', choices: CONVERT_OUTPUT_FORMATS, description: 'output format' },
    out: {
      type: 'string',
      valueName: 'file',
      description: 'output file (default: the input name with the new extension, beside it)',
    },
    format: {
      type: 'string',
      valueName: 'name',
      choices: CONVERT_INPUT_FORMATS,
      description: 'input format (default: detected)',
    },
    map: {
      type: 'string',
      multiple: true,
      valueName: 'key=value',
      description:
        'column mapping, repeatable: timestamp=ts, timestampUnit=ms, entity=host, metric=…, value=…, delimiter=tab',
    },
    metrics: {
      type: 'string',
      valueName: 'a,b,…',
      description: 'the metric columns (or names) to keep, in this order',
    },
    mapping: { type: 'string', valueName: 'file', description: 'a JSON file with the same keys as --map (flags win)' },
    'on-error': {
      type: 'string',
      valueName: 'mode',
      default: 'fail',
      choices: ['fail', 'skip'],
      description: 'fail: stop at the first bad row; skip: leave bad CSV rows out and list them in the rejects file',
    },
    rejects: {
      type: 'string',
      valueName: 'file',
      description: 'with --on-error skip: where rejected rows go (default: <out>.rejects.csv)',
    },
    force: { type: 'boolean', description: 'replace an existing output file' },
    unordered: {
      type: 'boolean',
      description: 'with a timestamp column: pass times that repeat or go back within an entity (default: an error)',
    },
  },
  examples: [
    'driftwatch convert machine_usage.csv --to parquet --map entity=machine_id --map timestamp=time_stamp',
    'driftwatch convert metrics.csv.gz --to arrow --out metrics.arrow',
    'driftwatch convert prometheus.json --to csv --map entityLabel=instance',
    'driftwatch convert long.csv --to arrow --format long-csv --map entity=host --map metric=name --map value=v',
    'driftwatch convert dirty.csv --to parquet --on-error skip --rejects dirty.rejects.csv',
  ],
});
