import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScoreFile } from '@driftwatch/ingest';
import {
  loadEntityParts,
  loadProtocolData,
  methodConfigs,
  perEntityFold,
  readResults,
  resolveTestSequences,
  runProtocol,
} from '../src';
import { asdLikeRoot } from './asd-like-root';
import { bruteForcePeakF1 } from './brute-force';

describe('the per-entity protocol', () => {
  let fixture: Awaited<ReturnType<typeof asdLikeRoot>>;
  let dir: string;
  beforeAll(async () => {
    fixture = await asdLikeRoot({ servers: 3, train: 200, test: 160 });
    dir = await mkdtemp(join(tmpdir(), 'experiments-per-entity-'));
  });
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it("trains on the entity's own train part only: 85% fit, 15% validate, scaler from the 85%", async () => {
    const parts = await loadEntityParts(fixture.root, 'asd');
    const fold = perEntityFold(parts, 'omi-2');
    expect(fold.test.id).toBe('asd/test/omi-2');
    expect(fold.test.length).toBe(160);
    expect(Array.from(fold.test.labels!)).toEqual(fixture.values['omi-2'].labels);
    expect(fold.data.train.map((s) => s.length)).toEqual([170]);
    expect(fold.data.validation.map((s) => s.length)).toEqual([30]);
    const head = fixture.values['omi-2'].train.slice(0, 170);
    head[0].forEach((_, j) => {
      const column = head.map((r) => Math.fround(r[j]));
      const mean = column.reduce((a, b) => a + b, 0) / column.length;
      const std = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length);
      expect(fold.data.standardisation.mean[j]).toBeCloseTo(mean, 6);
      expect(fold.data.standardisation.std[j]).toBeCloseTo(std, 6);
    });
    // the other servers sit at other levels (0.2·s): had they been used, the mean would be near 0.4 ± 0.2
    expect(fold.data.domains).toEqual(['omi-2']);
  });

  it('resolves entity numbers and reads only those', async () => {
    const data = await loadProtocolData({ protocol: 'per-entity', dataRoot: fixture.root, dataset: 'asd' }, ['3']);
    expect(data.entities).toEqual(['omi-3']);
    expect(() => data.fold('omi-1')).toThrow(/no entity 'omi-1'.*entities: omi-3/);
  });

  it("writes one line per smoothing whose peak F1 the test part's scores and labels give again", async () => {
    const outDir = join(dir, 'run');
    const { rows } = await runProtocol({
      source: { protocol: 'per-entity', dataRoot: fixture.root, dataset: 'asd' },
      servers: ['omi-1', 'omi-3'],
      configs: methodConfigs(['mahalanobis']),
      smoothingGrid: [0, 0.9],
      outDir,
      seed: 0,
      epochs: 1,
      command: 'driftwatch bench windows --protocol per-entity (test)',
      lockPath: join(fixture.root, 'no.lock'),
    });
    expect(rows.map((r) => `${r.testSequence} ${r.smoothing}`)).toEqual([
      'asd/test/omi-1 0',
      'asd/test/omi-1 0.9',
      'asd/test/omi-3 0',
      'asd/test/omi-3 0.9',
    ]);
    expect(await readResults(join(outDir, 'results.jsonl'))).toEqual(JSON.parse(JSON.stringify(rows)));
    for (const r of rows.filter((x) => x.smoothing === 0)) {
      const entity = r.testSequence.split('/')[2];
      const file = await readScoreFile(join(outDir, 'scores', 'mahalanobis', `${entity}.arrow`));
      const scores = file.get(r.testSequence)!;
      // the test part alone is scored: as many record scores as test records
      expect(scores.length).toBe(fixture.testRows);
      expect(r.peakF1).toBeCloseTo(bruteForcePeakF1(scores, fixture.values[entity].labels, 20), 12);
      // validation windows of the entity's own train part: (30 − 20 + 1) windows
      expect([...file.keys()]).toEqual([r.testSequence, `validation:asd/${entity}/train[170:200]`]);
      expect(file.get(`validation:asd/${entity}/train[170:200]`)!.length).toBe(11);
    }
    const run = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
    expect(run.data).toMatchObject({ dataset: 'asd', protocol: 'per-entity', source: fixture.root });
  }, 60_000);
});

describe('the tsb-ad protocol', () => {
  let dir: string;
  const N = 120;
  const T = 200;
  // two metrics; the training part is normal, records 150–159 jump by +3
  const series = (k: number) =>
    Array.from({ length: T }, (_, t) => {
      const anomalous = t >= 150 && t < 160;
      return [Math.sin(t / 5 + k) + (anomalous ? 3 : 0), Math.cos(t / 7) * 0.5 + k, anomalous ? 1 : 0];
    });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'experiments-tsb-ad-'));
    for (const k of [1, 2]) {
      const rows = series(k).map((r) => `${r[0].toFixed(4)},${r[1].toFixed(4)},${r[2]}`);
      await writeFile(join(dir, `00${k}_Demo_id_${k}_Sensor_tr_${N}_1st_150.csv`), `a,b,Label\n${rows.join('\n')}\n`);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('trains on the first tr_N records (85% fit, 15% validate) and scores the whole series', async () => {
    const data = await loadProtocolData({ protocol: 'tsb-ad', paths: [dir] });
    expect(data.entities).toEqual(['001_Demo_id_1_Sensor_tr_120_1st_150', '002_Demo_id_2_Sensor_tr_120_1st_150']);
    const fold = data.fold('002_Demo_id_2_Sensor_tr_120_1st_150');
    expect(fold.test.length).toBe(T);
    expect(fold.data.train[0].length + fold.data.validation[0].length).toBe(N);
    expect(fold.data.validation[0].length).toBe(18);
    const head = series(2).slice(0, N - 18);
    const mean = head.reduce((a, r) => a + Math.fround(Number(r[0].toFixed(4))), 0) / head.length;
    expect(fold.data.standardisation.mean[0]).toBeCloseTo(mean, 5);

    const outDir = join(dir, 'out');
    const { rows } = await runProtocol({
      source: { protocol: 'tsb-ad', paths: [dir] },
      configs: methodConfigs(['mahalanobis']),
      overrides: { mahalanobis: { windowLength: 4 } },
      smoothingGrid: [0],
      outDir,
      seed: 0,
      epochs: 1,
      command: 'test',
      lockPath: join(dir, 'no.lock'),
    });
    expect(rows.map((r) => [r.dataset, r.testSequence])).toEqual([
      ['tsb-ad', 'tsb-ad/001_Demo_id_1_Sensor_tr_120_1st_150'],
      ['tsb-ad', 'tsb-ad/002_Demo_id_2_Sensor_tr_120_1st_150'],
    ]);
    for (const r of rows) {
      const name = r.testSequence.split('/')[1];
      const scores = (await readScoreFile(join(outDir, 'scores', 'mahalanobis', `${name}.arrow`))).get(r.testSequence)!;
      expect(scores.length).toBe(T);
      const labels = series(1).map((x) => x[2]);
      expect(r.peakF1).toBeCloseTo(bruteForcePeakF1(scores, labels, 4), 12);
    }
    // the labels come back from the files for evaluate and report
    const resolved = await resolveTestSequences([rows[0].testSequence], { dataRoot: () => '', tsbAd: [dir] });
    expect(Array.from(resolved.get(rows[0].testSequence)!.labels!)).toEqual(series(1).map((x) => x[2]));
  }, 60_000);
});
