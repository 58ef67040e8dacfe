import { dataRootOption, defineCommand } from '../command';

export const evaluateDefinition = defineCommand({
  path: ['evaluate'],
  summary: 'evaluate a score file against the labels: peak F1, precision, recall, AUC-PR per smoothing factor',
  usage:
    'driftwatch evaluate --scores <file> [--labels ranges.csv] [--input DIR…] [--smoothing grid|b1,b2] [--method ' +
    'name] [--out results.jsonl]',
  description: [
    "Applies the online scorer's EWMA (pandas adjust=True) for each smoothing factor to the window scores of each",
    'sequence, then computes point-based peak F1 as docs/divad.md §2 (records within W−1 after an anomaly ignored).',
    'Records without a score (warm-up: before the first full window) are left out. A score of ±Infinity, or a',
    'NaN between the scored records of a data-set sequence (they have no missing values), is an error.',
    '',
    'Reads every score file driftwatch writes. Files of `score --dataset` and of `bench` name their sequences',
    '(asd/omi-1, smd/test/machine-2-1, tsb-ad/<series>), whose labels come from the data root, or from --input for',
    "TSB-AD; a bench file's validation window scores give the label-free (deployed) thresholds too. Record-score",
    'files of `score --input` (entity, timestamp, record, warmup, score, …) are evaluated against --labels: a CSV',
    'entity,start,end[,type] with inclusive bounds, ISO 8601 times or record indexes.',
  ].join('\n'),
  options: {
    scores: {
      type: 'string',
      valueName: 'file',
      description: 'score file written by `driftwatch score` or `driftwatch bench` (scores/<method>/<entity>.arrow)',
    },
    dataset: {
      type: 'string',
      valueName: 'name',
      choices: ['asd', 'smd', 'tsb-ad'],
      description: "check that every sequence is of this data set (default: each sequence's own)",
    },
    labels: {
      type: 'string',
      valueName: 'file',
      description: 'labels CSV entity,start,end[,type] for a record-score file of `driftwatch score --input`',
    },
    input: {
      type: 'string',
      multiple: true,
      valueName: 'path',
      description: 'TSB-AD CSV files or folders the tsb-ad sequences of the score file come from',
    },
    smoothing: {
      type: 'string',
      valueName: 'list',
      default: 'grid',
      description: "EWMA factors β, or 'grid' for docs/divad.md's 12",
    },
    method: {
      type: 'string',
      valueName: 'name',
      description: 'method name recorded in results (default: the score file name)',
    },
    out: {
      type: 'string',
      valueName: 'file',
      description: 'append one JSON line per (sequence, smoothing) to this results.jsonl',
    },
    ...dataRootOption,
  },
  examples: [
    'driftwatch evaluate --scores scores/gm-omi1.arrow',
    'driftwatch evaluate --scores scores/if.csv --smoothing 0,0.9 --method iforest --out results.jsonl',
    'driftwatch evaluate --scores bench-results/per-entity/scores/mahalanobis/machine-2-1.arrow',
    'driftwatch evaluate --scores alarms.csv --labels incidents.csv',
  ],
});
