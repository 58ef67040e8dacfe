/**
 * What an output path may be before anything is written: never one of the inputs (compared by real path, so `.`,
 * `../x` and symbolic links are seen through), and an existing folder only when it is empty, a previous output of
 * the same command, or the user said `--force`. A command checks this before it reads or computes anything, so a
 * refused output costs nothing.
 */
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { DriftwatchError } from '@driftwatch/contracts';

/** The real path of `path`, also when its last parts do not exist yet (the nearest existing folder is resolved). */
export function realPathOf(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(realPathOf(parent), basename(absolute));
  }
}

/** Whether `inner` is `outer` or lies inside it (both real paths). */
function within(inner: string, outer: string): boolean {
  const r = relative(outer, inner);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * Refuses an output that is one of `inputs`; with `replaces` (the output is a folder that is replaced whole) also one
 * that holds an input.
 */
export function checkNotInput(flag: string, out: string, inputs: readonly string[], replaces = false): void {
  const target = realPathOf(out);
  for (const input of inputs) {
    const source = realPathOf(input);
    if (source === target)
      throw new DriftwatchError(`${flag} ${out} is also an input (${input}): write the output somewhere else`);
    if (replaces && within(source, target))
      throw new DriftwatchError(
        `${flag} ${out} holds an input (${input}) and would be replaced: write the output somewhere else`,
      );
  }
}

/** How `checkOutputFolder` judges an existing folder, and what its messages call it. */
export interface OutputFolderCheck {
  /** the flag that named the folder, for messages */
  flag: string;
  /** what the command writes there, for messages ("a model", "benchmark results") */
  what: string;
  /** whether an existing folder is a previous output of the same command (its manifest or marker file) */
  isPrevious: (dir: string) => boolean;
  /** paths the command reads: the folder can be none of them and hold none of them */
  inputs?: readonly string[];
  /** the user allows replacing a folder that is not a previous output (`--force`) */
  force?: boolean;
  /**
   * 'replace': the folder is replaced whole (a model); 'into': the command adds files to it and never removes any
   * (benchmark results), so even `force` cannot make a file into a folder.
   */
  mode: 'replace' | 'into';
}

/**
 * Checks a folder output before anything is written: missing, empty, or a previous output of the same command is
 * fine; anything else (a file, a folder of other things) is an error unless `force` allows replacing it.
 */
export function checkOutputFolder(out: string, check: OutputFolderCheck): void {
  const { flag, what } = check;
  checkNotInput(flag, out, check.inputs ?? [], check.mode === 'replace');
  let entry;
  try {
    entry = lstatSync(out);
  } catch {
    return;
  }
  const isFolder =
    entry.isDirectory() || (entry.isSymbolicLink() && statSync(out, { throwIfNoEntry: false })?.isDirectory());
  if (!isFolder) {
    if (check.mode === 'replace' && check.force) return;
    throw new DriftwatchError(
      `${flag} ${out} is a file, expected a folder for ${what}` +
        (check.mode === 'replace' ? ' (use --force to replace it)' : ': name a new or empty folder'),
    );
  }
  if (readdirSync(out).length === 0 || check.isPrevious(out)) return;
  if (check.mode === 'replace' && check.force) return;
  throw new DriftwatchError(
    `${flag} ${out} holds files that are not ${what}` +
      (check.mode === 'replace'
        ? ': name a new or empty folder, or use --force to replace it'
        : ': name a new or empty folder, or one written by the same command'),
  );
}

/** Checks a file output: not an input, not a folder. Replacing an existing file stays the command's rule. */
export function checkOutputFile(flag: string, out: string, inputs: readonly string[] = []): void {
  checkNotInput(flag, out, inputs);
  if (statSync(out, { throwIfNoEntry: false })?.isDirectory())
    throw new DriftwatchError(`${flag} ${out} is a folder, expected a file name`);
}
