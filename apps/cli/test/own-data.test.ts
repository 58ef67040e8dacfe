import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, normalSampler, type ModelManifest } from '@driftwatch/contracts';
import { readRecordScores } from '@driftwatch/ingest';
import { score } from '../src/commands/score';
import { train } from '../src/commands/train';
import { runCommand } from './fixtures';

const METRICS = ['cpu', 'mem', 'disk', 'net'];
const HOSTS = ['web-1', 'web-2', 'db-1'];
const RECORDS = 1440;
/** records of web-2 where mem is shifted by +8σ (in the scored part, after the training range 0..959) */
const INJECTED: [number, number] = [1200, 1229];
const TRAINED = 960;
const T0 = Date.UTC(2026, 0, 1);

/** A wide CSV time,host,cpu,mem,disk,net,req_total (one record a minute), columns in `order`. */
function metricsCsv(order: string[] = ['time', 'host', ...METRICS, 'req_total'], hosts = HOSTS): string {
  const normal = normalSampler(mulberry32(3));
  const lines = [order.join(',')];
  for (const host of hosts) {
    let requests = 0;
    for (let t = 0; t < RECORDS; t++) {
      const cpu = 50 + 10 * Math.sin((2 * Math.PI * t) / 60) + normal();
      const shift = host === 'web-2' && t >= INJECTED[0] && t <= INJECTED[1] ? 8 : 0;
      requests += 100 + Math.round(5 * normal());
      const row: Record<string, string> = {
        time: new Date(T0 + t * 60_000).toISOString(),
        host,
        cpu: cpu.toFixed(3),
        mem: (20 + 0.5 * cpu + normal() + shift).toFixed(3),
        disk: (5 + normal()).toFixed(3),
        net: (100 + 5 * Math.cos((2 * Math.PI * t) / 120) + normal()).toFixed(3),
        req_total: String(requests),
      };
      lines.push(order.map((c) => row[c]).join(','));
    }
  }
  return lines.join('\n') + '\n';
}

const MAP = ['--map', 'timestamp=time', '--map', 'timestampUnit=iso', '--entity-column', 'host'];

