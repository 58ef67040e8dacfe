import { dataRootOption, defineCommand } from '../command';
import { lockOption } from './datasets.def';

export const datasetsFetchDefinition = defineCommand({
  path: ['datasets', 'fetch'],
  summary:
    'download the named data sets from the sources in datasets.lock, check them and put them under the data root',
  usage: 'driftwatch datasets fetch <name…> [--data-root DIR] [--base-url URL] [--only PATH,…] [--replace]',
  description: [
    'Every file is checked before it is put in place: against the sha256 in datasets.lock, or, for archives, the',
    'checksum their publisher gives. Files already present with the right content are kept; a present file that',
    'differs stops the fetch unless --replace is given. An interrupted download continues where it stopped when',
    'the same command is run again (the partial file is kept as <target>.part).',
  ].join('\n'),
  arguments: [{ name: 'name', variadic: true, description: 'data sets of datasets.lock to fetch' }],
  options: {
    ...dataRootOption,
    'base-url': {
      type: 'string',
      valueName: 'url',
      description: 'fetch from this origin instead of the one in each URL (a mirror laid out like the original)',
    },
    only: {
      type: 'string',
      valueName: 'paths',
      description: 'comma-separated data-root paths (files or folders): fetch only what is written there',
    },
    replace: { type: 'boolean', description: 'replace present files whose content differs from datasets.lock' },
    ...lockOption,
  },
  examples: [
    'driftwatch datasets fetch nezha',
    'driftwatch datasets fetch asd smd --data-root /data/driftwatch',
    'driftwatch datasets fetch alibaba-v2018 --only alibaba-v2018/machine_meta.csv,alibaba-v2018/machine_usage.csv',
    'driftwatch datasets fetch exathlon --base-url http://mirror.example/github-raw',
  ],
});
