import { backendOption, dataRootOption, defineCommand } from '../command';

export const scoreDefinition = defineCommand({
  path: ['score'],
  summary: "score your metric files with calibrated alarms (or a data set's entities) and write a score file",
  usage:
    'driftwatch score --model <dir> --input <file|dir> --out <file.csv|.arrow|.parquet> [--threshold X] [--top N]\n' +
    '       driftwatch score --model <dir> --out <file.arrow|file.csv> [--dataset asd] [--entities <list>]',
  description: [
    'With --input (a model trained with `train --input`): the input columns are matched to the feature plan by name',
    '(any order; missing or extra columns are an error naming them), then one row per record: entity, timestamp',
    '(when the input has times), record, warmup (1 = before the first full window: no score), score (the window',
    'ending at the record; --score-position centre: centred on it), smoothed (EWMA with the calibrated β, per',
    'entity), threshold, alarm. A window holding a missing value is not scored: its record has an empty score with',
    'warmup 0, and the smoothing carries over it. Alarm episodes (runs of alarms, gaps shorter than the window',
    'merged) go to <out>.episodes.csv with the top features of the peak window. Both files are written atomically.',
    'With --dataset (a model trained with `train --dataset`):',
    'Each record gets the score of the window ending at it (the first W−1 records get the lowest finite value,',
    'as the online scorer of docs/divad.md §1 does). Scores are not smoothed here: `driftwatch evaluate` applies the',
    'EWMA grid. The file has columns sequence, record, score (Arrow IPC, or CSV for a .csv name).',
  ].join('\n'),
  options: {
    model: { type: 'string', valueName: 'dir', description: 'model directory written by `driftwatch train`' },
    input: {
      type: 'string',
      multiple: true,
      valueName: 'file|dir',
      description: 'your metric files or directories (repeatable); excludes --dataset',
    },
    out: {
      type: 'string',
      valueName: 'file',
      description: 'score file to write (.csv, .arrow; with --input also .parquet)',
    },
    episodes: {
      type: 'string',
      valueName: 'file',
      description: 'with --input: the alarm episodes CSV (default <out minus extension>.episodes.csv)',
    },
    threshold: { type: 'string', valueName: 'X', description: "with --input: alarm threshold instead of the model's" },
    'score-position': {
      type: 'string',
      valueName: 'where',
      choices: ['last', 'centre'],
      description: "with --input: where a window's score sits (default: the model's calibration)",
    },
    top: { type: 'string', valueName: 'N', default: '3', description: 'with --input: features named per episode' },
    map: {
      type: 'string',
      multiple: true,
      valueName: 'key=value',
      description: 'column mapping as in convert (entity and time columns default to the training ones)',
    },
    mapping: { type: 'string', valueName: 'file', description: 'a JSON file with the same keys as --map (flags win)' },
    'entity-column': {
      type: 'string',
      valueName: 'name',
      description: 'with --input: the column naming the entity (default: the one trained with)',
    },
    format: {
      type: 'string',
      valueName: 'name',
      choices: ['wide-csv', 'long-csv', 'arrow', 'parquet', 'prometheus'],
      description: 'input format (default: detected)',
    },
    dataset: {
      type: 'string',
      valueName: 'name',
      choices: ['asd', 'smd'],
      description: 'the data set (default: the one the model was trained on)',
    },
    entities: {
      type: 'string',
      valueName: 'list',
      description: 'entities to score (default: those the model was not trained on)',
    },
    ...backendOption,
    ...dataRootOption,
  },
  examples: [
    'driftwatch score --model models/maha --input metrics.csv --out scores/maha.csv',
    'driftwatch score --model models/gm --input data/ --out scores/gm.parquet --threshold 12.5 --top 5',
    'driftwatch score --model models/gm-omi1 --out scores/gm-omi1.arrow',
    'driftwatch score --model models/if --entities omi-1,omi-5 --out scores/if.csv',
  ],
});
