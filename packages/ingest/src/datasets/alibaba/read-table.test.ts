import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { RejectList } from '../../stream/rejects';
import { sourceLinesOf } from '../../stream/source-lines';
import { isInvalidSentinel, numberColumn, selectRows, textColumn } from './batch-columns';
import { fieldColumn, readAlibabaTable } from './read-table';
import { type AlibabaTableName, INVALID_SENTINELS } from './schema';
import { inputErrorOf } from '../../testing/input-error';

async function readAll(
  table: AlibabaTableName,
  data: string,
  options: Parameters<typeof readAlibabaTable>[2] = {},
): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const b of readAlibabaTable(table, { file: `${table}.csv`, data }, options)) batches.push(b);
  return batches;
}

/** Column values of all batches, as numbers (null where empty) or text. */
async function columnOf(
  table: AlibabaTableName,
  data: string,
  name: string,
  kind: 'number' | 'text',
  options = {},
): Promise<(number | string | null)[]> {
  const out: (number | string | null)[] = [];
  for (const b of await readAll(table, data, options)) {
    const get = kind === 'number' ? numberColumn(b, name) : textColumn(b, name);
    for (let r = 0; r < b.numRows; r++) out.push(get(r));
  }
  return out;
}

describe('readAlibabaTable', () => {
  // machine_usage: machine_id,time_stamp,cpu,mem,mem_gps,mkpi,net_in,net_out,disk_io_percent
  const usage =
    ['m_1932,386640,41,92,,,,,', 'm_7,10.5,-1,101,3.5,-1,101,-1,101', 'm_7,20,0,100,,7,,,0'].join('\n') + '\n';

  it('reads seconds from the trace start as ms, not as Unix time', async () => {
    expect(await columnOf('machine_usage', usage, 'time_stamp', 'number')).toEqual([386_640_000, 10_500, 20_000]);
  });

  it('reads empty fields as null and −1/101 as null only in the [0, 100] columns', async () => {
    expect(await columnOf('machine_usage', usage, 'cpu_util_percent', 'number')).toEqual([41, null, 0]);
    expect(await columnOf('machine_usage', usage, 'mem_util_percent', 'number')).toEqual([92, null, 100]);
    expect(await columnOf('machine_usage', usage, 'mem_gps', 'number')).toEqual([null, 3.5, null]);
    // mkpi has no [0, 100] range in schema.txt: −1 stays a value
    expect(await columnOf('machine_usage', usage, 'mkpi', 'number')).toEqual([null, -1, 7]);
    expect(await columnOf('machine_usage', usage, 'net_in', 'number')).toEqual([null, null, null]);
    expect(await columnOf('machine_usage', usage, 'net_out', 'number')).toEqual([null, null, null]);
    expect(await columnOf('machine_usage', usage, 'disk_io_percent', 'number')).toEqual([null, null, 0]);
  });

  it('counts the values read as missing per table.column, and keeps them with invalidAsMissing false', async () => {
    const counts: Record<string, number> = {};
    await readAll('machine_usage', usage, { invalidCounts: counts });
    expect(counts).toEqual({
      'machine_usage.cpu_util_percent': 1,
      'machine_usage.mem_util_percent': 1,
      'machine_usage.net_in': 1,
      'machine_usage.net_out': 1,
      'machine_usage.disk_io_percent': 1,
    });
    expect(await columnOf('machine_usage', usage, 'cpu_util_percent', 'number', { invalidAsMissing: false })).toEqual([
      41, -1, 0,
    ]);
  });

  it('counts masked values as nulls of the column', async () => {
    const [b] = await readAll('machine_usage', usage);
    // disk_io_percent: empty, 101, 0 → two nulls; mkpi: empty, −1 (kept), 7 → one null
    expect(b.getChild('disk_io_percent')!.nullCount).toBe(2);
    expect(b.getChild('mkpi')!.nullCount).toBe(1);
    expect([-2, -1, 0, 100, 101, 102, NaN].map(isInvalidSentinel)).toEqual(
      [-2, -1, 0, 100, 101, 102, NaN].map((v) => INVALID_SENTINELS.includes(v)),
    );
  });

  it('keeps 101 in the 1/100-core columns, where it is 1.01 cores', async () => {
    const meta = 'c_1,m_1,0,app_1,started,101,-1,101\n';
    expect(await columnOf('container_meta', meta, 'cpu_request', 'number')).toEqual([101]);
    expect(await columnOf('container_meta', meta, 'cpu_limit', 'number')).toEqual([-1]);
    expect(await columnOf('container_meta', meta, 'mem_size', 'number')).toEqual([null]);
  });

  it('reads every column of batch_instance in file order', async () => {
    const row =
      'ins_74901673,task_LTg0MTUwNTA5Mjg4MDkwNjIzMA==,j_217,10,Terminated,673795,673797,m_2637,1,3,13,16,0.02,0.03\n';
    const [b] = await readAll('batch_instance', row);
    const text = (n: string) => textColumn(b, n)(0);
    const num = (n: string) => numberColumn(b, n)(0);
    expect([text('instance_name'), text('task_name'), text('job_name'), text('task_type'), text('status')]).toEqual([
      'ins_74901673',
      'task_LTg0MTUwNTA5Mjg4MDkwNjIzMA==',
      'j_217',
      '10',
      'Terminated',
    ]);
    expect([num('start_time'), num('end_time'), text('machine_id'), num('seq_no'), num('total_seq_no')]).toEqual([
      673_795_000,
      673_797_000,
      'm_2637',
      1,
      3,
    ]);
    expect([num('cpu_avg'), num('cpu_max'), num('mem_avg'), num('mem_max')]).toEqual([13, 16, 0.02, 0.03]);
  });

  it('skips a header line that names the first column', async () => {
    const withHeader =
      'machine_id,time_stamp,failure_domain_1,failure_domain_2,cpu_num,mem_size,status\nm_1,0,19,abc,96,100,USING\n';
    const [b] = await readAll('machine_meta', withHeader);
    expect(b.numRows).toBe(1);
    expect(textColumn(b, 'machine_id')(0)).toBe('m_1');
    expect(sourceLinesOf(b)?.[0]).toBe(2);
  });

  it('reads .csv.gz files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alibaba-read-'));
    try {
      const path = join(dir, 'machine_usage.csv.gz');
      await writeFile(path, gzipSync(usage));
      const batches: RecordBatch[] = [];
      for await (const b of readAlibabaTable('machine_usage', path)) batches.push(b);
      expect(batches.reduce((s, b) => s + b.numRows, 0)).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names file, line and column of a row with too few fields', async () => {
    // line 2 has 8 of 9 fields: the missing field is reported at the end of the line (14 characters)
    const error = await inputErrorOf(readAll('machine_usage', 'm_1,0,1,2,,,,,\nm_1,10,5,6,,,,\n'));
    expect(error.location).toEqual({ file: 'machine_usage.csv', line: 2, column: 15 });
    expect(error.message).toMatch(/^machine_usage\.csv:2:15: expected 9 fields per row/);
  });

  it('names file, line and column of a non-numeric metric', async () => {
    const error = await inputErrorOf(readAll('machine_usage', 'm_1,0,1,2,,,,,\nm_1,10,abc,6,,,,,\n'));
    expect(error.location).toEqual({ file: 'machine_usage.csv', line: 2, column: 8 });
    expect(error.message).toContain('cpu_util_percent');
    expect(error.message).toContain('"abc"');
  });

  it('names the column of a non-integer count', async () => {
    const error = await inputErrorOf(readAll('batch_task', 'M1,2.5,j_1,1,Terminated,0,10,100,0.5\n'));
    expect(error.location).toEqual({ file: 'batch_task.csv', line: 1, column: 4 });
    expect(error.message).toContain('instance_num');
  });

  it('sends bad rows to rejects with onError skip', async () => {
    const rejects = new RejectList();
    const values = await columnOf(
      'machine_usage',
      'm_1,0,1,2,,,,,\nm_1,x,1,2,,,,,\nm_1,20,3,4,,,,,\n',
      'cpu_util_percent',
      'number',
      { onError: 'skip', rejects },
    );
    expect(values).toEqual([1, 3]);
    expect(rejects.rows.map((r) => [r.line, r.column])).toEqual([[2, 5]]);
  });
});

