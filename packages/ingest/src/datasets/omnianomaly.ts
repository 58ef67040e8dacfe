import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DataRootError,
  FeatureMismatchError,
  InputError,
  ParameterError,
  type AnomalyRange,
  type Sequence,
} from '@driftwatch/contracts';
import { sequenceFromTable, sequenceToTable } from '../arrow/sequence-table';
import { parseNumericCsv } from '../csv/numeric-csv';
import { readNumericMatrix } from '../stream/matrix';

/** The two data sets stored in the OmniAnomaly layout (datasets/README.md). */
export type OmniDataset = 'asd' | 'smd';

/** One labelled anomaly segment of an interpretation file, with the metrics that explain it. */
export interface OmniSegment extends AnomalyRange {
  /** feature names ('m4', …) listed for the segment, in file order */
  features: string[];
}

/** One server/machine: its training part and its labelled test part. */
export interface OmniEntity {
  entity: string;
  train: Sequence;
  test: Sequence;
  /** the interpretation segments (the same ranges as `test.ranges`, plus their metrics) */
  segments: OmniSegment[];
}

export interface ReadOmniOptions {
  /** read only these entities, in this order (default: all, in natural order) */
  entities?: string[];
}

/** Natural order: digit runs compare as numbers, so omi-2 < omi-10 and machine-2-1 < machine-3-4. */
export function compareNatural(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const digits = /^\d/.test(x) && /^\d/.test(y);
    if (digits && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Entities of an OmniAnomaly-layout data set: the names of `<dataset>/train/*.txt`, in natural order. */
export async function listOmniEntities(dataRoot: string, dataset: OmniDataset): Promise<string[]> {
  const trainDir = join(dataRoot, dataset, 'train');
  let names: string[];
  try {
    names = await readdir(trainDir);
  } catch {
    throw new DataRootError(`data set "${dataset}" not found: no directory ${trainDir} (data root ${dataRoot})`);
  }
  return names
    .filter((n) => n.endsWith('.txt'))
    .map((n) => n.slice(0, -4))
    .sort(compareNatural);
}

/**
 * Reads ASD or SMD (datasets/README.md): per entity the train and test records, the test labels and the
 * interpretation segments. Domain = entity (one domain per server, docs/divad.md §5b); features m1…mF (the
 * 1-based metric numbers of the interpretation labels). Sequences are backed by Arrow tables.
 */
export async function readOmniAnomaly(
  dataRoot: string,
  dataset: OmniDataset,
  opts: ReadOmniOptions = {},
): Promise<OmniEntity[]> {
  if (dataset !== 'asd' && dataset !== 'smd')
    throw new ParameterError(`dataset must be "asd" or "smd", got ${JSON.stringify(dataset)}`);
  const available = await listOmniEntities(dataRoot, dataset);
  const wanted = opts.entities ?? available;
  const unknown = wanted.filter((e) => !available.includes(e));
  if (unknown.length > 0) {
    throw new DataRootError(
      `${dataset}: unknown entit${unknown.length === 1 ? 'y' : 'ies'} ${unknown.join(', ')}; ` +
        `available: ${available.join(', ')}`,
    );
  }
  const eventTypes =
    dataset === 'asd'
      ? await readAnomalyTypes(join(dataRoot, dataset, 'anomaly_type.txt'), available)
      : new Map<string, AnomalyTypeRow>();
  const entities: OmniEntity[] = [];
  for (const entity of wanted) entities.push(await readEntity(dataRoot, dataset, entity, eventTypes));
  return entities;
}

async function readEntity(
  dataRoot: string,
  dataset: OmniDataset,
  entity: string,
  eventTypes: Map<string, AnomalyTypeRow>,
): Promise<OmniEntity> {
  const dir = join(dataRoot, dataset);
  const trainPath = join(dir, 'train', `${entity}.txt`);
  const testPath = join(dir, 'test', `${entity}.txt`);
  const labelPath = join(dir, 'test_label', `${entity}.txt`);
  const interpretationPath = join(dir, 'interpretation_label', `${entity}.txt`);
  await requirePresent(trainPath, dataset, entity);
  await requirePresent(testPath, dataset, entity);
  const train = await readNumericMatrix(trainPath, { allowEmpty: true });
  const test = await readNumericMatrix(testPath, { expectedColumns: train.columns || undefined, allowEmpty: true });
  if (train.rows > 0 && test.rows > 0 && train.columns !== test.columns) {
    throw new FeatureMismatchError(
      train.columns,
      test.columns,
      `features per record in ${testPath} (as in ${trainPath})`,
    );
  }
  const width = Math.max(train.columns, test.columns);
  const features = Array.from({ length: width }, (_, j) => `m${j + 1}`);
  const labels = parseLabels(await requireFile(labelPath, dataset, entity), labelPath, test.rows);
  const segments = parseInterpretation(
    (await requireFile(interpretationPath, dataset, entity)).toString('utf8'),
    interpretationPath,
    dataset,
    entity,
    test.rows,
    features,
    eventTypes,
  );
  checkAnomalyTypes(eventTypes, entity, segments, test.rows, interpretationPath);
  const base = { entity, domain: entity, features };
  return {
    entity,
    train: viaArrow({ ...base, id: `${dataset}/${entity}/train`, values: train.values, length: train.rows }),
    test: viaArrow({
      ...base,
      id: `${dataset}/${entity}/test`,
      values: test.values,
      length: test.rows,
      labels,
      ranges: segments.map(({ start, end, eventType }) => ({ start, end, eventType })),
    }),
    segments,
  };
}

/** Sequences live in Arrow record batches; the typed arrays handed out are views on them. */
function viaArrow(seq: Sequence): Sequence {
  return sequenceFromTable(sequenceToTable(seq));
}

async function requireFile(path: string, dataset: string, entity: string): Promise<Buffer> {
  await requirePresent(path, dataset, entity);
  return readFile(path);
}

/** The file exists, else a DataRootError naming it (the big files are then streamed, not read whole). */
async function requirePresent(path: string, dataset: string, entity: string): Promise<void> {
  try {
    await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DataRootError(`${dataset}/${entity}: missing file ${path}`);
    }
    throw error;
  }
}

/** test_label: one 0/1 per line, as many lines as test records. */
function parseLabels(bytes: Buffer, file: string, testRows: number): Uint8Array {
  const table = parseNumericCsv(bytes, { file, expectedColumns: 1 });
  if (table.rowCount !== testRows) {
    throw new InputError(
      { file, line: Math.min(table.rowCount, testRows) + 1 },
      `${testRows} lines, one label per test record`,
      `${table.rowCount} lines`,
    );
  }
  const labels = new Uint8Array(testRows);
  for (let i = 0; i < testRows; i++) {
    const v = table.values[i];
    if (v !== 0 && v !== 1) throw new InputError({ file, line: i + 1, column: 1 }, 'a label 0 or 1', String(v));
    labels[i] = v;
  }
  return labels;
}

const SEGMENT = /^(\d+)-(\d+):(.*)$/;

/**
 * interpretation_label: `start-end:d1,d2,…` per line. ASD: start and end inclusive → [start, end+1);
 * SMD: already half-open [start, end) (datasets/README.md, "Labels").
 */
function parseInterpretation(
  text: string,
  file: string,
  dataset: OmniDataset,
  entity: string,
  testRows: number,
  features: string[],
  eventTypes: Map<string, AnomalyTypeRow>,
): OmniSegment[] {
  const segments: OmniSegment[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const m = SEGMENT.exec(line);
    if (!m) throw new InputError({ file, line: i + 1, column: 1 }, 'a segment "start-end:d1,d2,…"', line);
    const first = Number(m[1]);
    const last = Number(m[2]);
    const start = first;
    const end = dataset === 'asd' ? last + 1 : last;
    if (!(start < end && end <= testRows)) {
      throw new InputError(
        { file, line: i + 1, column: 1 },
        `a segment inside the ${testRows} test records ` +
          `(${dataset === 'asd' ? 'start ≤ end, both inclusive' : 'start < end, end exclusive'})`,
        `${m[1]}-${m[2]}`,
      );
    }
    // 1-based column where the metric list starts, after "start-end:"
    let column = m[1].length + m[2].length + 3;
    const dims = m[3].split(',').map((d) => {
      const at = column;
      column += d.length + 1;
      const n = d.trim() === '' ? NaN : Number(d);
      if (!(Number.isInteger(n) && n >= 1 && n <= features.length)) {
        throw new InputError({ file, line: i + 1, column: at }, `a metric number 1…${features.length}`, d);
      }
      return features[n - 1];
    });
    const eventType = eventTypes.get(segmentKey(entity, first, last))?.type ?? 'anomaly';
    segments.push({ start, end, eventType, features: dims });
  }
  return segments;
}

/** One row of ASD's anomaly_type.txt: the type of one interpretation segment, and where the row is. */
interface AnomalyTypeRow {
  entity: string;
  /** inclusive bounds, as the row writes them */
  first: number;
  last: number;
  type: string;
  file: string;
  line: number;
}

/** "omi-1/760-765": a segment by its inclusive bounds as numbers (so 0760 and 760 are one segment) */
function segmentKey(entity: string, first: number, last: number): string {
  return `${entity}/${first}-${last}`;
}

/**
 * ASD's anomaly_type.txt: `dataset,start-end,anomaly_type` per line → map "omi-1/760-765" → its row. A server that
 * has no files, or a reversed range, is an error naming the line; `checkAnomalyTypes` checks the rest once the
 * server's test part is read.
 */
async function readAnomalyTypes(path: string, servers: readonly string[]): Promise<Map<string, AnomalyTypeRow>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return new Map();
  }
  const types = new Map<string, AnomalyTypeRow>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '' || (i === 0 && line.startsWith('dataset,'))) continue;
    const parts = line.split(',');
    const range = parts.length === 3 ? /^(\d+)-(\d+)$/.exec(parts[1]) : null;
    if (!range) {
      throw new InputError({ file: path, line: i + 1, column: 1 }, 'a row "dataset,start-end,anomaly_type"', line);
    }
    if (!servers.includes(parts[0])) {
      throw new InputError(
        { file: path, line: i + 1, column: 1 },
        `a server of the data set (${servers.join(', ')})`,
        parts[0],
      );
    }
    const first = Number(range[1]);
    const last = Number(range[2]);
    if (first > last) {
      throw new InputError(
        { file: path, line: i + 1, column: parts[0].length + 2 },
        'a segment start-end with start ≤ end (both inclusive)',
        parts[1],
      );
    }
    const key = segmentKey(parts[0], first, last);
    if (types.has(key))
      throw new InputError(
        { file: path, line: i + 1, column: parts[0].length + 2 },
        `one row per segment (${parts[0]} ${parts[1]} is on line ${types.get(key)!.line} already)`,
        parts[1],
      );
    types.set(key, { entity: parts[0], first, last, type: parts[2], file: path, line: i + 1 });
  }
  return types;
}

