import { readFile } from 'node:fs/promises';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { DriftwatchError, InputError, type AnomalyRange, type Sequence } from '@driftwatch/contracts';
import { firstAtOrAfter, parseTimeBound } from '../preprocess/time-bounds';

/**
 * One line of a user's labels file (`entity,start,end[,type]`). A bound is an ISO 8601 time (`time`) or an
 * integer (`number`): ms since the epoch for a series with times, else a 0-based record index. Both bounds are
 * inclusive, as people write "from 10:00 to 10:20".
 */
export interface LabelLine {
  entity: string;
  start: number;
  end: number;
  unit: 'time' | 'number';
  /** default 'anomaly' */
  type: string;
  /** 1-based line in the file */
  line: number;
}

/** The CSV rows of a labels file; csv-parse's own errors (a stray quote) become an InputError at their line. */
function parseLabelCsv(text: string, path: string): string[][] {
  try {
    return parseCsv(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const { lines, message } = error as CsvError & { lines?: unknown };
    throw new InputError(
      typeof lines === 'number' ? { file: path, line: lines } : { file: path },
      'CSV fields quoted as RFC 4180 says (a quote opens a field and is doubled inside it)',
      String(message),
    );
  }
}

/** Reads a labels file: a CSV with the header `entity,start,end` and an optional `type` column, in any order. */
export async function readLabelFile(path: string): Promise<LabelLine[]> {
  const text = await readFile(path, 'utf8');
  const rows = parseLabelCsv(text, path);
  if (rows.length === 0) throw new InputError({ file: path, line: 1 }, 'a header entity,start,end[,type]', '');
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const col = (name: string): number => header.indexOf(name);
  for (const name of ['entity', 'start', 'end'])
    if (col(name) < 0)
      throw new InputError(
        { file: path, line: 1 },
        `a column named "${name}" (header entity,start,end[,type])`,
        rows[0].join(','),
      );
  const out: LabelLine[] = [];
  rows.slice(1).forEach((row, k) => {
    const line = k + 2;
    const cell = (name: string): string => row[col(name)] ?? '';
    const entity = cell('entity').trim();
    if (entity === '') throw new InputError({ file: path, line, column: col('entity') + 1 }, 'an entity name', '');
    const bound = (name: 'start' | 'end') => {
      const b = parseTimeBound(cell(name));
      if (!b)
        throw new InputError(
          { file: path, line, column: col(name) + 1 },
          'an ISO 8601 time (2026-01-31T10:00:00Z) or an integer (ms since the epoch, or a record index)',
          cell(name),
        );
      return b;
    };
    const start = bound('start');
    const end = bound('end');
    if (start.unit !== end.unit)
      throw new InputError(
        { file: path, line, column: col('end') + 1 },
        `an end of the same kind as the start`,
        cell('end'),
      );
    if (end.value < start.value)
      throw new InputError(
        { file: path, line, column: col('end') + 1 },
        `an end ≥ the start ${cell('start')}`,
        cell('end'),
      );
    const type = col('type') >= 0 && cell('type').trim() !== '' ? cell('type').trim() : 'anomaly';
    out.push({ entity, start: start.value, end: end.value, unit: start.unit, type, line });
  });
  return out;
}

/** An error naming every labels line whose entity is not among `entities`. */
export function checkLabelEntities(lines: readonly LabelLine[], entities: readonly string[], file: string): void {
  const known = new Set(entities);
  const unknown = lines.filter((l) => !known.has(l.entity));
  if (unknown.length > 0)
    throw new DriftwatchError(
      `${file}: ${unknown.map((l) => `line ${l.line} names entity ${JSON.stringify(l.entity)}`).join('; ')}, ` +
        `which is not in the input; its entities are ${entities.join(', ')}`,
    );
}

/**
 * The sequence with `labels` (per record: 0 normal, else 1 + the index of the event type in `types`) and `ranges`
 * from the lines naming its entity. Times are matched against `timestamps`; without them, numbers are record indexes.
 */
export function applyLabels(
  seq: Sequence,
  lines: readonly LabelLine[],
  types: readonly string[],
  file: string,
): Sequence {
  const labels = new Uint8Array(seq.length);
  const ranges: AnomalyRange[] = [];
  for (const l of lines) {
    if (l.entity !== seq.entity) continue;
    let first: number;
    let last: number;
    if (seq.timestamps) {
      first = firstAtOrAfter(seq.timestamps, l.start);
      last = firstAtOrAfter(seq.timestamps, l.end + 1) - 1;
    } else if (l.unit === 'time') {
      throw new InputError({ file, line: l.line }, `record indexes: entity ${l.entity}'s input has no time column`);
    } else {
      first = Math.max(0, l.start);
      last = Math.min(seq.length - 1, l.end);
    }
    if (last < first) continue;
    const code = types.indexOf(l.type) + 1;
    labels.fill(code, first, last + 1);
    ranges.push({ start: first, end: last + 1, eventType: l.type });
  }
  ranges.sort((a, b) => a.start - b.start);
  return { ...seq, labels, ranges };
}

/** The event types of a labels file, sorted: the code of type t in `applyLabels` is its index here + 1. */
export function labelTypes(lines: readonly LabelLine[]): string[] {
  return [...new Set(lines.map((l) => l.type))].sort();
}
