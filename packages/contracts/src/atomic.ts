/**
 * The one place outputs are written atomically (docs/architecture.md, "Conventions"): files and folders are built
 * under a hidden temporary sibling and renamed into place, so readers see the old output or the complete new one.
 * Temporaries still open are removed when the process is interrupted (SIGINT, SIGTERM) or exits, and those of
 * processes that died harder (SIGKILL, power loss) are swept by the next write into the same folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DriftwatchError } from './errors';

/** `.<name>.<pid>.<12 hex>.tmp`, optionally `.old` (a replaced folder on its way out): the pid says whose it is. */
const TEMPORARY_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp(\.old)?$/;
/** model folders' temporaries left by versions that wrote them apart: `.<name>.tmp-<pid>-…`, `.<name>.old-<pid>-…` */
const MODEL_TEMPORARY_NAME = /^\.(.+)\.(tmp|old)-(\d+)-[0-9a-z]+-[0-9a-z]+$/;

const live = new Set<string>();
/** a replaced folder moved aside (`.old`) → where it goes back if the process dies before the new one is in place */
const movedAside = new Map<string, string>();
let handlersInstalled = false;

function removeLiveTemporaries(): void {
  for (const path of live) rmSync(path, { recursive: true, force: true });
  live.clear();
  for (const [old, target] of movedAside) restoreMovedAside(old, target);
  movedAside.clear();
}

/** Puts a folder moved aside back when nothing took its place; removes it when the new one is there. */
function restoreMovedAside(old: string, target: string): void {
  if (existsSync(target)) rmSync(old, { recursive: true, force: true });
  else if (existsSync(old)) renameSync(old, target);
}

function onSignal(signal: NodeJS.Signals): void {
  // another listener (e.g. a server's graceful stop) owns this signal: its shutdown runs the normal clean-up
  if (process.listenerCount(signal) > 1) return;
  removeLiveTemporaries();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  // die of the signal as if nobody had listened, so the exit status says so (130, 143)
  process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // first in line: a `once` listener (a server's graceful stop) is still registered when this one looks
  process.prependListener('SIGINT', onSignal);
  process.prependListener('SIGTERM', onSignal);
  process.on('exit', removeLiveTemporaries);
}

/** Marks a temporary file or folder as this process's until `releaseTemporary`: removed on SIGINT, SIGTERM, exit. */
export function registerTemporary(path: string): void {
  installHandlers();
  live.add(path);
}

/** The temporary was renamed into place or removed: nothing to clean up any more. */
export function releaseTemporary(path: string): void {
  live.delete(path);
}

/**
 * A hidden sibling name in the same directory, so the final rename never crosses file systems; registered, so that
 * an interrupt removes it (see `registerTemporary`).
 */
export function temporarySiblingPath(path: string): string {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  registerTemporary(temporary);
  return temporary;
}

/** Whether process `pid` still runs (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a temporary's name carries, or undefined for a name that is not one of ours. */
export function temporaryOwner(name: string): number | undefined {
  const ours = TEMPORARY_NAME.exec(name);
  if (ours) return Number(ours[2]);
  const model = MODEL_TEMPORARY_NAME.exec(name);
  return model ? Number(model[3]) : undefined;
}

const swept = new Set<string>();

/**
 * Removes the temporaries in `dir` whose process is gone (killed before it could clean up); returns their names.
 * Each folder is swept once per process.
 */
export async function sweepStaleTemporaries(dir: string): Promise<string[]> {
  if (swept.has(dir)) return [];
  swept.add(dir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((name) => {
    const owner = temporaryOwner(name);
    return owner !== undefined && owner !== process.pid && !processAlive(owner);
  });
  for (const name of stale) {
    const aside = TEMPORARY_NAME.exec(name);
    const model = MODEL_TEMPORARY_NAME.exec(name);
    // a folder moved aside by a replacement that never finished is the user's previous output: it goes back
    if (aside?.[3]) restoreMovedAside(join(dir, name), join(dir, aside[1]));
    else if (model?.[2] === 'old') restoreMovedAside(join(dir, name), join(dir, model[1]));
    else await rm(join(dir, name), { recursive: true, force: true });
  }
  return stale;
}

/** A missing or non-folder parent named by the user's path, not by the temporary's. */
export function describeWriteError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new DriftwatchError(`cannot write ${path}: the folder ${dirname(path)} does not exist`);
  if (code === 'EACCES' || code === 'EROFS')
    return new DriftwatchError(`cannot write ${path}: the folder ${dirname(path)} is not writable`);
  return error;
}

/** Creates a registered temporary sibling of `path` (exclusive), with errors naming `path`. */
export async function openTemporarySibling(path: string) {
  await sweepStaleTemporaries(dirname(path));
  const temporary = temporarySiblingPath(path);
  try {
    return { temporary, handle: await open(temporary, 'wx') };
  } catch (error) {
    releaseTemporary(temporary);
    throw describeWriteError(path, error);
  }
}

/**
 * Writes `data` to a temporary sibling, flushes it to disk and renames it over `path`, so readers see
 * either the old file or the complete new one, never a partial write.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const { temporary, handle } = await openTemporarySibling(path);
  let renamed = false;
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    renamed = true;
  } finally {
    if (!renamed) await unlink(temporary).catch(() => undefined);
    releaseTemporary(temporary);
  }
}

/**
 * Fills a temporary sibling folder and renames it to `target` when `fill` is done: readers see no folder, the old one
 * or the complete new one. An existing `target` is replaced (the caller decides whether it may be: see
 * `checkOutputFolder`); on failure it stays as it was and the temporary is gone.
 */
export async function writeDirectoryAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  await sweepStaleTemporaries(dirname(target));
  const temporary = temporarySiblingPath(target);
  try {
    await mkdir(temporary);
  } catch (error) {
    releaseTemporary(temporary);
    throw describeWriteError(target, error);
  }
  const old = `${temporary}.old`;
  try {
    await fill(temporary);
    const existing = await stat(target).catch(() => undefined);
    if (existing) {
      installHandlers();
      movedAside.set(old, target);
      await rename(target, old);
      try {
        await rename(temporary, target);
      } catch (error) {
        await rename(old, target);
        throw error;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temporary, target);
    }
  } finally {
    await rm(temporary, { recursive: true, force: true });
    releaseTemporary(temporary);
    movedAside.delete(old);
  }
}
