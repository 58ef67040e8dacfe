/** run.json: how a benchmark was run, on what machine and backend, with which data files. */
import os from 'node:os';
import { join } from 'node:path';
import type { DataFileChecksum } from '@driftwatch/contracts';
import { writeFileAtomic } from '@driftwatch/ingest';

// a type, not an interface: it is stored where any JSON object fits
export type MachineInfo = {
  cpus: number;
  cpuModel?: string;
  platform: string;
  node: string;
};

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const platform = `${os.platform()} ${os.arch()}`;
  return { cpus: cpus.length, cpuModel: cpus[0]?.model, platform, node: process.version };
}

export interface RunInfoFields {
  command: string;
  /** ISO time */
  startedAt: string;
  backend: { name: string };
  /** protocol and source: how the test sequences' ids map back to data (`resolveTestSequences`) */
  data?: { dataset: string; protocol?: string; source?: string; paths?: string[]; files: DataFileChecksum[] };
  /** benchmark-specific fields, written after `startedAt` */
  [extra: string]: unknown;
}

/** Writes `dir/run.json` atomically: the fields in their order, then the machine (and data last when given). */
export async function writeRunInfo(dir: string, fields: RunInfoFields): Promise<void> {
  const { data, ...rest } = fields;
  const run = { ...rest, machine: machineInfo(), ...(data ? { data } : {}) };
  await writeFileAtomic(join(dir, 'run.json'), JSON.stringify(run, null, 2) + '\n');
}
