import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { join } from 'node:path';
import { ParameterError, mulberry32 } from '@driftwatch/contracts';
import { ALIBABA_TABLES, ALIBABA_TABLE_NAMES, type AlibabaTableName } from '../datasets/alibaba/schema';

/**
 * Seeded rows for the six tables of Alibaba cluster-trace-v2018, written header-less in schema.txt column
 * order. No real rows of the trace exist here (datasets/README.md), so the value distributions are
 * plausible, not measured: id forms (m_1234, c_…, j_…, M1 / R2_1 / M3_1_2, task_<base64>), units and
 * ranges follow schema.txt; statuses ('USING', 'started', 'Terminated', …) are illustrative; the 10 s
 * nominal sampling step is an assumption (upstream states no period).
 */

/** A field: text, a number (written as JS prints it), or null for an empty field. */
export type AlibabaCell = string | number | null;
export type AlibabaRow = Readonly<Record<string, AlibabaCell>>;

/** One CSV line (no newline) with the row's fields in the table's schema.txt column order. */
export function formatAlibabaRow(table: AlibabaTableName, row: AlibabaRow): string {
  const columns = ALIBABA_TABLES[table];
  for (const key of Object.keys(row)) {
    if (!columns.some((c) => c.name === key)) throw new ParameterError(`${table} has no column "${key}"`);
  }
  return columns
    .map((c) => {
      const cell = row[c.name];
      if (cell === undefined) throw new ParameterError(`${table} row lacks column "${c.name}"`);
      return cell === null ? '' : String(cell);
    })
    .join(',');
}

export interface AlibabaSampleOptions {
  /** default 4 */
  machines?: number;
  /** default 6 */
  containers?: number;
  /** default 6 */
  jobs?: number;
  /** trace length, seconds from the trace start (default 1,800) */
  seconds?: number;
  /** default 1 */
  seed?: number;
  /** nominal sampling step of the usage tables, seconds (default 10, an assumption) */
  stepSeconds?: number;
  /**
   * share of usage rows whose optional metrics (mem_gps, mkpi/mpki, net_in, net_out, disk_io_percent) are all empty
   * (default 0.3)
   */
  emptyShare?: number;
  /** share of [0, 100] values written as −1 or 101 (default 0.01) */
  invalidShare?: number;
  /** share of usage samples skipped, leaving gaps (default 0.03) */
  gapShare?: number;
  /** share of usage samples swapped with the entity's next sample, so files are not time-ordered (default 0.02) */
  disorderShare?: number;
  /** share of usage samples followed by a second row at the same time with other values (default 0.005) */
  duplicateShare?: number;
}

export interface AlibabaSample {
  dir: string;
  files: Record<AlibabaTableName, string>;
  /** data rows written per table */
  rows: Record<AlibabaTableName, number>;
  machineIds: string[];
  containerIds: string[];
  jobNames: string[];
}

type Random = () => number;

