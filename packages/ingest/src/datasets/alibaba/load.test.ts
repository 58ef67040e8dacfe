import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataRootError } from '@driftwatch/contracts';
import { realDataRoot } from '../../testing/real-data';
import { type AlibabaSample, writeAlibabaSample } from '../../testing/alibaba-rows';
import { alibabaDir, findAlibabaTables, inspectAlibaba, loadAlibaba } from './load';
import { placementsOn } from './placements';
import { dagStats } from './task-dag';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'alibaba-load-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeTables(dir: string, tables: Record<string, string[]>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [table, lines] of Object.entries(tables))
    await writeFile(join(dir, `${table}.csv`), lines.join('\n') + '\n');
}

describe('loadAlibaba on hand-written tables', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(root, 'hand');
    await writeTables(dir, {
      // machine_id,time_stamp,failure_domain_1,failure_domain_2,cpu_num,mem_size,status
      machine_meta: ['m_1,0,5,fdA,96,100,USING', 'm_1,500,,,,,USING', 'm_2,0,7,fdB,64,101,USING'],
      // machine_id,time_stamp,cpu,mem,mem_gps,mkpi,net_in,net_out,disk_io_percent
      machine_usage: [
        'm_1,0,10,50,,,,,',
        'm_2,0,30,40,,,,,',
        'm_1,10,20,52,,,,,',
        'm_3,5,1,2,,,,,',
        'm_1,70,30,101,,,,,',
      ],
      // container_id,machine_id,time_stamp,app_du,status,cpu_request,cpu_limit,mem_size
      container_meta: [
        'c_1,m_1,0,app_x,started,400,800,1.5',
        'c_2,m_2,0,app_y,started,100,100,0.5',
        'c_2,m_1,300,app_y,started,100,100,0.5',
      ],
      // container_id,machine_id,time_stamp,cpu,mem,cpi,mem_gps,mpki,net_in,net_out,disk_io_percent
      container_usage: ['c_1,m_1,0,5,60,1.1,,,,,', 'c_2,m_2,0,7,70,1.2,,,,,', 'c_1,m_1,30,15,62,1.3,,,,,'],
      // task_name,instance_num,job_name,task_type,status,start_time,end_time,plan_cpu,plan_mem
      batch_task: [
        'M1,1,j_A,1,Terminated,10,20,100,0.5',
        'M2_1,1,j_A,1,Terminated,20,30,100,0.5',
        'M3_1,1,j_A,1,Terminated,20,40,100,0.5',
        'R4_2,1,j_A,1,Terminated,30,50,100,0.5',
        'M5_3_4,1,j_A,1,Terminated,50,60,100,0.5',
        'task_Nzg3ODAwNDgzMTAwNTc2NTQ2Mw==,2,j_B,12,Terminated,0,10,50,0.2',
        'M3_x,1,j_B,1,Terminated,0,10,50,0.2',
      ],
      // instance_name,task_name,job_name,task_type,status,start_time,end_time,machine_id,seq_no,total_seq_no,
      // cpu_avg,cpu_max,mem_avg,mem_max
      batch_instance: [
        'ins_1,M1,j_A,1,Terminated,10,20,m_1,1,1,50,80,0.1,0.2',
        'ins_2,M2_1,j_A,1,Running,20,0,m_2,1,1,60,90,0.1,0.2',
        'ins_3,M3_1,j_A,1,Terminated,20,40,,1,1,,,,',
      ],
    });
  });

  it('reads all six tables: sequences, domains, DAGs, placements, row counts', async () => {
    const data = await loadAlibaba(dir);
    expect(data.tables).toEqual({
      machine_meta: 3,
      machine_usage: 5,
      container_meta: 3,
      container_usage: 3,
      batch_task: 7,
      batch_instance: 3,
    });
    // m_1: latest non-empty attributes cpu 96, mem 100; m_2: mem_size 101 is invalid; m_3 has no meta row
    expect(data.machines.map((m) => [m.entity, m.domain])).toEqual([
      ['m_1', 'cpu96-mem100'],
      ['m_2', 'cpu64-mem?'],
      ['m_3', 'unknown'],
    ]);
    // m_1 at 60 s: step 0 = mean of t=0 and t=10; step 1 = t=70 with mem 101 masked → mem carried forward
    const m1 = data.machines[0];
    expect(Array.from(m1.timestamps!, Number)).toEqual([0, 60_000]);
    expect([m1.values[0], m1.values[1], m1.values[7], m1.values[8]]).toEqual([15, 51, 30, 51]);
    expect(data.invalid).toEqual({ 'machine_meta.mem_size': 1, 'machine_usage.mem_util_percent': 1 });
    expect(data.containers.map((c) => [c.entity, c.domain, c.length])).toEqual([
      ['c_1', 'app_x', 1],
      ['c_2', 'app_y', 1],
    ]);
    expect(data.dags.map((d) => d.job)).toEqual(['j_A', 'j_B']);
    expect(data.dags[0].edges.map((e) => `${e.from}>${e.to}`)).toEqual([
      'M1>M2_1',
      'M1>M3_1',
      'M2_1>R4_2',
      'M3_1>M5_3_4',
      'R4_2>M5_3_4',
    ]);
    expect(data.dags[1].independent).toEqual(['task_Nzg3ODAwNDgzMTAwNTc2NTQ2Mw==', 'M3_x']);
    expect(data.dags[1].problems.map((p) => p.kind)).toEqual(['malformed-name']);
    expect(data.placements).toEqual([
      {
        entity: 'j_A/M1/ins_1',
        kind: 'batch-instance',
        machineId: 'm_1',
        startMs: 10_000,
        endMs: 20_000,
        group: 'j_A',
      },
      {
        entity: 'j_A/M2_1/ins_2',
        kind: 'batch-instance',
        machineId: 'm_2',
        startMs: 20_000,
        endMs: null,
        group: 'j_A',
      },
      { entity: 'c_1', kind: 'container', machineId: 'm_1', startMs: 0, endMs: null, group: 'app_x' },
      { entity: 'c_2', kind: 'container', machineId: 'm_2', startMs: 0, endMs: 300_000, group: 'app_y' },
      { entity: 'c_2', kind: 'container', machineId: 'm_1', startMs: 300_000, endMs: null, group: 'app_y' },
    ]);
    expect(placementsOn(data.placements, 'm_1', { fromMs: 0, toMs: 100_000 }).map((p) => p.entity)).toEqual([
      'j_A/M1/ins_1',
      'c_1',
    ]);
    expect(data.rawStepMs).toEqual({ machine_usage: 10_000, container_usage: 30_000 });
  });

  it('keeps only the machines asked for, and chooses the domain key', async () => {
    const data = await loadAlibaba(dir, { machines: ['m_1'], machineDomain: 'failure_domain_1' });
    expect(data.machines.map((m) => [m.entity, m.domain])).toEqual([['m_1', 'fd1-5']]);
    expect(data.containers.map((c) => c.entity)).toEqual(['c_1']);
    expect(data.placements.map((p) => p.entity)).toEqual(['j_A/M1/ins_1', 'c_1', 'c_2']);
    expect(data.tables.machine_usage).toBe(5);
  });

  it('reads only the tables asked for', async () => {
    const data = await loadAlibaba(dir, { tables: ['batch_task'] });
    expect(Object.keys(data.tables)).toEqual(['batch_task']);
    expect(data.machines).toEqual([]);
    expect(data.dags).toHaveLength(2);
  });
});

