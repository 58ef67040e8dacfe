import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { DataType, type RecordBatch, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { DriftwatchError, InputError, ParameterError } from '@driftwatch/contracts';
import { DEFAULT_BATCH_ROWS } from '../stream/csv-batches';
import { setSourceLines } from '../stream/source-lines';
import { checkBatchData } from './check-data';
import { describeHead, hasParquetMagic } from './detect';

type ParquetWasm = typeof import('parquet-wasm/node');
let parquetWasm: Promise<ParquetWasm> | undefined;

/**
 * parquet-wasm's Node build (CommonJS, loads its 5 MB .wasm with readFileSync beside the module), loaded
 * on first use so that importing the package costs nothing for callers that never touch Parquet. The
 * explicit `/node` entry resolves the same under jest, esbuild bundles (kept external) and tsc.
 */
export function loadParquetWasm(): Promise<ParquetWasm> {
  parquetWasm ??= import('parquet-wasm/node');
  return parquetWasm;
}

export interface ParquetReadOptions {
  /** only these columns (default: all) */
  columns?: string[];
  signal?: AbortSignal;
}

/**
 * Reads a Parquet file one row group at a time, each row group as one apache-arrow RecordBatch
 * (parquet-wasm reads the row group into WebAssembly memory, hands it over as an Arrow IPC stream, and
 * frees it). The file is opened as a Blob, so only the footer and the current row group's bytes are
 * read. Each batch knows its 1-based row numbers in the file (`sourceLinesOf`). A file that is not
 * Parquet throws an InputError naming it.
 */
export async function* readParquetBatches(path: string, options: ParquetReadOptions = {}): AsyncGenerator<RecordBatch> {
  await checkParquetMagic(path);
  const reader = new ParquetWorker(path);
  let rowsBefore = 0;
  try {
    const { rowGroups } = await reader.ask<{ rowGroups: number[] }>({ op: 'open' }, 'a readable Parquet file');
    for (let g = 0; g < rowGroups.length; g++) {
      options.signal?.throwIfAborted();
      // batchSize = the row group's rows: one batch per row group instead of parquet's 1024-row default
      const { ipc } = await reader.ask<{ ipc: Uint8Array }>(
        { op: 'read', group: g, batchSize: Math.max(1, rowGroups[g]), columns: options.columns },
        `a readable Parquet row group ${g + 1} of ${rowGroups.length}`,
      );
      for (const batch of tableFromIPC(ipc).batches) {
        checkBatchData(batch, path, rowsBefore + 1);
        const rows = new Uint32Array(batch.numRows);
        for (let i = 0; i < rows.length; i++) rows[i] = rowsBefore + i + 1;
        setSourceLines(batch, rows);
        rowsBefore += batch.numRows;
        yield batch;
      }
    }
  } finally {
    await reader.close();
  }
}

/**
 * The worker that reads a Parquet file for `readParquetBatches`. A corrupt file can make parquet-wasm panic
 * (`RuntimeError: unreachable`), thrown from a callback where no caller can catch it and leaving that wasm instance
 * unusable; in a worker of its own the panic ends the worker, and the reader turns it into an InputError.
 */
const PARQUET_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openAsBlob } = require('node:fs');
const pq = require(workerData.module);
let file;
const text = (e) => (e instanceof Error ? e.message : String(e));
parentPort.on('message', async (m) => {
  try {
    if (m.op === 'open') {
      file = await pq.ParquetFile.fromFile(await openAsBlob(workerData.path));
      const metadata = file.metadata();
      const rowGroups = [];
      for (const group of metadata.rowGroups()) { rowGroups.push(group.numRows()); group.free(); }
      metadata.free();
      parentPort.postMessage({ rowGroups });
    } else {
      const columns = m.columns ? { columns: m.columns } : {};
      const table = await file.read({ rowGroups: [m.group], batchSize: m.batchSize, ...columns });
      const ipc = table.intoIPCStream();
      parentPort.postMessage({ ipc }, [ipc.buffer]);
    }
  } catch (e) {
    parentPort.postMessage({ error: text(e) });
  }
});
`;

class ParquetWorker {
  private readonly worker: Worker;
  private failure: string | undefined;
  private pending:
    { resolve: (value: unknown) => void; reject: (error: unknown) => void; expected: string } | undefined;

  constructor(private readonly path: string) {
    this.worker = new Worker(PARQUET_WORKER_SOURCE, {
      eval: true,
      workerData: { path, module: require.resolve('parquet-wasm/node') },
    });
    this.worker.on('message', (message: { error?: string }) => {
      const pending = this.pending;
      this.pending = undefined;
      if (message.error !== undefined) pending?.reject(new InputError({ file: path }, pending.expected, message.error));
      else pending?.resolve(message);
    });
    const fail = (reason: string) => {
      this.failure ??= reason;
      const pending = this.pending;
      this.pending = undefined;
      pending?.reject(new InputError({ file: this.path }, pending.expected, reason));
    };
    this.worker.on('error', (error) => fail(errorText(error)));
    this.worker.on('exit', (code) => fail(`the Parquet reader stopped (exit code ${code})`));
  }

  ask<T>(message: object, expected: string): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(new InputError({ file: this.path }, expected, this.failure));
    return new Promise<T>((resolve, reject) => {
      this.pending = { resolve: resolve as (value: unknown) => void, reject, expected };
      this.worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    this.failure ??= 'closed';
    await this.worker.terminate();
  }
}

/** Parquet starts and ends with "PAR1"; checking both catches a truncated copy before the wasm reader does. */
async function checkParquetMagic(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(8, size));
    await handle.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(4);
    const tailRead = size >= 12 ? (await handle.read(tail, 0, 4, size - 4)).bytesRead : 0;
    if (!hasParquetMagic(head))
      throw new InputError(
        { file: path, line: 1, column: 1 },
        'a Parquet file ("PAR1" at the start)',
        describeHead(head),
      );
    if (tailRead !== 4 || !hasParquetMagic(tail))
      throw new InputError(
        { file: path },
        'a complete Parquet file ("PAR1" at the end; the file looks truncated)',
        `${size} bytes`,
      );
  } finally {
    await handle.close();
  }
}

/** wasm errors arrive as Error or as plain strings. */
function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type ParquetCompression = 'zstd' | 'snappy' | 'none';

export interface ParquetWriteOptions {
  /** rows per row group (default 65,536, the CSV reader's batch size) */
  rowGroupRows?: number;
  /** default 'zstd', or 'snappy' for batches wider than WIDE_PARQUET_COLUMNS */
  compression?: ParquetCompression;
}

/**
 * Above this many columns the default compression is snappy: parquet-wasm sets up a zstd encoder per column chunk,
 * and on this 2-core machine that cost ~5 ms a column (2,000 columns × 100 rows: 11 s with zstd, 2.7 s with snappy,
 * 1.3 s uncompressed), which at 50,000 columns is minutes for a 30 MB file.
 */
export const WIDE_PARQUET_COLUMNS = 1000;

/**
 * Serialises record batches to Parquet bytes, streaming: each batch goes into WebAssembly through an
 * IPC stream of its own (so a batch's dictionary travels with it), parquet-wasm's streaming writer
 * (`transformParquetStream`) buffers at most one row group and emits its bytes, and the caller writes
 * them out. Memory is bounded by a row group plus a few batches, not by the table.
 */
export async function* parquetBytes(
  batches: AsyncIterable<RecordBatch>,
  options: ParquetWriteOptions = {},
): AsyncGenerator<Uint8Array> {
  const rowGroupRows = options.rowGroupRows ?? DEFAULT_BATCH_ROWS;
  if (!(Number.isInteger(rowGroupRows) && rowGroupRows >= 1))
    throw new ParameterError(`rowGroupRows must be an integer ≥ 1, got ${rowGroupRows}`);
  const pq = await loadParquetWasm();
  const codecs = { zstd: pq.Compression.ZSTD, snappy: pq.Compression.SNAPPY, none: pq.Compression.UNCOMPRESSED };
  if (options.compression !== undefined && codecs[options.compression] === undefined)
    throw new ParameterError(`compression must be zstd, snappy or none, got ${JSON.stringify(options.compression)}`);
  const iterator = batches[Symbol.asyncIterator]();
  // the first batch is read before the writer is set up: its schema decides the compression and dictionaries
  let first: IteratorResult<RecordBatch> | undefined = await iterator.next();
  const fields = first.done ? [] : first.value.schema.fields;
  const compression = codecs[options.compression ?? (fields.length > WIDE_PARQUET_COLUMNS ? 'snappy' : 'zstd')];
  // errors of the batch source are kept here: crossing into wasm and back turns them into strings
  let sourceError: { error: unknown } | undefined;
  const source = new ReadableStream({
    async pull(controller) {
      let next: IteratorResult<RecordBatch>;
      try {
        next = first ?? (await iterator.next());
        first = undefined;
      } catch (error) {
        sourceError = { error };
        controller.error(error);
        return;
      }
      if (next.done) {
        controller.close();
        return;
      }
      const wasmTable = pq.Table.fromIPCStream(tableToIPC(new Table([next.value]), 'stream'));
      try {
        for (const wasmBatch of wasmTable.recordBatches()) controller.enqueue(wasmBatch);
      } finally {
        wasmTable.free();
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  // dictionary pages only where values repeat by design (entity ids, names): on measured floats a dictionary is
  // rarely smaller, and building one per column doubled the time of wide files (2,000 columns: 27 s → 11 s)
  let builder = new pq.WriterPropertiesBuilder()
    .setMaxRowGroupSize(rowGroupRows)
    .setCompression(compression)
    .setDictionaryEnabled(false);
  for (const field of fields)
    if (DataType.isDictionary(field.type) || DataType.isUtf8(field.type))
      builder = builder.setColumnDictionaryEnabled(field.name, true);
  const properties = builder.build();
  try {
    const output = (await pq.transformParquetStream(source, properties)) as unknown as AsyncIterable<Uint8Array>;
    for await (const chunk of output) yield chunk;
  } catch (error) {
    if (sourceError) throw sourceError.error;
    if (error instanceof DriftwatchError) throw error;
    throw new ParameterError(`parquet-wasm could not write the batches: ${errorText(error)}`);
  } finally {
    await iterator.return?.();
  }
  if (sourceError) throw sourceError.error;
}
