import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterError } from '@driftwatch/contracts';
import { readAlibabaTable } from '../datasets/alibaba/read-table';
import { type AlibabaSample, formatAlibabaRow, writeAlibabaSample, writeMachineUsageCsv } from './alibaba-rows';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'alibaba-rows-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Column counts per table, written out from schema.txt §1–§6. */
const FIELDS = {
  machine_meta: 7,
  machine_usage: 9,
  container_meta: 8,
  container_usage: 11,
  batch_task: 9,
  batch_instance: 14,
} as const;

const linesOf = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
const fieldsOf = async (path: string) => (await linesOf(path)).map((l) => l.split(','));

describe('formatAlibabaRow', () => {
  it('writes the fields in schema.txt order, null as an empty field', () => {
    const row = {
      status: 'USING',
      mem_size: 100,
      cpu_num: 96,
      failure_domain_2: null,
      failure_domain_1: 19,
      time_stamp: 0,
      machine_id: 'm_1',
    };
    expect(formatAlibabaRow('machine_meta', row)).toBe('m_1,0,19,,96,100,USING');
  });

  it('rejects unknown and missing columns', () => {
    expect(() => formatAlibabaRow('machine_meta', { machine_id: 'm_1', bogus: 1 })).toThrow(/no column "bogus"/);
    expect(() => formatAlibabaRow('machine_meta', { machine_id: 'm_1' })).toThrow(/lacks column "time_stamp"/);
  });
});

describe('writeAlibabaSample', () => {
  let sample: AlibabaSample;
  beforeAll(async () => {
    sample = await writeAlibabaSample(join(root, 'a'), {
      machines: 4,
      containers: 6,
      jobs: 20,
      seconds: 900,
      seed: 5,
      emptyShare: 0.3,
      invalidShare: 0.02,
    });
  });

  it('writes every table with its schema.txt field count and the row counts it reports', async () => {
    for (const [table, width] of Object.entries(FIELDS) as [keyof typeof FIELDS, number][]) {
      const rows = await fieldsOf(sample.files[table]);
      expect(rows.length).toBe(sample.rows[table]);
      expect(rows.length).toBeGreaterThan(0);
      for (const fields of rows) expect(fields).toHaveLength(width);
    }
  });

  it('is seeded: the same options give the same bytes, another seed other bytes', async () => {
    const again = await writeAlibabaSample(join(root, 'b'), {
      machines: 4,
      containers: 6,
      jobs: 20,
      seconds: 900,
      seed: 5,
      emptyShare: 0.3,
      invalidShare: 0.02,
    });
    const other = await writeAlibabaSample(join(root, 'c'), {
      machines: 4,
      containers: 6,
      jobs: 20,
      seconds: 900,
      seed: 6,
      emptyShare: 0.3,
      invalidShare: 0.02,
    });
    for (const table of Object.keys(FIELDS) as (keyof typeof FIELDS)[]) {
      expect(await readFile(again.files[table], 'utf8')).toBe(await readFile(sample.files[table], 'utf8'));
    }
    expect(await readFile(other.files.machine_usage, 'utf8')).not.toBe(
      await readFile(sample.files.machine_usage, 'utf8'),
    );
  });

  it('uses the id forms of the trace and times on the step from the trace start', async () => {
    const usage = await fieldsOf(sample.files.machine_usage);
    expect(new Set(usage.map((f) => f[0]))).toEqual(new Set(sample.machineIds));
    for (const id of sample.machineIds) expect(id).toMatch(/^m_\d+$/);
    for (const id of sample.containerIds) expect(id).toMatch(/^c_\d+$/);
    for (const job of sample.jobNames) expect(job).toMatch(/^j_\d+$/);
    for (const f of usage) {
      const t = Number(f[1]);
      expect(t % 10).toBe(0);
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThan(900);
    }
  });

  it('has empty fields and −1/101 values, and rows out of time order per machine', async () => {
    const usage = await fieldsOf(sample.files.machine_usage);
    expect(usage.some((f) => f.slice(4).every((x) => x === ''))).toBe(true);
    expect(usage.some((f) => f.slice(2).includes('-1'))).toBe(true);
    expect(usage.some((f) => f.slice(2).includes('101'))).toBe(true);
    const last = new Map<string, number>();
    let backwards = 0;
    for (const [m, t] of usage) {
      if (Number(t) < (last.get(m) ?? -Infinity)) backwards++;
      last.set(m, Math.max(Number(t), last.get(m) ?? -Infinity));
    }
    expect(backwards).toBeGreaterThan(0);
  });

  it('writes DAG names whose dependencies are earlier tasks of the same job, and task_<base64> names', async () => {
    const tasks = await fieldsOf(sample.files.batch_task);
    const numbers = new Map<string, Set<number>>();
    for (const [name, , job] of tasks) {
      const m = /^[A-Z](\d+)/.exec(name);
      if (!numbers.has(job)) numbers.set(job, new Set());
      if (m) numbers.get(job)!.add(Number(m[1]));
    }
    let dagNames = 0;
    let randomNames = 0;
    for (const [name, , job] of tasks) {
      if (name.startsWith('task_')) {
        randomNames++;
        expect(Buffer.from(name.slice(5), 'base64').toString('utf8')).toMatch(/^-?\d{19}$/);
        continue;
      }
      dagNames++;
      const [head, ...deps] = name.split('_');
      const task = Number(head.slice(1));
      for (const d of deps.map(Number)) {
        expect(d).toBeLessThan(task);
        expect(numbers.get(job)!.has(d)).toBe(true);
      }
    }
    expect(dagNames).toBeGreaterThan(0);
    expect(randomNames).toBeGreaterThan(0);
  });

  it('writes as many instances per task as instance_num, on known machines', async () => {
    const tasks = await fieldsOf(sample.files.batch_task);
    const instances = await fieldsOf(sample.files.batch_instance);
    const perTask = new Map<string, number>();
    for (const f of instances) {
      perTask.set(`${f[2]}/${f[1]}`, (perTask.get(`${f[2]}/${f[1]}`) ?? 0) + 1);
      expect(sample.machineIds).toContain(f[7]);
    }
    for (const [name, num, job] of tasks) expect(perTask.get(`${job}/${name}`)).toBe(Number(num));
  });

  it("puts each container's usage rows on the machine container_meta places it on at that time", async () => {
    const meta = await fieldsOf(sample.files.container_meta);
    const usage = await fieldsOf(sample.files.container_usage);
    const hostAt = (c: string, t: number) =>
      meta
        .filter((f) => f[0] === c && Number(f[2]) <= t)
        .sort((a, b) => Number(a[2]) - Number(b[2]))
        .at(-1)![1];
    for (const [c, m, t] of usage) expect(m).toBe(hostAt(c, Number(t)));
  });

  it('checks its options', async () => {
    await expect(writeAlibabaSample(join(root, 'x'), { machines: 0 })).rejects.toThrow(ParameterError);
    await expect(writeAlibabaSample(join(root, 'x'), { emptyShare: 2 })).rejects.toThrow(ParameterError);
  });
});

