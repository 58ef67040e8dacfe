import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { writeAlibabaSample } from '@driftwatch/ingest/testing';
import { join, resolve } from 'node:path';
import { main } from '../src/main';
import { formatStep } from '../src/commands/datasets-inspect';
import { captureOutput, makeAsdLikeRoot } from './fixtures';

/** The shipped data sets, when present next to the repository (as in CI). */
const realRoot = process.env.DRIFTWATCH_DATA || resolve(__dirname, '..', '..', '..', '..', 'shared', 'datasets');
const withReal = (dataset: string) => (existsSync(join(realRoot, dataset)) ? it : it.skip);

describe('driftwatch datasets inspect', () => {
  it('summarises an ASD-layout root: counts known from how the fixture was made', async () => {
    // 3 servers × (300 train + 200 test) records; test labels: two segments of 10 and 15 records per server
    const fixture = await makeAsdLikeRoot();
    try {
      const r = await captureOutput(() => main(['datasets', 'inspect', 'asd', '--json', '--data-root', fixture.root]));
      expect(r.result).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.entities).toEqual(['omi-1', 'omi-2', 'omi-3']);
      expect(report.records).toBe(1500);
      // binary labels: code 1 is 'anomaly' whatever the range types
      expect(report.labelCounts).toEqual({ unlabelled: 900, normal: 3 * 175, anomaly: 3 * 25 });
      expect(report.rangeCounts).toEqual({ metric: 6 });
      expect(report.columns.map((c: { name: string }) => c.name)).toEqual(['m1', 'm2', 'm3']);
      const text = await captureOutput(() => main(['datasets', 'inspect', 'asd', '--data-root', fixture.root]));
      expect(text.stdout).toMatch(/asd: 3 entities, 6 sequences, 1,500 records/);
    } finally {
      await rm(fixture.root, { recursive: true, force: true });
    }
  });

  it('reads the six Alibaba tables written from the schema: rows per table counted in the files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-alibaba-'));
    try {
      const sample = await writeAlibabaSample(dir, { seed: 5 });
      const r = await captureOutput(() => main(['datasets', 'inspect', 'alibaba-v2018', dir, '--json']));
      const report = JSON.parse(r.stdout);
      for (const [table, file] of Object.entries(sample.files)) {
        const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '').length;
        expect([table, report.tables[table]]).toEqual([table, lines]);
      }
      expect(report.entities.length).toBe(new Set(sample.machineIds).size);
      const text = await captureOutput(() => main(['datasets', 'inspect', 'alibaba-v2018', dir]));
      expect(text.stdout).toMatch(/time span: \+0 ms … \+/);
      // the data root's folder holds only the schema: the error says where the tables come from
      await expect(main(['datasets', 'inspect', 'alibaba-v2018', join(dir, 'empty-nowhere')])).rejects.toThrow(
        /datasets fetch alibaba-v2018/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the data sets it knows for an unknown one', async () => {
    await expect(main(['datasets', 'inspect', 'nope'])).rejects.toThrow(/asd, smd, exathlon, nezha/);
  });

  withReal('nezha')('reads Nezha: fault lists and spans as the data README counts them', async () => {
    const r = await captureOutput(() => main(['datasets', 'inspect', 'nezha', '--json', '--data-root', realRoot]));
    const report = JSON.parse(r.stdout);
    expect(report.tables['2022-08-22 faults']).toBe(24);
    expect(report.tables['2023-01-29 faults']).toBe(28);
    expect(report.tables['spans rca_data/2023-01-29/09_34']).toBe(842);
    expect(report.samplingStepMs).toBeGreaterThan(59_000); // one record a minute
    expect(report.samplingStepMs).toBeLessThan(61_000);
  });

  withReal('exathlon')('reads Exathlon: two undisturbed traces, 109 ground-truth rows, 1 s records', async () => {
    const r = await captureOutput(() => main(['datasets', 'inspect', 'exathlon', '--json', '--data-root', realRoot]));
    const report = JSON.parse(r.stdout);
    expect(report.sequences).toBe(2);
    expect(report.tables['ground_truth.csv']).toBe(109);
    expect(report.samplingStepMs).toBe(1000);
    expect(report.labelCounts).toEqual({ normal: report.records });
  });

  it('prints steps in the largest unit they reach', () => {
    expect(formatStep(300_000)).toBe('5 min');
    expect(formatStep(60_008)).toBe('1.00 min');
    expect(formatStep(1000)).toBe('1 s');
    expect(formatStep(250)).toBe('250 ms');
  });
});
