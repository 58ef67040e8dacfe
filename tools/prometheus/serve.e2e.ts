/**
 * End to end with real components: node-exporter and Prometheus (Debian's, scraping every second) on loopback
 * ports, a model trained with `train --input` on this machine's own metrics recorded through Prometheus, a serve
 * instance scoring them every second, then a bounded CPU busy loop (one child per core). driftwatch_alarm must go
 * to 1 within FIRE_WITHIN intervals of the load with a CPU feature on top, and back to 0 within RESOLVE_WITHIN
 * intervals of the load stopping. The timeline is printed. Its own nx target (`e2e`): other tests running beside it
 * would be CPU load of their own.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainOnInput } from '@driftwatch/experiments';
import {
  PrometheusClient,
  ServeLoop,
  checkConfigAgainstPlan,
  loadServeModel,
  parseServeConfig,
  recordRange,
  startHttpServer,
} from '@driftwatch/serve';
import { prometheusAvailableForTests, startNodeExporter, startPrometheus } from './index';

/**
 * The CPU and load queries of the recorded fixture's config: memory and network move with whatever else the
 * machine does and would make a 90 s training window look abnormal minutes later.
 */
const CONFIG_TEXT = `entityLabel: instance
interval: 1s
lookback: 5s
features:
  cpu_user: sum by (instance) (rate(node_cpu_seconds_total{mode="user"}[10s]))
  cpu_system: sum by (instance) (rate(node_cpu_seconds_total{mode="system"}[10s]))
  cpu_idle: sum by (instance) (rate(node_cpu_seconds_total{mode="idle"}[10s]))
  load1: node_load1
`;
/** seconds of normal data to train on */
const RECORD_SECONDS = 90;
const BURN_SECONDS = 20;
const FIRE_WITHIN = 20;
const RESOLVE_WITHIN = 150;
const CPU_FEATURES = ['cpu_user', 'cpu_system', 'cpu_idle'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

(prometheusAvailableForTests('serve e2e') ? it : it.skip)(
  'fires on a CPU burn with a CPU feature on top, and resolves after it',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serve-e2e-'));
    const exporter = await startNodeExporter({ collectors: ['cpu', 'loadavg', 'meminfo', 'netdev'] });
    const prometheus = await startPrometheus({ scrapeInterval: '1s', targets: [`127.0.0.1:${exporter.port}`] });
    const burners: ReturnType<typeof spawn>[] = [];
    try {
      const CONFIG = join(dir, 'serve.yaml');
      await writeFile(CONFIG, CONFIG_TEXT);
      const config = parseServeConfig(await readFile(CONFIG, 'utf8'), CONFIG);
      const client = new PrometheusClient(prometheus.url, { timeoutMs: 5000 });
      // normal data: what this machine does anyway, recorded through Prometheus as serve will query it
      const startedAt = Math.ceil(Date.now() / 1000) * 1000 + 12_000;
      await sleep(startedAt + RECORD_SECONDS * 1000 - Date.now());
      const recorded = await recordRange(client, config, {
        startMs: startedAt,
        endMs: startedAt + RECORD_SECONDS * 1000,
      });
      const input = join(dir, 'normal.json');
      await writeFile(input, JSON.stringify(recorded));
      await trainOnInput({
        inputs: [input],
        mapping: {},
        domain: 'none',
        range: { kind: 'all' },
        counters: 'auto',
        selector: 'pot-1e-3',
        scorePosition: 'last',
        method: 'mahalanobis',
        params: { windowLength: 3 },
        seed: 0,
        out: join(dir, 'model'),
      });
      const model = await loadServeModel(join(dir, 'model'));
      checkConfigAgainstPlan(config, model.plan, CONFIG);
      const loop = new ServeLoop({ model, config, prometheus: prometheus.url });
      expect(await loop.checkQueries()).toBe('ok');
      const http = await startHttpServer(loop, 0);
      loop.start();
      const alarm = async () => {
        const text = await (await fetch(`${http.url}/metrics`)).text();
        return Number(/^driftwatch_alarm\{[^}]*\} (\S+)$/m.exec(text)?.[1] ?? NaN);
      };
      try {
        await sleep(8000);
        const before = await (await fetch(`${http.url}/api/alerts`)).text();
        if ((await alarm()) !== 0) throw new Error(`an alarm before the load: ${before}`);
        const burnStart = Date.now();
        for (let i = 0; i < cpus().length; i++)
          burners.push(
            spawn(process.execPath, [
              '-e',
              `const end = Date.now() + ${BURN_SECONDS * 1000}; while (Date.now() < end);`,
            ]),
          );
        let fired: { at: number; alert: Record<string, unknown> } | undefined;
        for (let k = 0; k < FIRE_WITHIN && !fired; k++) {
          await sleep(1000);
          if ((await alarm()) === 1) {
            const body = (await (await fetch(`${http.url}/api/alerts`)).json()) as {
              alerts: Record<string, unknown>[];
            };
            fired = { at: Date.now(), alert: body.alerts[0] };
          }
        }
        expect(fired).toBeDefined();
        const top = (fired!.alert.topFeatures as { name: string; share: number }[])[0];
        expect(CPU_FEATURES).toContain(top.name);
        await Promise.all(burners.map((b) => new Promise((r) => (b.exitCode !== null ? r(0) : b.once('exit', r)))));
        const burnEnd = Date.now();
        let resolvedAt: number | undefined;
        for (let k = 0; k < RESOLVE_WITHIN && resolvedAt === undefined; k++) {
          await sleep(1000);
          if ((await alarm()) === 0) resolvedAt = Date.now();
        }
        const resolved = resolvedAt === undefined ? 'never' : `${((resolvedAt - burnEnd) / 1000).toFixed(1)} s`;
        const events = loop.events.map((e) => `${e.kind} at ${new Date(e.at).toISOString()}`);
        console.log(
          [
            `burn ${new Date(burnStart).toISOString()} … ${new Date(burnEnd).toISOString()} (${cpus().length} cores)`,
            `driftwatch_alarm 1 seen ${((fired!.at - burnStart) / 1000).toFixed(1)} s after the burn began: ` +
              JSON.stringify(fired!.alert),
            `driftwatch_alarm 0 seen ${resolved} after the burn ended`,
            `events: ${events.join('; ')}`,
          ].join('\n'),
        );
        expect(resolvedAt).toBeDefined();
      } finally {
        await loop.stop();
        await http.close();
        model.detector.dispose();
      }
    } finally {
      for (const b of burners) b.kill();
      await prometheus.stop();
      await exporter.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
  600_000,
);
