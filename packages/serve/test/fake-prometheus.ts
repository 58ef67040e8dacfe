/**
 * A Prometheus HTTP API on a loopback port that tests control: `/api/v1/query` and `/api/v1/query_range` answer
 * from in-memory series (one table of series per query text), evaluated like Prometheus (the latest sample at or
 * before the evaluation time, within the lookback), and the server can be made to fail: down (connection reset),
 * slow (answers after a delay), or 5xx.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSeries {
  labels: Record<string, string>;
  /** ms since the epoch, increasing */
  times: number[];
  values: number[];
}

export type FakeMode = 'ok' | 'down' | 'slow' | '5xx';

export class FakePrometheus {
  readonly series = new Map<string, FakeSeries[]>();
  mode: FakeMode = 'ok';
  slowMs = 2000;
  lookbackMs = 300_000;
  requests = 0;
  private server?: Server;
  url = '';

  /** The value of a series at evaluation time t, or undefined (no sample within the lookback). */
  valueAt(s: FakeSeries, t: number): number | undefined {
    let lo = 0;
    let hi = s.times.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s.times[mid] <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0 || t - s.times[found] > this.lookbackMs) return undefined;
    return s.values[found];
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.requests++;
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (this.mode === 'down') return req.socket.destroy();
        const reply = () =>
          this.answer(req.url ?? '', body, (status, json) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(json));
          });
        if (this.mode === 'slow') setTimeout(reply, this.slowMs).unref();
        else reply();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  private answer(url: string, body: string, send: (status: number, json: unknown) => void): void {
    if (this.mode === '5xx') return send(503, { status: 'error', errorType: 'unavailable', error: 'overloaded' });
    const path = new URL(url, 'http://x').pathname;
    const params = new URLSearchParams(body);
    const query = params.get('query') ?? '';
    const table = this.series.get(query) ?? [];
    const fmt = (v: number) => (Number.isNaN(v) ? 'NaN' : String(v));
    if (path === '/api/v1/query') {
      const t = Number(params.get('time')) * 1000;
      const result = table.flatMap((s) => {
        const v = this.valueAt(s, t);
        return v === undefined ? [] : [{ metric: s.labels, value: [t / 1000, fmt(v)] }];
      });
      return send(200, { status: 'success', data: { resultType: 'vector', result } });
    }
    if (path === '/api/v1/query_range') {
      const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(params.get(k)) * 1000);
      if (!(step > 0) || end < start)
        return send(400, { status: 'error', errorType: 'bad_data', error: 'invalid range' });
      const result = table.flatMap((s) => {
        const values: [number, string][] = [];
        for (let t = start; t <= end; t += step) {
          const v = this.valueAt(s, t);
          if (v !== undefined) values.push([t / 1000, fmt(v)]);
        }
        return values.length === 0 ? [] : [{ metric: s.labels, values }];
      });
      return send(200, { status: 'success', data: { resultType: 'matrix', result } });
    }
    send(404, { status: 'error', errorType: 'not_found', error: path });
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
