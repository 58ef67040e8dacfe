/**
 * The worker side of `readCsvBatches`' parallel mode: parses one byte range of a file with the ordinary
 * reader and sends the columns back as plain typed arrays (their buffers transferred, not copied).
 * Built as its own entry (`csv-worker.js` beside each bundle, tools/build.mjs).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Data, RecordBatch } from 'apache-arrow';
import { InputError } from '@driftwatch/contracts';
import { readCsvBatches, type CsvColumn } from './csv-batches';
import { sourceLinesOf } from './source-lines';

export const CSV_WORKER_KIND = 'driftwatch-csv-segments';

export interface SegmentTask {
  id: number;
  file: string;
  /** nominal byte range; the worker moves both ends to line starts */
  start: number;
  end: number;
  /** header-less columns with numeric sources */
  columns: CsvColumn[];
  fieldCount: number;
  delimiter?: string;
  nullTokens?: string[];
  batchRows?: number;
}

/** One column of a batch as typed arrays (the Arrow type comes from the schema the caller holds). */
export interface ColumnPayload {
  values?: ArrayBufferView;
  nullBitmap?: Uint8Array;
  nullCount: number;
  valueOffsets?: Int32Array;
  /** dictionary columns: the segment's own keys as Utf8 offsets and bytes */
  keyOffsets?: Int32Array;
  keyBytes?: Uint8Array;
}

export interface BatchPayload {
  length: number;
  columns: ColumnPayload[];
  /** lines within the segment, 1-based */
  lines: Uint32Array;
}

export type SegmentResult =
  | { id: number; lineBreaks: number; end: number; batches: BatchPayload[] }
  | {
      id: number;
      lineBreaks: number;
      end: number;
      error: { line?: number; column?: number; expected: string; found?: string } | { message: string };
    };

const LF = 10;

/** The first line start at or after byte b: 0, or one past the first LF at or after b − 1 (file size if none). */
export function lineStartFrom(fd: number, size: number, b: number): number {
  if (b <= 0) return 0;
  if (b >= size) return size;
  const probe = Buffer.allocUnsafe(1 << 16);
  for (let at = b - 1; at < size; at += probe.length) {
    const n = readSync(fd, probe, 0, Math.min(probe.length, size - at), at);
    const i = probe.subarray(0, n).indexOf(LF);
    if (i !== -1) return at + i + 1;
  }
  return size;
}

function readRange(fd: number, start: number, end: number): Buffer {
  const buffer = Buffer.allocUnsafe(end - start);
  for (let done = 0; done < buffer.length;) {
    const n = readSync(fd, buffer, done, buffer.length - done, start + done);
    if (n === 0) break;
    done += n;
  }
  return buffer;
}

function countLineBreaks(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) n++;
  return n;
}

function columnPayload(data: Data): ColumnPayload {
  const payload: ColumnPayload = { nullCount: data.nullCount };
  if (data.nullCount > 0 && data.nullBitmap) payload.nullBitmap = data.nullBitmap;
  if (data.valueOffsets) payload.valueOffsets = data.valueOffsets as Int32Array;
  payload.values = data.values as ArrayBufferView;
  if (data.dictionary) {
    const keys = data.dictionary.data[0];
    payload.keyOffsets = keys.valueOffsets as Int32Array;
    payload.keyBytes = keys.values as Uint8Array;
  }
  return payload;
}

function batchPayload(batch: RecordBatch): BatchPayload {
  return {
    length: batch.numRows,
    columns: batch.data.children.map(columnPayload),
    lines: sourceLinesOf(batch) ?? new Uint32Array(batch.numRows),
  };
}

/** Every distinct buffer of a result, to transfer rather than copy. */
function buffersOf(result: SegmentResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  if ('batches' in result) {
    for (const b of result.batches) {
      buffers.add(b.lines.buffer as ArrayBuffer);
      for (const c of b.columns) {
        for (const view of [c.values, c.nullBitmap, c.valueOffsets, c.keyOffsets, c.keyBytes])
          if (view) buffers.add(view.buffer as ArrayBuffer);
      }
    }
  }
  return [...buffers];
}

export async function parseSegment(task: SegmentTask): Promise<SegmentResult> {
  const fd = openSync(task.file, 'r');
  let bytes: Buffer;
  let end: number;
  try {
    const size = fstatSync(fd).size;
    const start = lineStartFrom(fd, size, task.start);
    end = lineStartFrom(fd, size, task.end);
    bytes = readRange(fd, start, Math.max(start, end));
  } finally {
    closeSync(fd);
  }
  const lineBreaks = countLineBreaks(bytes);
  const batches: BatchPayload[] = [];
  try {
    const options = {
      columns: task.columns,
      header: false,
      fieldCount: task.fieldCount,
      delimiter: task.delimiter,
      nullTokens: task.nullTokens,
      batchRows: task.batchRows,
      allowEmpty: true,
    };
    for await (const batch of readCsvBatches({ file: task.file, data: bytes }, options))
      if (batch.numRows > 0) batches.push(batchPayload(batch));
  } catch (error) {
    if (error instanceof InputError)
      return {
        id: task.id,
        lineBreaks,
        end,
        error: {
          line: error.location.line,
          column: error.location.column,
          expected: error.expected,
          found: error.found,
        },
      };
    return { id: task.id, lineBreaks, end, error: { message: error instanceof Error ? error.message : String(error) } };
  }
  return { id: task.id, lineBreaks, end, batches };
}

if (!isMainThread && parentPort && (workerData as { kind?: string } | null)?.kind === CSV_WORKER_KIND) {
  const port = parentPort;
  port.on('message', (task: SegmentTask) => {
    parseSegment(task).then((result) => port.postMessage(result, buffersOf(result)));
  });
}
