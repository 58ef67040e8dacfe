// Writing one data-root file from a stream: into a temporary sibling, hashed on the way, renamed over the
// target only when the hash matches (docs/architecture.md, "Data": `datasets fetch` writes atomically).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Duplex, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createGzip } from 'node:zlib';
import { IntegrityError } from '@driftwatch/contracts';
import { temporarySiblingPath } from '@driftwatch/contracts/atomic';
import { syncFile } from './download';

export interface WriteCheck {
  /** sha256 the written bytes must have */
  sha256?: string;
  /** with `compress`: sha256 of the bytes before compression */
  contentSha256?: string;
  compress?: 'gzip';
  /** names the source in errors: 'URL' or 'URL → member' */
  source: string;
  /** data-root relative path, for messages */
  label: string;
}

export interface WriteOutcome {
  sha256: string;
  /** set when the content matched but the compressed bytes differ from `sha256` (another gzip implementation) */
  note?: string;
}

/** A Transform that hashes what passes through. */
function hashing(): { stream: Transform; digest: () => string } {
  const hash = createHash('sha256');
  return {
    stream: new Transform({
      transform(chunk: Buffer, _e, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    }),
    digest: () => hash.digest('hex'),
  };
}

let gzipProgram: boolean | undefined;

/** Whether a `gzip` program runs here (GNU gzip reproduces the `gzip -9 -n` files of the data root byte for byte). */
export function hasGzipProgram(): boolean {
  gzipProgram ??= spawnSync('gzip', ['--version'], { stdio: 'ignore', timeout: 5000 }).status === 0;
  return gzipProgram;
}

/** `gzip -9 -n` as a stream: the program when present, else zlib at level 9 (same content, possibly other bytes). */
export function gzipStream(useProgram = hasGzipProgram()): { stream: Duplex; tool: string } {
  if (!useProgram) return { stream: createGzip({ level: constants.Z_BEST_COMPRESSION }), tool: 'zlib level 9' };
  const child = spawn('gzip', ['-9', '-n', '-c'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const stream = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (error) => stream.destroy(error));
  child.on('exit', (code) => {
    if (code !== 0) stream.destroy(new Error(`gzip -9 -n exited with code ${code}`));
  });
  return { stream, tool: 'gzip -9 -n' };
}

/**
 * Streams `source` into `target` through a temporary sibling and renames it into place when the checks
 * pass; on any failure the temporary file is removed and `target` is untouched.
 */
export async function writeVerified(
  source: AsyncIterable<Uint8Array> | Readable,
  target: string,
  check: WriteCheck,
): Promise<WriteOutcome> {
  await mkdir(dirname(target), { recursive: true });
  const temporary = temporarySiblingPath(target);
  const content = hashing();
  const written = hashing();
  let tool: string | undefined;
  try {
    if (check.compress === 'gzip') {
      const gzip = gzipStream();
      tool = gzip.tool;
      await pipeline(
        source,
        content.stream,
        gzip.stream,
        written.stream,
        createWriteStream(temporary, { flags: 'wx' }),
      );
    } else {
      await pipeline(source, written.stream, createWriteStream(temporary, { flags: 'wx' }));
    }
    const sha256 = written.digest();
    const contentSha256 = check.compress ? content.digest() : undefined;
    if (check.compress && check.contentSha256 && contentSha256 !== check.contentSha256) {
      throw mismatch(check, check.contentSha256, contentSha256!, ' (content before compression)');
    }
    let note: string | undefined;
    if (check.sha256 && sha256 !== check.sha256) {
      // compressed output: the content was checked above, only the compressor's choices differ
      if (!(check.compress && check.contentSha256)) throw mismatch(check, check.sha256, sha256);
      note =
        `${check.label}: content verified, but ${tool} wrote other gzip bytes than the locked file ` +
        `(sha256 ${sha256}); \`datasets verify\` will list it`;
    }
    await syncFile(temporary);
    await rename(temporary, target);
    return { sha256, note };
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

function mismatch(check: WriteCheck, expected: string, found: string, what = ''): IntegrityError {
  return new IntegrityError(
    `${check.source}: sha256 of ${check.label}${what} is ${found}, expected ${expected}; nothing was written`,
  );
}

/** sha256 of the decompressed bytes of a gzip file (to recognise the same content compressed differently). */
export async function gunzippedSha256(path: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path).pipe(createGunzip())) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}