/** Integer in [lo, hi], uniform. */
const intIn = (random: Random, lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
/** Two decimals at most, as the trace's normalised doubles print (assumed form). */
const hundredths = (x: number): number => Math.round(x * 100) / 100;
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** `count` distinct integers from [lo, hi], in draw order. */
function distinctInts(random: Random, count: number, lo: number, hi: number): number[] {
  const seen = new Set<number>();
  while (seen.size < count) seen.add(intIn(random, lo, hi));
  return [...seen];
}

/** A non-DAG task name: `task_` + base64 of a signed 64-bit decimal, the form of the examples in schema.txt §5. */
function randomTaskName(random: Random): string {
  let digits = String(intIn(random, 1, 9));
  for (let i = 0; i < 18; i++) digits += String(intIn(random, 0, 9));
  return `task_${Buffer.from((random() < 0.5 ? '-' : '') + digits, 'utf8').toString('base64')}`;
}

/** A [0, 100] value, or −1/101 with probability `invalidShare` (schema.txt: invalid values are −1 or 101). */
function bounded(random: Random, value: number, invalidShare: number): number {
  return random() < invalidShare ? pick(random, [-1, 101]) : value;
}

/** Entities' rows round-robin (the k-th row of each entity in turn): time-major overall, an assumed layout. */
function interleave(perEntity: AlibabaRow[][]): AlibabaRow[] {
  const rows: AlibabaRow[] = [];
  const longest = Math.max(0, ...perEntity.map((l) => l.length));
  for (let k = 0; k < longest; k++) for (const list of perEntity) if (k < list.length) rows.push(list[k]);
  return rows;
}

/**
 * An entity's samples made irregular: some followed by a second row at the same time with other values,
 * some swapped with their successor, so rows are not time-ordered (the real files are not known to be).
 */
function roughen(
  random: Random,
  samples: AlibabaRow[],
  duplicateOf: (row: AlibabaRow) => AlibabaRow,
  o: Required<AlibabaSampleOptions>,
): AlibabaRow[] {
  const out: AlibabaRow[] = [];
  for (const row of samples) {
    out.push(row);
    if (random() < o.duplicateShare) out.push(duplicateOf(row));
  }
  for (let i = 0; i + 1 < out.length; i++) {
    if (random() < o.disorderShare && out[i].time_stamp !== out[i + 1].time_stamp) {
      [out[i], out[i + 1]] = [out[i + 1], out[i]];
      i++;
    }
  }
  return out;
}

function machineRows(
  random: Random,
  ids: string[],
  o: Required<AlibabaSampleOptions>,
): { meta: AlibabaRow[]; usage: AlibabaRow[] } {
  const meta: AlibabaRow[] = [];
  const perMachine: AlibabaRow[][] = [];
  for (const machine_id of ids) {
    const cpu_num = random() < 0.8 ? 96 : 64;
    const mem_size = bounded(random, random() < 0.8 ? 100 : 50, o.invalidShare);
    const failure_domain_1 = intIn(random, 1, 100);
    const failure_domain_2 = Array.from({ length: 32 }, () => intIn(random, 0, 15).toString(16)).join('');
    meta.push({ machine_id, time_stamp: 0, failure_domain_1, failure_domain_2, cpu_num, mem_size, status: 'USING' });
    if (random() < 0.25) {
      // a later event with an empty failure domain: per attribute the latest non-empty value stands
      meta.push({
        machine_id,
        time_stamp: intIn(random, 1, o.seconds - 1),
        failure_domain_1,
        failure_domain_2: null,
        cpu_num,
        mem_size,
        status: 'USING',
      });
    }
    const cpuBase = intIn(random, 15, 55);
    const memBase = intIn(random, 60, 90);
    const phase = random() * 2 * Math.PI;
    const sample = (t: number): AlibabaRow => {
      const empty = random() < o.emptyShare;
      const daily = 10 * Math.sin((2 * Math.PI * t) / 86_400 + phase);
      return {
        machine_id,
        time_stamp: t,
        cpu_util_percent:
          random() < o.emptyShare / 20
            ? null
            : bounded(random, clamp(Math.round(cpuBase + daily + 6 * (random() - 0.5)), 0, 100), o.invalidShare),
        mem_util_percent: bounded(random, clamp(memBase + intIn(random, -2, 2), 0, 100), o.invalidShare),
        mem_gps: empty ? null : bounded(random, hundredths(random() * 20), o.invalidShare),
        mkpi: empty ? null : intIn(random, 0, 15),
        net_in: empty ? null : bounded(random, hundredths(20 + random() * 40), o.invalidShare),
        net_out: empty ? null : bounded(random, hundredths(20 + random() * 40), o.invalidShare),
        disk_io_percent: empty ? null : bounded(random, hundredths(random() * 10), o.invalidShare),
      };
    };
    const samples: AlibabaRow[] = [];
    for (let t = 0; t < o.seconds; t += o.stepSeconds) if (random() >= o.gapShare) samples.push(sample(t));
    perMachine.push(roughen(random, samples, (row) => sample(row.time_stamp as number), o));
  }
  meta.sort((a, b) => (a.time_stamp as number) - (b.time_stamp as number));
  return { meta, usage: interleave(perMachine) };
}

function containerRows(
  random: Random,
  ids: string[],
  machines: string[],
  o: Required<AlibabaSampleOptions>,
): { meta: AlibabaRow[]; usage: AlibabaRow[] } {
  const meta: AlibabaRow[] = [];
  const perContainer: AlibabaRow[][] = [];
  const apps = Array.from({ length: Math.max(1, Math.ceil(ids.length / 3)) }, () => `app_${intIn(random, 1, 9999)}`);
  for (const container_id of ids) {
    const app_du = pick(random, apps);
    const cpu_request = pick(random, [100, 200, 400, 800]);
    const first = pick(random, machines);
    const moveAt =
      machines.length > 1 && random() < 0.25
        ? intIn(random, Math.floor(o.seconds / 4), Math.floor((3 * o.seconds) / 4))
        : null;
    const second =
      moveAt === null
        ? first
        : pick(
            random,
            machines.filter((m) => m !== first),
          );
    const event = (machine_id: string, time_stamp: number): AlibabaRow => ({
      container_id,
      machine_id,
      time_stamp,
      app_du,
      status: 'started',
      cpu_request,
      cpu_limit: random() < 0.5 ? cpu_request : 2 * cpu_request,
      mem_size: bounded(random, hundredths(0.5 + random() * 5.5), o.invalidShare),
    });
    meta.push(event(first, 0));
    if (moveAt !== null) meta.push(event(second, moveAt));
    const cpuBase = intIn(random, 2, 40);
    const memBase = intIn(random, 20, 95);
    const sample = (t: number): AlibabaRow => {
      const empty = random() < o.emptyShare;
      return {
        container_id,
        machine_id: moveAt !== null && t >= moveAt ? second : first,
        time_stamp: t,
        cpu_util_percent: bounded(random, clamp(cpuBase + intIn(random, -3, 3), 0, 100), o.invalidShare),
        mem_util_percent: bounded(random, clamp(memBase + intIn(random, -1, 1), 0, 100), o.invalidShare),
        cpi: empty ? null : hundredths(0.8 + random() * 1.7),
        mem_gps: empty ? null : bounded(random, hundredths(random() * 5), o.invalidShare),
        mpki: empty ? null : intIn(random, 0, 12),
        net_in: empty ? null : bounded(random, hundredths(random() * 20), o.invalidShare),
        net_out: empty ? null : bounded(random, hundredths(random() * 20), o.invalidShare),
        disk_io_percent: empty ? null : bounded(random, hundredths(random() * 5), o.invalidShare),
      };
    };
    const samples: AlibabaRow[] = [];
    for (let t = 0; t < o.seconds; t += o.stepSeconds) if (random() >= o.gapShare) samples.push(sample(t));
    perContainer.push(roughen(random, samples, (row) => sample(row.time_stamp as number), o));
  }
  meta.sort((a, b) => (a.time_stamp as number) - (b.time_stamp as number));
  return { meta, usage: interleave(perContainer) };
}

/** DAG task names: task i depends on a few earlier tasks, written `<letter><i>_<dep>…` (schema.txt §5). */
function dagTaskNames(random: Random, count: number): { name: string; task: number; deps: number[] }[] {
  const tasks: { name: string; task: number; deps: number[] }[] = [];
  for (let i = 1; i <= count; i++) {
    const deps = Array.from({ length: i - 1 }, (_, k) => k + 1)
      .filter(() => random() < 0.4)
      .slice(0, 3);
    tasks.push({
      name: `${pick(random, ['M', 'M', 'R', 'J'])}${i}${deps.map((d) => `_${d}`).join('')}`,
      task: i,
      deps,
    });
  }
  return tasks;
}

function batchRows(
  random: Random,
  jobs: string[],
  machines: string[],
  o: Required<AlibabaSampleOptions>,
): { tasks: AlibabaRow[]; instances: AlibabaRow[] } {
  const tasks: AlibabaRow[] = [];
  const instances: AlibabaRow[] = [];
  let instanceCounter = intIn(random, 1000, 9999);
  for (const job_name of jobs) {
    const dag = random() >= 0.25;
    const names = dag
      ? dagTaskNames(random, intIn(random, 1, 6))
      : Array.from({ length: intIn(random, 1, 3) }, () => ({
          name: randomTaskName(random),
          task: 0,
          deps: [] as number[],
        }));
    const jobStart = intIn(random, 0, Math.floor(o.seconds * 0.6));
    const ends = new Map<number, number>();
    for (const { name, task, deps } of names) {
      const start_time = Math.max(jobStart, ...deps.map((d) => ends.get(d) ?? 0)) + intIn(random, 0, 30);
      const end = start_time + intIn(random, 10, 300);
      ends.set(task, end);
      const roll = random();
      const status = roll < 0.85 ? 'Terminated' : roll < 0.9 ? 'Failed' : 'Running';
      // a running task has no end yet: end_time 0 ("after the time span", trace_2018.md column comments)
      const end_time = status === 'Running' ? 0 : end;
      const instance_num = intIn(random, 1, 4);
      const task_type = dag ? '1' : String(intIn(random, 2, 12));
      tasks.push({
        task_name: name,
        instance_num,
        job_name,
        task_type,
        status,
        start_time,
        end_time,
        plan_cpu: pick(random, [50, 100, 200, 400]),
        plan_mem:
          random() < o.emptyShare / 10 ? null : bounded(random, hundredths(0.2 + random() * 1.8), o.invalidShare),
      });
      for (let seq = 1; seq <= instance_num; seq++) {
        const start = intIn(random, start_time, start_time + Math.floor((end - start_time) / 2));
        const cpu_avg = hundredths(20 + random() * 130);
        const mem_avg = hundredths(0.1 + random() * 1.9);
        const empty = random() < o.emptyShare / 3;
        instances.push({
          instance_name: `ins_${instanceCounter++}`,
          task_name: name,
          job_name,
          task_type,
          status,
          start_time: start,
          end_time: status === 'Running' ? 0 : intIn(random, start + 1, end),
          machine_id: pick(random, machines),
          seq_no: seq,
          total_seq_no: instance_num,
          cpu_avg: empty ? null : cpu_avg,
          cpu_max: empty ? null : hundredths(cpu_avg * (1 + random())),
          mem_avg: empty ? null : bounded(random, mem_avg, o.invalidShare),
          mem_max: empty ? null : bounded(random, hundredths(mem_avg * (1 + random() / 2)), o.invalidShare),
        });
      }
    }
  }
  instances.sort((a, b) => (a.start_time as number) - (b.start_time as number));
  return { tasks, instances };
}

/** Options with their defaults, checked (counts are integers ≥ 1, shares in [0, 1]). */
function sampleOptions(options: AlibabaSampleOptions): Required<AlibabaSampleOptions> {
  const o: Required<AlibabaSampleOptions> = {
    machines: 4,
    containers: 6,
    jobs: 6,
    seconds: 1800,
    seed: 1,
    stepSeconds: 10,
    emptyShare: 0.3,
    invalidShare: 0.01,
    gapShare: 0.03,
    disorderShare: 0.02,
    duplicateShare: 0.005,
    ...options,
  };
  for (const key of ['machines', 'containers', 'jobs', 'seconds', 'stepSeconds'] as const) {
    if (!(Number.isInteger(o[key]) && o[key] >= 1))
      throw new ParameterError(`${key} must be an integer ≥ 1, got ${o[key]}`);
  }
  for (const key of ['emptyShare', 'invalidShare', 'gapShare', 'disorderShare', 'duplicateShare'] as const) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new ParameterError(`${key} must lie in [0, 1], got ${o[key]}`);
  }
  return o;
}

