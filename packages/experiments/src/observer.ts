/**
 * How a benchmark tells its caller what it is doing (docs/architecture.md: long work reports progress through a
 * callback). The library prints nothing; the CLI draws progress bars and status lines from these calls.
 */
import type { FitProgress } from '@driftwatch/contracts';

/** Hears about one model fit: its progress while it trains, then what it came to. */
export interface FitListener<Done> {
  onProgress?(progress: FitProgress): void;
  done?(result: Done): void;
}

export interface BenchmarkObserver<Done> {
  /** one line of status: what is read, what is skipped */
  log?(line: string): void;
  /** a model starts fitting; `label` names the run (method, entity, learning rate, …) */
  fitting?(label: string): FitListener<Done>;
}

/** Where long work that is not a fit (reading many files) reports how far it is. */
export interface ProgressSink {
  setTotal(total: number): void;
  update(done: number, detail?: string): void;
}
