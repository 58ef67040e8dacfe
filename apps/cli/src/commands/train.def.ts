import { backendOption, dataRootOption, defineCommand } from '../command';

export const trainDefinition = defineCommand({
  path: ['train'],
  summary: 'train one detector on the normal windows of some entities and save it as a model directory',
  usage:
    'driftwatch train --method <id> --out <dir> [--dataset asd] [--hold-out <entity> | --entities <list>] [--epochs N]',
  description: [
    "Training data follows the leave-one-out protocol of docs/divad.md §5b: each training entity's whole sequence,",
    'its last 15% as validation, the scaler fitted on normal training records, windows with anomalies dropped.',
    'The model directory holds manifest.json (detector, config, scaler, domains, data provenance) and weights.',
  ].join('\n'),
  options: {
    method: { type: 'string', valueName: 'id', description: "detector id ('driftwatch methods' lists them)" },
    out: {
      type: 'string',
      valueName: 'dir',
      description: 'model directory to write (replaced atomically if it exists)',
    },
    dataset: {
      type: 'string',
      valueName: 'name',
      default: 'asd',
      choices: ['asd', 'smd'],
      description: 'the data set',
    },
    'hold-out': {
      type: 'string',
      valueName: 'entity',
      description: 'train on every entity but this one (e.g. omi-1 or 1)',
    },
    entities: { type: 'string', valueName: 'list', description: 'train on exactly these entities' },
    epochs: { type: 'string', valueName: 'N', description: 'maximum epochs of deep methods' },
    seed: { type: 'string', valueName: 'S', default: '0', description: 'random seed' },
    params: { type: 'string', valueName: 'json', description: 'parameter overrides, e.g. \'{"latentDim":8}\'' },
    ...backendOption,
    ...dataRootOption,
  },
  examples: [
    'driftwatch train --method dense-divad-gm --hold-out omi-1 --epochs 5 --out models/gm-omi1',
    'driftwatch train --method iforest --entities 2,3,4 --out models/if',
  ],
});
