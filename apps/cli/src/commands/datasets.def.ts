import { dataRootOption, defineCommand, defineOptions } from '../command';

export const lockOption = defineOptions({
  lock: {
    type: 'string',
    valueName: 'file',
    description: 'the lock file to read (default: datasets.lock of the repository)',
  },
});

export const datasetsListDefinition = defineCommand({
  path: ['datasets', 'list'],
  summary: 'list the data sets of datasets.lock, their source and whether they are under the data root',
  usage: 'driftwatch datasets list [--data-root DIR]',
  options: { ...dataRootOption, ...lockOption },
  examples: ['driftwatch datasets list', 'DRIFTWATCH_DATA=/data/driftwatch driftwatch datasets list'],
});

export const datasetsVerifyDefinition = defineCommand({
  path: ['datasets', 'verify'],
  summary: 'check every file of the named data sets (default: all) against the bytes and sha256 in datasets.lock',
  usage: 'driftwatch datasets verify [name…] [--data-root DIR]',
  arguments: [{ name: 'name', variadic: true, description: 'data sets of datasets.lock to check (default: all)' }],
  description:
    'Exits 1 and names each file that is missing or differs, and each entity (a server of ASD or SMD) whose files ' +
    'the lock does not list: train and bench would read it as one more server. Exits 0 when every file matches.\n' +
    'Other files in the data set folders that the lock does not list, symbolic links included, are named as a ' +
    'note (they do not fail the check).',
  options: { ...dataRootOption, ...lockOption },
  examples: [
    'driftwatch datasets verify asd',
    'driftwatch datasets verify',
    'driftwatch datasets verify asd smd --data-root /mnt/copy',
  ],
});
