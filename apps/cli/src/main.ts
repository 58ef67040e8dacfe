import { DriftwatchError } from '@driftwatch/contracts';
import { UsageError } from './cli-error';
import { DRIFTWATCH } from './commands';
import { runProgram, type ProgramSpec } from './program';

/** Runs `driftwatch <argv>`; resolves to the exit code, rejects with what the command or the parser threw. */
export function main(argv: string[]): Promise<number> {
  return runProgram(DRIFTWATCH, argv);
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

/**
 * The program with every command's run replaced by a hand-off: what the start-up bundle parses with, so that it
 * answers help, version and usage errors from the definitions alone.
 */
function handingOff(spec: ProgramSpec, onRun: () => void): ProgramSpec {
  const commands = spec.commands.map(({ definition }) => ({
    definition,
    load: async () => ({
      ...definition,
      async run() {
        onRun();
        return 0;
      },
    }),
  }));
  return { ...spec, commands };
}

/**
 * Runs `driftwatch <argv>` and sets the exit code. With `handOff` (the launcher's start-up bundle), a command line
 * that runs a command is passed on to it as it is; everything else is answered here.
 */
export function run(argv: string[], handOff?: (argv: string[]) => void): void {
  let handedOff = false;
  const spec = handOff ? handingOff(DRIFTWATCH, () => (handedOff = true)) : DRIFTWATCH;
  runProgram(spec, argv).then(
    (code) => {
      if (handedOff) handOff!(argv);
      else process.exitCode = code;
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
