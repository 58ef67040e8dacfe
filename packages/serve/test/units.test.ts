import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeaturePlan } from '@driftwatch/contracts';
import { advanceAlarm, INACTIVE, type AlarmState } from '../src/alarm';
import { readCheckpoint, writeCheckpoint } from '../src/checkpoint';
import { checkConfigAgainstPlan, parseServeConfig } from '../src/config';
import { parseDuration } from '../src/duration';
import type { EntityState } from '../src/online-scorer';
import { PrometheusClient, backoffDelay } from '../src/prometheus-client';
import { hashmod, inShard, parseShard } from '../src/shard';
import { FakePrometheus } from './fake-prometheus';

describe('config', () => {
  const plan: FeaturePlan = {
    inputs: ['cpu', 'load', 'flat'],
    features: ['cpu', 'load'],
    difference: [],
    dropped: [{ name: 'flat', reason: 'constant' }],
    domain: 'none',
  };
  it('reads durations, defaults and the queries in order', () => {
    const config = parseServeConfig(
      'entityLabel: instance\ninterval: 15s\nlookback: 1m30s\nfeatures:\n  load: node_load1\n' +
        '  cpu: sum by (instance) (rate(x[1m]))\n',
      's.yaml',
    );
    expect(config).toMatchObject({ entityLabel: 'instance', intervalMs: 15_000, lookbackMs: 90_000, forMs: 0 });
    expect(config.timeoutMs).toBe(10_000);
    expect(Object.keys(config.features)).toEqual(['load', 'cpu']);
    expect(parseDuration('500ms', 'x')).toBe(500);
    expect(() => parseDuration('15 sec', 'interval')).toThrow(/interval: expected a duration/);
  });
  it('names unknown keys, bad labels, missing queries and unknown features', () => {
    expect(() => parseServeConfig('entityLabel: x\ninterval: 1s\nfeature: {}\n', 's.yaml')).toThrow(
      /s\.yaml: expected only the keys .*found "feature"/,
    );
    expect(() => parseServeConfig('entityLabel: "a-b"\ninterval: 1s\nfeatures: {a: b}\n', 's.yaml')).toThrow(
      /entityLabel: a Prometheus label name/,
    );
    const config = parseServeConfig('entityLabel: instance\ninterval: 1s\nfeatures: {cpu: a, mem: b}\n', 's.yaml');
    expect(() => checkConfigAgainstPlan(config, plan, 's.yaml')).toThrow(
      's.yaml: unknown feature mem; no query for the model feature load. The model reads cpu, load',
    );
  });
});

describe('shard', () => {
  /** md5 → last 8 bytes → big-endian integer, byte by byte */
  const byHand = (value: string, n: number) => {
    const digest = createHash('md5').update(value).digest();
    let x = 0n;
    for (let i = 8; i < 16; i++) x = x * 256n + BigInt(digest[i]);
    return Number(x % BigInt(n));
  };
  it('is Prometheus hashmod: md5, last 8 bytes big-endian, mod n', () => {
    // reference values from Python's hashlib: int.from_bytes(md5(v).digest()[8:], 'big') % n
    expect(hashmod('node-a:9100', 3)).toBe(1);
    expect(hashmod('node-a:9100', 7)).toBe(5);
    expect(hashmod('10.0.0.1:9100', 3)).toBe(2);
    for (let i = 0; i < 200; i++) expect(hashmod(`host-${i}:9100`, 5)).toBe(byHand(`host-${i}:9100`, 5));
  });
  it('parses i/n and assigns each entity to one shard', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
    expect(() => parseShard('3/3')).toThrow(/i must be in 0…n−1/);
    expect(() => parseShard('a')).toThrow(/--shard expects i\/n/);
    const owners = ['x', 'y', 'z'].map((e) => [0, 1, 2].filter((i) => inShard(e, { index: i, count: 3 })).length);
    expect(owners).toEqual([1, 1, 1]);
  });
});

