import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { type RecordBatch, RecordBatchFileWriter, RecordBatchReader, util } from 'apache-arrow';
import { DriftwatchError, InputError } from '@driftwatch/contracts';
import { setSourceLines } from '../stream/source-lines';
import { checkArrowFileSizes } from './arrow-footer';
import { checkBatchData } from './check-data';
import { type ArrowIpcLayout, arrowLayoutOf, describeHead, readHead } from './detect';
import { DictionaryUnifier } from './dictionaries';

export interface ArrowReadOptions {
  signal?: AbortSignal;
}

/**
 * Reads the record batches of an Arrow IPC input one at a time. The file format ("ARROW1") is read
 * through a file handle (footer first, then each batch by its offset); the stream format through a
 * read stream. Neither loads the whole file. Each batch knows its 1-based row numbers in the file
 * (`sourceLinesOf`), so later checks can point at a row. A file that is not Arrow IPC, or is cut
 * off, throws an InputError naming it.
 */
export async function* readArrowBatches(path: string, options: ArrowReadOptions = {}): AsyncGenerator<RecordBatch> {
  const layout = await arrowLayout(path);
  let handle: FileHandle | undefined;
  let reader: Awaited<ReturnType<typeof openReader>> | undefined;
  let rowsBefore = 0;
  try {
    if (layout === 'file') {
      handle = await open(path, 'r');
      const { size } = await handle.stat();
      await checkArrowFileSizes(handle, path, size);
      reader = await openReader(boundedHandle(handle, path, size));
    } else reader = await openReader(path);
    for await (const batch of batchesOf(reader, path)) {
      options.signal?.throwIfAborted();
      checkBatchData(batch, path, rowsBefore + 1);
      setSourceLines(batch, rowNumbers(rowsBefore, batch.numRows));
      rowsBefore += batch.numRows;
      yield batch;
    }
  } catch (error) {
    if (error instanceof DriftwatchError || (error as Error).name === 'AbortError') throw error;
    throw new InputError(
      { file: path },
      `a readable Arrow IPC ${layout} (after ${rowsBefore} rows)`,
      (error as Error).message,
    );
  } finally {
    await reader?.return().catch(() => undefined);
    await handle?.close().catch(() => undefined);
  }
}

/** The IPC layout of a file by its magic bytes; anything else is an InputError. */
export async function arrowLayout(path: string): Promise<ArrowIpcLayout> {
  const head = await readHead(path, 8);
  const layout = arrowLayoutOf(head);
  if (!layout)
    throw new InputError(
      { file: path, line: 1, column: 1 },
      'an Arrow IPC file ("ARROW1" at the start) or stream (0xFFFFFFFF at the start)',
      describeHead(head),
    );
  return layout;
}

/**
 * The handle as apache-arrow sees it, with reads checked against the file size: a corrupt footer or message
 * length sends the reader past the end, where a read returns 0 bytes and its fill loop never ends.
 */
function boundedHandle(handle: FileHandle, path: string, size: number): FileHandle {
  const read = async (buffer: Uint8Array, offset: number, length: number, position: number) => {
    if (!(position >= 0 && position + length <= size && length >= 0))
      throw new InputError(
        { file: path },
        `Arrow IPC blocks within the file's ${size.toLocaleString('en-US')} bytes`,
        `a block of ${length.toLocaleString('en-US')} bytes at byte ${position.toLocaleString('en-US')}`,
      );
    const result = await handle.read(buffer, offset, length, position);
    if (result.bytesRead === 0 && length > 0)
      throw new InputError({ file: path }, `${length} more bytes at byte ${position}`, 'the end of the file');
    return result;
  };
  return new Proxy(handle, {
    get: (target, key) => {
      if (key === 'read') return read;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The reader's record batches. The file format is read block by block from its footer: apache-arrow's own
 * iteration re-reads a block that holds some other message forever (a corrupt header hangs the process).
 */
async function* batchesOf(reader: Awaited<ReturnType<typeof openReader>>, path: string): AsyncGenerator<RecordBatch> {
  if (!reader.isFile()) {
    for await (const batch of reader) yield batch;
    return;
  }
  await reader.open();
  const count = reader.numRecordBatches;
  for (let i = 0; i < count; i++) {
    const batch = await reader.readRecordBatch(i);
    if (!batch)
      throw new InputError({ file: path }, `record batch ${i + 1} of ${count} where the footer points`, 'none');
    yield batch;
  }
}

/** A file handle gives random access (file format); a path is streamed (stream format). */
async function openReader(source: FileHandle | string) {
  const reader =
    typeof source === 'string'
      ? await RecordBatchReader.from(createReadStream(source))
      : await RecordBatchReader.from(source);
  return reader;
}

function rowNumbers(before: number, count: number): Uint32Array {
  const rows = new Uint32Array(count);
  for (let i = 0; i < count; i++) rows[i] = before + i + 1;
  return rows;
}

/**
 * apache-arrow's file writer queues every byte in an in-memory sink until someone reads it; this one
 * takes the bytes from `_write` (the single method every message, body buffer and the footer pass
 * through) so the caller can write them out after each batch and memory stays at one batch.
 */
class DrainableFileWriter extends RecordBatchFileWriter {
  private pending: Uint8Array[] = [];

  protected override _write(chunk: Parameters<typeof util.toUint8Array>[0]): this {
    if (this._started) {
      const bytes: Uint8Array = util.toUint8Array(chunk);
      if (bytes.byteLength > 0) {
        this.pending.push(bytes);
        this._position += bytes.byteLength;
      }
    }
    return this;
  }

  /** The bytes written since the last call. */
  drain(): Uint8Array[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/**
 * Serialises record batches as an Arrow IPC file, streaming: each batch's messages are handed out as
 * soon as it is written, the footer at the end. Dictionary columns are re-coded against one growing
 * dictionary per column and written as an initial dictionary plus deltas (`DictionaryUnifier`), which
 * is what the file format allows.
 */
export async function* arrowIpcBytes(batches: AsyncIterable<RecordBatch>): AsyncGenerator<Uint8Array> {
  const writer = new DrainableFileWriter();
  const unifier = new DictionaryUnifier();
  let wrote = false;
  for await (const batch of batches) {
    writer.write(unifier.unify(batch));
    wrote = true;
    yield* writer.drain();
  }
  if (!wrote) return;
  writer.close();
  yield* writer.drain();
}
