/** A ServeLoop over a fake Prometheus, driven by a hand-set clock: round(t) runs the round of record t. */
import type { ServeModel } from '../src/model';
import { ServeLoop, type RoundResult, type ServeOptions } from '../src/service';
import type { FakePrometheus } from './fake-prometheus';
import { FEATURES, INTERVAL_MS } from './synthetic';

export interface DrivenLoop {
  loop: ServeLoop;
  /** runs the round whose newest record is record t of the data (started at `start`) */
  round(t: number): Promise<RoundResult>;
  setRecord(t: number): void;
}

export function drivenLoop(
  model: ServeModel,
  prom: FakePrometheus,
  start: number,
  options: Partial<ServeOptions> & { catchUpMs?: number; forMs?: number } = {},
): DrivenLoop {
  let now = start;
  const loop = new ServeLoop({
    model,
    prometheus: prom.url,
    clock: () => now,
    retries: 1,
    backoffMs: 5,
    ...options,
    config: {
      entityLabel: 'instance',
      intervalMs: INTERVAL_MS,
      forMs: options.forMs ?? 0,
      timeoutMs: 150,
      catchUpMs: options.catchUpMs ?? 300_000,
      features: Object.fromEntries(FEATURES.map((f) => [f, f])),
    },
  });
  const setRecord = (t: number) => {
    now = start + t * INTERVAL_MS + 500;
  };
  return {
    loop,
    setRecord,
    round: (t) => {
      setRecord(t);
      return loop.round();
    },
  };
}
