import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScoreFile } from '@driftwatch/ingest';
import { loadProtocolData, methodConfigs, perEntityFold, loadEntityParts, readResults, runProtocol } from '../src';
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

  it("trains on the entity's own train part only: first 85% train, last 15% validate, scaler from the first", async () => {
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
