/**
 * The parent side of `runProtocol` with jobs > 1: the pending (server, configuration) pairs go one at a time to
 * worker processes (protocol-worker.ts), their progress and logs come back as the caller's observer calls, and each
 * finished unit's lines come back to be appended here.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DriftwatchError, type FitProgress, type ResultRecord } from '@driftwatch/contracts';
import type { ProtocolRunOptions } from '../asd-loso';
import type { BenchmarkConfig } from '../grid-file';
import type { CandidateFit } from '../learning-rate';
import type { BenchmarkObserver, FitListener } from '../observer';
import { runInProcesses } from './process-pool';

/**
 * Worker processes by default: one per core, at most 2 (docs/architecture.md, "Scale"); 1 (this process) where no
 * worker script was built beside the running code (sources run by a test runner).
 */
export function defaultJobs(): number {
  return defaultProtocolWorkerScript() ? Math.min(2, availableParallelism()) : 1;
}

/** The worker's script beside this module's bundle (tools/build.mjs writes it), if there is one. */
export function defaultProtocolWorkerScript(): string | undefined {
  const script = join(__dirname, 'protocol-worker.js');
  return existsSync(script) ? script : undefined;
}

/** What every worker gets first: the run's options as data (no jobs: a worker runs its units itself). */
export type ProtocolWorkerSetup = Omit<ProtocolRunOptions, 'jobs' | 'workerScript' | 'backend'> & {
  /** name: what results lines record; candidate: what the worker loads (tfjs-node's name is 'tensorflow') */
  backend?: { name: string; candidate: string };
};

/** The loader's candidate that gave the parent its backend (BackendInfo.attempts), else the backend's name. */
function acceptedCandidate(backend: NonNullable<ProtocolRunOptions['backend']>): string {
  return backend.attempts?.find((a) => a.ok)?.candidate ?? backend.name;
}

/** One unit: a (server, configuration) pair. */
export interface ProtocolTask {
  server: string;
  config: BenchmarkConfig;
}

/** What a worker's observer calls become on their way to the parent's observer. */
export type ProtocolWorkerEvent =
  | { type: 'log'; line: string }
  | { type: 'fitting'; fit: number; label: string }
  | { type: 'progress'; fit: number; progress: FitProgress }
  | { type: 'done'; fit: number; result: CandidateFit };

/** The unit's label in logs and errors: method, grid point, server. */
export function unitLabel(pair: ProtocolTask): string {
  const { method, id } = pair.config;
  return `${method}${id ? ` [${id}]` : ''} on ${pair.server}`;
}

/** Runs the pairs in `jobs` processes; `append` takes each finished unit's lines, one unit at a time. */
export async function runUnitsInWorkers(
  options: ProtocolRunOptions,
  pairs: readonly ProtocolTask[],
  jobs: number,
  smoothingGrid: readonly number[],
  observer: BenchmarkObserver<CandidateFit>,
  append: (lines: ResultRecord[]) => Promise<void>,
): Promise<void> {
  const script = options.workerScript ?? defaultProtocolWorkerScript();
  if (!script)
    throw new DriftwatchError(
      `running units in ${jobs} processes needs protocol-worker.js beside the running bundle (tools/build.mjs ` +
        'writes it); run with one job, or build the package',
    );
  const { source, servers, configs, shard, outDir, resume, seed, epochs, trainStride, overrides } = options;
  const setup: ProtocolWorkerSetup = {
    ...{ source, servers, configs, shard, outDir, resume, seed, epochs, trainStride, overrides },
    command: options.command,
    lockPath: options.lockPath,
    smoothingGrid: [...smoothingGrid],
    ...(options.backend
      ? { backend: { name: options.backend.name, candidate: acceptedCandidate(options.backend) } }
      : {}),
  };
  // listeners by worker and fit number: several fits are under way at once
  const listeners = new Map<string, FitListener<CandidateFit>>();
  const onEvent = (worker: number, event: ProtocolWorkerEvent) => {
    if (event.type === 'log') return observer.log?.(event.line);
    const key = `${worker}:${event.fit}`;
    if (event.type === 'fitting') listeners.set(key, observer.fitting?.(event.label) ?? {});
    else if (event.type === 'progress') listeners.get(key)?.onProgress?.(event.progress);
    else {
      listeners.get(key)?.done?.(event.result);
      listeners.delete(key);
    }
  };
  await runInProcesses<ProtocolWorkerSetup, ProtocolTask, ResultRecord[], ProtocolWorkerEvent>({
    script,
    jobs,
    setup,
    tasks: pairs,
    describe: unitLabel,
    onReply: (_pair, lines) => append(lines),
    onEvent,
  });
}
