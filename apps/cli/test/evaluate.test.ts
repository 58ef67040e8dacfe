import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Dictionary,
  Float64,
  Int32,
  Table,
  TimestampMillisecond,
  Uint8,
  Utf8,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import { mulberry32, normalSampler } from '@driftwatch/contracts';
import { readResults } from '@driftwatch/experiments';
import { parquetBytes } from '@driftwatch/ingest';
import { evaluate } from '../src/commands/evaluate';
import { score } from '../src/commands/score';
import { train } from '../src/commands/train';
import { main } from '../src/main';
import { captureOutput, makeAsdLikeRoot, runCommand } from './fixtures';

/**
 * A record-score file as `driftwatch score --input` writes it (W = 3, so two warm-up records per entity), and the
 * peak F1 worked out by hand at β = 0 with the labels file below:
 * entity a, anomaly at records 4–5; scored records 2–9 = .1 .85 .9 .8 .95 .7 .2 .1. Records 6 and 7 follow the
 * anomaly within W − 1 = 2 and are left out (else .95 would be a false alarm above everything). At τ = .8 the
 * alarms are 3, 4, 5: P = 2/3, R = 1, F1 = .8 (τ = .85: .5, τ = .9: 2/3) → peak .8.
 * entity b, anomaly at record 2; scored records 2–4 = .5 .1 .3 → τ = .5 flags only record 2: F1 = 1.
 */
const START = Date.parse('2026-01-01T00:00:00.000Z');
const MINUTE = 60_000;
const A = [null, null, 0.1, 0.85, 0.9, 0.8, 0.95, 0.7, 0.2, 0.1];
const B = [null, null, 0.5, 0.1, 0.3];
const LABELS =
  'entity,start,end,type\n' +
  'a,2026-01-01T00:04:00Z,2026-01-01T00:05:00Z,cpu\n' +
  'b,2026-01-01T00:02:00Z,2026-01-01T00:02:00Z,cpu\n';

function rowsOf(): { entity: string; time: number; record: number; score: number | null }[] {
  return [
    ...A.map((score, record) => ({ entity: 'a', time: START + record * MINUTE, record, score })),
    ...B.map((score, record) => ({ entity: 'b', time: START + record * MINUTE, record, score })),
  ];
}

