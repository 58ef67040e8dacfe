import { rm } from 'node:fs/promises';
import { DataRootError, ParameterError } from '@driftwatch/contracts';
import { simulateCluster } from '@driftwatch/simulate';
import {
  everyKthWindow,
  heldOutEntities,
  leaveOneOutFold,
  loadEntitySequences,
  simulatedClusterFold,
  splitBySequence,
  trainingWindows,
} from '../src';
import { asdLikeRoot } from './asd-like-root';

describe('leave-one-entity-out fold', () => {
  let fixture: Awaited<ReturnType<typeof asdLikeRoot>>;
  beforeAll(async () => {
    fixture = await asdLikeRoot({ servers: 3, train: 300, test: 200 });
  });
  afterAll(() => rm(fixture.root, { recursive: true, force: true }));

  it('scores the held-out sequence, trains on the others: 85% / 15% in time, normal records scaled', async () => {
    const sequences = await loadEntitySequences(fixture.root, 'asd');
    const { test, data } = leaveOneOutFold(sequences, 'omi-2');
    expect([test.id, test.length]).toEqual(['asd/omi-2', 500]);
    expect(data.domains).toEqual(['omi-1', 'omi-3']);
    expect(data.train.map((s) => [s.entity, s.length])).toEqual([
      ['omi-1', 425],
      ['omi-3', 425],
    ]);
    expect(data.validation.map((s) => s.length)).toEqual([75, 75]);
    // the scaler from the raw fixture values: records 0–424 of omi-1 and omi-3 (train 300, test 0–124) of label 0
    const F = fixture.features;
    for (let j = 0; j < F; j++) {
      const used: number[] = [];
      for (const name of ['omi-1', 'omi-3']) {
        const v = fixture.values[name];
        const rows = [...v.train, ...v.test.slice(0, 125)];
        const labels = [...v.train.map(() => 0), ...v.labels.slice(0, 125)];
        rows.forEach((r, t) => labels[t] === 0 && used.push(Math.fround(r[j])));
      }
      const mean = used.reduce((a, b) => a + b, 0) / used.length;
      expect(data.standardisation.mean[j]).toBeCloseTo(mean, 5);
      // a standardised normal training record is (x − mean) / std
      const x = Math.fround(fixture.values['omi-1'].train[0][j]);
      expect(data.train[0].values[j]).toBeCloseTo((x - mean) / data.standardisation.std[j], 5);
    }
    expect(() => leaveOneOutFold(sequences, 'omi-9')).toThrow(ParameterError);
  });

  it('resolves the entities to hold out: all, numbers or names', () => {
    const available = ['omi-1', 'omi-2', 'omi-10'];
    expect(heldOutEntities(['all'], available)).toEqual(available);
    expect(heldOutEntities(['10', 'omi-2'], available)).toEqual(['omi-10', 'omi-2']);
    expect(() => heldOutEntities(['3'], available)).toThrow(DataRootError);
  });

  it('keeps every k-th training window and groups window scores by their sequence', async () => {
    const sequences = await loadEntitySequences(fixture.root, 'asd');
    const { data } = leaveOneOutFold(sequences, 'omi-1');
    const { train, validation } = trainingWindows(data, 20);
    const third = everyKthWindow(train, 3);
    expect(third.count).toBe(Math.ceil(train.count / 3));
    for (const i of [0, 1, third.count - 1]) {
      expect(Array.from(third.window(i))).toEqual(Array.from(train.window(3 * i)));
    }
    expect(everyKthWindow(train, 1)).toBe(train);
    expect(() => everyKthWindow(train, 0)).toThrow(ParameterError);
    const scores = Float32Array.from({ length: validation.count }, (_, i) => i);
    const groups = splitBySequence(validation, scores);
    expect(groups.map((g) => g.sequence)).toEqual([0, 1]);
    expect(groups[0].scores.length + groups[1].scores.length).toBe(validation.count);
    // windows come sequence by sequence in time order: the second group starts where the first ends
    expect(groups[1].scores[0]).toBe(groups[0].scores.length);
  });
});

describe('simulated cluster fold', () => {
  it('trains on the fault-free steps before the first fault, per node scaled, and scores the rest', () => {
    const sim = simulateCluster({ nodes: 5, steps: 300, faults: { count: 3, start: 120 } }, 1);
    const fold = simulatedClusterFold(sim);
    expect(fold.split).toBe(120);
    expect(fold.domains).toEqual([...sim.series.entities].sort());
    expect(fold.train.map((s) => s.length)).toEqual(new Array(5).fill(102));
    expect(fold.validation.map((s) => s.length)).toEqual(new Array(5).fill(18));
    expect(fold.tests.map((s) => [s.id, s.length])).toEqual(sim.series.entities.map((e) => [`sim/${e}`, 180]));
    expect(Object.values(fold.eventNames)).toEqual(sim.series.eventTypes);
    // per node: its training part has mean 0 in every metric (its own scaler), and no labelled step
    const F = sim.series.features.length;
    for (const s of fold.train) {
      expect(s.labels!.every((y) => y === 0)).toBe(true);
      for (let f = 0; f < F; f++) {
        let sum = 0;
        for (let t = 0; t < s.length; t++) sum += s.values[t * F + f];
        expect(Math.abs(sum / s.length)).toBeLessThan(1e-4);
      }
    }
    // the test labels of node i are the simulator's from step 120 on (event code = fault type + 1)
    const N = sim.series.entities.length;
    for (let i = 0; i < N; i++) {
      const cell = (t: number) => (120 + t) * N + i;
      const code = (t: number) => (sim.series.labels![cell(t)] > 0 ? sim.series.eventOf![cell(t)] + 1 : 0);
      const expected = Array.from({ length: 180 }, (_, t) => code(t));
      expect(Array.from(fold.tests[i].labels!)).toEqual(expected);
    }
  });
});
