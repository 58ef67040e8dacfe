/**
 * TSB-AD's layout (github.com/TheDatumOrg/TSB-AD, TSB-AD-U and TSB-AD-M): one CSV per series with a header of
 * metric columns and a `Label` column (0 normal, 1 anomalous), named `<…>_tr_<N>_1st_<M>.csv` where N records at
 * the start are for training and M is the first anomalous record. As its benchmark scripts do, rows with an
 * empty or NaN cell are dropped before N counts (pandas' dropna), and the whole series is scored.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { DataRootError, InputError, type AnomalyRange, type Sequence } from '@driftwatch/contracts';
import { parseNumberToken } from '../csv/numeric-csv';
import { compareNatural } from './omnianomaly';

export interface TsbAdSeries {
  /** the file name without `.csv`: the series' entity and the last part of its id `tsb-ad/<name>` */
  name: string;
  path: string;
  /** N of `_tr_<N>_`: the first N records train */
  trainLength: number;
  /** M of `_1st_<M>`: the first anomalous record as the file name states it */
  firstAnomaly: number;
  /** rows dropped because a cell was empty or NaN */
  droppedRows: number;
  /** every kept record, labels 0/1, features = the metric columns in file order */
  sequence: Sequence;
}

const NAME = /_tr_(\d+)_1st_(\d+)\.csv$/i;
const MISSING = new Set(['', 'nan', 'NaN', 'NA', 'N/A', 'null', 'NULL']);

/** N and M of a TSB-AD file name `…_tr_<N>_1st_<M>.csv`; an InputError naming the file otherwise. */
export function parseTsbAdFileName(path: string): { trainLength: number; firstAnomaly: number } {
  const m = NAME.exec(basename(path));
  if (!m)
    throw new InputError(
      { file: path },
      "a TSB-AD file name ending in _tr_<N>_1st_<M>.csv (N training records, M the first anomaly's index)",
      basename(path),
    );
  const trainLength = Number(m[1]);
  if (trainLength < 1) throw new InputError({ file: path }, 'at least 1 training record in _tr_<N>_', basename(path));
  return { trainLength, firstAnomaly: Number(m[2]) };
}

/** Reads one TSB-AD series file. */
export async function readTsbAdFile(path: string): Promise<TsbAdSeries> {
  const { trainLength, firstAnomaly } = parseTsbAdFileName(path);
  const rows = parseCsv(await readFile(path), {
    skip_empty_lines: true,
    bom: true,
    relax_column_count: true,
  }) as string[][];
  if (rows.length === 0) throw new InputError({ file: path, line: 1 }, 'a header of metric columns and Label', '');
  const header = rows[0].map((h) => h.trim());
  const labelColumn = header.indexOf('Label');
  if (labelColumn < 0)
    throw new InputError({ file: path, line: 1 }, 'a column named "Label" (TSB-AD layout)', rows[0].join(','));
  const metricColumns = header.map((_, j) => j).filter((j) => j !== labelColumn);
  if (metricColumns.length === 0)
    throw new InputError({ file: path, line: 1 }, 'at least one metric column beside Label', rows[0].join(','));
  const values: number[] = [];
  const labels: number[] = [];
  let droppedRows = 0;
  for (let k = 1; k < rows.length; k++) {
    const row = rows[k];
    const line = k + 1;
    if (row.length !== header.length)
      throw new InputError({ file: path, line }, `${header.length} fields as in the header`, `${row.length} fields`);
    if (row.some((cell) => MISSING.has(cell.trim()))) {
      droppedRows++;
      continue;
    }
    const label = row[labelColumn].trim();
    if (label !== '0' && label !== '1' && label !== '0.0' && label !== '1.0')
      throw new InputError({ file: path, line, column: labelColumn + 1 }, 'a Label of 0 or 1', label);
    labels.push(Number(label));
    for (const j of metricColumns) {
      const v = parseNumberToken(row[j].trim());
      if (v === undefined || !Number.isFinite(v))
        throw new InputError({ file: path, line, column: j + 1 }, `a number in column "${header[j]}"`, row[j]);
      values.push(v);
    }
  }
  if (trainLength > labels.length)
    throw new InputError(
      { file: path },
      `at most ${labels.length} training records (the complete rows of the file) in _tr_<N>_`,
      String(trainLength),
    );
  const name = basename(path).replace(/\.csv$/i, '');
  const labelArray = Uint8Array.from(labels);
  return {
    name,
    path,
    trainLength,
    firstAnomaly,
    droppedRows,
    sequence: {
      id: `tsb-ad/${name}`,
      entity: name,
      domain: name,
      features: metricColumns.map((j) => header[j]),
      values: Float32Array.from(values),
      length: labels.length,
      labels: labelArray,
      ranges: labelRanges(labelArray),
    },
  };
}

/** Maximal runs of label 1 as half-open ranges. */
function labelRanges(labels: Uint8Array): AnomalyRange[] {
  const out: AnomalyRange[] = [];
  for (let t = 0; t < labels.length; t++) {
    if (labels[t] === 0) continue;
    const start = t;
    while (t < labels.length && labels[t] !== 0) t++;
    out.push({ start, end: t, eventType: 'anomaly' });
  }
  return out;
}

/** The TSB-AD files a list of paths names: a directory stands for its `*.csv` files, in natural order. */
export async function listTsbAdFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch {
      throw new DataRootError(`${p}: no such TSB-AD file or directory`);
    }
    if (!s.isDirectory()) {
      files.push(p);
      continue;
    }
    const names = (await readdir(p)).filter((n) => n.toLowerCase().endsWith('.csv')).sort(compareNatural);
    if (names.length === 0) throw new DataRootError(`${p}: no .csv files (TSB-AD layout: one CSV per series)`);
    files.push(...names.map((n) => join(p, n)));
  }
  return files;
}

/** Every series the paths name; two files with the same name are an error (their ids would collide). */
export async function readTsbAdSeries(paths: readonly string[]): Promise<TsbAdSeries[]> {
  const files = await listTsbAdFiles(paths);
  const seen = new Map<string, string>();
  const out: TsbAdSeries[] = [];
  for (const f of files) {
    const series = await readTsbAdFile(f);
    const other = seen.get(series.name);
    if (other) throw new DataRootError(`${f}: a series named ${series.name} was already read from ${other}`);
    seen.set(series.name, f);
    out.push(series);
  }
  return out;
}
