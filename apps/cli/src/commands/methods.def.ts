import { defineCommand } from '../command';

export const methodsDefinition = defineCommand({
  path: ['methods'],
  summary: 'the detector methods: id, kind (window / node), what each needs; show <id>: its parameters and citation',
  usage: 'driftwatch methods [show <id>] [--json]',
  description: [
    'Without arguments: every method id with its kind, what it needs (tfjs, labels, epochs) and a one-line summary.',
    "'show <id>': the method's parameters (accepted values, default, defaults per data set, description), the",
    'requirements between them and the citation. Everything comes from the detector registry, the one table the',
    'other commands take their method ids from.',
  ].join('\n'),
  arguments: [
    { name: 'show', choices: ['show'], description: "'show', to describe one method" },
    { name: 'id', description: "the method id to show ('driftwatch methods' lists them)" },
  ],
  options: { json: { type: 'boolean', description: 'print the parameter schemas as JSON instead of a table' } },
  examples: ['driftwatch methods', 'driftwatch methods show dense-divad-gm', 'driftwatch methods show st-dda --json'],
});
