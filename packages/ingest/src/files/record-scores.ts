import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  Dictionary,
  Float64,
  Int32,
  RecordBatch,
  Table,
  TimestampMillisecond,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError, ParameterError } from '@driftwatch/contracts';
import { readArrowBatches } from '../formats/arrow-ipc';
import { quoteCsvField } from '../formats/csv-writer';
import { readParquetBatches } from '../formats/parquet';
import { type OutputFormat, writeBatches } from '../formats/write-batches';
import { writeFileAtomic } from '@driftwatch/contracts/atomic';

/**
 * The per-record scores of one entity (`driftwatch score --input`): `score`/`smoothed` are NaN where no window
 * gives a score (warm-up, or a window with a missing value), written as null / an empty field.
 */
export interface EntityRecordScores {
  entity: string;
  /** ms since the epoch, when the input has times */
  timestamps?: BigInt64Array;
  /** 1 = before the first full window (no score) */
  warmup: Uint8Array;
  score: Float64Array;
  smoothed: Float64Array;
  /** the threshold in force at each record */
  threshold: Float64Array;
  alarm: Uint8Array;
}

/** The columns of a record-score file, in order (the `timestamp` column only when the input has times). */
export const RECORD_SCORE_COLUMNS = [
  'entity',
  'timestamp',
  'record',
  'warmup',
  'score',
  'smoothed',
  'threshold',
  'alarm',
];

/** Where `driftwatch score` puts a record-score file's episodes by default: `<path minus extension>.episodes.csv`. */
export function episodesPathFor(recordScoresPath: string): string {
  const ext = extname(recordScoresPath);
  return `${ext ? recordScoresPath.slice(0, -ext.length) : recordScoresPath}.episodes.csv`;
}

/** The format a record-score path's extension names, or undefined. */
export function recordScoreFormatOf(path: string): OutputFormat | undefined {
  const ext = extname(path).toLowerCase();
  return ext === '.csv' ? 'csv' : ext === '.arrow' ? 'arrow' : ext === '.parquet' ? 'parquet' : undefined;
}

function checkEntities(path: string, entities: readonly EntityRecordScores[]): boolean {
  if (entities.length === 0) throw new ParameterError(`record-score file ${path}: no entity to write`);
  const withTimes = entities[0].timestamps !== undefined;
  const seen = new Set<string>();
  for (const e of entities) {
    if (seen.has(e.entity)) throw new ParameterError(`record-score file ${path}: entity ${e.entity} given twice`);
    seen.add(e.entity);
    if ((e.timestamps !== undefined) !== withTimes)
      throw new ParameterError(`record-score file ${path}: every entity or none must have times (${e.entity})`);
    const n = e.score.length;
    for (const column of [e.warmup, e.smoothed, e.threshold, e.alarm, e.timestamps ?? e.score])
      if (column.length !== n) throw new ParameterError(`record-score file ${path}: ${e.entity}'s columns differ`);
  }
  return withTimes;
}

/** Float64 vector with nulls where the value is NaN. */
function nullableFloat64(values: Float64Array): Vector {
  const valid = new Uint8Array(Math.ceil(values.length / 8));
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) nulls++;
    else valid[i >> 3] |= 1 << (i & 7);
  }
  return makeVector(
    makeData({ type: new Float64(), length: values.length, nullCount: nulls, data: values, nullBitmap: valid }),
  );
}

function concat<T extends Float64Array | Uint8Array | BigInt64Array>(parts: readonly T[], make: (n: number) => T): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p as never, at);
    at += p.length;
  }
  return out;
}

/** One record batch of every entity's rows (entities in the given order). */
function recordScoreBatch(entities: readonly EntityRecordScores[], withTimes: boolean): RecordBatch {
  const total = entities.reduce((n, e) => n + e.score.length, 0);
  const entityIndex = new Int32Array(total);
  const record = new Int32Array(total);
  let row = 0;
  entities.forEach((e, k) => {
    for (let r = 0; r < e.score.length; r++, row++) {
      entityIndex[row] = k;
      record[row] = r;
    }
  });
  const columns: Record<string, Vector> = {
    entity: makeVector(
      makeData({
        type: new Dictionary(new Utf8(), new Int32()),
        length: total,
        nullCount: 0,
        data: entityIndex,
        dictionary: vectorFromArray(
          entities.map((e) => e.entity),
          new Utf8(),
        ),
      }),
    ),
  };
  if (withTimes)
    columns.timestamp = makeVector(
      makeData({
        type: new TimestampMillisecond(),
        length: total,
        nullCount: 0,
        data: concat(
          entities.map((e) => e.timestamps!),
          (n) => new BigInt64Array(n),
        ),
      }),
    );
  columns.record = makeVector(record);
  const bytes = (pick: (e: EntityRecordScores) => Uint8Array) =>
    makeVector(Int8Array.from(concat(entities.map(pick), (n) => new Uint8Array(n))));
  const doubles = (pick: (e: EntityRecordScores) => Float64Array) =>
    concat(entities.map(pick), (n) => new Float64Array(n));
  columns.warmup = bytes((e) => e.warmup);
  columns.score = nullableFloat64(doubles((e) => e.score));
  columns.smoothed = nullableFloat64(doubles((e) => e.smoothed));
  columns.threshold = makeVector(doubles((e) => e.threshold));
  columns.alarm = bytes((e) => e.alarm);
  return new Table(columns).batches[0];
}