describe('alarm state machine', () => {
  const run = (scores: number[], forMs: number, times = scores.map((_, i) => i * 10)) => {
    let state: AlarmState = INACTIVE;
    const trail: string[] = [];
    scores.forEach((s, i) => {
      const next = advanceAlarm(state, times[i], s, 1, forMs, 50);
      state = next.state;
      trail.push(next.event ? `${state.status}!${next.event.kind}` : state.status);
    });
    return trail;
  };
  it('goes pending, fires after for, and resolves below the threshold', () => {
    expect(run([0, 2, 2, 2, 0.5, 0], 20)).toEqual([
      'inactive',
      'pending',
      'pending',
      'firing!fired',
      'inactive!resolved',
      'inactive',
    ]);
    expect(run([2, 0], 0)).toEqual(['firing!fired', 'inactive!resolved']);
    // a dip before `for` ends the pending alarm
    expect(run([2, 0.5, 2, 2], 10)).toEqual(['pending', 'inactive', 'pending', 'firing!fired']);
  });
  it('ends a pending alarm after a gap longer than the window, keeps a firing one', () => {
    expect(run([2, 2, 2], 30, [0, 10, 100])).toEqual(['pending', 'pending', 'pending']);
    expect(run([2, 2, 2], 0, [0, 10, 100])).toEqual(['firing!fired', 'firing', 'firing']);
  });
});

describe('Prometheus client', () => {
  let prom: FakePrometheus;
  beforeAll(async () => {
    prom = new FakePrometheus();
    prom.series.set('up', [{ labels: { instance: 'a' }, times: [1000], values: [1] }]);
    await prom.start();
  });
  afterAll(() => prom.stop());

  it('doubles the delay per retry', () => {
    expect([0, 1, 2, 3].map((k) => backoffDelay(100, k))).toEqual([100, 200, 400, 800]);
  });
  it('retries a 5xx with backoff, counting each failed attempt, then gives up', async () => {
    const errors: string[] = [];
    const client = new PrometheusClient(prom.url, {
      timeoutMs: 500,
      retries: 2,
      backoffMs: 20,
      onError: (tag) => errors.push(tag),
    });
    prom.mode = '5xx';
    const started = Date.now();
    await expect(client.query('up', 1000, 'up')).rejects.toThrow(/HTTP 503 unavailable: overloaded/);
    // waits 20 + 40 ms between the three attempts
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(errors).toEqual(['up', 'up', 'up']);
    prom.mode = 'ok';
    expect(await client.query('up', 1500)).toEqual([{ labels: { instance: 'a' }, times: [1500], values: [1] }]);
  });
  it('times out a slow answer and names a refused connection', async () => {
    const client = new PrometheusClient(prom.url, { timeoutMs: 100, retries: 0 });
    prom.mode = 'slow';
    prom.slowMs = 400;
    await expect(client.query('up', 1000)).rejects.toThrow(/timed out/);
    prom.mode = 'ok';
    const gone = new FakePrometheus();
    await gone.start();
    await gone.stop();
    const closed = new PrometheusClient(gone.url, { timeoutMs: 200, retries: 0 });
    await expect(closed.query('up', 1000)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('checkpoint', () => {
  it('reads back what it wrote, NaN included, and refuses the state of another model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serve-checkpoint-'));
    const identity = { model: 'mahalanobis@2026-01-01', intervalMs: 15_000, shard: '0/1' };
    const state: EntityState = {
      entity: 'a',
      domain: 'all',
      previous: { time: 30_000, inputs: Float64Array.from([1.5, NaN, 1e12 + 0.25]) },
      rows: Float32Array.from([0.1, NaN, -3, 7e-8]),
      times: Float64Array.from([15_000, 30_000]),
      head: 1,
      cleanRun: 0,
      lastRecordAt: 30_000,
      ewma: { num: 2.5, den: 1 },
      score: 3,
      smoothed: 2.5,
      alarm: { status: 'firing', activeAt: 15_000, firedAt: 30_000, lastScoreAt: 30_000 },
      explanation: { at: 30_000, features: [{ name: 'cpu', share: 0.75 }] },
      history: { at: [15_000, 30_000], smoothed: [1 / 3, 2.5] },
    };
    try {
      const path = join(dir, 'state.json');
      await writeCheckpoint(path, { ...identity, lastTick: 30_000, entities: [state] });
      const back = await readCheckpoint(path, identity);
      expect(back!.lastTick).toBe(30_000);
      expect(back!.entities).toEqual([state]);
      await expect(readCheckpoint(path, { ...identity, model: 'other' })).rejects.toThrow(
        /holds the state of model mahalanobis@2026-01-01, not other/,
      );
      expect(await readCheckpoint(join(dir, 'none.json'), identity)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
