import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyLabels, labelTypes, readLabelFile, readSequences } from '@driftwatch/ingest';
import { EXAMPLE_METRICS, generateExampleMetrics, type ExampleMetrics } from '../src';
import { EXAMPLE_MAPPINGS, exampleTrainRange, writeExampleMetricsFiles } from '../src/files';

/** Pearson correlation, from its definition. */
function correlation(a: number[], b: number[]): number {
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function column(ex: ExampleMetrics, entity: number, metric: string, from = 0, to = ex.steps): number[] {
  const F = ex.metrics.length;
  const f = ex.metrics.indexOf(metric);
  const out: number[] = [];
  for (let t = from; t < to; t++) out.push(ex.values[entity][t * F + f]);
  return out;
}

describe('example metrics with injected episodes', () => {
  // 2 days at one minute, 4 entities: the defaults but one entity fewer, to keep the files small
  const options = { entities: 4, metrics: 10, days: 2 };
  const ex = generateExampleMetrics(options, 7);
  // the same draws without episodes: the difference is exactly what was injected
  const clean = generateExampleMetrics({ ...options, episodesPerDay: 0 }, 7);

  it('is one minute per record, one day clean for training, then 3 episodes per entity and day', () => {
    expect([ex.steps, ex.trainingSteps]).toEqual([2880, 1440]);
    expect(ex.times[1] - ex.times[0]).toBe(60_000);
    expect(new Date(ex.times[0]).toISOString()).toBe('2026-01-05T00:00:00.000Z');
    expect(ex.episodes).toHaveLength(4 * 3);
    expect(exampleTrainRange(ex)).toBe('2026-01-05T00:00:00.000Z..2026-01-05T23:59:00.000Z');
    for (const e of ex.episodes) {
      expect(e.first).toBeGreaterThanOrEqual(ex.trainingSteps);
      expect(e.last).toBeLessThan(ex.steps);
      expect(e.last - e.first + 1).toBeGreaterThanOrEqual(10);
      expect(e.last - e.first + 1).toBeLessThanOrEqual(60);
      expect(e.sigmas).toBeGreaterThanOrEqual(4);
      expect(e.sigmas).toBeLessThanOrEqual(6);
      expect(e.metric).not.toBe('requests_total');
    }
    // episodes of one entity are at least half an hour apart, so an alarm cannot cover two
    for (const entity of ex.entities) {
      const own = ex.episodes.filter((e) => e.entity === entity).sort((a, b) => a.first - b.first);
      for (let k = 1; k < own.length; k++) expect(own[k].first - own[k - 1].last).toBeGreaterThanOrEqual(30);
    }
  });

  it('changes only the injected metric inside each episode, by its sigmas × its training sd at the peak', () => {
    const F = ex.metrics.length;
    const changedOutside: string[] = [];
    for (let i = 0; i < ex.entities.length; i++) {
      const own = ex.episodes.filter((e) => e.entity === ex.entities[i]);
      for (let t = 0; t < ex.steps; t++) {
        for (let f = 0; f < F; f++) {
          const inside = own.some((e) => t >= e.first && t <= e.last && e.metric === ex.metrics[f]);
          if (!inside && ex.values[i][t * F + f] !== clean.values[i][t * F + f])
            changedOutside.push(`${ex.entities[i]} ${ex.metrics[f]} record ${t}`);
        }
      }
      for (const e of own) {
        const training = column(clean, i, e.metric, 0, ex.trainingSteps);
        const mean = training.reduce((s, v) => s + v, 0) / training.length;
        const sd = Math.sqrt(training.reduce((s, v) => s + (v - mean) ** 2, 0) / training.length);
        const before = column(clean, i, e.metric, e.first, e.last + 1);
        const departures = column(ex, i, e.metric, e.first, e.last + 1).map((v, k) => v - before[k]);
        const peak = Math.max(...departures);
        const bounded = e.metric === 'cpu_percent' || e.metric === 'memory_percent';
        // a spike peaks mid-episode at sin(π(k + ½)/n) < 1; percentages stop at 100
        // values are exported rounded: connections to whole numbers, the rest to at least 2 decimals
        const half = e.metric === 'open_connections' ? 0.5 : 0.005;
        if (!bounded) expect(peak).toBeLessThanOrEqual(e.sigmas * sd + half);
        if (!bounded) expect(peak).toBeGreaterThan(0.95 * e.sigmas * sd - half);
        expect(Math.min(...departures)).toBeGreaterThanOrEqual(0);
      }
    }
    expect(changedOutside).toEqual([]);
  });

  it('looks like a service: daily load, correlated metrics, a monotone counter, unlike servers', () => {
    for (let i = 0; i < ex.entities.length; i++) {
      const rate = column(clean, i, 'request_rate');
      const cpu = column(clean, i, 'cpu_percent');
      const network = column(clean, i, 'network_out_mbps');
      expect(correlation(rate, cpu)).toBeGreaterThan(0.9);
      expect(correlation(rate, network)).toBeGreaterThan(0.9);
      // the same hour a day apart is alike: r(rate_t, rate_{t+1440}) high
      expect(correlation(rate.slice(0, 1440), rate.slice(1440))).toBeGreaterThan(0.7);
      const total = column(clean, i, 'requests_total');
      const increments = total.slice(1).map((v, t) => v - total[t]);
      expect(Math.min(...increments)).toBeGreaterThanOrEqual(0);
      // Δ requests_total ≈ request_rate × 60 s
      expect(correlation(increments, rate.slice(1))).toBeGreaterThan(0.95);
    }
    const means = ex.entities.map((_, i) => {
      const rate = column(clean, i, 'request_rate');
      return rate.reduce((s, v) => s + v, 0) / rate.length;
    });
    expect(Math.max(...means) / Math.min(...means)).toBeGreaterThan(1.5);
  });

  it('takes the first n metrics of the catalogue, and says what is wrong with bad options', () => {
    const three = generateExampleMetrics({ entities: 2, metrics: 3, days: 2 }, 1);
    expect(three.metrics).toEqual(EXAMPLE_METRICS.slice(0, 3).map((m) => m.name));
    expect(three.values[0]).toHaveLength(2880 * 3);
    expect(new Set(three.episodes.map((e) => e.metric)).size).toBeLessThanOrEqual(3);
    expect(() => generateExampleMetrics({ metrics: 11 })).toThrow('metrics must be an integer in [1, 10], got 11');
    expect(() => generateExampleMetrics({ days: 2, trainingDays: 3 })).toThrow(
      'trainingDays must be an integer in [0, 2]',
    );
    expect(() => generateExampleMetrics({ entities: 0 })).toThrow('entities must be an integer in [1, 1000]');
  });

  it('differs between seeds', () => {
    const other = generateExampleMetrics(options, 8);
    expect(other.values[0]).not.toEqual(ex.values[0]);
    expect(other.episodes).not.toEqual(ex.episodes);
  });

  describe('files', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'example-metrics-'));
      for (const name of ['a', 'b']) {
        await mkdir(join(dir, name));
        await writeExampleMetricsFiles(
          join(dir, name),
          generateExampleMetrics(options, 7),
          'driftwatch example-metrics',
        );
      }
    }, 60_000);
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('are the same bytes for the same options and seed', async () => {
      const names = (await readdir(join(dir, 'a'))).sort();
      expect(names).toEqual(['example.json', 'labels.csv', 'metrics.csv', 'metrics.json', 'metrics.parquet']);
      const differing = [];
      for (const name of names)
        if (!(await readFile(join(dir, 'b', name))).equals(await readFile(join(dir, 'a', name)))) differing.push(name);
      expect(differing).toEqual([]);
    });

    it.each(Object.keys(EXAMPLE_MAPPINGS) as (keyof typeof EXAMPLE_MAPPINGS)[])(
      'read back from %s with the mapping example.json gives',
      async (name) => {
        const manifest = JSON.parse(await readFile(join(dir, 'a', 'example.json'), 'utf8'));
        const sequences = await readSequences(join(dir, 'a', name), manifest.files[name].mapping);
        expect(sequences.map((s) => s.entity)).toEqual(ex.entities);
        for (const [i, s] of sequences.entries()) {
          expect(s.length).toBe(ex.steps);
          expect(Number(s.timestamps![0])).toBe(ex.times[0]);
          expect(Number(s.timestamps![ex.steps - 1])).toBe(ex.times[ex.steps - 1]);
          // Prometheus sorts the metrics by name: compare by name, as float32 (Sequence values)
          for (const metric of ex.metrics) {
            const f = s.features.indexOf(metric);
            const read = Array.from({ length: ex.steps }, (_, t) => s.values[t * s.features.length + f]);
            expect(read).toEqual(column(ex, i, metric).map(Math.fround));
          }
        }
      },
    );

    it('list the episodes in labels.csv as readLabelFile reads them, bounds inclusive', async () => {
      const path = join(dir, 'a', 'labels.csv');
      const lines = await readLabelFile(path);
      expect(lines.map((l) => [l.entity, l.type])).toEqual(ex.episodes.map((e) => [e.entity, e.type]));
      const text = (await readFile(path, 'utf8')).trim().split('\n');
      expect(text[0]).toBe('entity,start,end,type,metric,sigmas');
      expect(text.slice(1).map((l) => l.split(',')[4])).toEqual(ex.episodes.map((e) => e.metric));
      const [first] = await readSequences(join(dir, 'a', 'metrics.csv'), EXAMPLE_MAPPINGS['metrics.csv']);
      const labelled = applyLabels(first, lines, labelTypes(lines), path);
      const own = ex.episodes.filter((e) => e.entity === first.entity);
      expect(labelled.ranges!.map((r) => [r.start, r.end - 1])).toEqual(own.map((e) => [e.first, e.last]));
    });
  });
});