/**
 * Writes a record-score file (one row per record: entity, [timestamp], record, warmup, score, smoothed,
 * threshold, alarm) as CSV, Arrow IPC or Parquet by the extension, atomically: a temporary sibling renamed
 * into place when complete, so an error leaves nothing (and an existing file as it was).
 */
export async function writeRecordScores(path: string, entities: readonly EntityRecordScores[]): Promise<void> {
  const format = recordScoreFormatOf(path);
  if (!format)
    throw new ParameterError(`cannot tell the format of ${path}: name the score file .csv, .arrow or .parquet`);
  const withTimes = checkEntities(path, entities);
  await writeBatches(path, [recordScoreBatch(entities, withTimes)], format);
}

/** Reads a record-score file written by `writeRecordScores` (format by extension), entities in file order. */
export async function readRecordScores(path: string): Promise<EntityRecordScores[]> {
  const format = recordScoreFormatOf(path);
  if (!format) throw new InputError({ file: path }, 'a record-score file named .csv, .arrow or .parquet', path);
  const rows = format === 'csv' ? await csvRows(path) : await arrowRows(path, format);
  return collectRows(rows, path);
}

interface ScoreRow {
  entity: string;
  timestamp?: bigint;
  record: number;
  warmup: number;
  score: number;
  smoothed: number;
  threshold: number;
  alarm: number;
  /** where the row is, for errors */
  where: InputError['location'];
}

function expectedColumns(withTimes: boolean): string[] {
  return RECORD_SCORE_COLUMNS.filter((c) => withTimes || c !== 'timestamp');
}

async function csvRows(path: string): Promise<ScoreRow[]> {
  const text = await readFile(path, 'utf8');
  const lines = parseCsv(text, { skip_empty_lines: true }) as string[][];
  const header = lines[0] ?? [];
  const withTimes = header.includes('timestamp');
  const expected = expectedColumns(withTimes);
  if (header.join(',') !== expected.join(','))
    throw new InputError({ file: path, line: 1 }, `the header ${expected.join(',')}`, header.join(','));
  const number = (text: string, line: number, column: string): number => {
    if (text === '') return NaN;
    const v = Number(text);
    if (!Number.isFinite(v))
      throw new InputError({ file: path, line, column: expected.indexOf(column) + 1 }, `a number in ${column}`, text);
    return v;
  };
  return lines.slice(1).map((fields, k) => {
    const line = k + 2;
    const at = (c: string) => fields[expected.indexOf(c)] ?? '';
    let timestamp: bigint | undefined;
    if (withTimes) {
      const ms = Date.parse(at('timestamp'));
      if (Number.isNaN(ms))
        throw new InputError({ file: path, line, column: 2 }, 'an ISO 8601 UTC time', at('timestamp'));
      timestamp = BigInt(ms);
    }
    return {
      entity: at('entity'),
      timestamp,
      record: number(at('record'), line, 'record'),
      warmup: number(at('warmup'), line, 'warmup'),
      score: number(at('score'), line, 'score'),
      smoothed: number(at('smoothed'), line, 'smoothed'),
      threshold: number(at('threshold'), line, 'threshold'),
      alarm: number(at('alarm'), line, 'alarm'),
      where: { file: path, line },
    };
  });
}

async function arrowRows(path: string, format: 'arrow' | 'parquet'): Promise<ScoreRow[]> {
  const rows: ScoreRow[] = [];
  const batches = format === 'arrow' ? readArrowBatches(path) : readParquetBatches(path);
  for await (const batch of batches) {
    const names = batch.schema.fields.map((f) => f.name);
    const withTimes = names.includes('timestamp');
    const expected = expectedColumns(withTimes);
    if (names.join(',') !== expected.join(','))
      throw new InputError({ file: path }, `the columns ${expected.join(',')}`, names.join(','));
    const col = (name: string) => batch.getChild(name)!;
    const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
    for (let i = 0; i < batch.numRows; i++) {
      const time = withTimes ? col('timestamp').get(i) : undefined;
      rows.push({
        entity: String(col('entity').get(i)),
        timestamp: time === undefined || time === null ? undefined : BigInt(Math.round(Number(time))),
        record: num(col('record').get(i)),
        warmup: num(col('warmup').get(i)),
        score: num(col('score').get(i)),
        smoothed: num(col('smoothed').get(i)),
        threshold: num(col('threshold').get(i)),
        alarm: num(col('alarm').get(i)),
        where: { file: path, line: rows.length + 1 },
      });
    }
  }
  return rows;
}

