import { backendOption, dataRootOption, defineCommand } from '../command';

export const scoreDefinition = defineCommand({
  path: ['score'],
  summary: 'score the whole sequence of entities with a trained model and write a score file',
  usage: 'driftwatch score --model <dir> --out <file.arrow|file.csv> [--dataset asd] [--entities <list>]',
  description: [
    'Each record gets the score of the window ending at it (the first W−1 records get the lowest finite value,',
    'as the online scorer of docs/divad.md §1 does). Scores are not smoothed here: `driftwatch evaluate` applies the',
    'EWMA grid. The file has columns sequence, record, score (Arrow IPC, or CSV for a .csv name).',
  ].join('\n'),
  options: {
    model: { type: 'string', valueName: 'dir', description: 'model directory written by `driftwatch train`' },
    out: { type: 'string', valueName: 'file', description: 'score file to write (.arrow or .csv)' },
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
    'driftwatch score --model models/gm-omi1 --out scores/gm-omi1.arrow',
    'driftwatch score --model models/if --entities omi-1,omi-5 --out scores/if.csv',
  ],
});
