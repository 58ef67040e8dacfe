/**
 * Faults of the Prometheus side, against a fake Prometheus on loopback: down, slow and 5xx rounds fail without a
 * throw, set driftwatch_up to 0, count the query errors, raise no alarm, and the next good round catches up; a
 * series that goes stale and comes back restarts its warm-up without an alarm; a counter reset is not a spike; a
 * model feature the server lacks is a start-up error naming it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeModel, type ServeModel } from '../src/model';
import type { ScoredRecord } from '../src/online-scorer';
import { QueryCheckError } from '../src/service';
import { FakePrometheus, type FakeMode } from './fake-prometheus';
import { drivenLoop } from './loop-fixture';
import { trainSyntheticModel } from './model-fixture';
import { INTERVAL_MS, T0, serveData, syntheticMetrics } from './synthetic';

const START = T0 + 2000 * INTERVAL_MS;
const A = 'node-a:9100';
const B = 'node-b:9100';
let dir: string;
let model: ServeModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serve-faults-'));
  model = await loadServeModel(await trainSyntheticModel(dir));
});
afterAll(async () => {
  model?.detector.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function metricValue(text: Promise<string>, name: string): Promise<number> {
  const line = (await text).split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').pop());
}

describe.each<FakeMode>(['down', 'slow', '5xx'])('Prometheus %s', (mode) => {
  it('fails the rounds without a throw or an alarm, driftwatch_up 0, then catches up', async () => {
    const prom = new FakePrometheus();
    serveData(prom, syntheticMetrics([A, B], 60, 3, { start: START }));
    prom.slowMs = 400;
    await prom.start();
    const { loop, round } = drivenLoop(model, prom, START);
    try {
      for (let t = 5; t <= 20; t++) expect((await round(t)).ok).toBe(true);
      expect(await metricValue(loop.metrics.registry.metrics(), 'driftwatch_up')).toBe(1);
      prom.mode = mode;
      for (let t = 21; t <= 24; t++) {
        const r = await round(t);
        expect(r).toMatchObject({ ok: false, scored: [], events: [] });
      }
      const text = loop.metrics.registry.metrics();
      expect(await metricValue(text, 'driftwatch_up')).toBe(0);
      // 4 rounds × 4 features × 2 attempts
      const errors = (await loop.metrics.queryErrors.get()).values.reduce((n, v) => n + v.value, 0);
      expect(errors).toBe(32);
      prom.mode = 'ok';
      const back = await round(25);
      expect(back.ok).toBe(true);
      // the records of the failed rounds are scored now: 21…25 for both entities
      expect(back.scored.map((r) => (r.scoreAt - START) / INTERVAL_MS).sort()).toEqual([
        21, 21, 22, 22, 23, 23, 24, 24, 25, 25,
      ]);
      expect(loop.events).toEqual([]);
      expect(loop.up).toBe(true);
    } finally {
      await prom.stop();
    }
  });
});

describe('series', () => {
  it('restart their warm-up when they come back after going stale, without an alarm', async () => {
    const data = syntheticMetrics([A, B], 120, 4, { start: START });
    // A's series have no sample for records 40…59
    for (const list of Object.values(data.series)) {
      const s = list.find((x) => x.labels.instance === A)!;
      const keep = s.times.map((t) => (t - START) / INTERVAL_MS).map((r) => r < 40 || r >= 60);
      s.values = s.values.filter((_, i) => keep[i]);
      s.times = s.times.filter((_, i) => keep[i]);
    }
    const prom = new FakePrometheus();
    // shorter than the interval: a record without a sample is missing, not the previous sample again
    prom.lookbackMs = 1000;
    serveData(prom, data);
    await prom.start();
    const { loop, round } = drivenLoop(model, prom, START);
    const scored: ScoredRecord[] = [];
    try {
      for (let t = 5; t < 120; t++) scored.push(...(await round(t)).scored);
    } finally {
      await prom.stop();
    }
    const aRecords = scored.filter((r) => r.entity === A).map((r) => (r.scoreAt - START) / INTERVAL_MS);
    // before: records 5…39; after: the counter's first record 60 has no difference, the first window is 61…65
    expect(aRecords.filter((r) => r >= 40 && r < 65)).toEqual([]);
    expect(aRecords).toContain(65);
    expect(scored.filter((r) => r.entity === B)).toHaveLength(115);
    expect(loop.events).toEqual([]);
    // the smoothing restarts from the calibrated level: e = β·start + (1 − β)·score
    const first = scored.find((r) => r.entity === A && r.scoreAt === START + 65 * INTERVAL_MS)!;
    const { smoothing: beta, smoothingStart } = model.calibration;
    expect(first.smoothed).toBeCloseTo(beta * smoothingStart! + (1 - beta) * first.score, 9);
  });

  it('read a counter that drops as a reset, not as a negative rate', async () => {
    const prom = new FakePrometheus();
    serveData(prom, syntheticMetrics([A, B], 80, 5, { start: START, counterResetAt: { entity: B, record: 50 } }));
    await prom.start();
    const { loop, round } = drivenLoop(model, prom, START);
    const scored: ScoredRecord[] = [];
    try {
      for (let t = 5; t < 80; t++) scored.push(...(await round(t)).scored);
    } finally {
      await prom.stop();
    }
    const b = scored.filter((r) => r.entity === B);
    expect(b).toHaveLength(75);
    // raw difference at the reset would be about −(1000·2 + 50·35): far outside anything trained on
    const around = b.filter((r) => r.scoreAt >= START + 50 * INTERVAL_MS && r.scoreAt < START + 55 * INTERVAL_MS);
    for (const r of around) expect(r.score).toBeLessThan(model.calibration.threshold);
    expect(loop.events).toEqual([]);
  });
});

describe('start-up check', () => {
  it('names a model feature the server lacks and a query without the entity label', async () => {
    const data = syntheticMetrics([A], 10, 6, { start: START });
    const prom = new FakePrometheus();
    serveData(prom, data);
    prom.series.delete('mem');
    prom.series.set(
      'load',
      data.series.load.map((s) => ({ ...s, labels: { __name__: 'load' } })),
    );
    await prom.start();
    const { loop, setRecord } = drivenLoop(model, prom, START);
    setRecord(9);
    try {
      await expect(loop.checkQueries()).rejects.toThrow(
        /feature load: the query load returns series without the entity label instance[^]*feature mem: the query mem returned no series — Prometheus has no such metric/,
      );
      prom.mode = 'down';
      expect(await loop.checkQueries()).toBe('unreachable');
      // unchecked at start: the first round that gets an answer checks, and a running loop stops on the error
      expect(await loop.round()).toMatchObject({ ok: false, error: expect.stringMatching(/does not answer/) });
      prom.mode = 'ok';
      await expect(loop.round()).rejects.toThrow(QueryCheckError);
      const fatal = await new Promise<Error>((resolve) => loop.start(resolve));
      expect(fatal.message).toMatch(/feature mem: the query mem returned no series/);
      await loop.stop();
    } finally {
      await prom.stop();
    }
  });
});
