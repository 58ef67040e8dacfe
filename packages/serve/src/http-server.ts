/** The one port of a serve instance: /metrics (Prometheus text), /api/alerts (JSON), /healthz and / (status page). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statusPage, type SparklineInput } from './page';
import type { ServeLoop } from './service';

/** Most entities the page draws. */
export const PAGE_ENTITIES = 60;

function pageInput(loop: ServeLoop) {
  const states = [...loop.scorer.states.values()];
  const rank = (s: (typeof states)[number]) => (s.alarm.status === 'firing' ? 2 : s.alarm.status === 'pending' ? 1 : 0);
  states.sort((a, b) => rank(b) - rank(a) || (b.smoothed ?? -Infinity) - (a.smoothed ?? -Infinity));
  const entities: SparklineInput[] = states.slice(0, PAGE_ENTITIES).map((s) => ({
    entity: s.entity,
    status: s.alarm.status,
    at: s.history.at,
    smoothed: s.history.smoothed,
    threshold: loop.scorer.threshold,
  }));
  const { model, config } = loop.options;
  return {
    title: `driftwatch serve — ${model.manifest.detector}`,
    summary:
      `${states.length} entities (shard ${loop.shard.index}/${loop.shard.count}), ` +
      `every ${config.intervalMs / 1000} s, ` +
      `threshold ${loop.scorer.threshold.toPrecision(4)}` +
      (loop.lastTick !== undefined ? `, last round ${new Date(loop.lastTick).toISOString()}` : ''),
    up: loop.up,
    alerts: loop.alerts(),
    entities,
    omitted: Math.max(0, states.length - PAGE_ENTITIES),
  };
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port (port 0 = any free one). */
export async function startHttpServer(loop: ServeLoop, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'only GET\n');
    if (path === '/metrics') {
      loop.metrics.registry.metrics().then(
        (text) => send(200, loop.metrics.registry.contentType, text),
        (error: unknown) => send(500, 'text/plain', `${String(error)}\n`),
      );
      return;
    }
    if (path === '/api/alerts')
      return send(
        200,
        'application/json',
        JSON.stringify({
          up: loop.up,
          lastRound: loop.lastTick === undefined ? null : new Date(loop.lastTick).toISOString(),
          alerts: loop.alerts(),
        }),
      );
    if (path === '/healthz')
      return send(
        200,
        'application/json',
        JSON.stringify({ status: 'ok', up: loop.up, entities: loop.scorer.states.size }),
      );
    if (path === '/') return send(200, 'text/html; charset=utf-8', statusPage(pageInput(loop)));
    send(404, 'text/plain', 'not found: /, /metrics, /api/alerts, /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