describe('selectRows', () => {
  it('keeps the chosen rows of every column type with their file lines', async () => {
    const data = [
      'ins_1,M1,j_1,1,Terminated,5,,m_1,1,1,,2,0.5,101',
      'ins_2,R2_1,j_1,1,Failed,6,9,m_2,1,1,3,4,0.1,0.2',
      'ins_3,M3,j_2,,Running,7,0,m_1,2,2,5,6,,0.4',
    ].join('\n');
    const [b] = await readAll('batch_instance', data);
    const kept = selectRows(b, (r) => textColumn(b, 'machine_id')(r) === 'm_1');
    expect(kept.numRows).toBe(2);
    expect(sourceLinesOf(kept)).toEqual(Uint32Array.from([1, 3]));
    const texts = (n: string) => [0, 1].map((r) => textColumn(kept, n)(r));
    const nums = (n: string) => [0, 1].map((r) => numberColumn(kept, n)(r));
    expect(texts('instance_name')).toEqual(['ins_1', 'ins_3']);
    expect(texts('task_type')).toEqual(['1', null]);
    expect(nums('end_time')).toEqual([null, 0]);
    expect(nums('seq_no')).toEqual([1, 2]);
    expect(nums('cpu_avg')).toEqual([null, 5]);
    expect(nums('mem_max')).toEqual([null, 0.4]);
  });
});

describe('fieldColumn', () => {
  it('gives the 1-based character column of a field on a line', async () => {
    const input = { file: 'x.csv', data: 'a,b,c\nm_1,10,20\n' };
    expect(await fieldColumn(input, 2, 0)).toBe(1);
    expect(await fieldColumn(input, 2, 1)).toBe(5);
    expect(await fieldColumn(input, 2, 2)).toBe(8);
    expect(await fieldColumn(input, 3, 0)).toBeUndefined();
  });
});
