import type { RecordBatch } from 'apache-arrow';
import type { TextInput } from '../../stream/chunks';
import { numberColumn, textColumn } from './batch-columns';
import { type Placement, type ContainerEvent, instancePlacement } from './placements';
import { type ReadAlibabaOptions, readAlibabaTable } from './read-table';
import type { AlibabaTableName } from './schema';
import type { BatchTask } from './task-dag';

/** Rows read from a table and what was made of them. */
export interface TableRows<T> {
  items: T[];
  /** data rows read from the file */
  rows: number;
}

/** Maps every row of a table to an item (or null to leave it out), streaming batch by batch. */
async function collect<T>(
  table: AlibabaTableName,
  input: TextInput,
  options: ReadAlibabaOptions,
  rowMapper: (batch: RecordBatch) => (row: number) => T | null,
): Promise<TableRows<T>> {
  const items: T[] = [];
  let rows = 0;
  for await (const batch of readAlibabaTable(table, input, options)) {
    rows += batch.numRows;
    const map = rowMapper(batch);
    for (let r = 0; r < batch.numRows; r++) {
      const item = map(r);
      if (item !== null) items.push(item);
    }
  }
  return { items, rows };
}

/** One row of machine_meta (schema.txt §1). */
export interface MachineMetaRow {
  machineId: string;
  timeMs: number | null;
  failureDomain1: number | null;
  failureDomain2: string | null;
  cpuNum: number | null;
  memSize: number | null;
  status: string | null;
}

/** machine_meta rows with a machine id (rows without one describe nothing and are left out). */
export function readMachineMeta(
  input: TextInput,
  options: ReadAlibabaOptions = {},
): Promise<TableRows<MachineMetaRow>> {
  return collect('machine_meta', input, options, (batch) => {
    const machine = textColumn(batch, 'machine_id');
    const time = numberColumn(batch, 'time_stamp');
    const fd1 = numberColumn(batch, 'failure_domain_1');
    const fd2 = textColumn(batch, 'failure_domain_2');
    const cpu = numberColumn(batch, 'cpu_num');
    const mem = numberColumn(batch, 'mem_size');
    const status = textColumn(batch, 'status');
    return (r) => {
      const machineId = machine(r);
      if (machineId === null) return null;
      return {
        machineId,
        timeMs: time(r),
        failureDomain1: fd1(r),
        failureDomain2: fd2(r),
        cpuNum: cpu(r),
        memSize: mem(r),
        status: status(r),
      };
    };
  });
}

/** container_meta rows with a container id (schema.txt §3). */
export function readContainerMeta(
  input: TextInput,
  options: ReadAlibabaOptions = {},
): Promise<TableRows<ContainerEvent>> {
  return collect('container_meta', input, options, (batch) => {
    const container = textColumn(batch, 'container_id');
    const machine = textColumn(batch, 'machine_id');
    const time = numberColumn(batch, 'time_stamp');
    const appDu = textColumn(batch, 'app_du');
    const status = textColumn(batch, 'status');
    const request = numberColumn(batch, 'cpu_request');
    const limit = numberColumn(batch, 'cpu_limit');
    const mem = numberColumn(batch, 'mem_size');
    return (r) => {
      const containerId = container(r);
      if (containerId === null) return null;
      return {
        containerId,
        machineId: machine(r),
        timeMs: time(r),
        appDu: appDu(r),
        status: status(r),
        cpuRequest: request(r),
        cpuLimit: limit(r),
        memSize: mem(r),
      };
    };
  });
}

/** batch_task rows with a task and a job name (schema.txt §5). */
export function readBatchTasks(input: TextInput, options: ReadAlibabaOptions = {}): Promise<TableRows<BatchTask>> {
  return collect('batch_task', input, options, (batch) => {
    const name = textColumn(batch, 'task_name');
    const instances = numberColumn(batch, 'instance_num');
    const job = textColumn(batch, 'job_name');
    const type = textColumn(batch, 'task_type');
    const status = textColumn(batch, 'status');
    const start = numberColumn(batch, 'start_time');
    const end = numberColumn(batch, 'end_time');
    const cpu = numberColumn(batch, 'plan_cpu');
    const mem = numberColumn(batch, 'plan_mem');
    return (r) => {
      const taskName = name(r);
      const jobName = job(r);
      if (taskName === null || jobName === null) return null;
      return {
        job: jobName,
        name: taskName,
        instanceNum: instances(r),
        taskType: type(r),
        status: status(r),
        startMs: start(r),
        endMs: end(r),
        planCpu: cpu(r),
        planMem: mem(r),
      };
    };
  });
}

