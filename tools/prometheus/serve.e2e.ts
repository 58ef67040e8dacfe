/**
 * End to end with real components: node-exporter and Prometheus (Debian's, scraping every second) on loopback
 * ports, a model trained with `train --input` on this machine's own metrics recorded through Prometheus, a serve
 * instance scoring them every second, then a bounded CPU busy loop (one child per core). driftwatch_alarm must go
 * to 1 within FIRE_WITHIN intervals of the load with a CPU feature on top, and back to 0 within RESOLVE_WITHIN
 * intervals of the load stopping. The timeline is printed. Its own nx target (`e2e`): other tests running beside it
 * would be CPU load of their own.
 *
 * What "normal" is, is set by the test, not by whatever the machine happened to do: while the training range is
 * recorded, a child process works a repeating duty cycle between 0 and 60 % of one core. A first version trained
 * on a quiet 90 s alone and saw an alarm before the burn on a fresh clone: the machine was quieter still minutes
 * later, and 0.1 core of difference was many standard deviations of a quiet recording. With the duty cycle, idle
 * and lightly loaded are both normal and only a machine-wide burn is far outside.
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
 * CPU time by mode and the load average. Not idle: user + system + idle is the core count less iowait, irq and
 * steal, so with idle the covariance has a direction of almost no variance and any disk flush became an "anomaly".
 * Not memory or network: they move with whatever else the machine does (serve's own queries among it) and would
 * make the training range look abnormal minutes later. `for: 3s` keeps a one-interval blip from firing.
 */
const CONFIG_TEXT = `entityLabel: instance
interval: 1s
lookback: 5s
for: 3s
features:
  cpu_user: sum by (instance) (rate(node_cpu_seconds_total{mode="user"}[10s]))
  cpu_system: sum by (instance) (rate(node_cpu_seconds_total{mode="system"}[10s]))
  load1: node_load1
`;
/** seconds of normal data to train on: two cycles of the training load */
const RECORD_SECONDS = 120;
/** fractions of one core the training load works, 8 s each, repeating; two zeros so the 10 s rates see idle */
const TRAINING_DUTY = [0, 0, 0.2, 0.4, 0.6, 0.3, 0.1];
const DUTY_SEGMENT_MS = 8000;
/** the alarm must be (or become) quiet for this long before the burn starts */
const SETTLE_SECONDS = 5;
const SETTLE_WITHIN = 90;
/**
 * Long enough to fire on a loaded machine too: with four other jobs running beside it, the two burners got a share
 * of the cores and the alarm fired 19.6 s into the burn (10 s rates, then `for: 3s`).
 */
const BURN_SECONDS = 40;
const FIRE_WITHIN = 30;
const RESOLVE_WITHIN = 150;
const CPU_FEATURES = ['cpu_user', 'cpu_system'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child that busy-waits `duty[k]` of every 100 ms in segment k, for `seconds`; it ends by itself. */
function dutyCycleLoad(duty: number[], segmentMs: number, seconds: number): ReturnType<typeof spawn> {
  const script = `const duty = ${JSON.stringify(duty)}, start = Date.now(), end = start + ${seconds * 1000};
    (function tick() {
      const now = Date.now();
      if (now >= end) return;
      const share = duty[Math.floor((now - start) / ${segmentMs}) % duty.length];
      while (Date.now() < now + share * 100);
      setTimeout(tick, Math.max(1, (1 - share) * 100));
    })();`;
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
}

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
      await sleep(startedAt - Date.now());
      burners.push(dutyCycleLoad(TRAINING_DUTY, DUTY_SEGMENT_MS, RECORD_SECONDS + 1));
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
        // the training load has ended and its 10 s rates fade; the burn starts once the alarm has been 0 a while
        const servedAt = Date.now();
        let quietFor = 0;
        for (let k = 0; k < SETTLE_WITHIN && quietFor < SETTLE_SECONDS; k++) {
          await sleep(1000);
          quietFor = (await alarm()) === 0 ? quietFor + 1 : 0;
        }
        if (quietFor < SETTLE_SECONDS) {
          const before = await (await fetch(`${http.url}/api/alerts`)).text();
          throw new Error(`an alarm without load for ${SETTLE_WITHIN} s after serve started: ${before}`);
        }
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
            `serve from ${new Date(servedAt).toISOString()}, quiet ${SETTLE_SECONDS} s after ` +
              `${((burnStart - servedAt) / 1000).toFixed(1)} s`,
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
