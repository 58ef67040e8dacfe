/**
 * A user's metric files as one Sequence per entity: files or directories, any format `driftwatch convert` reads,
 * the same mapping flags; several files of one entity are concatenated in time order.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { DriftwatchError, type DomainSource, type Sequence } from '@driftwatch/contracts';
import {
  concatSequences,
  isNumericType,
  readArrowBatches,
  readCsvHeader,
  readParquetBatches,
  readSequences,
  resolveMapping,
  selectFeatures,
  featureDifference,
  sha256File,
  type InputMapping,
  type InputMappingSpec,
} from '@driftwatch/ingest';

/** File names a directory input contributes (sorted): CSV/TSV (optionally gzip), Arrow IPC, Parquet, JSON. */
const INPUT_FILE = /\.(csv|tsv|csv\.gz|tsv\.gz|arrow|feather|ipc|parquet|json)$/i;

/** The domain when `--domain none`: one for every entity. */
export const SINGLE_DOMAIN = 'all';

/** Files named on the command line, directories replaced by their input files (sorted by name). */
export async function listInputFiles(paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) throw new DriftwatchError('no input: name files or directories with --input');
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new DriftwatchError(`--input ${path}: no such file or directory`);
    });
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path)).filter((n) => INPUT_FILE.test(n) && !n.startsWith('.')).sort();
    if (names.length === 0)
      throw new DriftwatchError(`--input ${path}: the directory holds no CSV, Arrow, Parquet or JSON file`);
    files.push(...names.map((n) => join(path, n)));
  }
  return files;
}

export interface OwnInputOptions {
  /** from --map / --mapping / --format */
  mapping: InputMappingSpec;
  /** --entity-column (wins over the mapping's entity) */
  entityColumn?: string;
  domain: DomainSource;
}

export interface OwnInput {
  /** one per entity, in order of first appearance; domain per --domain */
  sequences: Sequence[];
  files: { path: string; sha256: string }[];
  /** the mapping as resolved for the first file (entity and time column names) */
  mapping: InputMapping;
}

/** A file without an entity column is one entity named after the file (`web-1.csv` → web-1). */
export function entityOfFile(path: string): string {
  return basename(path)
    .replace(/(\.gz)?$/i, '')
    .replace(/\.[^.]+$/, '');
}

/** Reads the inputs and joins each entity's parts in time order (files in the order given when there are no times). */
export async function readOwnInput(paths: readonly string[], options: OwnInputOptions): Promise<OwnInput> {
  const files = await listInputFiles(paths);
  const spec: InputMappingSpec = { ...options.mapping };
  if (options.entityColumn !== undefined) spec.entity = options.entityColumn;
  const parts = new Map<string, Sequence[]>();
  const domains = new Map<string, Set<string>>();
  const provenance: OwnInput['files'] = [];
  let first: InputMapping | undefined;
  for (const file of files) {
    const mapping = await resolveMapping(file, spec);
    first ??= mapping;
    const domainColumn = typeof options.domain === 'object' ? options.domain.column : undefined;
    let fileSpec: InputMappingSpec = mapping;
    if (domainColumn !== undefined) {
      const read = await domainColumnOf(file, mapping, domainColumn);
      fileSpec = { ...mapping, metrics: mapping.metrics ?? read.metrics };
      for (const [entity, values] of read.values) {
        const set = domains.get(entity) ?? new Set<string>();
        for (const v of values) set.add(v);
        domains.set(entity, set);
      }
    }
    const sequences = await readSequences(file, fileSpec, { defaultEntity: entityOfFile(file) });
    for (const seq of sequences) {
      if (seq.length === 0) continue;
      const list = parts.get(seq.entity) ?? [];
      list.push({ ...seq, id: `${seq.entity}@${file}` });
      parts.set(seq.entity, list);
    }
    provenance.push({ path: file, sha256: await sha256File(file) });
  }
  if (parts.size === 0)
    throw new DriftwatchError(
      `no records in ${files.join(', ')}: the input${files.length > 1 ? 's are' : ' is'} empty`,
    );
  const sequences = [...parts].map(([entity, list]) => {
    const seq = joinParts(entity, list);
    return { ...seq, domain: domainOf(entity, options.domain, domains) };
  });
  const features = sequences[0].features;
  for (const seq of sequences) sameColumns(features, seq, sequences[0].entity);
  return { sequences, files: provenance, mapping: first! };
}

