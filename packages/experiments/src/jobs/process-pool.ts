/**
 * Units of a benchmark run in worker processes (`--jobs N`), not threads: a fold keeps a core busy in tfjs-wasm or
 * plain JavaScript, and on a busy 2-core machine two processes finish sooner than two threads of one process. Each
 * worker is set up once (it reads the data itself), then takes one unit at a time from the parent, so a long unit
 * never leaves the other worker idle behind a fixed split. The parent alone writes results: see runProtocol.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { DriftwatchError } from '@driftwatch/contracts';

/** Parent → worker. */
export type ParentMessage<Setup, Task> = { kind: 'setup'; setup: Setup } | { kind: 'task'; task: Task };

/** Worker → parent: set up, a unit's reply, an event for the caller (progress, log), or the error that stops it. */
export type WorkerMessage<Reply, Event> =
  | { kind: 'ready' }
  | { kind: 'reply'; reply: Reply }
  | { kind: 'event'; event: Event }
  | { kind: 'failed'; message: string };

/** A worker failed (an error, a crash, a kill): the run stops handing out units. */
export class WorkerFailedError extends DriftwatchError {
  constructor(
    /** 1-based number of the worker */
    readonly worker: number,
    /** the unit it was running; undefined while it was still setting up */
    readonly unit: string | undefined,
    /** its error, or how its process ended */
    readonly reason: string,
  ) {
    super(`worker ${worker} failed${unit ? ` on ${unit}` : ' while setting up'}: ${reason}`);
  }
}

export interface ProcessPoolOptions<Setup, Task, Reply, Event> {
  /** the worker's script (a bundle that calls serveTasks) */
  script: string;
  /** processes to start, at most one per task */
  jobs: number;
  /** sent to every worker first */
  setup: Setup;
  tasks: readonly Task[];
  /** names a task in errors */
  describe(task: Task): string;
  /** a finished task's reply; calls are serialised, in the order replies arrive */
  onReply(task: Task, reply: Reply): Promise<void>;
  /** an event of worker `worker` (1-based) */
  onEvent?(worker: number, event: Event): void;
}

/** How a worker's exit reads in an error. */
function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `its process was killed by ${signal}` : `its process exited with code ${code}`;
}

/**
 * Runs every task in `jobs` worker processes. After the first failure (a worker's error, crash or kill, or a reply
 * the caller could not take) no task is handed out any more; units running elsewhere finish and their replies are
 * kept, then the promise rejects with that failure.
 */
export async function runInProcesses<Setup, Task, Reply, Event>(
  options: ProcessPoolOptions<Setup, Task, Reply, Event>,
): Promise<void> {
  const queue = [...options.tasks];
  const jobs = Math.max(1, Math.min(options.jobs, queue.length));
  let failure: Error | undefined;
  // once a reply could not be taken (the results file is unwritable), later ones are not tried
  let replyError: Error | undefined;
  let replies: Promise<void> = Promise.resolve();

  const runWorker = (index: number) =>
    new Promise<void>((resolve) => {
      let current: Task | undefined;
      // told to stop (or failed): its exit is expected from here on
      let stopped = false;
      // stdout too goes to stderr: the caller's stdout is for its tables
      const child: ChildProcess = fork(options.script, [], {
        serialization: 'advanced',
        stdio: ['ignore', 2, 2, 'ipc'],
      });
      const stop = () => {
        stopped = true;
        current = undefined;
        if (child.connected) child.disconnect();
      };
      const fail = (cause: string) => {
        failure ??= new WorkerFailedError(index, current === undefined ? undefined : options.describe(current), cause);
        stop();
      };
      const next = () => {
        current = failure ? undefined : queue.shift();
        if (current === undefined) stop();
        else child.send({ kind: 'task', task: current } satisfies ParentMessage<Setup, Task>);
      };
      child.on('message', (message: WorkerMessage<Reply, Event>) => {
        if (message.kind === 'ready') next();
        else if (message.kind === 'event') options.onEvent?.(index, message.event);
        else if (message.kind === 'failed') fail(message.message);
        else if (message.kind === 'reply' && current !== undefined) {
          const task = current;
          // a finished unit is kept even when another worker has failed meanwhile: a resumed run skips it
          replies = replies
            .then(() => (replyError ? undefined : options.onReply(task, message.reply)))
            .catch((e: unknown) => {
              replyError = e instanceof Error ? e : new Error(String(e));
              failure ??= replyError;
            });
          next();
        }
      });
      child.on('error', (e) => {
        fail(e.message);
        if (child.pid === undefined) resolve();
      });
      child.on('exit', (code, signal) => {
        if (!stopped) fail(exitText(code, signal));
        resolve();
      });
      child.send({ kind: 'setup', setup: options.setup } satisfies ParentMessage<Setup, Task>);
    });

  await Promise.all(Array.from({ length: jobs }, (_, i) => runWorker(i + 1)));
  await replies;
  if (failure) throw failure;
}

/**
 * The worker side: answers the parent's setup once, then each task with its reply; `emit` sends events. An error
 * is sent to the parent and ends the process; so does the parent going away.
 */
export function serveTasks<Setup, Task, Reply, Event, Context>(handlers: {
  setup(setup: Setup, emit: (event: Event) => void): Promise<Context>;
  run(context: Context, task: Task, emit: (event: Event) => void): Promise<Reply>;
}): void {
  const send = (message: WorkerMessage<Reply, Event>) =>
    new Promise<void>((resolve) =>
      process.connected ? process.send!(message, undefined, {}, () => resolve()) : resolve(),
    );
  const emit = (event: Event) => void send({ kind: 'event', event });
  const failed = async (e: unknown) => {
    await send({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  };
  let context: Promise<Context> | undefined;
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', (e) => void failed(e));
  process.on('message', (message: ParentMessage<Setup, Task>) => {
    if (message.kind === 'setup') {
      context = handlers.setup(message.setup, emit);
      context.then(() => send({ kind: 'ready' }), failed);
    } else if (message.kind === 'task' && context) {
      context.then((c) => handlers.run(c, message.task, emit)).then((reply) => send({ kind: 'reply', reply }), failed);
    }
  });
}