describe('writeMachineUsageCsv', () => {
  it('writes whole machine_usage rows up to the target size, time-major, seeded', async () => {
    const path = join(root, 'big.csv');
    const target = 300_000;
    const result = await writeMachineUsageCsv(path, { bytes: target, seed: 9, machines: 50 });
    const text = await readFile(path, 'utf8');
    expect((await stat(path)).size).toBe(result.bytes);
    expect(result.bytes).toBeLessThanOrEqual(target);
    expect(result.bytes).toBeGreaterThan(target - 128);
    expect(text.endsWith('\n')).toBe(true);
    const rows = text
      .slice(0, -1)
      .split('\n')
      .map((l) => l.split(','));
    expect(rows).toHaveLength(result.rows);
    // row i is machine m_(i mod 50 + 1) at time 10·⌊i / 50⌋ s, with 9 fields
    const misplaced = rows.filter(
      (f, i) => f.length !== 9 || f[0] !== `m_${(i % 50) + 1}` || Number(f[1]) !== 10 * Math.floor(i / 50),
    );
    expect(misplaced).toEqual([]);
    expect(result.lastTimeSeconds).toBe(Number(rows.at(-1)![1]));
    // about half the rows have all five optional metrics empty (emptyShare 0.5 by default)
    const emptyShare = rows.filter((f) => f.slice(4).every((x) => x === '')).length / rows.length;
    expect(Math.abs(emptyShare - 0.5)).toBeLessThan(0.05);
    expect(rows.every((f) => f.slice(4).every((x) => x !== '-1' && x !== '101'))).toBe(true);
    const again = join(root, 'big-again.csv');
    await writeMachineUsageCsv(again, { bytes: target, seed: 9, machines: 50 });
    expect(await readFile(again, 'utf8')).toBe(text);
  });

  it('writes a file the table reader reads row for row', async () => {
    const path = join(root, 'machine_usage.csv');
    const result = await writeMachineUsageCsv(path, { bytes: 600_000, seed: 2, invalidShare: 0.01 });
    let rows = 0;
    const invalid: Record<string, number> = {};
    for await (const batch of readAlibabaTable('machine_usage', path, { invalidCounts: invalid }))
      rows += batch.numRows;
    expect(rows).toBe(result.rows);
    const lines = await linesOf(path);
    const fields = lines.map((l) => l.split(','));
    const sentinels = (j: number) => fields.filter((f) => f[j] === '-1' || f[j] === '101').length;
    expect(invalid['machine_usage.cpu_util_percent']).toBe(sentinels(2));
    expect(invalid['machine_usage.mem_util_percent']).toBe(sentinels(3));
    expect(sentinels(2)).toBeGreaterThan(0);
  });

  it('writes nothing for a target below one row, and checks its options', async () => {
    const path = join(root, 'tiny.csv');
    expect(await writeMachineUsageCsv(path, { bytes: 5 })).toMatchObject({ bytes: 0, rows: 0 });
    expect((await stat(path)).size).toBe(0);
    await expect(writeMachineUsageCsv(path, { bytes: -1 })).rejects.toThrow(ParameterError);
    await expect(writeMachineUsageCsv(path, { bytes: 10, machines: 0 })).rejects.toThrow(ParameterError);
  });
});