/**
 * Every anomaly_type.txt row of `entity` names one of its interpretation segments (the published file types each
 * segment once): a range past the end of the test part, or one that matches no segment, would type nothing.
 */
function checkAnomalyTypes(
  types: Map<string, AnomalyTypeRow>,
  entity: string,
  segments: readonly AnomalyRange[],
  testRows: number,
  interpretationPath: string,
): void {
  const segmentKeys = new Set(segments.map((s) => segmentKey(entity, s.start, s.end - 1)));
  for (const row of types.values()) {
    if (row.entity !== entity) continue;
    const at = { file: row.file, line: row.line, column: entity.length + 2 };
    if (row.last >= testRows)
      throw new InputError(
        at,
        `a segment inside the ${testRows} test records of ${entity} (0…${testRows - 1}, both inclusive)`,
        `${row.first}-${row.last}`,
      );
    if (!segmentKeys.has(segmentKey(entity, row.first, row.last)))
      throw new InputError(at, `a segment of ${interpretationPath}`, `${row.first}-${row.last}`);
  }
}

/**
 * One sequence made of `parts` back to back (docs/divad.md §5b: an ASD server = train then test). Features must
 * match; labels are concatenated with 0 for parts without labels; ranges are shifted by the part's offset.
 * Entity and domain are the first part's.
 */