function domainOf(entity: string, source: DomainSource, values: Map<string, Set<string>>): string {
  if (source === 'entity') return entity;
  if (source === 'none') return SINGLE_DOMAIN;
  const seen = [...(values.get(entity) ?? [])];
  if (seen.length === 1) return seen[0];
  if (seen.length === 0) throw new DriftwatchError(`--domain column:${source.column}: entity ${entity} has no value`);
  throw new DriftwatchError(
    `--domain column:${source.column}: entity ${entity} has ${seen.length} values (${seen.slice(0, 5).join(', ')}); ` +
      'a domain must be constant within an entity: give each value its own entity (e.g. --entity-column on a ' +
      'column combining both), or use --domain entity',
  );
}

/** Columns of two entities must be the same names; the order may differ (the first entity's order wins). */
function sameColumns(features: readonly string[], seq: Sequence, firstEntity: string): void {
  const { missing, extra } = featureDifference(features, seq.features);
  if (missing.length > 0 || extra.length > 0)
    throw new DriftwatchError(
      `entity ${seq.entity} has other metric columns than ${firstEntity}` +
        (missing.length > 0 ? `: missing ${missing.join(', ')}` : '') +
        (extra.length > 0 ? `; extra ${extra.join(', ')}` : '') +
        ' — pass --map metrics=a,b,… to choose the same columns for every file',
    );
}

/** One entity's parts in time order (by first time; file order without times), columns as in the first part. */
function joinParts(entity: string, list: Sequence[]): Sequence {
  const withTimes = list.every((s) => s.timestamps && s.timestamps.length > 0);
  const ordered = withTimes ? [...list].sort((a, b) => Number(a.timestamps![0] - b.timestamps![0])) : list;
  const features = ordered[0].features;
  const aligned = ordered.map((s) => reorder(s, features, entity));
  if (withTimes)
    for (let k = 1; k < aligned.length; k++) {
      const before = aligned[k - 1].timestamps!;
      if (aligned[k].timestamps![0] <= before[before.length - 1])
        throw new DriftwatchError(
          `entity ${entity}: ${aligned[k].id.split('@')[1]} overlaps ${aligned[k - 1].id.split('@')[1]} in time; ` +
            'files of one entity must cover separate periods',
        );
    }
  const joined = aligned.length === 1 ? aligned[0] : concatSequences(aligned, entity);
  return { ...joined, id: entity, entity };
}

function reorder(seq: Sequence, features: readonly string[], entity: string): Sequence {
  sameColumns(features, seq, entity);
  return selectFeatures(seq, features);
}

/**
 * The values of a domain column per entity, and the metric columns when the mapping names none (every column
 * but time, entity and domain). Wide CSV, Arrow and Parquet inputs only: long CSV and Prometheus have no columns.
 */
async function domainColumnOf(
  file: string,
  mapping: InputMapping,
  column: string,
): Promise<{ values: Map<string, Set<string>>; metrics: string[] | undefined }> {
  const values = new Map<string, Set<string>>();
  const add = (entity: string, value: string) => {
    const set = values.get(entity) ?? new Set<string>();
    set.add(value);
    values.set(entity, set);
  };
  const fallbackEntity = entityOfFile(file);
  const roles = [mapping.timestamp, mapping.entity, column];
  if (mapping.format === 'wide-csv') {
    const header = await readCsvHeader(file, mapping.delimiter);
    if (!header.includes(column))
      throw new DriftwatchError(`--domain column:${column}: ${file} has no column ${column} (${header.join(', ')})`);
    const rows = parseCsv(await readFile(file), {
      delimiter: mapping.delimiter ?? ',',
      columns: true,
      bom: true,
      skip_empty_lines: true,
    }) as Record<string, string>[];
    for (const row of rows) add(mapping.entity ? row[mapping.entity] : fallbackEntity, row[column]);
    return { values, metrics: header.filter((h) => !roles.includes(h)) };
  }
  if (mapping.format === 'arrow' || mapping.format === 'parquet') {
    let metrics: string[] | undefined;
    const batches = mapping.format === 'arrow' ? readArrowBatches(file) : readParquetBatches(file);
    for await (const batch of batches) {
      const domain = batch.getChild(column);
      if (!domain) throw new DriftwatchError(`--domain column:${column}: ${file} has no column ${column}`);
      const entity = mapping.entity ? batch.getChild(mapping.entity) : null;
      metrics ??= batch.schema.fields
        .filter((f) => !roles.includes(f.name) && isNumericType(f.type))
        .map((f) => f.name);
      for (let i = 0; i < batch.numRows; i++)
        add(entity ? String(entity.get(i)) : fallbackEntity, String(domain.get(i)));
    }
    return { values, metrics };
  }
  throw new DriftwatchError(
    `--domain column:${column} needs a wide CSV, Arrow or Parquet input; ${file} is ${mapping.format}: ` +
      'use --domain entity or none',
  );
}
