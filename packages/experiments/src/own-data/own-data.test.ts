import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sequence } from '@driftwatch/contracts';
import { applyStandardisation, readSequences, windowSequences } from '@driftwatch/ingest';
import { DEFAULT_SELECTORS } from '@driftwatch/eval';
import { loadDetector, readManifest } from '@driftwatch/models';
import { alarmEpisodes, placeWindowScores, smoothPresent, warmupFlags } from './alarms';
import { CALIBRATION_SMOOTHING_GRID, pooledSmoothed } from './calibration';
import { alignToPlan, applyFeaturePlan, looksLikeCounter, planFeatures } from './feature-plan';
import { trainOnInput } from './train-input';

/** A sequence from rows of [x, up, c, hits_total]. */
function seq(entity: string, rows: number[][], features = ['x', 'up', 'c', 'hits_total']): Sequence {
  return { id: entity, entity, domain: entity, features, values: Float32Array.from(rows.flat()), length: rows.length };
}

const A = seq('A', [
  [1, 0, 4, 1],
  [3, 2, 4, 2],
  [2, 3, 4, 4],
  [5, 7, 4, 8],
]);
const B = seq('B', [
  [2, 5, 4, 0],
  [2, 6, 4, 0],
  [1, 8, 4, 1],
  [0, 9, 4, 1],
]);

describe('feature plan', () => {
  it('differences counters by name and by shape and drops constant columns', () => {
    const plan = planFeatures([A, B], { counters: 'auto', domain: 'entity' });
    // up never decreases and rises at every step in both entities; hits_total ends in _total; c is flat
    expect(plan.difference).toEqual(['up', 'hits_total']);
    expect(plan.dropped).toEqual([{ name: 'c', reason: 'constant in the training records (4)' }]);
    expect(plan.features).toEqual(['x', 'up', 'hits_total']);
    // by hand: up A = 0,2,3,7 → ·,2,1,4; hits_total A = 1,2,4,8 → ·,1,2,4
    expect([...applyFeaturePlan(A, plan).values]).toEqual([1, NaN, NaN, 3, 2, 1, 2, 1, 2, 5, 4, 4]);
  });

  it('differences nothing with none, exactly the named columns with a list, and rejects unknown names', () => {
    expect(planFeatures([A, B], { counters: 'none', domain: 'none' }).difference).toEqual([]);
    expect(planFeatures([A, B], { counters: ['x'], domain: 'none' }).difference).toEqual(['x']);
    expect(() => planFeatures([A, B], { counters: ['nope'], domain: 'none' })).toThrow(/--counters names nope/);
  });

  it("reads a counter that drops as a reset: its increase is the new value, as Prometheus's rate() does", () => {
    const plan = planFeatures([A, B], { counters: ['hits_total'], domain: 'entity' });
    // hits_total 5, 9, 2, 6: the drop to 2 is a restart from zero, so the increases are ·, 4, 2, 4 (not −7)
    const reset = seq('R', [
      [1, 0, 4, 5],
      [2, 1, 4, 9],
      [3, 2, 4, 2],
      [4, 3, 4, 6],
    ]);
    const j = plan.features.indexOf('hits_total');
    const increases = [0, 1, 2, 3].map((t) => applyFeaturePlan(reset, plan).values[t * plan.features.length + j]);
    expect(increases).toEqual([NaN, 4, 2, 4]);
  });

  it('drops a counter whose differences are constant', () => {
    const steady = seq('S', [
      [1, 10, 0, 0],
      [2, 20, 0, 1],
      [4, 30, 0, 3],
    ]);
    const plan = planFeatures([steady], { counters: ['up'], domain: 'entity' });
    expect(plan.dropped.map((d) => d.name)).toEqual(['up', 'c']);
  });

  it('calls a series a counter only when it never falls and rises in at least half of its steps', () => {
    expect(looksLikeCounter([[1, 2, 3]])).toBe(true);
    expect(looksLikeCounter([[1, 2, 1]])).toBe(false);
    expect(looksLikeCounter([[1, 1, 1, 2]])).toBe(false);
    expect(looksLikeCounter([[1, 1, 2, 3], [5]])).toBe(true);
  });

  it('maps reordered columns by name and names every missing and extra column in one error', () => {
    const plan = planFeatures([A, B], { counters: 'none', domain: 'entity' });
    const reordered = seq('A', [[2, 1, 3, 4]], ['up', 'x', 'hits_total', 'c']);
    expect([...alignToPlan(reordered, plan).values]).toEqual([1, 2, 4, 3]);
    const wrong = seq('A', [[1, 2, 3]], ['x', 'c', 'mem']);
    expect(() => alignToPlan(wrong, plan)).toThrow(
      /missing up, hits_total; extra mem\)\. .*--map metrics=x,up,c,hits_total/,
    );
  });
});

