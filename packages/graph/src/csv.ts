import { InputError } from '@driftwatch/contracts';
import { looksLikeIPv4 } from './hosts';

/** One row of an edge list: `source` depends on (calls, or is placed on) `target`. */
export interface EdgeRow {
  source: string;
  target: string;
  weight: number;
}

export interface EdgeListOptions {
  /** file name used in error messages */
  file?: string;
}

interface Field {
  text: string;
  /** 1-based column of the field's first character */
  column: number;
}

/**
 * Parses an edge-list CSV such as Nezha's `dependency.csv`: a header naming `Source`, `Target` and
 * optionally `Weight` (any case, any order; other columns are ignored), then one edge per line.
 * A missing Weight column means weight 1. Blank lines are skipped; CRLF and a UTF-8 BOM are accepted;
 * fields may be double-quoted ("" escapes a quote). Hosts (IPv4 addresses) may only be targets.
 */
export function parseEdgeListCsv(text: string, opts: EdgeListOptions = {}): EdgeRow[] {
  const file = opts.file;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let headerLine = 0;
  while (headerLine < lines.length && lines[headerLine].trim() === '') headerLine++;
  if (headerLine === lines.length)
    throw new InputError({ file, line: 1, column: 1 }, 'a header line naming the Source and Target columns', '');
  const header = splitFields(lines[headerLine], file, headerLine + 1);
  const col = { source: -1, target: -1, weight: -1 };
  header.forEach((f, i) => {
    const name = f.text.trim().toLowerCase();
    if (name !== 'source' && name !== 'target' && name !== 'weight') return;
    if (col[name] >= 0)
      throw new InputError(
        { file, line: headerLine + 1, column: f.column },
        `a single ${f.text.trim()} column`,
        f.text,
      );
    col[name] = i;
  });
  for (const name of ['source', 'target'] as const) {
    if (col[name] < 0) {
      throw new InputError(
        { file, line: headerLine + 1, column: 1 },
        `a header with a ${name[0].toUpperCase()}${name.slice(1)} column (Source,Target[,Weight])`,
        lines[headerLine],
      );
    }
  }
  const rows: EdgeRow[] = [];
  for (let l = headerLine + 1; l < lines.length; l++) {
    const raw = lines[l];
    if (raw.trim() === '') continue;
    const line = l + 1;
    const fields = splitFields(raw, file, line);
    if (fields.length !== header.length) {
      const column = fields.length > header.length ? fields[header.length].column : raw.length + 1;
      throw new InputError(
        { file, line, column },
        `${header.length} comma-separated fields`,
        `${fields.length} fields`,
      );
    }
    const source = fields[col.source];
    const target = fields[col.target];
    for (const f of [source, target]) {
      if (f.text.trim() === '') throw new InputError({ file, line, column: f.column }, 'a non-empty node name', f.text);
    }
    if (looksLikeIPv4(source.text.trim())) {
      throw new InputError(
        { file, line, column: source.column },
        'a service name as Source (host addresses appear only as Target)',
        source.text,
      );
    }
    let weight = 1;
    if (col.weight >= 0) {
      const w = fields[col.weight];
      weight = w.text.trim() === '' ? NaN : Number(w.text);
      if (!Number.isFinite(weight) || weight < 0)
        throw new InputError({ file, line, column: w.column }, 'a non-negative number as Weight', w.text);
    }
    rows.push({ source: source.text.trim(), target: target.text.trim(), weight });
  }
  return rows;
}

/** Splits one CSV line into fields with their 1-based start columns. */
function splitFields(line: string, file: string | undefined, lineNo: number): Field[] {
  const fields: Field[] = [];
  let i = 0;
  for (;;) {
    const column = i + 1;
    if (line[i] === '"') {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= line.length)
          throw new InputError({ file, line: lineNo, column }, 'a closing double quote', line.slice(i));
        if (line[j] === '"') {
          if (line[j + 1] === '"') {
            text += '"';
            j += 2;
            continue;
          }
          break;
        }
        text += line[j++];
      }
      j++; // past the closing quote
      if (j < line.length && line[j] !== ',')
        throw new InputError({ file, line: lineNo, column: j + 1 }, 'a comma after a quoted field', line.slice(j));
      fields.push({ text, column });
      if (j >= line.length) return fields;
      i = j + 1;
    } else {
      const end = line.indexOf(',', i);
      const stop = end < 0 ? line.length : end;
      fields.push({ text: line.slice(i, stop), column });
      if (end < 0) return fields;
      i = end + 1;
    }
  }
}