/** Placements of batch_instance rows on a machine that `keepMachine` accepts (schema.txt §6). */
export function readInstancePlacements(
  input: TextInput,
  options: ReadAlibabaOptions = {},
  keepMachine: (machineId: string) => boolean = () => true,
): Promise<TableRows<Placement>> {
  return collect('batch_instance', input, options, (batch) => {
    const instance = textColumn(batch, 'instance_name');
    const task = textColumn(batch, 'task_name');
    const job = textColumn(batch, 'job_name');
    const machine = textColumn(batch, 'machine_id');
    const start = numberColumn(batch, 'start_time');
    const end = numberColumn(batch, 'end_time');
    return (r) => {
      const machineId = machine(r);
      if (machineId === null || !keepMachine(machineId)) return null;
      return instancePlacement({
        instance: instance(r) ?? '',
        task: task(r) ?? '',
        job: job(r) ?? '',
        machineId,
        startMs: start(r),
        endMs: end(r),
      });
    };
  });
}

/** Per machine, each attribute's latest non-empty value (time order, file order for equal times). */
export function machineAttributes(
  rows: readonly MachineMetaRow[],
): Map<string, Omit<MachineMetaRow, 'machineId' | 'timeMs'>> {
  const attributes = new Map<string, Omit<MachineMetaRow, 'machineId' | 'timeMs'>>();
  for (const row of inTimeOrder(rows)) {
    let a = attributes.get(row.machineId);
    if (!a)
      attributes.set(
        row.machineId,
        (a = { failureDomain1: null, failureDomain2: null, cpuNum: null, memSize: null, status: null }),
      );
    if (row.failureDomain1 !== null) a.failureDomain1 = row.failureDomain1;
    if (row.failureDomain2 !== null) a.failureDomain2 = row.failureDomain2;
    if (row.cpuNum !== null) a.cpuNum = row.cpuNum;
    if (row.memSize !== null) a.memSize = row.memSize;
    if (row.status !== null) a.status = row.status;
  }
  return attributes;
}

/** Per container, the latest non-empty app_du (time order, file order for equal times). */
export function containerAppDus(events: readonly ContainerEvent[]): Map<string, string> {
  const appDus = new Map<string, string>();
  for (const e of inTimeOrder(events)) if (e.appDu !== null) appDus.set(e.containerId, e.appDu);
  return appDus;
}

/** Rows sorted by time, stable; rows without a time keep their place before all timed rows. */
function inTimeOrder<T extends { timeMs: number | null }>(rows: readonly T[]): T[] {
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => (a.row.timeMs ?? -Infinity) - (b.row.timeMs ?? -Infinity) || a.i - b.i)
    .map(({ row }) => row);
}

/** How a machine's domain (DIVAD's context key) is chosen. */
export type MachineDomainKey = 'hardware' | 'failure_domain_1' | 'failure_domain_2' | 'machine';

/**
 * The domain of a machine. Default 'hardware' = `cpu<cpu_num>-mem<mem_size>`: DIVAD's domain is the
 * context that shapes normal behaviour (docs/divad.md, paper §3.3.2: the settings of the system), and a
 * machine's capacity is the setting machine_meta records; the failure domains (schema.txt §1) say where
 * a machine sits, not how it behaves. Unknown values print as '?'; a machine without meta rows is 'unknown'.
 */
export function machineDomain(
  machineId: string,
  attributes: Omit<MachineMetaRow, 'machineId' | 'timeMs'> | undefined,
  by: MachineDomainKey = 'hardware',
): string {
  if (by === 'machine') return machineId;
  if (!attributes) return 'unknown';
  const show = (v: number | string | null) => (v === null ? '?' : String(v));
  switch (by) {
    case 'hardware':
      return `cpu${show(attributes.cpuNum)}-mem${show(attributes.memSize)}`;
    case 'failure_domain_1':
      return `fd1-${show(attributes.failureDomain1)}`;
    case 'failure_domain_2':
      return `fd2-${show(attributes.failureDomain2)}`;
  }
}
