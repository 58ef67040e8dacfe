import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realDataRoot } from '@driftwatch/ingest/testing';
import { methodConfigs, runProtocol } from '../src';

/**
 * SMD's standard protocol on the two shipped machines: Mahalanobis W = 20 trained on each machine's train part
 * (its first 85%; the last 15% validates) and scored on its test part. Peak F1 as every benchmark line states it
 * (docs/divad.md §2: no point adjustment, W − 1 records after each anomaly left out), best over the EWMA grid.
 * The expected values come from an independent reference computation, not from this code.
 */
const REFERENCE = { 'machine-2-1': 0.457, 'machine-3-4': 0.889 };

const root = realDataRoot('smd', { requiredInCi: true });
(root ? describe : describe.skip)('SMD per-entity, Mahalanobis W = 20', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smd-per-entity-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives the reference peak F1 on machine-2-1 and machine-3-4 within .005', async () => {
    const { rows } = await runProtocol({
      source: { protocol: 'per-entity', dataRoot: root!, dataset: 'smd' },
      servers: Object.keys(REFERENCE),
      configs: methodConfigs(['mahalanobis']),
      outDir: dir,
      seed: 0,
      epochs: 1,
      command: 'driftwatch bench windows --protocol per-entity --dataset smd --methods mahalanobis',
      lockPath: join(dir, 'no.lock'),
    });
    for (const [machine, expected] of Object.entries(REFERENCE)) {
      const mine = rows.filter((r) => r.testSequence === `smd/test/${machine}`);
      expect(mine.map((r) => r.params)).toEqual(mine.map(() => ({ windowLength: 20 })));
      const best = Math.max(...mine.map((r) => r.peakF1));
      expect(Math.abs(best - expected)).toBeLessThanOrEqual(0.005);
    }
  }, 600_000);
});
