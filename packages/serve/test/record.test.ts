/**
 * `recordRange` writes what `train --input` reads: recorded from a fake Prometheus with serve's queries, the file
 * read back by ingest's reader holds, per entity and feature, exactly the samples the server holds on the
 * interval's grid; ranges longer than one query's point limit are fetched in chunks that tile the grid; queries
 * that lose the entity label, split an entity in two or return nothing are errors naming the feature.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSequences } from '@driftwatch/ingest';
import type { ServeConfig } from '../src/config';
import { PrometheusClient } from '../src/prometheus-client';
import { MAX_POINTS_PER_QUERY, rangeChunks, recordRange } from '../src/record';
import { FakePrometheus } from './fake-prometheus';
import { FEATURES, INTERVAL_MS, T0, serveData, syntheticMetrics } from './synthetic';

const ENTITIES = ['node-a:9100', 'node-b:9100'];
const RECORDS = 40;
const config: ServeConfig = {
  entityLabel: 'instance',
  intervalMs: INTERVAL_MS,
  forMs: 0,
  timeoutMs: 2000,
  catchUpMs: 300_000,
  features: Object.fromEntries(FEATURES.map((f) => [f, f])),
};

let prom: FakePrometheus;
let dir: string;
beforeAll(async () => {
  prom = new FakePrometheus();
  await prom.start();
  dir = await mkdtemp(join(tmpdir(), 'serve-record-'));
});
afterAll(async () => {
  await prom.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('recordRange', () => {
  it('writes the server samples on the grid as one matrix that train --input reads back', async () => {
    const data = syntheticMetrics(ENTITIES, RECORDS, 5);
    serveData(prom, data);
    // the range starts 3 records in and ends 2 before the data's end: records 3..37
    const range = { startMs: T0 + 3 * INTERVAL_MS, endMs: T0 + (RECORDS - 3) * INTERVAL_MS };
    const progress: string[] = [];
    const matrix = await recordRange(new PrometheusClient(prom.url, { timeoutMs: 2000 }), config, range, (p) =>
      progress.push(`${p.done}/${p.total} ${p.feature} ${p.series}`),
    );
    expect(progress).toEqual(FEATURES.map((f, k) => `${k + 1}/${FEATURES.length} ${f} 2`));
    const file = join(dir, 'recorded.json');
    await writeFile(file, JSON.stringify(matrix));
    const sequences = await readSequences(file);
    expect(sequences.map((s) => s.entity).sort()).toEqual(ENTITIES);
    for (const seq of sequences) {
      expect(seq.length).toBe(RECORDS - 5);
      expect([...seq.timestamps!].map(Number)).toEqual(
        Array.from({ length: RECORDS - 5 }, (_, t) => T0 + (t + 3) * INTERVAL_MS),
      );
      for (const feature of FEATURES) {
        const source = data.series[feature].find((s) => s.labels.instance === seq.entity)!;
        const j = seq.features.indexOf(feature);
        const got = Array.from({ length: seq.length }, (_, t) => seq.values[t * seq.features.length + j]);
        expect(got).toEqual(source.values.slice(3, RECORDS - 2).map((v) => Math.fround(v)));
      }
    }
  });

  it('cuts a long range into chunks that tile its grid, none over the point limit', () => {
    const step = 15_000;
    for (const [points, max] of [
      [1, 5],
      [5, 5],
      [6, 5],
      [23, 5],
      [3 * MAX_POINTS_PER_QUERY + 1, MAX_POINTS_PER_QUERY],
    ]) {
      const chunks = rangeChunks(0, (points - 1) * step, step, max);
      const grid = chunks.flatMap((c) => {
        const n = (c.endMs - c.startMs) / step + 1;
        expect(n).toBeLessThanOrEqual(max);
        return Array.from({ length: n }, (_, i) => c.startMs + i * step);
      });
      expect(grid).toEqual(Array.from({ length: points }, (_, i) => i * step));
    }
  });

  it('names the feature whose query loses the entity label, splits an entity or returns nothing', async () => {
    const client = new PrometheusClient(prom.url, { timeoutMs: 2000, retries: 0 });
    const range = { startMs: T0, endMs: T0 + 5 * INTERVAL_MS };
    const times = [T0, T0 + INTERVAL_MS];
    prom.series.set('no_label', [{ labels: { job: 'node' }, times, values: [1, 2] }]);
    prom.series.set('split', [
      { labels: { instance: 'a', cpu: '0' }, times, values: [1, 2] },
      { labels: { instance: 'a', cpu: '1' }, times, values: [3, 4] },
    ]);
    const only = (query: string) => ({ ...config, features: { x: query } });
    await expect(recordRange(client, only('no_label'), range)).rejects.toThrow(
      /feature x: the query no_label returns a series without the label instance .*sum by \(instance\)/,
    );
    await expect(recordRange(client, only('split'), range)).rejects.toThrow(
      /feature x: the query split returns more than one series for instance="a"/,
    );
    await expect(recordRange(client, only('absent'), range)).rejects.toThrow(
      /feature x: the query absent returns no series in the range/,
    );
  });
});
