/**
 * Which kind of score file a path holds, by its columns rather than its extension (both kinds can be .csv or
 * .arrow): a record-score file of `driftwatch score --input` (entity, [timestamp], record, warmup, score, …;
 * `readRecordScores`) or a score file of `bench` / `score --dataset` (sequence, record, score; `readScoreFile`).
 */
import { readArrowBatches } from '../formats/arrow-ipc';
import { arrowLayoutOf, hasParquetMagic, readHead } from '../formats/detect';
import { readParquetBatches } from '../formats/parquet';
import { readCsvHeader } from '../formats/wide-csv';

const REQUIRED = ['entity', 'record', 'warmup', 'score'];

/** The column names: the schema of the first batch (Arrow, Parquet) or the CSV header; nothing more is read. */
async function columnNames(path: string): Promise<string[]> {
  const head = await readHead(path, 8);
  const parquet = hasParquetMagic(head);
  // a CSV without a header line is no record-score file; the score-file reader says what it lacks
  if (!parquet && arrowLayoutOf(head) === undefined) return readCsvHeader(path).catch(() => []);
  const batches = parquet ? readParquetBatches(path) : readArrowBatches(path);
  try {
    const first = await batches.next();
    return first.done ? [] : first.value.schema.fields.map((f) => f.name);
  } catch {
    // not readable as what its magic bytes say: certainly not a record-score file
    return [];
  } finally {
    await batches.return(undefined);
  }
}

/** Whether the header (CSV) or schema (Arrow, Parquet) has the record-score columns entity, record, warmup, score. */
export async function isRecordScoreFile(path: string): Promise<boolean> {
  const names = await columnNames(path);
  return REQUIRED.every((c) => names.includes(c));
}
