/**
 * Restart safety and sharding over a fake Prometheus. Restart: an instance is stopped while an alarm fires and a
 * new one resumes from the checkpoint — the alarm stays firing without a second `fired` event, the gap raises no
 * alarm, and the events equal those of an instance that never stopped. Shards: three instances with --shard 0/3,
 * 1/3, 2/3 score every entity exactly once, and their union equals one unsharded instance's records.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeModel, type ServeModel } from '../src/model';
import type { ScoredRecord } from '../src/online-scorer';
import { FakePrometheus } from './fake-prometheus';
import { drivenLoop } from './loop-fixture';
import { trainSyntheticModel } from './model-fixture';
import { INTERVAL_MS, T0, serveData, syntheticMetrics } from './synthetic';

const START = T0 + 3000 * INTERVAL_MS;
const A = 'node-a:9100';
const B = 'node-b:9100';
let dir: string;
let model: ServeModel;
let prom: FakePrometheus;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serve-restart-'));
  model = await loadServeModel(await trainSyntheticModel(dir));
  prom = new FakePrometheus();
  await prom.start();
});
afterAll(async () => {
  model?.detector.dispose();
  await prom.stop();
  await rm(dir, { recursive: true, force: true });
});

const eventsOf = (loop: { events: { entity: string; kind: string; at: number }[] }) =>
  loop.events.map((e) => `${e.entity} ${e.kind} ${(e.at - START) / INTERVAL_MS}`);

describe('restart', () => {
  it.each([
    ['a short stop (caught up)', 300_000, 70, 78],
    ['a stop longer than catchUp (a gap)', 60_000, 70, 95],
  ])('after %s resumes without re-firing and without a false alarm', async (_, catchUpMs, stopAt, resumeAt) => {
    serveData(
      prom,
      syntheticMetrics([A, B], 160, 8, { start: START, shifts: [{ entity: A, from: 50, to: 110, by: 0.6 }] }),
    );
    const statePath = join(dir, `state-${catchUpMs}.json`);
    const whole = drivenLoop(model, prom, START, { catchUpMs, forMs: 30_000 });
    for (let t = 5; t < 160; t++) await whole.round(t);

    const first = drivenLoop(model, prom, START, { catchUpMs, forMs: 30_000, statePath });
    for (let t = 5; t <= stopAt; t++) await first.round(t);
    expect(eventsOf(first.loop)).toEqual([expect.stringMatching(new RegExp(`^${A} fired`))]);
    const saved = JSON.parse(await readFile(statePath, 'utf8')) as {
      entities: { entity: string; alarm: { status: string } }[];
    };
    expect(saved.entities.find((e) => e.entity === A)!.alarm.status).toBe('firing');
    await first.loop.stop();

    const second = drivenLoop(model, prom, START, { catchUpMs, forMs: 30_000, statePath });
    expect(await second.loop.resume()).toBe(2);
    // the alarm is on /metrics again before any round
    expect((await second.loop.metrics.alarm.get()).values.find((v) => v.labels.entity === A)!.value).toBe(1);
    const scored: ScoredRecord[] = [];
    for (let t = resumeAt; t < 160; t++) scored.push(...(await second.round(t)).scored);
    // one event after the restart: the resolution; B never alarms
    expect(eventsOf(second.loop)).toEqual([expect.stringMatching(new RegExp(`^${A} resolved`))]);
    if (resumeAt - stopAt < catchUpMs / INTERVAL_MS) {
      // caught up: the same records and events as the instance that never stopped
      expect(scored[0].scoreAt).toBe(START + (stopAt + 1) * INTERVAL_MS);
      expect([...eventsOf(first.loop), ...eventsOf(second.loop)]).toEqual(eventsOf(whole.loop));
    } else expect(scored[0].scoreAt).toBeGreaterThan(START + (stopAt + 1) * INTERVAL_MS);
  });
});

describe('three replicas', () => {
  it('score every entity exactly once, and together what one instance scores', async () => {
    const entities = Array.from({ length: 30 }, (_, i) => `10.1.${i >> 3}.${i}:9100`);
    const shifts = [3, 11, 27].map((i) => ({ entity: entities[i], from: 20, to: 40, by: 0.6 }));
    serveData(prom, syntheticMetrics(entities, 45, 9, { start: START, shifts }));
    const single = drivenLoop(model, prom, START);
    const replicas = [0, 1, 2].map((index) => drivenLoop(model, prom, START, { shard: { index, count: 3 } }));
    const key = (r: ScoredRecord) => `${r.entity} ${r.scoreAt} ${r.score} ${r.smoothed} ${r.alarm}`;
    const one: string[] = [];
    const union: string[] = [];
    const owners = new Map<string, number[]>();
    for (let t = 5; t < 45; t++) {
      one.push(...(await single.round(t)).scored.map(key));
      for (const [i, replica] of replicas.entries())
        for (const r of (await replica.round(t)).scored) {
          union.push(key(r));
          owners.set(r.entity, [...new Set([...(owners.get(r.entity) ?? []), i])]);
        }
    }
    expect(owners.size).toBe(30);
    for (const list of owners.values()) expect(list).toHaveLength(1);
    // each replica got a share (hashmod of 30 addresses into 3)
    expect(new Set([...owners.values()].map((l) => l[0])).size).toBe(3);
    expect(union.sort()).toEqual(one.sort());
    expect(one.length).toBe(30 * 40);
    const fired = (loops: { loop: { events: { entity: string }[] } }[]) =>
      loops.flatMap((l) => l.loop.events.map((e) => e.entity)).sort();
    expect(fired(replicas)).toEqual(fired([single]));
    expect(fired([single])).toEqual(expect.arrayContaining(shifts.map((s) => s.entity)));
  });
});