describe('driftwatch train --input / score --input', () => {
  let dir: string;
  let input: string;
  let model: string;
  let manifest: ModelManifest;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-own-data-'));
    input = join(dir, 'metrics.csv');
    await writeFile(input, metricsCsv());
    model = join(dir, 'model');
    const r = await runCommand(train, [
      '--input',
      input,
      ...MAP,
      '--train-range',
      `0..${TRAINED - 1}`,
      '--method',
      'mahalanobis',
      '--params',
      '{"windowLength":5}',
      '--out',
      model,
    ]);
    expect(r.stderr).not.toContain('driftwatch:');
    expect(r.code).toBe(0);
    // 3 × (144 − W + 1) validation window scores: fewer than a 1e-3 risk can be judged on
    expect(r.stderr).toContain('warning: the alarm threshold rests on 420 validation records');
    manifest = JSON.parse(await readFile(join(model, 'manifest.json'), 'utf8')) as ModelManifest;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('pins the feature plan, the calibration and the inputs in the manifest', async () => {
    expect(manifest.featurePlan).toEqual({
      inputs: [...METRICS, 'req_total'],
      features: [...METRICS, 'req_total'],
      difference: ['req_total'],
      dropped: [],
      entityColumn: 'host',
      timestampColumn: 'time',
      timestampUnit: 'iso',
      domain: 'entity',
    });
    expect(manifest.featureNames).toEqual([...METRICS, 'req_total']);
    const c = manifest.calibration!;
    expect(c.selector).toBe('pot-1e-3');
    expect(c.scorePosition).toBe('last');
    expect(manifest.windowLength).toBe(5);
    // the EWMA's span 1/(1 − β) is at least 10 records, longer than W = 5
    expect(c.mergeGap).toBe(Math.round(1 / (1 - c.smoothing)));
    expect(Number.isFinite(c.threshold)).toBe(true);
    // validation = the last ⌊0.15·960⌋ = 144 records of each entity's training range, one window score each
    expect(c.validationRecords).toBe(HOSTS.length * (Math.floor(0.15 * TRAINED) - manifest.windowLength + 1));
    expect(manifest.trainedOn?.dataset).toBe('input');
    expect(manifest.trainedOn?.sequences).toEqual(HOSTS);
    expect(manifest.trainedOn?.inputs?.[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('scores every record with warm-up flags, smoothed scores and alarms, and flags the injected episode', async () => {
    const out = join(dir, 'scores.csv');
    const started = Date.now();
    const r = await runCommand(score, ['--model', model, '--input', input, ...MAP, '--out', out]);
    expect(r.code).toBe(0);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(60);
    const text = await readFile(out, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('entity,timestamp,record,warmup,score,smoothed,threshold,alarm');
    expect(lines).toHaveLength(1 + HOSTS.length * RECORDS);
    expect(text).not.toMatch(/e\+308/);
    const rows = lines.slice(1).map((l) => l.split(','));
    // W−1 records, plus one for the differenced counter's record 0, carry no score
    const warm = manifest.windowLength - 1 + 1;
    const beta = manifest.calibration!.smoothing;
    const threshold = manifest.calibration!.threshold;
    for (const host of HOSTS) {
      const own = rows.filter((f) => f[0] === host);
      expect(own.map((f) => Number(f[2]))).toEqual([...Array(RECORDS).keys()]);
      expect(own[0][1]).toBe('2026-01-01T00:00:00.000Z');
      own.forEach((f, t) => {
        expect(f[3]).toBe(t < warm ? '1' : '0');
        expect(f[4] === '').toBe(t < warm);
        expect(Number(f[6])).toBe(threshold);
      });
      // smoothing restarts per entity: e_t = β·e_{t−1} + (1−β)·a_t from the calibrated start
      let e = manifest.calibration!.smoothingStart!;
      for (const f of own.slice(warm)) {
        e = beta * e + (1 - beta) * Number(f[4]);
        expect(Number(f[5])).toBeCloseTo(e, 6);
        expect(f[7]).toBe(Number(f[5]) >= threshold ? '1' : '0');
      }
    }
    const episodes = (await readFile(join(dir, 'scores.episodes.csv'), 'utf8')).trim().split('\n');
    expect(episodes[0]).toBe('entity,start,end,first_record,last_record,peak_score,peak_time,top_features');
    const found = episodes
      .slice(1)
      .map((l) => l.split(','))
      .filter((f) => f[0] === 'web-2' && Number(f[4]) >= INJECTED[0] && Number(f[3]) <= INJECTED[1] + 60);
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(Number(found[0][3])).toBeLessThanOrEqual(INJECTED[0] + 5);
    expect(found[0][7].split(';')[0]).toMatch(/^mem:0\.\d{3}$/);
    // false episodes after the training range: 3 entities × 480 records = one entity-day
    const falseEpisodes = episodes
      .slice(1)
      .map((l) => l.split(','))
      .filter((f) => Number(f[4]) >= TRAINED && !found.includes(f));
    expect(falseEpisodes.length).toBeLessThanOrEqual(2);
    expect(r.stdout).toContain(`${HOSTS.length * RECORDS} records of ${HOSTS.length} entities`);
  });

  it('maps reordered columns by name and writes Parquet that reads back with the same scores', async () => {
    const reordered = join(dir, 'reordered.csv');
    await writeFile(reordered, metricsCsv(['net', 'req_total', 'host', 'mem', 'time', 'disk', 'cpu']));
    const csvOut = join(dir, 'base.csv');
    const parquetOut = join(dir, 'reordered.parquet');
    expect((await runCommand(score, ['--model', model, '--input', input, ...MAP, '--out', csvOut])).code).toBe(0);
    const r = await runCommand(score, ['--model', model, '--input', reordered, '--out', parquetOut]);
    expect(r.code).toBe(0);
    const [a, b] = [await readRecordScores(csvOut), await readRecordScores(parquetOut)];
    expect(b.map((e) => e.entity)).toEqual(HOSTS);
    b.forEach((e, k) => {
      expect([...e.alarm]).toEqual([...a[k].alarm]);
      e.score.forEach((s, t) =>
        Number.isNaN(s) ? expect(a[k].score[t]).toBeNaN() : expect(s).toBeCloseTo(a[k].score[t], 9),
      );
    });
  });

  it('places scores at window centres with --score-position centre', async () => {
    const out = join(dir, 'centre.csv');
    const r = await runCommand(score, ['--model', model, '--input', input, '--out', out, '--score-position', 'centre']);
    expect(r.code).toBe(0);
    const [last, centre] = [await readRecordScores(join(dir, 'base.csv')), await readRecordScores(out)];
    const shift = Math.floor(manifest.windowLength / 2);
    for (let t = 0; t + shift < RECORDS; t++)
      if (!Number.isNaN(last[0].score[t + shift])) expect(centre[0].score[t]).toBe(last[0].score[t + shift]);
    expect([...centre[0].warmup.slice(RECORDS - shift)]).toEqual(new Array(shift).fill(1));
  });

  it('leaves the windows with a missing value unscored (warmup 0, empty score) and scores the rest', async () => {
    const gappy = join(dir, 'gaps.csv');
    const lines = metricsCsv().split('\n');
    // web-1 records 200..204 have no cpu (line k + 1 holds record k)
    for (let t = 200; t <= 204; t++) lines[t + 1] = lines[t + 1].replace(/^([^,]*,[^,]*,)[^,]*/, '$1');
    await writeFile(gappy, lines.join('\n'));
    const out = join(dir, 'gaps.csv.scores.csv');
    const r = await runCommand(score, ['--model', model, '--input', gappy, '--out', out]);
    expect(r.code).toBe(0);
    const web1 = (await readRecordScores(out))[0];
    const W = manifest.windowLength;
    // windows ending at 200 .. 204 + W − 1 contain a gap
    for (let t = 195; t < 215; t++) {
      expect(web1.warmup[t]).toBe(0);
      expect(Number.isNaN(web1.score[t])).toBe(t >= 200 && t <= 204 + W - 1);
    }
  });

  it('scores an entity it was not trained on', async () => {
    const unseen = join(dir, 'unseen.csv');
    await writeFile(unseen, metricsCsv(undefined, ['cache-9']));
    const out = join(dir, 'unseen.scores.csv');
    const r = await runCommand(score, ['--model', model, '--input', unseen, '--out', out]);
    expect(r.code).toBe(0);
    const [only] = await readRecordScores(out);
    expect(only.entity).toBe('cache-9');
    expect(only.score.filter((s) => Number.isFinite(s))).toHaveLength(RECORDS - manifest.windowLength);
  });

  it('joins the files of a directory per entity in time order and learns DIVAD domains from a column', async () => {
    const sub = await mkdtemp(join(dir, 'dir-'));
    const lines = metricsCsv().trim().split('\n');
    const header = lines[0].split(',');
    // per host two files; the later half sorts first by name, so only the times put them in order
    for (const host of HOSTS) {
      const rows = lines.slice(1).filter((l) => l.split(',')[1] === host);
      const version = host === 'db-1' ? 'v2' : 'v1';
      const file = (part: string[]) =>
        [['version', ...header].join(','), ...part.map((l) => `${version},${l}`)].join('\n') + '\n';
      await writeFile(join(sub, `${host}-a.csv`), file(rows.slice(RECORDS / 2)));
      await writeFile(join(sub, `${host}-b.csv`), file(rows.slice(0, RECORDS / 2)));
    }
    const divad = join(dir, 'divad');
    const args = ['--input', sub, ...MAP, '--domain', 'column:version', '--train-fraction', '0.5'];
    const t = await runCommand(train, [...args, '--method', 'dense-divad-gm', '--epochs', '1', '--out', divad]);
    expect(t.code).toBe(0);
    const m = JSON.parse(await readFile(join(divad, 'manifest.json'), 'utf8')) as ModelManifest;
    expect(m.domains).toEqual(['v1', 'v2']);
    expect(m.featurePlan?.domain).toEqual({ column: 'version' });
    expect(m.trainedOn?.inputs).toHaveLength(2 * HOSTS.length);
    expect(m.trainedOn?.trainRange).toBe('first 0.5 of each entity');
    // the first half of each entity is what the b files hold: 0.15 of it is validation
    expect(m.calibration?.validationRecords).toBe(
      HOSTS.length * (Math.floor(0.15 * (RECORDS / 2)) - m.windowLength + 1),
    );
    const unseen = join(sub, 'unseen');
    await writeFile(
      unseen + '.csv',
      metricsCsv(undefined, ['cache-9'])
        .split('\n')
        .map((l, k) => (l === '' ? l : `${k === 0 ? 'version' : 'v3'},${l}`))
        .join('\n'),
    );
    const out = join(dir, 'divad-scores.arrow');
    const r = await runCommand(score, ['--model', divad, '--input', sub, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('dense-divad-gm learnt the domains v1, v2; scored without a domain: cache-9');
    const scored = await readRecordScores(out);
    expect(scored.map((e) => e.entity)).toEqual(['db-1', 'cache-9', 'web-1', 'web-2']);
    const times = [...scored[2].timestamps!].map(Number);
    expect(times).toEqual(times.map((_, t) => T0 + t * 60_000));
  });

  it('trains on a Prometheus query_range answer: metric names as features, counters by their _total name', async () => {
    const normal = normalSampler(mulberry32(5));
    const series = (instance: string, name: string, value: (t: number) => number) => ({
      metric: { __name__: name, instance },
      values: Array.from({ length: 400 }, (_, t) => [T0 / 1000 + 60 * t, String(value(t))]),
    });
    const result = ['n1:9100', 'n2:9100'].flatMap((instance) => [
      series(instance, 'node_cpu_seconds_total', (t) => 30 * t + Math.abs(normal())),
      series(instance, 'node_load1', () => 1 + 0.1 * normal()),
      series(instance, 'node_memory_bytes', () => 1e9 + 1e7 * normal()),
    ]);
    const file = join(dir, 'prometheus.json');
    await writeFile(file, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
    const out = join(dir, 'prometheus-model');
    const r = await runCommand(train, ['--input', file, '--method', 'pca', '--out', out]);
    expect(r.code).toBe(0);
    const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as ModelManifest;
    expect(m.featurePlan?.inputs).toEqual(['node_cpu_seconds_total', 'node_load1', 'node_memory_bytes']);
    expect(m.featurePlan?.difference).toEqual(['node_cpu_seconds_total']);
    expect(m.trainedOn?.sequences).toEqual(['n1:9100', 'n2:9100']);
    const scores = join(dir, 'prometheus.csv');
    expect((await runCommand(score, ['--model', out, '--input', file, '--out', scores])).code).toBe(0);
    expect((await readRecordScores(scores)).map((e) => e.timestamps![0])).toEqual([BigInt(T0), BigInt(T0)]);
  });

  describe('bad input: one clear error, exit code, nothing written', () => {
    async function expectNothingWritten(where: string, before: string[]) {
      expect((await readdir(where)).sort()).toEqual(before);
    }

    it.each([
      ['a missing feature', ['time', 'host', 'cpu', 'mem', 'req_total'], /missing disk, net\).*--map metrics=/],
      ['an extra feature', ['time', 'host', ...METRICS, 'req_total', 'swap'], /extra swap\).*--map metrics=/],
    ])('%s', async (_, columns, message) => {
      const sub = await mkdtemp(join(dir, 'bad-'));
      const file = join(sub, 'in.csv');
      const body = metricsCsv([...new Set(columns.map((c) => (c === 'swap' ? 'disk' : c)))]).split('\n');
      // the extra column repeats disk's values under another name
      const text = columns.includes('swap')
        ? body.map((l, k) => (k === 0 ? `${l},swap` : l === '' ? l : `${l},${l.split(',').at(-2)}`)).join('\n')
        : body.join('\n');
      await writeFile(file, text);
      const out = join(sub, 'out.csv');
      await writeFile(out, 'kept');
      const r = await runCommand(score, ['--model', model, '--input', file, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(await readFile(out, 'utf8')).toBe('kept');
      await expectNothingWritten(sub, ['in.csv', 'out.csv']);
    });

    it('a time column named otherwise than in training, with the flag that names it', async () => {
      const sub = await mkdtemp(join(dir, 'renamed-'));
      const file = join(sub, 'in.csv');
      await writeFile(file, metricsCsv().replace(/^time,/, 'ts,'));
      const out = join(sub, 'o.csv');
      const r = await runCommand(score, ['--model', model, '--input', file, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("column time comes from the training input; name this input's with --map timestamp=");
      await expectNothingWritten(sub, ['in.csv']);
      const fixed = await runCommand(score, ['--model', model, '--input', file, '--map', 'timestamp=ts', '--out', out]);
      expect(fixed.code).toBe(0);
    });

    it('an empty file', async () => {
      const sub = await mkdtemp(join(dir, 'empty-'));
      const file = join(sub, 'in.csv');
      await writeFile(file, '');
      const r = await runCommand(score, ['--model', model, '--input', file, '--out', join(sub, 'o.csv')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${file}:1:1: expected a header line, found "an empty file"`);
      const t = await runCommand(train, ['--input', file, '--method', 'pca', '--out', join(sub, 'm')]);
      expect(t.code).toBe(1);
      await expectNothingWritten(sub, ['in.csv']);
    });

    it('a header without records', async () => {
      const sub = await mkdtemp(join(dir, 'header-'));
      const file = join(sub, 'in.csv');
      await writeFile(file, 'time,host,cpu\n');
      const t = await runCommand(train, ['--input', file, ...MAP, '--method', 'pca', '--out', join(sub, 'm')]);
      expect(t.code).toBe(1);
      expect(t.stderr).toContain(`${file}:2:1: expected at least one data row, found "only a header"`);
      await expectNothingWritten(sub, ['in.csv']);
    });

    it('a domain column whose value changes within an entity', async () => {
      const sub = await mkdtemp(join(dir, 'domain-'));
      const file = join(sub, 'in.csv');
      const lines = metricsCsv().trim().split('\n');
      await writeFile(file, lines.map((l, k) => `${k === 0 ? 'version' : k % 2 ? 'v1' : 'v2'},${l}`).join('\n'));
      const r = await runCommand(train, [
        ...['--input', file, ...MAP, '--domain', 'column:version', '--method', 'pca', '--out', join(sub, 'm')],
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('--domain column:version: entity web-1 has 2 values (v1, v2)');
      await expectNothingWritten(sub, ['in.csv']);
    });

    it('a labels file naming an unknown entity', async () => {
      const sub = await mkdtemp(join(dir, 'labels-'));
      const labels = join(sub, 'labels.csv');
      await writeFile(labels, 'entity,start,end\nweb-2,2026-01-01T08:00:00Z,2026-01-01T08:30:00Z\nweb-9,1,2\n');
      const args = ['--input', input, ...MAP, '--labels', labels, '--method', 'pca', '--out', join(sub, 'm')];
      const r = await runCommand(train, args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('line 3 names entity "web-9", which is not in the input');
      await expectNothingWritten(sub, ['labels.csv']);
    });

    it('--input together with --dataset', async () => {
      const r = await runCommand(train, ['--input', input, '--dataset', 'asd', '--method', 'pca', '--out', 'x']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--input reads your own files; --dataset is for the shipped data sets');
    });

    it('a model trained on a data set, scored with --input', async () => {
      const sub = await mkdtemp(join(dir, 'old-'));
      const old = join(sub, 'old');
      await writeFile(join(sub, 'placeholder'), '');
      const m = { ...manifest, featurePlan: undefined, calibration: undefined };
      await rm(old, { recursive: true, force: true });
      await import('node:fs/promises').then((fs) => fs.cp(model, old, { recursive: true }));
      await writeFile(join(old, 'manifest.json'), JSON.stringify(m));
      const r = await runCommand(score, ['--model', old, '--input', input, '--out', join(sub, 'o.csv')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('was trained with --dataset');
      expect(existsSync(join(sub, 'o.csv'))).toBe(false);
    });
  });
});
