/**
 * The columns `driftwatch evaluate` needs from a record-score file (`driftwatch score --input … --out FILE`:
 * entity, [timestamp], record, warmup, score, smoothed, threshold, alarm; CSV, Arrow IPC or Parquet): per entity
 * the raw scores with NaN at warm-up records, and the times when the file has them. A narrow reader kept apart
 * from the full record-score reader so that evaluate depends only on these columns.
 */
import { readFile } from 'node:fs/promises';
import { Table, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from '@driftwatch/contracts';
import { parseNumberToken } from '../csv/numeric-csv';
import { hasParquetMagic } from '../formats/detect';
import { readParquetBatches } from '../formats/parquet';

export interface EntityRecordScores {
  entity: string;
  /** one per record in file order; NaN where warmup = 1 (no score) */
  scores: Float64Array;
  /** ms since the epoch, when the file has a timestamp column */
  timestamps?: BigInt64Array;
}

const REQUIRED = ['entity', 'record', 'warmup', 'score'];

function isArrow(bytes: Buffer): boolean {
  return (
    bytes.subarray(0, 6).toString('latin1') === 'ARROW1' || (bytes.length >= 4 && bytes.readUInt32LE(0) === -1 >>> 0)
  );
}

async function parquetTable(path: string): Promise<Table> {
  const batches: RecordBatch[] = [];
  for await (const batch of readParquetBatches(path)) batches.push(batch);
  return new Table(batches);
}

/**
 * Whether the file's header (CSV) or schema (Arrow, Parquet) has the record-score columns entity, record, warmup,
 * score.
 */
export async function isRecordScoreFile(path: string): Promise<boolean> {
  const bytes = await readFile(path);
  let names: string[];
  if (hasParquetMagic(bytes)) {
    names = (await parquetTable(path)).schema.fields.map((f) => f.name);
  } else if (isArrow(bytes)) {
    try {
      names = tableFromIPC(bytes).schema.fields.map((f) => f.name);
    } catch {
      return false;
    }
  } else {
    const firstLine = bytes.subarray(0, Math.max(0, bytes.indexOf(10))).toString('utf8');
    names = firstLine
      .replace(/^\uFEFF/, '')
      .trim()
      .split(',');
  }
  return REQUIRED.every((c) => names.includes(c));
}

/** Collects rows per entity; records must be 0, 1, 2, … within each entity. */
class Collector {
  private readonly byEntity = new Map<string, { scores: number[]; times: bigint[] }>();
  constructor(private readonly path: string) {}
  add(entity: string, record: number, warmup: boolean, score: number, time: bigint | undefined, line?: number): void {
    let e = this.byEntity.get(entity);
    if (!e) this.byEntity.set(entity, (e = { scores: [], times: [] }));
    if (record !== e.scores.length)
      throw new InputError(
        { file: this.path, line },
        `record ${e.scores.length} of entity ${JSON.stringify(entity)} (records start at 0 and increase by 1)`,
        String(record),
      );
    if (!warmup && !Number.isFinite(score))
      throw new InputError({ file: this.path, line }, 'a finite score where warmup is 0', String(score));
    e.scores.push(warmup ? NaN : score);
    if (time !== undefined) e.times.push(time);
  }
  result(): EntityRecordScores[] {
    return [...this.byEntity].map(([entity, e]) => ({
      entity,
      scores: Float64Array.from(e.scores),
      ...(e.times.length === e.scores.length && e.times.length > 0 ? { timestamps: BigInt64Array.from(e.times) } : {}),
    }));
  }
}

/** Reads a record-score file (Parquet or Arrow IPC by their magic bytes, else CSV). */
export async function readRecordScoreColumns(path: string): Promise<EntityRecordScores[]> {
  const bytes = await readFile(path);
  if (hasParquetMagic(bytes)) return fromTable(await parquetTable(path), path);
  if (!isArrow(bytes)) return fromCsv(bytes, path);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new InputError({ file: path }, 'an Arrow IPC record-score file', (error as Error).message);
  }
  return fromTable(table, path);
}

function fromTable(table: Table, path: string): EntityRecordScores[] {
  const names = table.schema.fields.map((f) => f.name);
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length > 0)
    throw new InputError(
      { file: path },
      `the columns ${REQUIRED.join(', ')} (missing ${missing.join(', ')})`,
      names.join(','),
    );
  const [entity, record, warmup, score] = REQUIRED.map((c) => table.getChild(c)!);
  const timestamp = table.getChild('timestamp');
  const out = new Collector(path);
  for (let row = 0; row < table.numRows; row++) {
    const t = timestamp?.get(row) as number | bigint | Date | null | undefined;
    const ms = t === null || t === undefined ? undefined : BigInt(t instanceof Date ? t.getTime() : Number(t));
    const s = score.get(row) as number | null;
    out.add(String(entity.get(row)), Number(record.get(row)), Number(warmup.get(row)) === 1, s ?? NaN, ms);
  }
  return out.result();
}

function fromCsv(bytes: Buffer, path: string): EntityRecordScores[] {
  const rows = parseCsv(bytes, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  const header = rows[0] ?? [];
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0)
    throw new InputError(
      { file: path, line: 1 },
      `a header with ${REQUIRED.join(', ')} (missing ${missing.join(', ')})`,
      header.join(','),
    );
  const col = (name: string) => header.indexOf(name);
  const out = new Collector(path);
  for (let k = 1; k < rows.length; k++) {
    const row = rows[k];
    const line = k + 1;
    const warmup = row[col('warmup')]?.trim();
    if (warmup !== '0' && warmup !== '1')
      throw new InputError({ file: path, line, column: col('warmup') + 1 }, 'warmup 0 or 1', warmup ?? '');
    const record = Number(row[col('record')]);
    if (!Number.isSafeInteger(record))
      throw new InputError({ file: path, line, column: col('record') + 1 }, 'a record index', row[col('record')]);
    const scoreText = row[col('score')]?.trim() ?? '';
    const score = warmup === '1' ? NaN : (parseNumberToken(scoreText) ?? NaN);
    let time: bigint | undefined;
    if (col('timestamp') >= 0) {
      const ms = Date.parse(row[col('timestamp')]);
      if (Number.isNaN(ms))
        throw new InputError(
          { file: path, line, column: col('timestamp') + 1 },
          'an ISO 8601 timestamp',
          row[col('timestamp')],
        );
      time = BigInt(ms);
    }
    out.add(row[col('entity')], record, warmup === '1', score, time, line);
  }
  return out.result();
}
