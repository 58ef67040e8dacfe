/**
 * The "Done when", end to end through the command line: example metrics with injected one-metric episodes
 * (`driftwatch example-metrics`), `train --input` on the clean first day, `score --input` on both days, and the
 * episodes file judged against labels.csv — at least 90% of the injected episodes flagged, at most one false
 * episode per entity and scored day, and the injected metric the top feature of every flagged one. The same from
 * the wide CSV, the Parquet file and the Prometheus JSON.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main';
import { captureOutput } from './fixtures';

interface Injected {
  entity: string;
  start: number;
  end: number;
  metric: string;
  type: string;
}

interface Alarm {
  entity: string;
  start: number;
  end: number;
  peak: number;
  top: string;
}

/** A small CSV with plain fields (no quotes): header → objects. */
function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
}

/** What the criterion measures, so that a failure shows the numbers. */
interface Outcome {
  injected: number;
  detected: number;
  topRight: number;
  falseEpisodes: number;
  wrongTop: string[];
  missed: string[];
}

/**
 * An injected episode is flagged when an alarm episode of its entity overlaps it, the alarm allowed to start up
 * to `lagMs` (the window length) after it ends; its top feature is that of the overlapping alarm with the highest
 * peak. A false episode overlaps no injected episode.
 */
function judge(injected: readonly Injected[], alarms: readonly Alarm[], lagMs: number): Outcome {
  const overlaps = (a: Alarm, e: Injected) => a.entity === e.entity && a.start <= e.end + lagMs && a.end >= e.start;
  const outcome: Outcome = {
    injected: injected.length,
    detected: 0,
    topRight: 0,
    falseEpisodes: 0,
    wrongTop: [],
    missed: [],
  };
  for (const e of injected) {
    const hits = alarms.filter((a) => overlaps(a, e)).sort((a, b) => b.peak - a.peak);
    const what = `${e.entity} ${e.type} of ${e.metric} at ${new Date(e.start).toISOString()}`;
    if (hits.length === 0) {
      outcome.missed.push(what);
      continue;
    }
    outcome.detected++;
    if (hits[0].top === e.metric) outcome.topRight++;
    else outcome.wrongTop.push(`${what}: top ${hits[0].top}`);
  }
  outcome.falseEpisodes = alarms.filter((a) => !injected.some((e) => overlaps(a, e))).length;
  return outcome;
}

async function run(args: string[]): Promise<string> {
  const r = await captureOutput(() => main(args));
  if (r.result !== 0) throw new Error(`driftwatch ${args.join(' ')} exited ${r.result}: ${r.stderr}`);
  return r.stdout;
}

describe('your own metrics, end to end', () => {
  const ENTITIES = 5;
  const DAYS = 2;
  const TRAINING_DAYS = 1;
  let dir: string;
  let example: string;
  let injected: Injected[];
  let trainRange: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-own-metrics-'));
    example = join(dir, 'example');
    await run([
      'example-metrics',
      ...['--entities', String(ENTITIES), '--metrics', '10', '--days', String(DAYS)],
      ...['--training-days', String(TRAINING_DAYS), '--seed', '0', '--out', example],
    ]);
    const labels = csvRows(await readFile(join(example, 'labels.csv'), 'utf8'));
    injected = labels.map((l) => ({
      entity: l.entity,
      start: Date.parse(l.start),
      end: Date.parse(l.end),
      metric: l.metric,
      type: l.type,
    }));
    trainRange = JSON.parse(await readFile(join(example, 'example.json'), 'utf8')).trainRange;
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // every file reads without a mapping: the CSV's and Parquet's entity and timestamp columns go by those names,
  // Prometheus names the entity by its instance label
  const INPUTS: Record<string, string[]> = { 'metrics.csv': [], 'metrics.parquet': [], 'metrics.json': [] };
  /** Trains on the first day of `file`, scores both days, and lists what falls short of the criterion. */
  async function walk(file: string, method: string, budget: string[]): Promise<string[]> {
    const model = join(dir, `${method}-${file}`);
    const scores = join(dir, `${method}-${file}.scores.csv`);
    const input = ['--input', join(example, file), ...INPUTS[file]];
    await run(['train', ...input, '--train-range', trainRange, '--method', method, ...budget, '--out', model]);
    await run(['score', '--model', model, ...input, '--out', scores]);
    const manifest = JSON.parse(await readFile(join(model, 'manifest.json'), 'utf8'));
    const episodes = csvRows(await readFile(scores.replace(/\.csv$/, '.episodes.csv'), 'utf8'));
    const alarms: Alarm[] = episodes.map((e) => ({
      entity: e.entity,
      start: Date.parse(e.start),
      end: Date.parse(e.end),
      peak: Number(e.peak_score),
      top: e.top_features.split(';')[0].split(':')[0],
    }));
    const outcome = judge(injected, alarms, manifest.windowLength * 60_000);
    const scoredEntityDays = ENTITIES * (DAYS - TRAINING_DAYS);
    const problems: string[] = [];
    if (outcome.detected < 0.9 * outcome.injected)
      problems.push(`flagged ${outcome.detected} of ${outcome.injected} injected episodes; missed ${outcome.missed}`);
    if (outcome.falseEpisodes > scoredEntityDays)
      problems.push(`${outcome.falseEpisodes} false episodes in ${scoredEntityDays} scored entity-days`);
    if (outcome.topRight < outcome.detected) problems.push(`wrong top feature: ${outcome.wrongTop.join('; ')}`);
    return problems;
  }

  it.each(['metrics.csv', 'metrics.parquet', 'metrics.json'])(
    'from %s with mahalanobis: ≥ 90%% of the injected episodes flagged, ≤ 1 false episode per entity-day, ' +
      'the injected metric on top',
    async (file) => {
      expect(await walk(file, 'mahalanobis', [])).toEqual([]);
    },
    120_000,
  );

  // Known shortfall, kept at full strength. Dense DIVAD-GM's own-data defaults (docs/divad.md §3.5: scored by the
  // aggregated posterior fitted to the training windows; explained by imputation, docs/explanations.md) were chosen
  // on seeds 1–4 of example-metrics, where they flagged 60 of 60 episodes, 57 with the injected metric on top, with
  // 2, 2, 8 and 1 false episodes. On this seed (10 epochs) they flag 15 of 15, every one with the injected metric on
  // top, but raise 11 false episodes: most peak just above the threshold (−14.7, the validation tail's POT) on
  // the second day, whose normal scores sit higher than the training day's. The prior's score flagged 6 of 15 with
  // 4 false. When this starts to pass, make it an ordinary `it`.
  it.failing(
    'from metrics.csv with dense-divad-gm: the same criterion',
    async () => {
      expect(await walk('metrics.csv', 'dense-divad-gm', ['--epochs', '10', '--backend', 'wasm'])).toEqual([]);
    },
    300_000,
  );
});
