/**
 * The port of a serve instance: /metrics with the exact metric names (an alarm on the shifted entity, its top
 * feature the shifted one), /api/alerts, /healthz, and the status page opened in headless Chromium (one sparkline
 * per entity with its threshold line, the alarm with its features), with a screenshot kept under artifacts/.
 * CI installs Debian's chromium; elsewhere the browser part is skipped when none is found.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startHttpServer, type RunningServer } from '../src/http-server';
import { loadServeModel, type ServeModel } from '../src/model';
import { FakePrometheus } from './fake-prometheus';
import { drivenLoop, type DrivenLoop } from './loop-fixture';
import { trainSyntheticModel } from './model-fixture';
import { INTERVAL_MS, T0, serveData, syntheticMetrics } from './synthetic';

const START = T0 + 4000 * INTERVAL_MS;
const ENTITIES = ['node-a:9100', 'node-b:9100', 'node-c:9100', 'node-d:9100'];
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p) => p && existsSync(p),
);
const ARTIFACTS = join(__dirname, '..', '..', '..', 'artifacts');

let dir: string;
let model: ServeModel;
let prom: FakePrometheus;
let driven: DrivenLoop;
let http: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serve-http-'));
  model = await loadServeModel(await trainSyntheticModel(dir));
  prom = new FakePrometheus();
  // node-c's cpu rises by 0.6 from record 60 on and stays up
  serveData(
    prom,
    syntheticMetrics(ENTITIES, 90, 11, {
      start: START,
      shifts: [{ entity: 'node-c:9100', from: 60, to: 90, by: 0.6 }],
    }),
  );
  await prom.start();
  driven = drivenLoop(model, prom, START, { forMs: 30_000 });
  for (let t = 5; t < 90; t++) await driven.round(t);
  http = await startHttpServer(driven.loop, 0);
});
afterAll(async () => {
  await http?.close();
  await prom?.stop();
  model?.detector.dispose();
  await rm(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const res = await fetch(`${http.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

describe('HTTP endpoints', () => {
  it('/metrics has the exact names, the alarm and the top feature of the firing entity', async () => {
    const { status, text } = await get('/metrics');
    expect(status).toBe(200);
    const value = (series: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.split(' ')[1],
      );
    expect(value('driftwatch_alarm{entity="node-c:9100"}')).toBe(1);
    for (const e of ['node-a:9100', 'node-b:9100', 'node-d:9100'])
      expect(value(`driftwatch_alarm{entity="${e}"}`)).toBe(0);
    expect(value('driftwatch_threshold{entity="node-a:9100"}')).toBeCloseTo(model.calibration.threshold, 9);
    expect(value('driftwatch_anomaly_score{entity="node-c:9100"}')).toBeGreaterThanOrEqual(model.calibration.threshold);
    expect(value('driftwatch_up')).toBe(1);
    expect(value('driftwatch_scoring_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value('driftwatch_query_errors_total{feature="cpu"}')).toBe(0);
    const contributions = text
      .split('\n')
      .filter((l) => l.startsWith('driftwatch_feature_contribution{'))
      .map((l) => ({ line: l, share: Number(l.split(' ')[1]) }))
      .sort((a, b) => b.share - a.share);
    expect(contributions.length).toBe(3);
    expect(contributions.every((c) => c.line.includes('entity="node-c:9100"'))).toBe(true);
    expect(contributions[0].line).toContain('feature="cpu"');
  });

  it('/api/alerts lists the firing alarm with its explanation, /healthz answers', async () => {
    const { text, type } = await get('/api/alerts');
    expect(type).toBe('application/json');
    const body = JSON.parse(text) as {
      up: boolean;
      alerts: { entity: string; status: string; firedAt: string; topFeatures: { name: string; share: number }[] }[];
    };
    expect(body.up).toBe(true);
    expect(body.alerts.map((a) => [a.entity, a.status])).toEqual([['node-c:9100', 'firing']]);
    expect(body.alerts[0].topFeatures[0].name).toBe('cpu');
    // for = 30 s: two intervals after the shift began at record 60, at the earliest
    expect(Date.parse(body.alerts[0].firedAt)).toBeGreaterThanOrEqual(START + 62 * INTERVAL_MS);
    expect(JSON.parse((await get('/healthz')).text)).toEqual({ status: 'ok', up: true, entities: 4 });
    expect((await get('/nope')).status).toBe(404);
  });

  (CHROMIUM || process.env.CI ? it : it.skip)('/ draws a sparkline per entity and the alarm in Chromium', async () => {
    if (!CHROMIUM)
      throw new Error("no Chromium found (install Debian's chromium or set CHROMIUM_PATH); CI requires it");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${http.url}/`, { waitUntil: 'load' });
      const sparks = await page.$$eval('svg.spark', (nodes) =>
        nodes.map((n) => {
          const box = n.getBoundingClientRect();
          const line = n.querySelector('polyline');
          return {
            entity: n.getAttribute('data-entity'),
            width: box.width,
            points: (line?.getAttribute('points') ?? '').trim().split(/\s+/).length,
            threshold: n.querySelectorAll('line.threshold').length,
            colour: line?.getAttribute('stroke'),
          };
        }),
      );
      expect(sparks.map((s) => s.entity).sort()).toEqual(ENTITIES);
      for (const s of sparks) {
        expect(s.width).toBeGreaterThan(100);
        expect(s.points).toBeGreaterThan(50);
        expect(s.threshold).toBe(1);
      }
      // the firing entity is drawn first, in red
      expect(sparks[0]).toMatchObject({ entity: 'node-c:9100', colour: '#c0392b' });
      const rows = await page.$$eval('#alarms tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatch(/node-c:9100firing.*cpu \d+%/);
      expect(problems).toEqual([]);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'serve-status.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
