/**
 * The recorded node-exporter range (fixtures/node-exporter-range.json, queried with fixtures/serve.yaml from a real
 * Prometheus): a model trained on it with `train --input`, then the same records scored by `score --input` and by
 * a ServeLoop reading them from a fake Prometheus through the fixture's own config — every scored record agrees.
 * Needs no server.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreOnInput, trainOnInput } from '@driftwatch/experiments';
import { readRecordScores } from '@driftwatch/ingest';
import { checkConfigAgainstPlan, parseServeConfig } from '../src/config';
import { loadServeModel } from '../src/model';
import type { ScoredRecord } from '../src/online-scorer';
import { ServeLoop } from '../src/service';
import { FakePrometheus } from './fake-prometheus';

const FIXTURE = join(__dirname, 'fixtures', 'node-exporter-range.json');
const CONFIG = join(__dirname, 'fixtures', 'serve.yaml');

it('scores the recorded node-exporter range online as score --input does', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'serve-fixture-'));
  const prom = new FakePrometheus();
  try {
    const modelDir = join(dir, 'model');
    await trainOnInput({
      inputs: [FIXTURE],
      mapping: {},
      domain: 'none',
      range: { kind: 'all' },
      counters: 'auto',
      selector: 'p99',
      scorePosition: 'last',
      method: 'mahalanobis',
      params: { windowLength: 3 },
      seed: 0,
      out: modelDir,
    });
    const model = await loadServeModel(modelDir);
    const config = parseServeConfig(await readFile(CONFIG, 'utf8'), CONFIG);
    checkConfigAgainstPlan(config, model.plan, CONFIG);
    expect(model.plan.difference).toContain('network_receive_bytes_total');
    await scoreOnInput(model.detector, model.manifest, modelDir, {
      inputs: [FIXTURE],
      mapping: {},
      out: join(dir, 'scores.arrow'),
      episodes: join(dir, 'episodes.csv'),
    });
    const [batch] = await readRecordScores(join(dir, 'scores.arrow'));

    // the fake answers each config query with the fixture's series of that feature
    const answer = JSON.parse(await readFile(FIXTURE, 'utf8')) as {
      data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    for (const [feature, query] of Object.entries(config.features)) {
      const series = answer.data.result.filter((s) => s.metric.__name__ === feature);
      prom.series.set(
        query,
        series.map((s) => ({
          labels: { instance: s.metric.instance },
          times: s.values.map(([t]) => t * 1000),
          values: s.values.map(([, v]) => Number(v)),
        })),
      );
    }
    await prom.start();
    // the union of every series' times, as `score --input` reads the records
    const times = [...new Set(answer.data.result.flatMap((s) => s.values.map(([t]) => t * 1000)))].sort(
      (a, b) => a - b,
    );
    let now = times[0];
    const loop = new ServeLoop({ model, config, prometheus: prom.url, clock: () => now });
    const online: ScoredRecord[] = [];
    for (const t of times.slice(3)) {
      now = t + 200;
      const round = await loop.round();
      expect(round.ok).toBe(true);
      online.push(...round.scored);
    }
    model.detector.dispose();
    const byTime = new Map(online.map((r) => [r.scoreAt, r]));
    let compared = 0;
    batch.score.forEach((score, r) => {
      const got = byTime.get(Number(batch.timestamps![r]));
      if (Number.isNaN(score)) return expect(got).toBeUndefined();
      expect(Math.abs(got!.score - score)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(score)));
      expect(Math.abs(got!.smoothed - batch.smoothed[r])).toBeLessThanOrEqual(1e-6 * Math.max(1, batch.smoothed[r]));
      expect(got!.alarm).toBe(batch.alarm[r]);
      compared++;
    });
    // 121 records (one series starts a second early), W = 3 and one differenced counter: windows end at 3…120
    expect(times).toHaveLength(121);
    expect(compared).toBe(121 - 3);
    expect(byTime.size).toBe(compared);
  } finally {
    await prom.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
