import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { realDataRoot } from '../../testing/real-data';
import {
  ALIBABA_ARCHIVES,
  ALIBABA_DOWNLOAD_BASE,
  ALIBABA_TABLES,
  ALIBABA_TABLE_NAMES,
  CONTAINER_METRICS,
  MACHINE_METRICS,
  describeAlibabaDownloads,
} from './schema';

interface SchemaColumn {
  name: string;
  type: string;
  /** the rest of the row: unit, then meaning */
  unit: string;
}

/**
 * The column tables of schema.txt: a section title `N. <table>.csv - …`, then rows ` #  name  type  unit and meaning`.
 */
function parseSchemaTxt(text: string): Map<string, SchemaColumn[]> {
  const tables = new Map<string, SchemaColumn[]>();
  let current: SchemaColumn[] | null = null;
  for (const line of text.split('\n')) {
    const title = /^\d\. (\w+)\.csv\s+-/.exec(line);
    if (title) {
      current = [];
      tables.set(title[1], current);
      continue;
    }
    const row = /^\s*\d+\s+(\w+)\s+(string|bigint|double)\s+(.*)$/.exec(line);
    if (row && current) current.push({ name: row[1], type: row[2], unit: row[3] });
  }
  return tables;
}

const dataRoot = realDataRoot('alibaba-v2018');
const describeWithSchema = dataRoot ? describe : describe.skip;

describeWithSchema('column specs against alibaba-v2018/schema.txt', () => {
  const text = dataRoot ? readFileSync(join(dataRoot, 'alibaba-v2018', 'schema.txt'), 'utf8') : '';
  const schema = parseSchemaTxt(text);

  it('lists the same six tables', () => {
    expect([...schema.keys()]).toEqual([...ALIBABA_TABLE_NAMES]);
  });

  it.each([...ALIBABA_TABLE_NAMES])('%s: same column names, order and upstream types', (table) => {
    expect(ALIBABA_TABLES[table].map((c) => [c.name, c.upstream])).toEqual(
      schema.get(table)!.map((c) => [c.name, c.type]),
    );
  });

  it('types time columns as timestamps in seconds and strings as dictionary or utf8', () => {
    for (const table of ALIBABA_TABLE_NAMES) {
      schema.get(table)!.forEach((column, i) => {
        const spec = ALIBABA_TABLES[table][i];
        if (column.unit.startsWith('s since trace start')) expect([spec.type, spec.unit]).toEqual(['timestamp', 's']);
        else if (column.type === 'string') expect(['dictionary', 'utf8']).toContain(spec.type);
        else expect(['int64', 'float64']).toContain(spec.type);
      });
    }
  });

  it('treats −1/101 as missing in exactly the [0, 100] columns and the three documented extras', () => {
    const bounded = ALIBABA_TABLE_NAMES.flatMap((t) =>
      schema
        .get(t)!
        .filter((c) => c.unit.includes('[0, 100]'))
        .map((c) => `${t}.${c.name}`),
    );
    const flagged = ALIBABA_TABLE_NAMES.flatMap((t) =>
      ALIBABA_TABLES[t].filter((c) => c.invalidSentinels).map((c) => `${t}.${c.name}`),
    );
    const extras = ['container_usage.cpu_util_percent', 'container_usage.mem_util_percent', 'batch_instance.mem_avg'];
    expect(flagged.sort()).toEqual([...bounded, ...extras].sort());
    expect(schema.get('container_usage')!.find((c) => c.name === 'cpu_util_percent')!.unit).toMatch(
      /^percent \(from name\)/,
    );
    expect(schema.get('batch_instance')!.find((c) => c.name === 'mem_avg')!.unit).toMatch(
      /^normalised\s{2,}average memory/,
    );
  });

  it('quotes the archive names, sizes and sha256 of the download table and the base URL', () => {
    const rows = [...text.matchAll(/^ ([0-9a-f]{64})\s+(\S+\.tar\.gz)\s+(\S+)$/gm)].map((m) => ({
      sha256: m[1],
      file: m[2],
      size: m[3],
    }));
    expect(rows).toHaveLength(7);
    const ours = Object.values(ALIBABA_ARCHIVES);
    for (const row of rows) expect(ours).toContainEqual(row);
    expect(text).toContain(`${ALIBABA_DOWNLOAD_BASE}<file name>`);
  });
});

describe('metric columns', () => {
  it('are the usage columns after the ids and the time', () => {
    expect(MACHINE_METRICS).toEqual([
      'cpu_util_percent',
      'mem_util_percent',
      'mem_gps',
      'mkpi',
      'net_in',
      'net_out',
      'disk_io_percent',
    ]);
    expect(CONTAINER_METRICS).toEqual([
      'cpu_util_percent',
      'mem_util_percent',
      'cpi',
      'mem_gps',
      'mpki',
      'net_in',
      'net_out',
      'disk_io_percent',
    ]);
  });

  it('describe the downloads for the tables asked for', () => {
    const lines = describeAlibabaDownloads(['machine_meta']).join('\n');
    expect(lines).toContain('http://aliopentrace.oss-cn-beijing.aliyuncs.com/v2018Traces/');
    expect(lines).toContain(
      'machine_meta.tar.gz (92K) sha256 b5b1b786b22cd413a3674b8f2ebfb2f02fac991c95df537f363ef2797c8f6d55',
    );
    expect(lines).not.toContain('machine_usage.tar.gz');
  });
});
