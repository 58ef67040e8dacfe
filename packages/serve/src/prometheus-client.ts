/**
 * The two read endpoints of Prometheus's HTTP API (`/api/v1/query`, `/api/v1/query_range`) over Node's fetch: a
 * timeout per request, retries with exponential backoff on network errors, timeouts and 5xx (a 4xx is the query's
 * fault and is not retried), and every failed attempt reported so it can be counted.
 */
import { DriftwatchError } from '@driftwatch/contracts';
import { sampleValue } from '@driftwatch/ingest';
import { promSeconds } from './duration';

/** One series of a response: its labels and its samples (ms since the epoch, value; NaN for a "NaN" sample). */
export interface PromSeries {
  labels: Record<string, string>;
  times: number[];
  values: number[];
}

export interface PrometheusClientOptions {
  /** per attempt (ms) */
  timeoutMs: number;
  /** attempts after the first (default 3) */
  retries?: number;
  /** delay before the first retry; doubled for each further one (default 250 ms) */
  backoffMs?: number;
  /** Prometheus's lookback_delta for every query (ms) */
  lookbackMs?: number;
  /** called for every failed attempt, with the query's tag (the feature) */
  onError?: (tag: string, error: Error) => void;
  fetch?: typeof fetch;
}

/** A failed request after its retries: `retryable` when the server, not the query, was at fault. */
export class PrometheusError extends DriftwatchError {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** delay before retry k (k = 0, 1, …): backoff · 2^k */
export function backoffDelay(backoffMs: number, k: number): number {
  return backoffMs * 2 ** k;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class PrometheusClient {
  private readonly base: string;
  constructor(
    url: string,
    private readonly options: PrometheusClientOptions,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DriftwatchError(`--prometheus ${url}: expected an http(s) URL such as http://127.0.0.1:9090`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new DriftwatchError(`--prometheus ${url}: expected an http(s) URL such as http://127.0.0.1:9090`);
    this.base = parsed.href.replace(/\/$/, '');
  }

  get url(): string {
    return this.base;
  }

  /** Instant query at `timeMs`: one sample per series. */
  async query(promql: string, timeMs: number, tag = promql): Promise<PromSeries[]> {
    return this.request('query', { query: promql, time: promSeconds(timeMs) }, tag);
  }

  /** Range query: the expression evaluated at start, start + step, … ≤ end. */
  async queryRange(
    promql: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    tag = promql,
  ): Promise<PromSeries[]> {
    const params = { query: promql, start: promSeconds(startMs), end: promSeconds(endMs), step: promSeconds(stepMs) };
    return this.request('query_range', params, tag);
  }

  private async request(endpoint: string, params: Record<string, string>, tag: string): Promise<PromSeries[]> {
    const body = new URLSearchParams(params);
    if (this.options.lookbackMs !== undefined) body.set('lookback_delta', promSeconds(this.options.lookbackMs));
    const retries = this.options.retries ?? 3;
    let last: PrometheusError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(this.options.backoffMs ?? 250, attempt - 1));
      try {
        return await this.attempt(endpoint, body);
      } catch (error) {
        last = error instanceof PrometheusError ? error : new PrometheusError(`${this.base}: ${describe(error)}`, true);
        this.options.onError?.(tag, last);
        if (!last.retryable) break;
      }
    }
    throw last!;
  }

  private async attempt(endpoint: string, body: URLSearchParams): Promise<PromSeries[]> {
    const doFetch = this.options.fetch ?? fetch;
    const response = await doFetch(`${this.base}/api/v1/${endpoint}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PrometheusError(
        `${this.base}/api/v1/${endpoint}: HTTP ${response.status}, not a JSON answer: ${text.slice(0, 120)}`,
        response.status >= 500 || response.ok,
      );
    }
    const answer = json as { status?: string; error?: string; errorType?: string; data?: unknown };
    if (!response.ok || answer.status !== 'success')
      throw new PrometheusError(
        `${this.base}/api/v1/${endpoint} (${body.get('query')}): HTTP ${response.status}` +
          (answer.error ? ` ${answer.errorType ?? 'error'}: ${answer.error}` : ''),
        response.status >= 500 || response.status === 429,
      );
    return parseResult(answer.data, `${this.base}/api/v1/${endpoint}`);
  }
}

function describe(error: unknown): string {
  // fetch's timeout is a DOMException, not always an Error of this realm
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** `data` of a vector or matrix answer as series. */
export function parseResult(data: unknown, where: string): PromSeries[] {
  const d = data as { resultType?: string; result?: unknown };
  if (!d || !Array.isArray(d.result)) throw new PrometheusError(`${where}: the answer has no data.result array`, false);
  if (d.resultType !== 'vector' && d.resultType !== 'matrix')
    throw new PrometheusError(`${where}: expected a vector or matrix result, got ${String(d.resultType)}`, false);
  return d.result.map((item: { metric?: Record<string, string>; value?: unknown; values?: unknown }) => {
    const pairs = (d.resultType === 'vector' ? [item.value] : item.values) as [number, string][] | undefined;
    if (!Array.isArray(pairs)) throw new PrometheusError(`${where}: a series without samples`, false);
    const times: number[] = [];
    const values: number[] = [];
    for (const [seconds, text] of pairs) {
      const v = sampleValue(text);
      times.push(Math.round(seconds * 1000));
      // a detector cannot use ±Inf: it is missing data, like a NaN sample
      values.push(v === undefined || !Number.isFinite(v) ? NaN : v);
    }
    return { labels: item.metric ?? {}, times, values };
  });
}