/**
 * Writes `<table>.csv` for all six tables into `dir` (created if needed), seeded: the same options give
 * the same bytes. Machine ids m_<1…4034> (4,034 machines: Jiang et al., IEEE TCC 2020, on this trace),
 * container ids c_<n>, job names j_<n>; about a quarter of jobs have random `task_<base64>` task names,
 * the others DAG names.
 */
export async function writeAlibabaSample(dir: string, options: AlibabaSampleOptions = {}): Promise<AlibabaSample> {
  const o = sampleOptions(options);
  const random = mulberry32(o.seed);
  const machineIds = distinctInts(random, o.machines, 1, Math.max(4034, 2 * o.machines)).map((n) => `m_${n}`);
  const containerIds = distinctInts(random, o.containers, 1, Math.max(100_000, 2 * o.containers)).map((n) => `c_${n}`);
  const jobNames = distinctInts(random, o.jobs, 1, Math.max(1_000_000, 2 * o.jobs)).map((n) => `j_${n}`);
  const machines = machineRows(random, machineIds, o);
  const containers = containerRows(random, containerIds, machineIds, o);
  const batch = batchRows(random, jobNames, machineIds, o);
  const tables: Record<AlibabaTableName, AlibabaRow[]> = {
    machine_meta: machines.meta,
    machine_usage: machines.usage,
    container_meta: containers.meta,
    container_usage: containers.usage,
    batch_task: batch.tasks,
    batch_instance: batch.instances,
  };
  await mkdir(dir, { recursive: true });
  const files = {} as Record<AlibabaTableName, string>;
  const rows = {} as Record<AlibabaTableName, number>;
  for (const table of ALIBABA_TABLE_NAMES) {
    files[table] = join(dir, `${table}.csv`);
    rows[table] = tables[table].length;
    await writeFile(files[table], tables[table].map((row) => `${formatAlibabaRow(table, row)}\n`).join(''));
  }
  return { dir, files, rows, machineIds, containerIds, jobNames };
}

