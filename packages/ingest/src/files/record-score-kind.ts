/**
 * Which kind of score file a path holds, by its columns rather than its extension (both kinds can be .csv or
 * .arrow): a record-score file of `driftwatch score --input` (entity, [timestamp], record, warmup, score, …;
 * `readRecordScores`) or a score file of `bench` / `score --dataset` (sequence, record, score; `readScoreFile`).
 */
import { readFile } from 'node:fs/promises';
import { Table, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { hasParquetMagic } from '../formats/detect';
import { readParquetBatches } from '../formats/parquet';

const REQUIRED = ['entity', 'record', 'warmup', 'score'];

function isArrow(bytes: Buffer): boolean {
  return (
    bytes.subarray(0, 6).toString('latin1') === 'ARROW1' || (bytes.length >= 4 && bytes.readUInt32LE(0) === -1 >>> 0)
  );
}

async function columnNames(path: string, bytes: Buffer): Promise<string[]> {
  if (hasParquetMagic(bytes)) {
    const batches: RecordBatch[] = [];
    for await (const batch of readParquetBatches(path)) batches.push(batch);
    return new Table(batches).schema.fields.map((f) => f.name);
  }
  if (isArrow(bytes)) {
    try {
      return tableFromIPC(bytes).schema.fields.map((f) => f.name);
    } catch {
      return [];
    }
  }
  const newline = bytes.indexOf(10);
  const firstLine = bytes.subarray(0, newline < 0 ? bytes.length : newline).toString('utf8');
  return firstLine
    .replace(/^\uFEFF/, '')
    .trim()
    .split(',');
}

/** Whether the header (CSV) or schema (Arrow, Parquet) has the record-score columns entity, record, warmup, score. */
export async function isRecordScoreFile(path: string): Promise<boolean> {
  const names = await columnNames(path, await readFile(path));
  return REQUIRED.every((c) => names.includes(c));
}
