/**
 * Online scoring gives the scores of `score --input`: the same records, scored in batch by scoreOnInput (read back
 * from its Arrow file) and online (record by record through OnlineScorer, and through a ServeLoop querying a fake
 * Prometheus round by round, with a catch-up round), agree on every scored record within float tolerance — the
 * counter is differenced the same way (a reset included), the EWMA starts at the same level, the alarm flags are
 * the same.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecordScores, type EntityRecordScores } from '@driftwatch/ingest';
import { scoreOnInput } from '@driftwatch/experiments';
import { loadServeModel, type ServeModel } from '../src/model';
import { OnlineScorer, ewmaStep, type ScoredRecord } from '../src/online-scorer';
import { ServeLoop } from '../src/service';
import { smoothPresent } from '@driftwatch/experiments/data';
import { FakePrometheus } from './fake-prometheus';
import { trainSyntheticModel } from './model-fixture';
import { FEATURES, INTERVAL_MS, T0, prometheusMatrix, serveData, syntheticMetrics } from './synthetic';

const ENTITIES = ['node-a:9100', 'node-b:9100', 'node-c:9100'];
const RECORDS = 160;
const START = T0 + 1000 * INTERVAL_MS;

let dir: string;
let model: ServeModel;
let batch: EntityRecordScores[];
const data = syntheticMetrics(ENTITIES, RECORDS, 7, {
  start: START,
  shifts: [{ entity: 'node-b:9100', from: 80, to: 110, by: 0.5 }],
  // a restarted process: both paths read the drop as a reset (the increase is the new value), not a negative rate
  counterResetAt: { entity: 'node-c:9100', record: 60 },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serve-equiv-'));
  const modelDir = await trainSyntheticModel(dir);
  model = await loadServeModel(modelDir);
  const input = join(dir, 'test.json');
  await writeFile(input, prometheusMatrix(data));
  await scoreOnInput(model.detector, model.manifest, modelDir, {
    inputs: [input],
    mapping: {},
    out: join(dir, 'scores.arrow'),
    episodes: join(dir, 'episodes.csv'),
  });
  batch = await readRecordScores(join(dir, 'scores.arrow'));
});
afterAll(async () => {
  model?.detector.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Every batch record with a score has exactly one online record at its time, with the same values. */
function expectSameAsBatch(online: ScoredRecord[]): number {
  let compared = 0;
  for (const entity of batch) {
    const mine = new Map(online.filter((r) => r.entity === entity.entity).map((r) => [r.scoreAt, r]));
    entity.score.forEach((score, r) => {
      const at = Number(entity.timestamps![r]);
      const got = mine.get(at);
      if (Number.isNaN(score)) return expect(got).toBeUndefined();
      expect(got).toBeDefined();
      expect(Math.abs(got!.score - score)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(score)));
      expect(Math.abs(got!.smoothed - entity.smoothed[r])).toBeLessThanOrEqual(1e-6 * Math.max(1, entity.smoothed[r]));
      expect(got!.alarm).toBe(entity.alarm[r]);
      compared++;
    });
    expect(mine.size).toBe(entity.score.filter((s) => !Number.isNaN(s)).length);
  }
  return compared;
}

describe('online scoring equals score --input', () => {
  it('differences the counter and scores the same windows', () => {
    expect(model.plan.difference).toEqual(['http_requests_total']);
    expect(model.plan.features).toEqual(FEATURES);
    // the anomaly is there to be agreed on: batch raises alarms on node-b only
    const alarms = batch.map((e) => e.alarm.reduce((a, b) => a + b, 0));
    expect(alarms[1]).toBeGreaterThan(0);
  });

  it('record by record through OnlineScorer', async () => {
    const scorer = new OnlineScorer(model, { intervalMs: INTERVAL_MS, forMs: 0 });
    const online: ScoredRecord[] = [];
    for (let t = 0; t < RECORDS; t++) {
      const round = new Map(
        ENTITIES.map((entity, e) => [
          entity,
          {
            domain: 'all',
            records: [
              {
                time: START + t * INTERVAL_MS,
                inputs: Float64Array.from(model.plan.inputs, (f) => data.series[f][e].values[t]),
              },
            ],
          },
        ]),
      );
      online.push(...(await scorer.push(round)));
    }
    // W = 5 and one differenced record: 160 − 5 windows per entity
    expect(expectSameAsBatch(online)).toBe(3 * (RECORDS - 5));
  });

  it('through a ServeLoop querying a fake Prometheus, with a catch-up round after a missed interval', async () => {
    const prom = new FakePrometheus();
    serveData(prom, data);
    await prom.start();
    let now = 0;
    const loop = new ServeLoop({
      model,
      prometheus: prom.url,
      clock: () => now,
      config: {
        entityLabel: 'instance',
        intervalMs: INTERVAL_MS,
        forMs: 0,
        timeoutMs: 2000,
        catchUpMs: 300_000,
        features: Object.fromEntries(FEATURES.map((f) => [f, f])),
      },
    });
    try {
      now = START + 5 * INTERVAL_MS;
      expect(await loop.checkQueries()).toBe('ok');
      const online: ScoredRecord[] = [];
      // the first round fills W + 1 records; then one round per interval, skipping the rounds of records 50–52
      for (let t = 5; t < RECORDS; t++) {
        if (t >= 50 && t <= 52) continue;
        now = START + t * INTERVAL_MS + 700;
        const round = await loop.round();
        expect(round.ok).toBe(true);
        online.push(...round.scored);
      }
      expect(expectSameAsBatch(online)).toBe(3 * (RECORDS - 5));
    } finally {
      await prom.stop();
    }
  });
});

describe('ewmaStep', () => {
  it('steps through the scores as smoothPresent smooths them, with and without a start level', () => {
    const scores = [3, 1, 4, 1, 5, 9, 2, 6];
    for (const start of [undefined, 2.5]) {
      const expected = smoothPresent(Float64Array.from(scores), 0.8, start);
      let state: ReturnType<typeof ewmaStep> | undefined;
      scores.forEach((a, t) => {
        state = ewmaStep(state, a, 0.8, start);
        expect(state.num / state.den).toBeCloseTo(expected[t], 12);
      });
    }
  });
});
