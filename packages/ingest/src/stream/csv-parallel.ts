import { existsSync, openSync, closeSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  Data,
  Dictionary,
  Int32,
  RecordBatch,
  Struct,
  Utf8,
  makeData,
  makeVector,
  type Schema,
  type Vector,
} from 'apache-arrow';
import { InputError } from '@driftwatch/contracts';
import { ByteDictionary } from './byte-dictionary';
import { csvSchema, firstIndexOf, type CsvColumn, type CsvReadOptions } from './csv-batches';
import { CSV_WORKER_KIND, type BatchPayload, type SegmentResult, type SegmentTask } from './csv-worker';
import { setSourceLines } from './source-lines';

/** Files from this size on are read in parallel when the conditions allow (below, one thread is faster). */
export const PARALLEL_MIN_BYTES = 64 << 20;
/** 8 MiB of text per range: big enough to amortise a message, small enough to keep few in memory */
const SEGMENT_BYTES = 8 << 20;
const QUOTE = 34;
const LF = 10;

/** The worker script beside this module's bundle (tools/build.mjs writes it), if there is one. */
export function defaultWorkerScript(): string | undefined {
  const script = join(__dirname, 'csv-worker.js');
  return existsSync(script) ? script : undefined;
}

/** Threads to use by default: the cores there are, at most 4 (the reader is I/O bound beyond that). */
export function defaultWorkers(): number {
  return Math.min(4, availableParallelism());
}

/**
 * Whether a file holds a double quote anywhere: quoted fields may hide line breaks, which byte ranges cannot split on.
 */
function containsQuote(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 22);
    for (let at = 0; ;) {
      const n = readSync(fd, buffer, 0, buffer.length, at);
      if (n === 0) return false;
      if (buffer.subarray(0, n).indexOf(QUOTE) !== -1) return true;
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** The header line's names and where the data starts, read from the file's head. */
function readHeaderLine(
  path: string,
  delimiter: string,
): { names: string[]; dataStart: number; text: string } | undefined {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.allocUnsafe(1 << 20);
    const n = readSync(fd, head, 0, head.length, 0);
    const lf = head.subarray(0, n).indexOf(LF);
    if (lf === -1) return undefined;
    const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    const text = head.toString('utf8', bom, lf > bom && head[lf - 1] === 13 ? lf - 1 : lf);
    return { names: text.split(delimiter).map((s) => s.trim()), dataStart: lf + 1, text };
  } finally {
    closeSync(fd);
  }
}

/**
 * When `readCsvBatches` may split a file into byte ranges parsed by worker threads: a plain (not gzip) file
 * of at least `parallelMinBytes`, more than one worker, a worker script, errors that fail (rejects keep
 * file order only sequentially), no quotes anywhere, and a header that names every requested column.
 */
export function parallelPlan(
  path: string,
  options: CsvReadOptions,
): { workers: number; script: string; columns: CsvColumn[]; fieldCount: number; dataStart: number } | undefined {
  const workers = options.workers ?? defaultWorkers();
  const script = options.workerScript ?? defaultWorkerScript();
  if (workers < 2 || !script || path.endsWith('.gz') || (options.onError ?? 'fail') !== 'fail') return undefined;
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return undefined; // the sequential reader reports it
  }
  if (size < (options.parallelMinBytes ?? PARALLEL_MIN_BYTES) || containsQuote(path)) return undefined;
  const delimiter = options.delimiter ?? ',';
  const header = options.header ?? options.columns === undefined;
  if (!header) {
    if (!options.columns) return undefined;
    return {
      workers,
      script,
      columns: options.columns,
      fieldCount: options.fieldCount ?? options.columns.length,
      dataStart: 0,
    };
  }
  const line = readHeaderLine(path, delimiter);
  if (!line) return undefined;
  const specs: CsvColumn[] = options.columns ?? line.names.map((name): CsvColumn => ({ name, type: 'float64' }));
  const columns: CsvColumn[] = [];
  const headerIndex = firstIndexOf(line.names);
  for (const spec of specs) {
    const source = spec.source ?? spec.name;
    const index = typeof source === 'number' ? source : headerIndex.get(source);
    if (index === undefined) return undefined; // the sequential reader names the missing column
    columns.push({ ...spec, source: index });
  }
  return { workers, script, columns, fieldCount: line.names.length, dataStart: line.dataStart };
}

/** Maps a segment's own dictionary codes to the stream's codes. */
function remapTable(global: ByteDictionary, offsets: Int32Array, bytes: Uint8Array): Int32Array {
  const table = new Int32Array(offsets.length - 1);
  for (let k = 0; k < table.length; k++) table[k] = global.codeOf(bytes, offsets[k], offsets[k + 1]);
  return table;
}

/**
 * Reads byte ranges of a file in worker threads and yields their batches in file order: each range
 * starts and ends on a line start, line numbers are made absolute, dictionary codes are mapped onto one
 * dictionary for the stream, and a worker's InputError is raised at its place in the file order.
 */