export function concatSequences(parts: Sequence[], id: string): Sequence {
  if (parts.length === 0) throw new ParameterError('concatSequences: no parts');
  const { features, entity, domain } = parts[0];
  for (const part of parts) {
    if (part.features.length !== features.length || part.features.some((f, j) => f !== features[j])) {
      throw new FeatureMismatchError(
        features.length,
        part.features.length,
        `features named as in ${parts[0].id} (${part.id} has ${part.features.join(',')})`,
      );
    }
  }
  const length = parts.reduce((s, p) => s + p.length, 0);
  const width = features.length;
  const values = new Float32Array(length * width);
  const anyLabels = parts.some((p) => p.labels);
  const labels = anyLabels ? new Uint8Array(length) : undefined;
  const allTimestamps = parts.every((p) => p.timestamps);
  const timestamps = allTimestamps ? new BigInt64Array(length) : undefined;
  const anyRanges = parts.some((p) => p.ranges);
  const ranges: AnomalyRange[] = [];
  let offset = 0;
  for (const part of parts) {
    values.set(part.values.subarray(0, part.length * width), offset * width);
    if (labels && part.labels) labels.set(part.labels, offset);
    if (timestamps && part.timestamps) timestamps.set(part.timestamps, offset);
    for (const r of part.ranges ?? []) ranges.push({ ...r, start: r.start + offset, end: r.end + offset });
    offset += part.length;
  }
  const seq: Sequence = { id, entity, domain, features: [...features], values, length };
  if (labels) seq.labels = labels;
  if (timestamps) seq.timestamps = timestamps;
  if (anyRanges) seq.ranges = ranges;
  return seq;
}
