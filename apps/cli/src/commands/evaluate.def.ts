import { dataRootOption, defineCommand } from '../command';

export const evaluateDefinition = defineCommand({
  path: ['evaluate'],
  summary: 'evaluate a score file against the labels: peak F1, precision, recall, AUC-PR per smoothing factor',
  usage:
    'driftwatch evaluate --scores <file> [--dataset asd] [--smoothing grid|b1,b2] [--method name] [--out ' +
    'results.jsonl]',
  description: [
    "Applies the online scorer's EWMA (pandas adjust=True) for each smoothing factor to the window scores of each",
    'sequence, then computes point-based peak F1 as docs/divad.md §2 (records within W−1 after an anomaly ignored).',
  ].join('\n'),
  options: {
    scores: { type: 'string', valueName: 'file', description: 'score file written by `driftwatch score`' },
    dataset: {
      type: 'string',
      valueName: 'name',
      default: 'asd',
      choices: ['asd', 'smd'],
      description: 'the data set the labels come from',
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
  ],
});