describe('missing tables', () => {
  it('names what is missing and where the archives come from', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty, { recursive: true });
    const error = await loadAlibaba(empty).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataRootError);
    const message = (error as Error).message;
    for (const table of [
      'machine_meta',
      'machine_usage',
      'container_meta',
      'container_usage',
      'batch_task',
      'batch_instance',
    ])
      expect(message).toContain(`${table}.csv`);
    expect(message).toContain(empty);
    expect(message).toContain('http://aliopentrace.oss-cn-beijing.aliyuncs.com/v2018Traces/');
    expect(message).toContain('3e6ee87fd204bb85b9e234c5c75a5096580fdabc8f085b224033080090753a7a');
  });

  it('names only the asked-for tables that are absent', async () => {
    const some = join(root, 'some');
    await writeTables(some, { machine_usage: ['m_1,0,1,2,,,,,'] });
    const message = (
      (await loadAlibaba(some, { tables: ['machine_usage', 'batch_task'] }).catch((e: unknown) => e)) as Error
    ).message;
    expect(message).toContain('no batch_task.csv');
    expect(message).not.toContain('machine_usage.csv');
  });

  const dataRoot = realDataRoot('alibaba-v2018');
  (dataRoot ? it : it.skip)(
    'rejects the shared data root, whose alibaba-v2018 folder holds only schema.txt',
    async () => {
      expect(findAlibabaTables(alibabaDir(dataRoot!))).toEqual({});
      await expect(inspectAlibaba(dataRoot!)).rejects.toThrow(/holds only schema\.txt/);
    },
  );
});