export interface MachineUsageFileOptions {
  /** target size; the file ends on a whole row at or below it */
  bytes: number;
  seed?: number;
  /**
   * machines m_1 … m_N, one row each per time step (default 4,034, the machine count Jiang et al. report for this
   * trace)
   */
  machines?: number;
  /** step between time stamps, seconds (default 10) */
  stepSeconds?: number;
  /** share of rows with mem_gps, mkpi, net_in, net_out and disk_io_percent all empty (default 0.5) */
  emptyShare?: number;
  /** share of cpu/mem values written as −1 or 101 (default 0.002) */
  invalidShare?: number;
}

export interface MachineUsageFile {
  path: string;
  bytes: number;
  rows: number;
  machines: number;
  /** the last time stamp written, seconds */
  lastTimeSeconds: number;
}

const CHUNK_BYTES = 1 << 22;
/**
 * Distinct optional-metric tails drawn up front; rows pick one, so a row costs a few copies, not five number formats.
 */
const TAIL_POOL = 8192;
const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/** Copies a short token; a plain loop beats Buffer#set for a few bytes. */
function put(target: Buffer, at: number, token: Uint8Array): number {
  for (let i = 0; i < token.length; i++) target[at + i] = token[i];
  return at + token.length;
}

/** `mem_gps,mkpi,net_in,net_out,disk_io_percent` + newline with plausible values (schema.txt §2 ranges). */
function usageTail(random: Random): Uint8Array {
  const gps = hundredths(random() * 20);
  const net = () => hundredths(20 + random() * 40);
  return ascii(`${gps},${intIn(random, 0, 15)},${net()},${net()},${hundredths(random() * 10)}\n`);
}

