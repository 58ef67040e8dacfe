/**
 * What the tfjs benchmarks share: each backend runs in its own child process (a fresh tfjs engine; native
 * packages load only there), which prints one JSON line; results files are written atomically.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import {
  BACKEND_PREFERENCES,
  describeBackend,
  initBackend,
  tf,
  type BackendInfo,
  type BackendPreference,
} from '@driftwatch/models';

export interface ChildResult<Row> {
  preference: string;
  ok: boolean;
  error?: string;
  info?: BackendInfo;
  rows?: Row[];
}

/**
 * A child's work on one backend: its rows when the backend loads, else the loader's reason (the parent prints either).
 */
export async function backendChild<Row>(
  preference: BackendPreference,
  rowsOn: (info: BackendInfo) => Promise<Row[]>,
): Promise<ChildResult<Row>> {
  let info: BackendInfo;
  try {
    info = await initBackend(preference);
  } catch (e) {
    return { preference, ok: false, error: (e as Error).message };
  }
  return { preference, ok: true, info, rows: await rowsOn(info) };
}

/** `--backends a,b` checked against the loader's names ('auto' is not a backend to time). */
export function parseBackends(list: string): BackendPreference[] {
  const backends = list
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean) as BackendPreference[];
  for (const b of backends)
    if (b === 'auto' || !BACKEND_PREFERENCES.includes(b)) throw new Error(`unknown backend '${b}'`);
  return backends;
}

/** Runs this script again per backend with `--child <backend>` and `childArgs`; collects each child's JSON line. */
export function runPerBackend<Row>(backends: BackendPreference[], childArgs: string[]): ChildResult<Row>[] {
  return backends.map((b) => {
    process.stderr.write(`${b} …\n`);
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--child', b, ...childArgs], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
    });
    let parsed: ChildResult<Row>;
    try {
      parsed = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ChildResult<Row>;
    } catch {
      parsed = { preference: b, ok: false, error: `child exited with status ${r.status}` };
    }
    process.stderr.write(parsed.ok ? `  ${describeBackend(parsed.info!)}\n` : `  ${b} unavailable: ${parsed.error}\n`);
    return parsed;
  });
}

/** The machine a benchmark ran on, for its results file. */
export function machineDescription(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model,
    cpuCount: cpus.length,
    platform: `${os.platform()} ${os.arch()}`,
    totalMemoryBytes: os.totalmem(),
  };
}

export function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Writes a benchmark's results file: settings, machine, Node and tfjs versions, each backend's outcome, rows. */
export function writeBenchResults<Row>(
  file: string,
  benchmark: string,
  settings: Record<string, unknown>,
  results: ChildResult<Row>[],
  startedAt: number,
): void {
  const body = {
    benchmark,
    createdAt: new Date().toISOString(),
    settings,
    machine: machineDescription(),
    node: process.version,
    tfjs: tf.version,
    backends: results.map((r) => ({
      requested: r.preference,
      ok: r.ok,
      error: r.error,
      name: r.info?.name,
      versions: r.info?.versions,
      attempts: r.info?.attempts,
    })),
    rows: results.flatMap((r) => r.rows ?? []),
    seconds: (performance.now() - startedAt) / 1000,
  };
  writeAtomic(file, JSON.stringify(body, null, 2) + '\n');
}