/** Rows grouped per entity, checking that each entity's records run 0, 1, 2, … in one block. */
function collectRows(rows: readonly ScoreRow[], path: string): EntityRecordScores[] {
  const groups = new Map<string, ScoreRow[]>();
  let previous: string | undefined;
  for (const row of rows) {
    let group = groups.get(row.entity);
    if (group && previous !== row.entity)
      throw new InputError(row.where, `the rows of entity ${row.entity} together`, 'a second block of them');
    if (!group) groups.set(row.entity, (group = []));
    if (row.record !== group.length)
      throw new InputError(row.where, `record ${group.length} of entity ${row.entity}`, String(row.record));
    group.push(row);
    previous = row.entity;
  }
  if (groups.size === 0) throw new InputError({ file: path }, 'at least one record', 'none');
  return [...groups].map(([entity, group]) => {
    const pick = (f: (r: ScoreRow) => number) => Float64Array.from(group, f);
    const flags = (f: (r: ScoreRow) => number) => Uint8Array.from(group, f);
    const out: EntityRecordScores = {
      entity,
      warmup: flags((r) => r.warmup),
      score: pick((r) => r.score),
      smoothed: pick((r) => r.smoothed),
      threshold: pick((r) => r.threshold),
      alarm: flags((r) => r.alarm),
    };
    if (group[0].timestamp !== undefined) out.timestamps = BigInt64Array.from(group, (r) => r.timestamp ?? 0n);
    return out;
  });
}

/** One alarm episode of an entity (records first..last inclusive, 0-based within the entity). */
export interface AlarmEpisode {
  entity: string;
  firstRecord: number;
  lastRecord: number;
  /** ms since the epoch, when the input has times */
  start?: number;
  end?: number;
  peakTime?: number;
  /** the largest smoothed score of the episode */
  peakScore: number;
  /** record of the peak */
  peakRecord: number;
  /** the top features of the peak record's window, largest share first */
  topFeatures: { name: string; share: number }[];
}

export const EPISODE_COLUMNS = [
  'entity',
  'start',
  'end',
  'first_record',
  'last_record',
  'peak_score',
  'peak_time',
  'top_features',
];

const isoOf = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

/** The episodes CSV (`entity,start,end,first_record,last_record,peak_score,peak_time,top_features`), atomically. */
export async function writeEpisodes(path: string, episodes: readonly AlarmEpisode[]): Promise<void> {
  const lines = [EPISODE_COLUMNS.join(',')];
  for (const e of episodes) {
    const top = e.topFeatures.map((f) => `${f.name}:${f.share.toFixed(3)}`).join(';');
    lines.push(
      [
        quoteCsvField(e.entity),
        isoOf(e.start),
        isoOf(e.end),
        String(e.firstRecord),
        String(e.lastRecord),
        String(e.peakScore),
        isoOf(e.peakTime),
        quoteCsvField(top),
      ].join(','),
    );
  }
  await writeFileAtomic(path, `${lines.join('\n')}\n`);
}

/** An episodes-file line as read back: the peak's record is not in the file (its time is, when there are times). */
export type EpisodeLine = Omit<AlarmEpisode, 'peakRecord'>;

/** Reads an episodes CSV written by `writeEpisodes`; bad fields are an InputError naming line and column. */
export async function readEpisodes(path: string): Promise<EpisodeLine[]> {
  const lines = parseCsv(await readFile(path, 'utf8'), { skip_empty_lines: true }) as string[][];
  if ((lines[0] ?? []).join(',') !== EPISODE_COLUMNS.join(','))
    throw new InputError(
      { file: path, line: 1 },
      `the header ${EPISODE_COLUMNS.join(',')}`,
      (lines[0] ?? []).join(','),
    );
  return lines.slice(1).map((fields, k) => {
    const line = k + 2;
    const at = (name: string) => fields[EPISODE_COLUMNS.indexOf(name)] ?? '';
    const where = (name: string) => ({ file: path, line, column: EPISODE_COLUMNS.indexOf(name) + 1 });
    const number = (name: string): number => {
      const v = Number(at(name));
      if (at(name) === '' || !Number.isFinite(v)) throw new InputError(where(name), `a number in ${name}`, at(name));
      return v;
    };
    const time = (name: string): number | undefined => {
      if (at(name) === '') return undefined;
      const ms = Date.parse(at(name));
      if (Number.isNaN(ms)) throw new InputError(where(name), `an ISO 8601 time in ${name}`, at(name));
      return ms;
    };
    const topFeatures = at('top_features')
      .split(';')
      .filter((part) => part !== '')
      .map((part) => {
        const cut = part.lastIndexOf(':');
        const share = Number(part.slice(cut + 1));
        if (cut <= 0 || !Number.isFinite(share))
          throw new InputError(where('top_features'), 'name:share pairs separated by ;', part);
        return { name: part.slice(0, cut), share };
      });
    const episode: EpisodeLine = {
      entity: at('entity'),
      firstRecord: number('first_record'),
      lastRecord: number('last_record'),
      peakScore: number('peak_score'),
      topFeatures,
    };
    const [start, end, peakTime] = [time('start'), time('end'), time('peak_time')];
    if (start !== undefined) episode.start = start;
    if (end !== undefined) episode.end = end;
    if (peakTime !== undefined) episode.peakTime = peakTime;
    return episode;
  });
}