/**
 * One draw in [0, 1) → either a sentinel (−1/101, probability `invalidShare`) or an index in [0, span),
 * uniform: one random number per field keeps the writer fast.
 */
function splitDraw(r: number, invalidShare: number, span: number): number {
  if (r < invalidShare) return r < invalidShare / 2 ? -1 : -2;
  return Math.min(span - 1, Math.floor(((r - invalidShare) / (1 - invalidShare)) * span));
}

/**
 * Writes a large machine_usage.csv (schema.txt §2 columns, rows like `m_1932,386640,41,92,,,,,`) for
 * ingest benchmarks: time-major rows over `machines` machines, built as bytes from precomputed tokens in
 * 4 MiB chunks and written through a stream that is awaited on 'drain' (backpressure), so memory stays at
 * a few chunks whatever the size. Seeded; values plausible, not measured: cpu and mem vary around a
 * per-machine level, the optional metrics come from a pool of 8,192 seeded tails or are all empty.
 */
export async function writeMachineUsageCsv(path: string, options: MachineUsageFileOptions): Promise<MachineUsageFile> {
  const target = options.bytes;
  if (!(Number.isInteger(target) && target >= 0))
    throw new ParameterError(`bytes must be an integer ≥ 0, got ${target}`);
  const machines = options.machines ?? 4034;
  const step = options.stepSeconds ?? 10;
  if (!(Number.isInteger(machines) && machines >= 1))
    throw new ParameterError(`machines must be an integer ≥ 1, got ${machines}`);
  if (!(Number.isInteger(step) && step >= 1))
    throw new ParameterError(`stepSeconds must be an integer ≥ 1, got ${step}`);
  const emptyShare = options.emptyShare ?? 0.5;
  const invalidShare = options.invalidShare ?? 0.002;
  for (const [key, share] of [
    ['emptyShare', emptyShare],
    ['invalidShare', invalidShare],
  ] as const) {
    if (!(share >= 0 && share < 1)) throw new ParameterError(`${key} must lie in [0, 1), got ${share}`);
  }
  const random = mulberry32(options.seed ?? 1);
  const ids = Array.from({ length: machines }, (_, i) => ascii(`m_${i + 1},`));
  const ints = Array.from({ length: 101 }, (_, v) => ascii(`${v},`));
  // splitDraw's -1 is written as "-1,", its -2 as "101,"
  const sentinels = [ascii('-1,'), ascii('101,')];
  const emptyTail = ascii(',,,,\n');
  const tails = Array.from({ length: TAIL_POOL }, () => usageTail(random));
  const cpuBase = Array.from({ length: machines }, () => intIn(random, 10, 60));
  const memBase = Array.from({ length: machines }, () => intIn(random, 55, 90));
  const stream = createWriteStream(path, { highWaterMark: CHUNK_BYTES });
  const failed = once(stream, 'error').then(([error]) => Promise.reject(error as Error));
  failed.catch(() => undefined);
  // the hot state stays in locals (no closure writes to it), so the row loop compiles to plain stores
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let p = 0;
  let written = 0;
  let rows = 0;
  let lastTime = 0;
  let done = false;
  for (let t = 0; !done; t += step) {
    const time = ascii(`${t},`);
    for (let m = 0; m < machines; m++) {
      if (p + 128 > CHUNK_BYTES) {
        const ok = stream.write(buffer.subarray(0, p));
        written += p;
        buffer = Buffer.allocUnsafe(CHUNK_BYTES);
        p = 0;
        if (!ok) await Promise.race([once(stream, 'drain'), failed]);
      }
      let q = put(buffer, p, ids[m]);
      q = put(buffer, q, time);
      const cpu = splitDraw(random(), invalidShare, 21);
      q = put(buffer, q, cpu < 0 ? sentinels[-1 - cpu] : ints[Math.max(0, cpuBase[m] + cpu - 10)]);
      const mem = splitDraw(random(), invalidShare, 5);
      q = put(buffer, q, mem < 0 ? sentinels[-1 - mem] : ints[memBase[m] + mem]);
      const r = random();
      q = put(
        buffer,
        q,
        r < emptyShare
          ? emptyTail
          : tails[Math.min(TAIL_POOL - 1, Math.floor(((r - emptyShare) / (1 - emptyShare)) * TAIL_POOL))],
      );
      if (written + q > target) {
        done = true;
        break;
      }
      p = q;
      rows++;
      lastTime = t;
    }
  }
  if (p > 0) {
    stream.write(buffer.subarray(0, p));
    written += p;
  }
  stream.end();
  await Promise.race([finished(stream), failed]);
  return { path, bytes: written, rows, machines, lastTimeSeconds: lastTime };
}