export async function* readCsvBatchesParallel(
  path: string,
  options: CsvReadOptions,
  plan: NonNullable<ReturnType<typeof parallelPlan>>,
): AsyncGenerator<RecordBatch> {
  const size = statSync(path).size;
  const schema: Schema = csvSchema(
    plan.columns.map((c) => ({ ...c, source: undefined })),
    path,
  );
  const dictionaries = plan.columns.map((c) => (c.type === 'dictionary' ? new ByteDictionary() : undefined));
  const tasks: SegmentTask[] = [];
  const segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
  for (let start = plan.dataStart, id = 0; start < size; start += segmentBytes, id++) {
    tasks.push({
      id,
      file: path,
      start,
      end: Math.min(size, start + segmentBytes),
      columns: plan.columns,
      fieldCount: plan.fieldCount,
      delimiter: options.delimiter,
      nullTokens: options.nullTokens,
      batchRows: options.batchRows,
    });
  }
  const workers = Array.from(
    { length: Math.min(plan.workers, Math.max(1, tasks.length)) },
    () => new Worker(plan.script, { workerData: { kind: CSV_WORKER_KIND } }),
  );
  const results = new Map<number, SegmentResult>();
  const idle: Worker[] = [];
  const waiting = new Map<number, (r: SegmentResult) => void>();
  let failure: Error | undefined;
  let next = 0;
  const dispatch = (worker: Worker) => {
    if (next < tasks.length) worker.postMessage(tasks[next++]);
  };
  for (const worker of workers) {
    worker.on('message', (result: SegmentResult) => {
      const resolve = waiting.get(result.id);
      if (resolve) {
        waiting.delete(result.id);
        resolve(result);
      } else results.set(result.id, result);
      // memory: at most one finished range per worker waits for the consumer
      if (results.size < workers.length) dispatch(worker);
      else idle.push(worker);
    });
    worker.on('error', (error) => {
      failure = error;
      for (const resolve of waiting.values())
        resolve({ id: -1, lineBreaks: 0, end: 0, error: { message: error.message } });
    });
  }
  try {
    for (const worker of workers) {
      dispatch(worker);
      dispatch(worker);
    }
    let lineOffset = plan.dataStart > 0 ? 1 : 0;
    let rows = 0;
    for (let id = 0; id < tasks.length; id++) {
      options.signal?.throwIfAborted();
      // a worker that died before this wait began would never answer it
      if (failure) throw failure;
      const result = results.get(id) ?? (await new Promise<SegmentResult>((resolve) => waiting.set(id, resolve)));
      results.delete(id);
      while (idle.length > 0 && results.size < workers.length) dispatch(idle.pop()!);
      if (failure) throw failure;
      if ('error' in result) {
        const e = result.error;
        if ('message' in e) throw new Error(`${path}: ${e.message}`);
        throw new InputError(
          { file: path, line: e.line === undefined ? undefined : e.line + lineOffset, column: e.column },
          e.expected,
          e.found,
        );
      }
      for (const payload of result.batches) {
        yield toBatch(payload, schema, dictionaries, lineOffset);
        rows += payload.length;
      }
      lineOffset += result.lineBreaks;
      options.onProgress?.({ file: path, bytesRead: result.end, totalBytes: size, rows });
    }
    if (rows === 0 && !options.allowEmpty)
      throw new InputError({ file: path, line: lineOffset + 1, column: 1 }, 'at least one data row', 'an empty file');
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function toBatch(
  payload: BatchPayload,
  schema: Schema,
  dictionaries: (ByteDictionary | undefined)[],
  lineOffset: number,
): RecordBatch {
  const children = schema.fields.map((field, k): Data => {
    const c = payload.columns[k];
    const dictionary = dictionaries[k];
    if (dictionary && c.keyOffsets && c.keyBytes) {
      const table = remapTable(dictionary, c.keyOffsets, c.keyBytes);
      const codes = c.values as Int32Array;
      for (let i = 0; i < payload.length; i++) codes[i] = table[codes[i]] ?? 0;
      return makeData({
        type: new Dictionary(new Utf8(), new Int32()),
        length: payload.length,
        data: codes,
        nullCount: c.nullCount,
        nullBitmap: c.nullBitmap,
        dictionary: makeVector(dictionary.toUtf8()) as Vector<Utf8>,
      });
    }
    return makeData({
      type: field.type,
      length: payload.length,
      nullCount: c.nullCount,
      nullBitmap: c.nullBitmap,
      valueOffsets: c.valueOffsets,
      data: c.values,
    } as never);
  });
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: payload.length, nullCount: 0, children }),
  );
  const lines = payload.lines;
  for (let i = 0; i < lines.length; i++) lines[i] += lineOffset;
  setSourceLines(batch, lines);
  return batch;
}