function recordScoreCsv(): string {
  const lines = ['entity,timestamp,record,warmup,score,smoothed,threshold,alarm'];
  for (const r of rowsOf()) {
    const s = r.score === null ? '' : String(r.score);
    const alarm = r.score !== null && r.score >= 0.8 ? 1 : 0;
    lines.push(
      `${r.entity},${new Date(r.time).toISOString()},${r.record},${r.score === null ? 1 : 0},${s},${s},0.8,${alarm}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function recordScoreArrow(): Uint8Array {
  const rows = rowsOf();
  const table = new Table({
    entity: vectorFromArray(
      rows.map((r) => r.entity),
      new Dictionary(new Utf8(), new Int32()),
    ),
    timestamp: vectorFromArray(
      rows.map((r) => r.time),
      new TimestampMillisecond(),
    ),
    record: vectorFromArray(
      rows.map((r) => r.record),
      new Int32(),
    ),
    warmup: vectorFromArray(
      rows.map((r) => (r.score === null ? 1 : 0)),
      new Uint8(),
    ),
    score: vectorFromArray(
      rows.map((r) => r.score),
      new Float64(),
    ),
    smoothed: vectorFromArray(
      rows.map((r) => r.score),
      new Float64(),
    ),
    threshold: vectorFromArray(
      rows.map(() => 0.8),
      new Float64(),
    ),
    alarm: vectorFromArray(
      rows.map((r) => (r.score !== null && r.score >= 0.8 ? 1 : 0)),
      new Uint8(),
    ),
  });
  return tableToIPC(table, 'file');
}

describe('driftwatch evaluate', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  beforeAll(async () => {
    fixture = await makeAsdLikeRoot({ train: 200, test: 160 });
    await writeFile(join(fixture.root, 'labels.csv'), LABELS);
    await writeFile(join(fixture.root, 'scores.csv'), recordScoreCsv());
    await writeFile(join(fixture.root, 'scores.arrow'), recordScoreArrow());
    const parquet: Uint8Array[] = [];
    const batches = async function* () {
      yield* tableFromIPC(recordScoreArrow()).batches;
    };
    for await (const chunk of parquetBytes(batches())) parquet.push(chunk);
    await writeFile(join(fixture.root, 'scores.parquet'), Buffer.concat(parquet));
  });
  afterAll(() => rm(fixture.root, { recursive: true, force: true }));

  it.each(['scores.csv', 'scores.arrow', 'scores.parquet'])(
    'evaluates a record-score file (%s) against a labels file, warm-up rows left out',
    async (name) => {
      const out = join(fixture.root, `${name}.jsonl`);
      const labels = join(fixture.root, 'labels.csv');
      const scores = join(fixture.root, name);
      const { code, stderr } = await runCommand(evaluate, [
        '--scores',
        scores,
        '--labels',
        labels,
        '--smoothing',
        '0',
        '--out',
        out,
      ]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const rows = await readResults(out);
      expect(rows.map((r) => [r.testSequence, r.dataset, r.smoothing])).toEqual([
        ['a', 'input', 0],
        ['b', 'input', 0],
      ]);
      expect(rows[0].peakF1).toBeCloseTo(0.8, 12);
      expect(rows[0].precision).toBeCloseTo(2 / 3, 12);
      expect(rows[0].threshold).toBe(0.8);
      expect(rows[1].peakF1).toBe(1);
    },
  );

  it('refuses a record-score file without --labels, and a labels file naming an unknown entity', async () => {
    const scores = join(fixture.root, 'scores.csv');
    const bare = await runCommand(evaluate, ['--scores', scores]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/carry no labels: pass --labels/);
    const labels = join(fixture.root, 'unknown.csv');
    await writeFile(labels, `${LABELS}c,0,3\n`);
    const out = join(fixture.root, 'unknown.jsonl');
    const bad = await runCommand(evaluate, ['--scores', scores, '--labels', labels, '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/line 4 names entity "c", which is not in the input; its entities are a, b/);
    expect(existsSync(out)).toBe(false);
  });

  it("reads a per-entity bench's score file and gives its results lines again, deployed figures included", async () => {
    const bench = join(fixture.root, 'bench');
    const base = ['--data-root', fixture.root];
    const run = await captureOutput(() =>
      main([
        'bench',
        'windows',
        '--protocol',
        'per-entity',
        '--methods',
        'mahalanobis',
        '--entities',
        '2',
        '--out',
        bench,
        ...base,
      ]),
    );
    expect(run.result).toBe(0);
    expect(run.stdout).toMatch(/\| omi-2 +\| mahalanobis/);
    const benchRows = await readResults(join(bench, 'results.jsonl'));
    expect(benchRows.map((r) => r.testSequence)).toEqual(benchRows.map(() => 'asd/test/omi-2'));
    const out = join(fixture.root, 'bench-eval.jsonl');
    const file = join(bench, 'scores', 'mahalanobis', 'omi-2.arrow');
    const { code, stderr } = await runCommand(evaluate, ['--scores', file, '--out', out, ...base]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const evaluated = await readResults(out);
    expect(evaluated).toHaveLength(benchRows.length);
    for (const e of evaluated) {
      const b = benchRows.find((r) => r.smoothing === e.smoothing)!;
      expect(e.testSequence).toBe('asd/test/omi-2');
      expect(e.peakF1).toBeCloseTo(b.peakF1, 10);
      expect(e.deployed!.map((d) => d.selector)).toEqual(b.deployed!.map((d) => d.selector));
      e.deployed!.forEach((d, k) => expect(d.f1).toBeCloseTo(b.deployed![k].f1, 10));
    }
  }, 120_000);

  it('reads a tsb-ad bench score file with --input, and says which flag its labels need without it', async () => {
    const series = join(fixture.root, 'tsb');
    await mkdir(series);
    const rows = Array.from({ length: 120 }, (_, t) => `${Math.sin(t / 4).toFixed(3)},${t >= 90 && t < 96 ? 1 : 0}`);
    rows.forEach((r, t) => (t >= 90 && t < 96 ? (rows[t] = `${(3 + Math.sin(t / 4)).toFixed(3)},1`) : r));
    await writeFile(join(series, '001_Demo_id_1_Sensor_tr_60_1st_90.csv'), `value,Label\n${rows.join('\n')}\n`);
    const bench = join(fixture.root, 'bench-tsb');
    const run = await captureOutput(() =>
      main([
        'bench',
        'windows',
        '--protocol',
        'tsb-ad',
        '--input',
        series,
        '--methods',
        'mahalanobis',
        '--params',
        '{"windowLength":4}',
        '--out',
        bench,
      ]),
    );
    expect(run.result).toBe(0);
    const [line] = await readResults(join(bench, 'results.jsonl'));
    expect(line).toMatchObject({ dataset: 'tsb-ad', testSequence: 'tsb-ad/001_Demo_id_1_Sensor_tr_60_1st_90' });
    const file = join(bench, 'scores', 'mahalanobis', '001_Demo_id_1_Sensor_tr_60_1st_90.arrow');
    const missing = await runCommand(evaluate, ['--scores', file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/need their files for the labels: pass --input/);
    const out = join(fixture.root, 'tsb-eval.jsonl');
    const ok = await runCommand(evaluate, ['--scores', file, '--input', series, '--out', out]);
    expect(ok.code).toBe(0);
    const first = (await readResults(out)).find((r) => r.smoothing === line.smoothing)!;
    expect(first.peakF1).toBeCloseTo(line.peakF1, 10);
    // report finds the series' labels through the paths run.json keeps
    const md = join(fixture.root, 'tsb-report.md');
    expect((await captureOutput(() => main(['report', bench, '--format', 'md', '--out', md]))).result).toBe(0);
    expect(await readFile(md, 'utf8')).toMatch(/results lines, 1 score series\./);
  }, 60_000);

  it('draws a per-entity run in the report: its score series get their labels', async () => {
    const html = join(fixture.root, 'report.md');
    const run = await captureOutput(() =>
      main(['report', join(fixture.root, 'bench'), '--format', 'md', '--out', html, '--data-root', fixture.root]),
    );
    expect(run.result).toBe(0);
    const text = await readFile(html, 'utf8');
    expect(text).not.toMatch(/not read by report yet/);
    // one score series: the per-entity test part found its labels under the data root
    expect(text).toMatch(/results lines, 1 score series\./);
  }, 60_000);

  it('train --input → score --input → evaluate --labels: the injected episode is found', async () => {
    // 3 hosts × 600 records of 3 metrics, one a minute; web-2's mem is shifted by +8 at records 500–519
    const normal = normalSampler(mulberry32(7));
    const lines = ['time,host,cpu,mem,disk'];
    for (const host of ['web-1', 'web-2', 'db-1'])
      for (let t = 0; t < 600; t++) {
        const shift = host === 'web-2' && t >= 500 && t < 520 ? 8 : 0;
        const cpu = 50 + 10 * Math.sin(t / 10) + normal();
        const row = [cpu, 20 + 0.5 * cpu + normal() + shift, 5 + normal()].map((x) => x.toFixed(3));
        lines.push([new Date(Date.UTC(2026, 0, 1) + t * 60_000).toISOString(), host, ...row].join(','));
      }
    const input = join(fixture.root, 'own.csv');
    await writeFile(input, `${lines.join('\n')}\n`);
    const map = ['--map', 'timestamp=time', '--map', 'timestampUnit=iso', '--entity-column', 'host'];
    const model = join(fixture.root, 'own-model');
    const trained = await runCommand(train, [
      '--input',
      input,
      ...map,
      '--train-range',
      '0..399',
      '--method',
      'mahalanobis',
      '--params',
      '{"windowLength":5}',
      '--out',
      model,
    ]);
    expect(trained.code).toBe(0);
    const scores = join(fixture.root, 'own-scores.arrow');
    expect((await runCommand(score, ['--model', model, '--input', input, ...map, '--out', scores])).code).toBe(0);
    const labels = join(fixture.root, 'own-labels.csv');
    await writeFile(labels, 'entity,start,end\nweb-2,2026-01-01T08:20:00Z,2026-01-01T08:39:00Z\n');
    const out = join(fixture.root, 'own-eval.jsonl');
    const r = await runCommand(evaluate, ['--scores', scores, '--labels', labels, '--smoothing', '0', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = await readResults(out);
    expect(rows.map((x) => x.testSequence)).toEqual(['web-1', 'web-2', 'db-1']);
    // a +8 shift of one metric stands far above the training windows: the episode's records are the top scores
    expect(rows[1].peakF1).toBeGreaterThan(0.8);
  }, 120_000);
});