// ---- a generated sample, checked against brute-force readings of its text ----

/** The [0, 100] columns of machine_usage metrics, in order (schema.txt §2): all but mkpi. */
const MACHINE_MASKED = [true, true, true, false, true, true, true];

interface BruteSeries {
  times: number[];
  values: number[][];
}

/**
 * machine_usage text → per machine, 60 s step means (first row per time kept, −1/101 and empty → left out), gaps filled
 * forward then backward.
 */
function bruteMachineSteps(text: string, stepMs: number): Map<string, BruteSeries> {
  const rows = new Map<string, Map<number, number[]>>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split(',');
    const t = Number(fields[1]) * 1000;
    const values = fields
      .slice(2)
      .map((f, j) => (f === '' || (MACHINE_MASKED[j] && (f === '-1' || f === '101')) ? NaN : Number(f)));
    if (!rows.has(fields[0])) rows.set(fields[0], new Map());
    const byTime = rows.get(fields[0])!;
    if (!byTime.has(t)) byTime.set(t, values);
  }
  const result = new Map<string, BruteSeries>();
  for (const [machine, byTime] of rows) {
    const times = [...byTime.keys()];
    const origin = Math.floor(Math.min(...times) / stepMs) * stepMs;
    const slots = Math.floor((Math.max(...times) - origin) / stepMs) + 1;
    const sums = Array.from({ length: slots }, () => new Array<number>(7).fill(0));
    const counts = Array.from({ length: slots }, () => new Array<number>(7).fill(0));
    for (const [t, values] of byTime) {
      const k = Math.floor((t - origin) / stepMs);
      values.forEach((v, j) => {
        if (!Number.isNaN(v)) {
          sums[k][j] += v;
          counts[k][j]++;
        }
      });
    }
    const values = sums.map((row, k) => row.map((s, j) => (counts[k][j] > 0 ? s / counts[k][j] : NaN)));
    for (let j = 0; j < 7; j++) {
      for (let k = 1; k < slots; k++) if (Number.isNaN(values[k][j])) values[k][j] = values[k - 1][j];
      for (let k = slots - 2; k >= 0; k--) if (Number.isNaN(values[k][j])) values[k][j] = values[k + 1][j];
    }
    result.set(machine, { times: Array.from({ length: slots }, (_, k) => origin + k * stepMs), values });
  }
  return result;
}

/** Dependency numbers of a DAG task name by splitting on '_' after the letters (schema.txt §5), or null. */
function bruteDeps(name: string): { task: number; deps: number[] } | null {
  const body = name.replace(/^[A-Za-z]+/, '');
  const parts = body.split('_');
  if (body === name || parts.some((p) => !/^\d+$/.test(p))) return null;
  return { task: Number(parts[0]), deps: parts.slice(1).map(Number) };
}

