import type { Command } from '../command';
import { listOption } from '../command';
import { dataRoot } from '../workspace';
import { benchAsdLosoDefinition } from './bench-asd-loso.def';
import { runWindowsBench } from './bench-windows';

export { summaryTable } from './bench-windows';

/** `bench windows --protocol loso --dataset asd` under its first name, with --servers for --entities. */
export const benchAsdLoso: Command = {
  ...benchAsdLosoDefinition,
  run(values, _positionals, argv) {
    const source = { protocol: 'loso', dataRoot: dataRoot(values), dataset: 'asd' } as const;
    return runWindowsBench(values, argv, source, listOption(values, 'servers') ?? ['all']);
  },
};
