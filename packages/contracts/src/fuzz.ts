/**
 * The pieces of the readers' fuzz suites (ingest's data and label files, models' manifests): seeded mutations of a
 * valid file, and a tally that calls any error a crash unless it is a short DriftwatchError, the kind the CLI prints
 * as one `driftwatch:` line without a stack.
 */
import { DriftwatchError } from './errors';

/** A mutation of `bytes`: a few bytes overwritten, a cut, or a slice repeated. */
export function mutateBytes(bytes: Uint8Array, next: () => number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const kind = Math.floor(next() * 3);
  if (kind === 0) {
    for (let i = 1 + Math.floor(next() * 6); i > 0; i--)
      copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
    return copy;
  }
  if (kind === 1) return copy.subarray(0, Math.floor(next() * copy.length));
  const at = Math.floor(next() * copy.length);
  const piece = copy.subarray(at, Math.min(copy.length, at + 1 + Math.floor(next() * 64)));
  return Uint8Array.from([...copy.subarray(0, at), ...piece, ...piece, ...copy.subarray(at)]);
}

/**
 * One to three little-endian 32-bit words in [from, to) overwritten with sizes a reader might believe and allocate
 * by (2^31 − 1, 2^32 − 1, 2^30, 2^28, 2^24, the file's length and twice it), or a single byte changed: the
 * mutations that find lengths, counts and offsets in binary headers and footers.
 */
export function mutateSizes(bytes: Uint8Array, next: () => number, from = 0, to = bytes.length): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const view = new DataView(copy.buffer);
  const sizes = [0x7fffffff, 0xffffffff, 0x40000000, 0x10000000, 0x01000000, copy.length, copy.length * 2];
  const start = Math.max(0, Math.min(from, copy.length - 4));
  const span = Math.max(1, Math.min(to, copy.length) - 4 - start);
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
    const at = start + Math.floor(next() * span);
    if (next() < 0.5) view.setUint32(at, sizes[Math.floor(next() * sizes.length)] >>> 0, true);
    else copy[at] = Math.floor(next() * 256);
  }
  return copy;
}

/** 1 to `maxLength` random bytes. */
export function randomBytes(next: () => number, maxLength: number): Uint8Array {
  return Uint8Array.from({ length: 1 + Math.floor(next() * maxLength) }, () => Math.floor(next() * 256));
}

/** How the cases of a fuzz suite ended; `crashed` names each crash with the start of its stack. */
export interface FuzzTally {
  cases: number;
  read: number;
  cleanErrors: number;
  crashes: number;
  leftovers: number;
  crashed: string[];
}

export function newFuzzTally(): FuzzTally {
  return { cases: 0, read: 0, cleanErrors: 0, crashes: 0, leftovers: 0, crashed: [] };
}

/** A clean error: a DriftwatchError whose message is short and carries no stack. */
export function isCleanError(error: unknown): boolean {
  return error instanceof DriftwatchError && error.message.length < 1000 && !/\n\s+at /.test(error.message);
}

/** Runs one case and counts how it ended. */
export async function fuzzCase(tally: FuzzTally, name: string, attempt: () => Promise<unknown>): Promise<void> {
  tally.cases++;
  try {
    await attempt();
    tally.read++;
  } catch (error) {
    if (isCleanError(error)) tally.cleanErrors++;
    else {
      tally.crashes++;
      tally.crashed.push(`${name}: ${String((error as Error)?.stack ?? error).slice(0, 300)}`);
    }
  }
}

/** The line a fuzz suite prints: `fuzz <suite>: {"cases":…,"read":…,"cleanErrors":…,"crashes":0,"leftovers":0}`. */
export function fuzzSummary(suite: string, tally: FuzzTally): string {
  const { crashed, ...counts } = tally;
  void crashed;
  return `fuzz ${suite}: ${JSON.stringify(counts)}\n`;
}
