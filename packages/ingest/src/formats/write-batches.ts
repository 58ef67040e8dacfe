import { rename, unlink } from 'node:fs/promises';
import type { RecordBatch } from 'apache-arrow';
import { ParameterError } from '@driftwatch/contracts';
import { openTemporarySibling, releaseTemporary } from '@driftwatch/contracts/atomic';
import { arrowIpcBytes } from './arrow-ipc';
import { type CsvTimeStyle, csvText } from './csv-writer';
import { schemaSignature } from './dictionaries';
import { type ParquetCompression, parquetBytes } from './parquet';

/** What `driftwatch convert --to` can write. */
export type OutputFormat = 'arrow' | 'parquet' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['arrow', 'parquet', 'csv'];

export interface WriteBatchesOptions {
  /** CSV: one character (default ',') */
  delimiter?: string;
  /** CSV: time columns as ISO 8601 text (default) or integer ms */
  timestamps?: CsvTimeStyle;
  /** Parquet: rows per row group (default 65,536) */
  rowGroupRows?: number;
  /** Parquet: default 'zstd' */
  compression?: ParquetCompression;
  signal?: AbortSignal;
}

export interface WriteReport {
  batches: number;
  rows: number;
  bytes: number;
}

/**
 * Writes a stream of record batches as an Arrow IPC file, a Parquet file or CSV, streaming, to a
 * temporary sibling that is renamed over `path` only when everything was written (docs/architecture.md,
 * "Conventions"): if the batches throw, or a batch does not fit the first one's schema, the temporary
 * is removed and a file already at `path` stays as it was. At least one batch is needed (it carries
 * the schema); a batch with no rows is fine.
 */
export async function writeBatches(
  path: string,
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  format: OutputFormat,
  options: WriteBatchesOptions = {},
): Promise<WriteReport> {
  if (!OUTPUT_FORMATS.includes(format))
    throw new ParameterError(
      `output format must be one of ${OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`,
    );
  const report: WriteReport = { batches: 0, rows: 0, bytes: 0 };
  const checked = checkedBatches(batches, report, options.signal);
  const chunks =
    format === 'arrow'
      ? arrowIpcBytes(checked)
      : format === 'parquet'
        ? parquetBytes(checked, options)
        : csvText(checked, options);
  report.bytes = await writeChunksAtomic(path, chunks);
  return report;
}

/** Passes batches on while counting them, checking that they share one schema and that there is at least one. */
async function* checkedBatches(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  report: WriteReport,
  signal: AbortSignal | undefined,
): AsyncGenerator<RecordBatch> {
  let signature: string | undefined;
  for await (const batch of batches) {
    signal?.throwIfAborted();
    const own = schemaSignature(batch.schema);
    signature ??= own;
    if (own !== signature)
      throw new ParameterError(
        `record batch ${report.batches + 1} has columns (${own}), but the first had (${signature})`,
      );
    report.batches++;
    report.rows += batch.numRows;
    yield batch;
  }
  if (report.batches === 0)
    throw new ParameterError('no record batches to write: at least one (it carries the schema) is needed');
}

/**
 * Writes byte or text chunks to a temporary sibling as they come, fsyncs, and renames it over `path`;
 * on any failure the temporary is removed and `path` is untouched. Returns the bytes written.
 */
export async function writeChunksAtomic(path: string, chunks: AsyncIterable<Uint8Array | string>): Promise<number> {
  const { temporary, handle } = await openTemporarySibling(path);
  let closed = false;
  let renamed = false;
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      // a write may take fewer bytes than offered; loop until the chunk is on its way
      for (let offset = 0; offset < buffer.byteLength;) {
        const { bytesWritten } = await handle.write(buffer, offset, buffer.byteLength - offset);
        offset += bytesWritten;
      }
      bytes += buffer.byteLength;
    }
    await handle.sync();
    await handle.close();
    closed = true;
    await rename(temporary, path);
    renamed = true;
  } finally {
    if (!closed) await handle.close().catch(() => undefined);
    if (!renamed) await unlink(temporary).catch(() => undefined);
    releaseTemporary(temporary);
  }
  return bytes;
}
