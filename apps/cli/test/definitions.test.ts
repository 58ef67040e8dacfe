import { BACKEND_PREFERENCES } from '@driftwatch/models';
import { INPUT_FORMATS, OUTPUT_FORMATS } from '@driftwatch/ingest';
import { BACKEND_CHOICES } from '../src/command';
import { COMMANDS } from '../src/commands';
import { CONVERT_INPUT_FORMATS, CONVERT_OUTPUT_FORMATS } from '../src/commands/convert.def';
import { INSPECTABLE_DATASETS } from '../src/commands/datasets-inspect.def';
import { INSPECTORS } from '../src/commands/datasets-inspect';

/**
 * The definitions are loaded at start-up and may not import the heavy packages, so they hold some of those
 * packages' lists as literals: each must stay equal to the package's own.
 */
describe('lists the definitions copy from heavy packages', () => {
  it.each([
    ['--backend choices = the backend loader preferences', BACKEND_CHOICES, BACKEND_PREFERENCES],
    ['convert --to = ingest output formats', CONVERT_OUTPUT_FORMATS, OUTPUT_FORMATS],
    ['convert --format = ingest input formats', CONVERT_INPUT_FORMATS, INPUT_FORMATS],
    ['datasets inspect names = the inspectors', INSPECTABLE_DATASETS, Object.keys(INSPECTORS)],
  ])('%s', (_what, copy, source) => {
    expect([...copy]).toEqual([...source]);
  });
});

describe('the command list', () => {
  it.each(COMMANDS.map((c) => [c.definition.path.join(' '), c] as const))(
    "'%s': its run module exports the command built on the listed definition",
    async (_path, entry) => {
      const command = await entry.load();
      const { run, ...definition } = command;
      expect(typeof run).toBe('function');
      expect(definition).toEqual(entry.definition);
    },
    60_000,
  );
});
