import { DriftwatchError } from '@driftwatch/contracts';
import { helpText, parseCommandArgs, type Command } from './command';
import { UsageError } from './cli-error';
import { datasetsList, datasetsVerify } from './commands/datasets';
import { datasetsInspect } from './commands/datasets-inspect';
import { datasetsFetch } from './commands/datasets-fetch';
import { convert } from './commands/convert';
import { train } from './commands/train';
import { score } from './commands/score';
import { evaluate } from './commands/evaluate';
import { benchAsdLoso } from './commands/bench-asd-loso';
import { benchSt } from './commands/bench-st';
import { report } from './commands/report';
import { doctor } from './commands/doctor';
import { graphBuild, graphDrift, graphInspect } from './commands/graph';
import { simulate } from './commands/simulate';
import { demo } from './commands/demo';

const COMMANDS: Command[] = [
  datasetsList,
  datasetsVerify,
  datasetsFetch,
  datasetsInspect,
  convert,
  train,
  score,
  evaluate,
  benchAsdLoso,
  benchSt,
  report,
  simulate,
  demo,
  doctor,
  graphBuild,
  graphInspect,
  graphDrift,
];
const VERSION = '0.1.0';

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length)) + 2;
  return [
    'driftwatch — anomaly detection in the metrics of distributed systems when "normal" keeps changing',
    '',
    'Usage: driftwatch <command> [options]      (driftwatch <command> --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(width)}${c.summary}`),
    '',
    'Examples:',
    '  driftwatch datasets verify asd',
    '  driftwatch bench asd-loso --methods dense-divad-gm,iforest --servers 1 --epochs 5',
    '  driftwatch train --method dense-divad-gm --hold-out omi-1 --epochs 5 --out models/gm-omi1',
    '  driftwatch score --model models/gm-omi1 --out scores/gm-omi1.arrow',
    '  driftwatch evaluate --scores scores/gm-omi1.arrow',
    '  driftwatch report bench-results/asd-loso --out report.html',
    '',
    'Data: read from --data-root, else $DRIFTWATCH_DATA, else ../shared/datasets next to the repository.',
    '',
  ].join('\n');
}

/** Picks the command whose words match the start of argv, longest first. */
export function findCommand(argv: string[]): { cmd?: Command; rest: string[] } {
  const sorted = [...COMMANDS].sort((a, b) => b.path.length - a.path.length);
  for (const cmd of sorted) {
    if (cmd.path.every((w, i) => argv[i] === w)) return { cmd, rest: argv.slice(cmd.path.length) };
  }
  return { rest: argv };
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(overview());
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const { cmd, rest } = findCommand(argv);
  if (!cmd) {
    const group = COMMANDS.filter((c) => c.path[0] === argv[0]);
    const hint = group.length > 0 ? `'${argv[0]}' needs one of: ${group.map((c) => c.path.slice(1).join(' ')).join(', ')}` : `unknown command '${argv.join(' ')}'`;
    throw new UsageError(`${hint}. Run 'driftwatch --help' for the commands.`);
  }
  const { values, positionals, help } = parseCommandArgs(cmd, rest);
  if (help) {
    process.stdout.write(helpText(cmd));
    return 0;
  }
  return cmd.run(values, positionals, argv);
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EISDIR: 'is a folder, a file was expected',
  ENOTDIR: 'a path component is not a folder',
  ENOSPC: 'no space left on the device',
};

/** A user-facing line for file-system errors a command line can cause (a mistyped path, a full disk). */
export function fileSystemMessage(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err.code !== 'string' || !(err.code in FS_REASONS)) return undefined;
  return err.path ? `${err.path}: ${FS_REASONS[err.code]}` : `${FS_REASONS[err.code]} (${err.message})`;
}

export function run(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      const fsError = fileSystemMessage(e);
      if (fsError) {
        process.stderr.write(`driftwatch: ${fsError}\n`);
        process.exitCode = 1;
      } else if (e instanceof DriftwatchError) {
        process.stderr.write(`driftwatch: ${e.message}\n`);
        process.exitCode = e instanceof UsageError ? 2 : 1;
      } else {
        process.stderr.write(`driftwatch: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exitCode = 1;
      }
    },
  );
}

if (require.main === module) run(process.argv.slice(2));
