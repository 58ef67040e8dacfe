import {
  Field,
  type Int64,
  RecordBatch,
  Schema,
  Struct,
  TimestampMillisecond,
  type Vector,
  makeData,
} from 'apache-arrow';
import { InputError } from '@driftwatch/contracts';
import { type TextInput, inputName, readLineChunks } from '../../stream/chunks';
import { setSourceLines, sourceLinesOf } from '../../stream/source-lines';
import { GO_TIME_LAYOUT, parseGoTimeMs } from './times';

/** The name of the column that `withGoTimes` adds: the record time in ms since the epoch (Timestamp[ms]). */
export const TIME_MS_COLUMN = 'timeMs';

/** The text of one line of an input (1-based), or undefined past its end (headers, and lines named in errors). */
export async function lineOf(input: TextInput, line: number, chunkBytes = 64 * 1024): Promise<string | undefined> {
  for await (const chunk of readLineChunks(input, chunkBytes)) {
    const text = chunk.bytes.toString('utf8');
    const lines = text.split('\n');
    const lastWhole = text.endsWith('\n') ? lines.length - 1 : lines.length;
    if (line < chunk.firstLine + lastWhole) return lines[line - chunk.firstLine].replace(/\r$/, '');
  }
  return undefined;
}

/** Splits one CSV line into fields with their 1-based character columns (RFC 4180 quotes, as the reader). */
export function fieldsWithColumns(line: string, delimiter = ','): { text: string; column: number }[] {
  const fields: { text: string; column: number }[] = [];
  let start = 0;
  let inQuotes = false;
  const chars = [...line];
  for (let i = 0; i <= chars.length; i++) {
    const c = chars[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (i === chars.length || (!inQuotes && c === delimiter)) {
      const raw = chars.slice(start, i).join('');
      const text =
        raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1).replace(/""/g, '"') : raw;
      fields.push({ text, column: start + 1 });
      start = i + 1;
    }
  }
  return fields;
}

/** The header names of a CSV input (its first line). */
export async function headerOf(input: TextInput): Promise<string[]> {
  const first = await lineOf(input, 1);
  if (first === undefined || first.trim() === '')
    throw new InputError({ file: inputName(input), line: 1, column: 1 }, 'a header line', 'an empty file');
  return fieldsWithColumns(first.replace(/^\uFEFF/, '')).map((f) => f.text.trim());
}

/** 1-based character column of field `index` (0-based) on line `line`, read back from the input for a message. */
export async function columnOfField(input: TextInput, line: number, index: number): Promise<number | undefined> {
  const text = await lineOf(input, line);
  return text === undefined ? undefined : fieldsWithColumns(text)[index]?.column;
}

export interface GoTimeOptions {
  /** the input the batches were read from (read again only to locate an error) */
  input: TextInput;
  /** the text column holding Go times */
  timeColumn: string;
  /** its 0-based field index in the file, to name the column of a bad value */
  timeField: number;
  /** optional: every row's value of `column` (field `field`) must equal `value` (e.g. a pod file's PodName) */
  constant?: { column: string; field: number; value: string };
}

/**
 * Adds the column `timeMs` (Timestamp[ms]) parsed from a Go time text column to each batch; a value that is
 * not a Go time (GO_TIME_LAYOUT) is an InputError naming the file, line and column. Keeps the batches'
 * source lines.
 */
export async function* withGoTimes(
  batches: AsyncIterable<RecordBatch>,
  options: GoTimeOptions,
): AsyncGenerator<RecordBatch> {
  const file = inputName(options.input);
  for await (const batch of batches) {
    const lines = sourceLinesOf(batch) ?? new Uint32Array(batch.numRows);
    const texts = batch.getChild(options.timeColumn) as Vector | null;
    if (!texts)
      throw new InputError(
        { file, line: 1, column: 1 },
        `a header with a column named ${JSON.stringify(options.timeColumn)}`,
      );
    const times = new BigInt64Array(batch.numRows);
    const constant = options.constant ? (batch.getChild(options.constant.column) as Vector | null) : null;
    for (let r = 0; r < batch.numRows; r++) {
      const text = texts.get(r) as string | null;
      const ms = text === null ? undefined : parseGoTimeMs(text);
      if (ms === undefined) {
        const column = await columnOfField(options.input, lines[r], options.timeField);
        throw new InputError(
          { file, line: lines[r], column },
          `a Go time "${GO_TIME_LAYOUT}" in column "${options.timeColumn}"`,
          text ?? '',
        );
      }
      times[r] = BigInt(ms);
      if (options.constant && constant) {
        const value = constant.get(r) as string | null;
        if (value !== options.constant.value) {
          const column = await columnOfField(options.input, lines[r], options.constant.field);
          throw new InputError(
            { file, line: lines[r], column },
            `${JSON.stringify(options.constant.value)} in column "${options.constant.column}" (as the file name says)`,
            value ?? '',
          );
        }
      }
    }
    yield appendTimeColumn(batch, times, lines);
  }
}

/** The batch with one more column, `timeMs`, sharing every other column's buffers. */
function appendTimeColumn(batch: RecordBatch, times: BigInt64Array, lines: Uint32Array): RecordBatch {
  const type = new TimestampMillisecond();
  const schema = new Schema([...batch.schema.fields, new Field(TIME_MS_COLUMN, type, false)], batch.schema.metadata);
  const timeData = makeData({ type: type as unknown as Int64, length: batch.numRows, nullCount: 0, data: times });
  const struct = makeData({
    type: new Struct(schema.fields),
    length: batch.numRows,
    nullCount: 0,
    children: [...batch.data.children, timeData],
  });
  const out = new RecordBatch(schema, struct);
  setSourceLines(out, lines);
  return out;
}
