import nx from '@nx/eslint-plugin';

// The arrows of docs/architecture.md: libraries depend on contracts only (simulate also on ingest, experiments on
// every library but report); the CLI may use everything.
const library = (tag) => ({ sourceTag: tag, onlyDependOnLibsWithTags: ['scope:contracts'] });

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  // JavaScript is linted only in tools/, whose scripts (build, launcher helpers, packaging checks) are plain ES modules
  { ignores: ['**/dist', '**/node_modules', '.nx', '**/*.js', '**/*.mjs', '!tools/**/*.mjs'] },
  ...nx.configs['flat/javascript'].map((config) => ({ ...config, files: ['tools/**/*.mjs'] })),
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:contracts', onlyDependOnLibsWithTags: [] },
            library('scope:ingest'),
            library('scope:graph'),
            // the simulator writes its files with ingest's writers, in the layouts ingest reads
            { sourceTag: 'scope:simulate', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:ingest'] },
            library('scope:models'),
            library('scope:eval'),
            // experiment protocols compose the libraries; only the CLI runs them
            {
              sourceTag: 'scope:experiments',
              onlyDependOnLibsWithTags: [
                'scope:contracts',
                'scope:ingest',
                'scope:graph',
                'scope:simulate',
                'scope:models',
                'scope:eval',
              ],
            },
            // reports draw what eval computes
            { sourceTag: 'scope:report', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:eval'] },
            // live scoring applies a trained model's own-data steps (experiments) to what Prometheus answers
            {
              sourceTag: 'scope:serve',
              onlyDependOnLibsWithTags: [
                'scope:contracts',
                'scope:ingest',
                'scope:models',
                'scope:eval',
                'scope:experiments',
              ],
            },
            {
              sourceTag: 'scope:tools',
              onlyDependOnLibsWithTags: [
                'scope:contracts',
                'scope:ingest',
                'scope:graph',
                'scope:simulate',
                'scope:models',
                'scope:eval',
                'scope:experiments',
                'scope:serve',
              ],
            },
            {
              sourceTag: 'scope:app',
              onlyDependOnLibsWithTags: [
                'scope:contracts',
                'scope:ingest',
                'scope:graph',
                'scope:simulate',
                'scope:models',
                'scope:eval',
                'scope:report',
                'scope:experiments',
                'scope:serve',
              ],
            },
          ],
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // prettier cannot break strings or comments; regexes and URLs cannot be split without harm
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    files: ['tools/**/*.mjs'],
    rules: { 'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }] },
  },
  {
    // Examples are written as a user of the package would write them: through its public name.
    files: ['**/examples/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