describe('record scores', () => {
  it('puts a window score at its last record or its centre and flags the records without one', () => {
    // W = 4, 10 records: windows end at 3..9
    const ends = [3, 4, 5, 6, 7, 8, 9];
    const scores = [10, 11, 12, 13, 14, 15, 16];
    const last = placeWindowScores(10, ends, scores, 4, 'last');
    expect([...last]).toEqual([NaN, NaN, NaN, 10, 11, 12, 13, 14, 15, 16]);
    // centre = end − ⌊W/2⌋ = end − 2
    const centre = placeWindowScores(10, ends, scores, 4, 'centre');
    expect([...centre]).toEqual([NaN, 10, 11, 12, 13, 14, 15, 16, NaN, NaN]);
    expect([...warmupFlags(10, 4, 0, 'last')]).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect([...warmupFlags(10, 4, 0, 'centre')]).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    // odd W = 5: the centre of the window ending at e is e − 2, the last 2 records have none
    expect([...placeWindowScores(8, [4, 5, 6, 7], [1, 2, 3, 4], 5, 'centre')]).toEqual([
      NaN,
      NaN,
      1,
      2,
      3,
      4,
      NaN,
      NaN,
    ]);
    expect([...warmupFlags(8, 5, 0, 'centre')]).toEqual([1, 1, 0, 0, 0, 0, 1, 1]);
    // a differenced counter has no value at record 0, so the first window ends one record later
    expect([...warmupFlags(10, 4, 1, 'last')]).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('smooths the scores present as a brute-force weighted mean, restarting per entity', () => {
    const beta = 0.9;
    const entities = [Float64Array.from([NaN, 1, 5, NaN, 2]), Float64Array.from([4, 0, NaN, 8])];
    const brute = (a: Float64Array) =>
      [...a].map((x, t) => {
        if (Number.isNaN(x)) return NaN;
        const present = [...a.slice(0, t + 1)].filter((v) => !Number.isNaN(v)).reverse();
        const w = present.map((_, i) => beta ** i);
        return present.reduce((s, v, i) => s + w[i] * v, 0) / w.reduce((s, v) => s + v, 0);
      });
    entities.forEach((a) => {
      const got = [...smoothPresent(a, beta)];
      brute(a).forEach((v, t) => (Number.isNaN(v) ? expect(got[t]).toBeNaN() : expect(got[t]).toBeCloseTo(v, 12)));
    });
    const pooled = [...pooledSmoothed(entities, beta)];
    const expected = entities.flatMap((a) => brute(a).filter((v) => !Number.isNaN(v)));
    pooled.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  it('smooths from a starting level as β^n·start + Σ (1−β)·β^i·a_{t−i} over the scores present', () => {
    const beta = 0.8;
    const start = 2;
    const a = Float64Array.from([NaN, 1, 5, NaN, 2]);
    const got = [...smoothPresent(a, beta, start)];
    [NaN, 1, 5, NaN, 2].forEach((x, t) => {
      if (Number.isNaN(x)) return expect(got[t]).toBeNaN();
      const present = [...a.slice(0, t + 1)].filter((v) => !Number.isNaN(v)).reverse();
      const expected = beta ** present.length * start + present.reduce((s, v, i) => s + (1 - beta) * beta ** i * v, 0);
      expect(got[t]).toBeCloseTo(expected, 12);
    });
    // per entity, every smoothing starts again from the level
    const twice = [...pooledSmoothed([Float64Array.from([4]), Float64Array.from([4])], beta, start)];
    twice.forEach((v) => expect(v).toBeCloseTo(0.8 * 2 + 0.2 * 4, 12));
  });

  it('merges alarm runs separated by fewer than mergeGap records into one episode', () => {
    const alarm = Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1]);
    const smoothed = Float64Array.from([0, 5, 6, 0, 0, 9, 0, 0, 0, 0, 7, 3]);
    // gap 2 (records 3, 4) < 3 → merged; gap 4 (records 6..9) → a new episode
    expect(alarmEpisodes(alarm, smoothed, 3)).toEqual([
      { first: 1, last: 5, peak: 5 },
      { first: 10, last: 11, peak: 10 },
    ]);
    expect(alarmEpisodes(alarm, smoothed, 1)).toHaveLength(3);
  });
});

describe('calibration', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'own-data-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves windows touching a labelled range or a missing value out of training', async () => {
    let state = 9;
    const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
    const rows = ['host,a,b'];
    for (const host of ['h1', 'h2'])
      for (let t = 0; t < 100; t++)
        rows.push(`${host},${host === 'h2' && t === 30 ? '' : uniform().toFixed(4)},${uniform().toFixed(4)}`);
    const input = join(dir, 'labelled.csv');
    await writeFile(input, rows.join('\n') + '\n');
    const labels = join(dir, 'labels.csv');
    await writeFile(labels, 'entity,start,end\nh1,10,14\n');
    const run = (withLabels: boolean) =>
      trainOnInput({
        inputs: [input],
        mapping: { entity: 'host' },
        domain: 'entity',
        range: { kind: 'all' },
        labels: withLabels ? labels : undefined,
        counters: 'none',
        selector: 'p99',
        scorePosition: 'last',
        method: 'mahalanobis',
        params: { windowLength: 3 },
        seed: 0,
        out: join(dir, withLabels ? 'labelled-model' : 'plain-model'),
      });
    const [plain, labelled] = [await run(false), await run(true)];
    // head = 100 − ⌊0.15·100⌋ = 85 records per entity → 83 windows each; h2's record 30 is in 3 of them
    expect(plain.trainWindows).toBe(83 + 83 - 3);
    // records 10..14 of h1 are in the windows ending at 10 .. 14 + W − 1 = 16: 7 windows
    expect(labelled.trainWindows).toBe(plain.trainWindows - 7);
    expect(labelled.validationWindows).toBe(2 * (15 - 2));
  });

  it('stores the larger selector threshold of validation and training scores smoothed with the stored β', async () => {
    // two entities, 300 records each, three correlated metrics
    let state = 5;
    const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
    const lines = ['host,a,b,c'];
    for (const host of ['h1', 'h2'])
      for (let t = 0; t < 300; t++) {
        const a = Math.sin(t / 9) + 0.3 * uniform();
        lines.push(`${host},${a.toFixed(4)},${(2 * a + 0.2 * uniform()).toFixed(4)},${uniform().toFixed(4)}`);
      }
    const input = join(dir, 'm.csv');
    await writeFile(input, lines.join('\n') + '\n');
    const out = join(dir, 'model');
    await trainOnInput({
      inputs: [input],
      mapping: { entity: 'host' },
      domain: 'entity',
      range: { kind: 'all' },
      counters: 'auto',
      selector: 'pot-1e-3',
      scorePosition: 'last',
      method: 'mahalanobis',
      params: {},
      seed: 0,
      out,
    });
    const manifest = await readManifest(out);
    const calibration = manifest.calibration!;
    // recompute the scores: validation = the last ⌊0.15·T⌋ records of each entity, training = the rest,
    // standardised, every window
    const detector = await loadDetector(out);
    const raw: number[][] = [];
    const rawTraining: number[][] = [];
    const windowScores = async (s: Sequence, from: number, to: number) => {
      const part: Sequence = { ...s, values: s.values.slice(from * 3, to * 3), length: to - from };
      const scaled = applyStandardisation(part, manifest.standardisation!);
      return [...(await detector.scoreWindows(windowSequences([scaled], detector.windowLength)))];
    };
    for (const s of await readSequences(input, { entity: 'host' })) {
      const tail = s.length - Math.floor(0.15 * s.length);
      raw.push(await windowScores(s, tail, s.length));
      rawTraining.push(await windowScores(s, 0, tail));
    }
    detector.dispose();
    // the smoothing starts at the median raw validation score: e_t = β·e_{t−1} + (1−β)·a_t
    const sorted = raw.flat().sort((x, y) => x - y);
    const median = (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
    expect(calibration.smoothingStart).toBeCloseTo(median, 12);
    const beta = calibration.smoothing;
    const smooth = (scores: number[]) => {
      let e = median;
      return scores.map((a) => (e = beta * e + (1 - beta) * a));
    };
    const perEntity = raw.map(smooth);
    const pot = DEFAULT_SELECTORS.find((s) => s.id === 'pot-1e-3')!;
    expect(calibration.selector).toBe('pot-1e-3');
    expect(CALIBRATION_SMOOTHING_GRID).toContain(calibration.smoothing);
    expect(calibration.validationRecords).toBe(perEntity.flat().length);
    // the threshold is the larger of POT on the smoothed validation and on the smoothed training scores
    const validation = pot.select(Float64Array.from(perEntity.flat()));
    const training = pot.select(Float64Array.from(rawTraining.map(smooth).flat()));
    expect(calibration.thresholds!.validation).toBeCloseTo(validation, 9);
    expect(calibration.thresholds!.training).toBeCloseTo(training, 9);
    expect(calibration.threshold).toBeCloseTo(Math.max(validation, training), 9);
    expect(manifest.featurePlan!.features).toEqual(['a', 'b', 'c']);
  });
});
