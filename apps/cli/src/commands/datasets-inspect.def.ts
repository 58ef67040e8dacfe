import { dataRootOption, defineCommand } from '../command';

/** The data sets `datasets inspect` has an adapter for (the keys of INSPECTORS; a test keeps them equal). */
export const INSPECTABLE_DATASETS = ['asd', 'smd', 'exathlon', 'nezha', 'alibaba-v2018'] as const;

export const datasetsInspectDefinition = defineCommand({
  path: ['datasets', 'inspect'],
  summary: 'schema, entities, rows, time span, sampling step, missing share per column and label counts of a data set',
  usage: `driftwatch datasets inspect <${INSPECTABLE_DATASETS.join('|')}> [DIR] [--json] [--data-root DIR]`,
  description:
    'Reads the data set through its adapter, as training and evaluation do, and summarises ' +
    'it.\nalibaba-v2018 reads the six tables from DIR (default: <data root>/alibaba-v2018), where a user ' +
    'placed the official files.',
  arguments: [
    { name: 'dataset', required: true, choices: INSPECTABLE_DATASETS, description: 'the data set to inspect' },
    { name: 'dir', description: 'alibaba-v2018 only: the folder holding its tables' },
  ],
  options: {
    ...dataRootOption,
    json: { type: 'boolean', description: 'print the inspection as JSON' },
  },
  examples: [
    'driftwatch datasets inspect asd',
    'driftwatch datasets inspect nezha --json',
    'driftwatch datasets inspect alibaba-v2018 /data/alibaba',
  ],
});
