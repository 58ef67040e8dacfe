import { defineCommand } from '../command';
// `bench asd-loso` is this command with --protocol loso --dataset asd; they share these flags
import { WINDOW_BENCH_OPTIONS } from './bench-asd-loso.def';

export const benchWindowsDefinition = defineCommand({
  path: ['bench', 'windows'],
  summary: 'window detectors under a protocol: loso, per-entity (SMD standard) or tsb-ad; results, scores, run.json',
  usage:
    'driftwatch bench windows --protocol loso|per-entity|tsb-ad [--dataset asd|smd | --input DIR…] --methods ' +
    '<ids> [--entities <list>] [--epochs N] [--out DIR] [--resume] [--shard i/n] [--jobs N] [--grid FILE] [--seed S]',
  description: [
    'The protocol says what trains and what is scored, per test entity:',
    '  loso        leave one entity out (docs/divad.md §5b): the other entities of --dataset (train part and test',
    '              part each) train, the held-out entity is scored whole; windows holding an anomaly are dropped;',
    "  per-entity  the entity's own train part trains and its test part is scored (SMD's standard protocol);",
    '  tsb-ad      TSB-AD layout (--input: CSV files or folders of them, metric columns + Label, named',
    '              …_tr_<N>_1st_<M>.csv): the first N records train, the whole series is scored, as TSB-AD does.',
    "In all three the last 15% of each training sequence is validation and the scaler is fitted on the rest's",
    'normal records. Results, score files, latent projections and run.json are those of `bench asd-loso` (see its',
    'help): one JSON line per (method, entity, smoothing), --resume, --shard and --jobs work alike, and',
    '`driftwatch report` and `driftwatch evaluate` read the output of every protocol. Test sequences are named',
    'asd/omi-1 (loso), smd/test/machine-2-1 (per-entity) and tsb-ad/<file name> (tsb-ad).',
  ].join('\n'),
  options: {
    protocol: {
      type: 'string',
      valueName: 'name',
      choices: ['loso', 'per-entity', 'tsb-ad'],
      description: 'what trains and what is scored (see above)',
    },
    dataset: {
      type: 'string',
      valueName: 'name',
      choices: ['asd', 'smd'],
      description: 'the OmniAnomaly-layout data set under the data root (loso, per-entity; default asd)',
    },
    input: {
      type: 'string',
      multiple: true,
      valueName: 'path',
      description: 'tsb-ad: a CSV file or a folder of CSV files in TSB-AD layout (repeatable)',
    },
    entities: {
      type: 'string',
      valueName: 'list',
      default: 'all',
      description: "test entities: numbers (1,2), names (machine-2-1, or a TSB-AD file name without .csv) or 'all'",
    },
    out: { type: 'string', valueName: 'dir', description: 'output folder (default: bench-results/<protocol>)' },
    ...WINDOW_BENCH_OPTIONS,
  },
  examples: [
    'driftwatch bench windows --protocol per-entity --dataset smd --methods mahalanobis',
    'driftwatch bench windows --protocol loso --dataset asd --methods dense-divad-gm,iforest --entities 1 --epochs 5',
    'driftwatch bench windows --protocol tsb-ad --input TSB-AD-M/ --methods mahalanobis --params ' +
      '\'{"windowLength":20}\'',
  ],
});
