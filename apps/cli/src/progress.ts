/**
 * Progress for long work: a redrawn bar on a terminal, periodic plain lines otherwise (CI logs, pipes).
 * Output goes to stderr so that stdout stays clean for tables and machine-readable output.
 */
import type { FitProgress } from '@driftwatch/contracts';
import type { BenchmarkObserver } from '@driftwatch/experiments/data';

export interface Progress {
  update(done: number, detail?: string): void;
  /** for work whose size is known only once it starts (epochs of a detector) */
  setTotal(total: number): void;
  done(detail?: string): void;
  /**
   * ends the bar when the work failed, without saying "done": a bar drawn on a terminal is cleared, plain lines
   * get nothing more, so the error printed next is the last word
   */
  fail(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** minimum ms between plain lines when not a TTY */
  lineIntervalMs?: number;
  quiet?: boolean;
  /** plain lines even on a terminal: bars of fits running at once would redraw over each other */
  plainLines?: boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progressBar(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY) && !opts.plainLines;
  const interval = opts.lineIntervalMs ?? 10_000;
  const start = Date.now();
  let lastLine = 0;
  let lastDraw = 0;
  let current = 0;
  const render = (detail: string | undefined): string => {
    const frac = total > 0 ? Math.min(1, current / total) : 0;
    const elapsed = (Date.now() - start) / 1000;
    const eta = frac > 0 ? (elapsed / frac) * (1 - frac) : NaN;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = tty ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
    return (
      `${label} ${bar}${Math.floor(current)}/${total} ${(frac * 100).toFixed(0)}% ${formatDuration(elapsed)} ` +
      `elapsed, eta ${formatDuration(eta)}${detail ? ` · ${detail}` : ''}`
    );
  };
  return {
    setTotal(n) {
      total = n;
    },
    update(done, detail) {
      current = done;
      if (opts.quiet) return;
      const now = Date.now();
      if (tty) {
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        const cols = stream.columns ?? 100;
        stream.write(
          `\r${render(detail)
            .slice(0, cols - 1)
            .padEnd(cols - 1)}`,
        );
      } else if (now - lastLine >= interval || done >= total) {
        lastLine = now;
        stream.write(`${render(detail)}\n`);
      }
    },
    fail() {
      if (opts.quiet || !tty || lastDraw === 0) return;
      stream.write(`\r${' '.repeat((stream.columns ?? 100) - 1)}\r`);
    },
    done(detail) {
      if (opts.quiet) return;
      const line = `${label} done in ${formatDuration((Date.now() - start) / 1000)}${detail ? ` · ${detail}` : ''}`;
      stream.write(tty ? `\r${line.padEnd((stream.columns ?? 100) - 1)}\n` : `${line}\n`);
    },
  };
}

/** Feeds a detector's FitProgress to a bar: epochs as the unit, batches as fractions of an epoch. */
export function fitProgressReporter(bar: Progress): (p: FitProgress) => void {
  let lastVal: number | undefined;
  return (p) => {
    bar.setTotal(p.epochs);
    if (p.valLoss !== undefined) lastVal = p.valLoss;
    const within = p.batch !== undefined && p.batches ? p.batch / p.batches : 0;
    const detail = [p.phase, lastVal !== undefined ? `val loss ${lastVal.toFixed(3)}` : undefined]
      .filter(Boolean)
      .join(', ');
    bar.update(p.epoch + within, detail);
  };
}

/**
 * A benchmark's observer for the terminal: status lines on stderr, one bar per fit, closed with `summarise`; with
 * `concurrent` (fits in several worker processes at once) each fit reports in plain lines that name it.
 */
export function stderrObserver<Done>(
  summarise: (done: Done) => string,
  options: { concurrent?: boolean } = {},
): BenchmarkObserver<Done> {
  return {
    log: (line) => process.stderr.write(`${line}\n`),
    fitting: (label) => {
      const bar = progressBar(`${label} fit`, 1, { plainLines: options.concurrent });
      return { onProgress: fitProgressReporter(bar), done: (d) => bar.done(summarise(d)) };
    },
  };
}