describe('loadAlibaba on a generated sample', () => {
  let sample: AlibabaSample;
  beforeAll(async () => {
    sample = await writeAlibabaSample(join(root, 'sample'), {
      machines: 5,
      containers: 8,
      jobs: 12,
      seconds: 1200,
      seed: 42,
      duplicateShare: 0.02,
      disorderShare: 0.05,
    });
  });

  it('gives per-machine 60 s means equal to a brute-force reading of the file', async () => {
    const data = await loadAlibaba(sample.dir);
    const brute = bruteMachineSteps(await readFile(sample.files.machine_usage, 'utf8'), 60_000);
    expect(data.machines.map((m) => m.entity).sort()).toEqual([...brute.keys()].sort());
    for (const seq of data.machines) {
      const expected = brute.get(seq.entity)!;
      expect(Array.from(seq.timestamps!, Number)).toEqual(expected.times);
      for (let k = 0; k < seq.length; k++) {
        for (let j = 0; j < 7; j++) {
          const got = seq.values[k * 7 + j];
          const want = expected.values[k][j];
          if (Number.isNaN(want)) expect(got).toBeNaN();
          else expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
        }
      }
    }
  });

  it('counts rows, duplicates, DAG edges and placements as the text says', async () => {
    const data = await loadAlibaba(sample.dir);
    const lines = async (table: keyof AlibabaSample['files']) =>
      (await readFile(sample.files[table], 'utf8')).split('\n').filter((l) => l !== '');
    expect(data.tables).toEqual(sample.rows);
    const usage = await lines('machine_usage');
    const distinct = new Set(usage.map((l) => l.split(',').slice(0, 2).join(','))).size;
    expect(data.duplicatesDropped.machine_usage).toBe(usage.length - distinct);
    expect(data.duplicatesDropped.machine_usage).toBeGreaterThan(0);

    const tasks = (await lines('batch_task')).map((l) => l.split(','));
    const numbersByJob = new Map<string, Set<number>>();
    for (const [name, , job] of tasks) {
      const parsed = bruteDeps(name);
      if (!numbersByJob.has(job)) numbersByJob.set(job, new Set());
      if (parsed) numbersByJob.get(job)!.add(parsed.task);
    }
    const edges = tasks.reduce(
      (s, [name, , job]) => s + (bruteDeps(name)?.deps.filter((d) => numbersByJob.get(job)!.has(d)).length ?? 0),
      0,
    );
    const stats = dagStats(data.dags);
    expect(stats.edges).toBe(edges);
    expect(stats.edges).toBeGreaterThan(0);
    expect(stats.tasks).toBe(tasks.length);
    expect(stats.independentTasks).toBe(tasks.filter(([name]) => name.startsWith('task_')).length);
    expect(stats.problems).toEqual({});

    const instances = (await lines('batch_instance')).map((l) => l.split(','));
    expect(data.placements.filter((p) => p.kind === 'batch-instance')).toHaveLength(
      instances.filter((f) => f[7] !== '').length,
    );
    const meta = (await lines('container_meta')).map((l) => l.split(','));
    const machinesPerContainer = new Map<string, string[]>();
    for (const [c, m] of meta) machinesPerContainer.set(c, [...(machinesPerContainer.get(c) ?? []), m]);
    const runs = [...machinesPerContainer.values()].reduce(
      (s, ms) => s + ms.filter((m, i) => i === 0 || m !== ms[i - 1]).length,
      0,
    );
    expect(data.placements.filter((p) => p.kind === 'container')).toHaveLength(runs);
    for (const c of data.containers) expect(c.domain).toBe(meta.find((f) => f[0] === c.entity)![3]);
  });

  it('inspects a data root whose alibaba-v2018 folder holds the tables', async () => {
    const dataRoot = join(root, 'data-root');
    const placed = await writeAlibabaSample(join(dataRoot, 'alibaba-v2018'), { seed: 3, machines: 3, seconds: 600 });
    const inspection = await inspectAlibaba(dataRoot);
    const usage = (await readFile(placed.files.machine_usage, 'utf8')).split('\n').filter((l) => l !== '');
    expect(inspection.dataset).toBe('alibaba-v2018');
    expect([...inspection.entities].sort()).toEqual([...placed.machineIds].sort());
    expect(inspection.records).toBe(new Set(usage.map((l) => l.split(',').slice(0, 2).join(','))).size);
    expect(inspection.samplingStepMs).toBe(10_000);
    expect(inspection.tables).toEqual(placed.rows);
    expect(inspection.columns.map((c) => c.name)).toEqual([
      'cpu_util_percent',
      'mem_util_percent',
      'mem_gps',
      'mkpi',
      'net_in',
      'net_out',
      'disk_io_percent',
    ]);
    expect(inspection.timeSpan!.startMs).toBe(0);
    expect(inspection.notes.join('\n')).toContain('not Unix time');
  });
});
