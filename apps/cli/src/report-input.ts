/**
 * Gathers what `driftwatch report` draws from benchmark output folders: results.jsonl lines, run.json, and the
 * score files under scores/<method>/<entity>.arrow with the labels of their test sequences from the data root.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataRootError, DriftwatchError, InputError, type ResultRecord, type Sequence } from '@driftwatch/contracts';
import { parseJsonWithPositions, readScoreFile } from '@driftwatch/ingest';
import {
  bestGridPoint,
  groupBy,
  type LatentProjection,
  type ReportInput,
  type RunInfo,
  type ScoreSeries,
  type SourcedResult,
} from '@driftwatch/report';
import { readResults, repeatedResultLines, resolveTestSequences, scoredSpan } from '@driftwatch/experiments/data';

/** Prefix of the validation (calibration) sequences in a benchmark's score files. */
export const VALIDATION_PREFIX = 'validation:';

const REQUIRED_STRINGS = ['method', 'dataset', 'testSequence'] as const;
const REQUIRED_NUMBERS = ['smoothing', 'peakF1'] as const;

/** Checks the fields a report needs; the error names the file and line. */
export function checkResultLine(r: ResultRecord, file: string, line: number): void {
  for (const k of REQUIRED_STRINGS) {
    if (typeof r[k] !== 'string' || r[k] === '')
      throw new InputError(
        { file, line, column: 1 },
        `a results line with a non-empty string "${k}"`,
        JSON.stringify(r[k]) ?? 'nothing',
      );
  }
  for (const k of REQUIRED_NUMBERS) {
    if (typeof r[k] !== 'number')
      throw new InputError(
        { file, line, column: 1 },
        `a results line with a number "${k}"`,
        JSON.stringify(r[k]) ?? 'nothing',
      );
  }
}

/**
 * A results folder (holding results.jsonl) or a results file; the folder is where run.json and scores/ are looked for.
 */
export async function resolveResultsPath(given: string): Promise<{ file: string; dir: string }> {
  let s;
  try {
    s = await stat(given);
  } catch {
    throw new DataRootError(`${given}: no such results folder or file`);
  }
  if (s.isDirectory()) {
    const file = join(given, 'results.jsonl');
    if (!existsSync(file))
      throw new DataRootError(
        `${given} holds no results.jsonl: name a folder written by \`driftwatch bench\` or a results file`,
      );
    return { file, dir: given };
  }
  return { file: given, dir: dirname(given) };
}

async function readRunInfo(dir: string): Promise<RunInfo | undefined> {
  const file = join(dir, 'run.json');
  if (!existsSync(file)) return undefined;
  const text = await readFile(file, 'utf8');
  parseJsonWithPositions(text, file); // a syntax error gets its line and column
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InputError({ file, line: 1, column: 1 }, 'a JSON object', typeof raw);
  return { source: dir, ...(raw as Omit<RunInfo, 'source'>) };
}

export interface LoadOptions {
  /** data root for the labels; when it cannot be resolved, score series are left out with a note */
  dataRoot: () => string;
  /** TSB-AD files the tsb-ad test sequences come from (run.json's data.source of a tsb-ad run) */
  tsbAdSources?: string[];
  title?: string;
}

/** Everything `report` needs from the given folders or files. */
export async function loadReportInput(paths: string[], options: LoadOptions): Promise<ReportInput> {
  const results: SourcedResult[] = [];
  const runs: RunInfo[] = [];
  const notes: string[] = [];
  const scoreFiles: { dir: string; method: string; testSequence: string; file: string }[] = [];
  const latent: LatentProjection[] = [];
  const dirOf = new Map<string, string>();
  for (const given of paths) {
    const { file, dir } = await resolveResultsPath(given);
    const lines = await readResults(file);
    if (lines.length === 0)
      throw new InputError({ file, line: 1, column: 1 }, 'at least one results line', 'an empty file');
    lines.forEach((r, i) => checkResultLine(r, file, i + 1));
    const repeated = repeatedResultLines(lines);
    if (repeated.length > 0) {
      // counted twice, a unit would weigh double in every mean: refuse rather than report wrong numbers
      const units = new Set(repeated.map((r) => r.unit)).size;
      // our own account of the file, not a quote of it: a DriftwatchError, whose message InputError would cut
      throw new DriftwatchError(
        `${file}:${repeated[0].line}: expected each results line once, found a line that repeats a line of line ` +
          `${repeated[0].first} (${repeated[0].unit}): ${units} unit(s) twice or more, as when two runs write one ` +
          'folder at once; remove the repeated lines or run again',
      );
    }
    results.push(...lines.map((r) => ({ ...r, source: file })));
    const run = await readRunInfo(dir);
    if (run) runs.push(run);
    dirOf.set(file, dir);
  }
  // per (method, test sequence), the files of the grid point the report draws: the best over every folder
  for (const rows of groupBy(results, (r) => `${r.method}\u0000${r.testSequence}`).values()) {
    const best = bestGridPoint(rows);
    const { method, testSequence } = best;
    const dir = dirOf.get(best.source)!;
    // a grid run names its files by the grid point's id
    const suffix = typeof best.gridPoint === 'string' ? `.${best.gridPoint}` : '';
    const scoreFile = join(dir, 'scores', method, `${basename(testSequence)}${suffix}.arrow`);
    if (existsSync(scoreFile)) scoreFiles.push({ dir, method, testSequence, file: scoreFile });
    const latentFile = join(dir, 'latent', method, `${basename(testSequence)}${suffix}.json`);
    if (existsSync(latentFile)) latent.push(await readLatentProjection(latentFile));
  }
  const tsbAdSources = runs.flatMap((r) => {
    const data = r.data as { protocol?: string; paths?: unknown } | undefined;
    return data?.protocol === 'tsb-ad' && Array.isArray(data.paths) ? data.paths.map(String) : [];
  });
  const series = await loadSeries(results, scoreFiles, { tsbAdSources, ...options }, notes);
  return { title: options.title, generatedAt: new Date().toISOString(), results, runs, series, latent, notes };
}

/** A bench latent/<method>/<server>.json; a file of another shape is an error naming it. */
async function readLatentProjection(file: string): Promise<LatentProjection> {
  const text = await readFile(file, 'utf8');
  parseJsonWithPositions(text, file);
  const raw = JSON.parse(text) as Partial<LatentProjection>;
  const pair = (v: unknown) => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number');
  const badPoint = Array.isArray(raw.points)
    ? raw.points.findIndex((p) => typeof p?.domain !== 'string' || !pair(p.zy) || !pair(p.zd))
    : 0;
  if (
    typeof raw.method !== 'string' ||
    typeof raw.testSequence !== 'string' ||
    !Array.isArray(raw.points) ||
    badPoint >= 0 ||
    !raw.explained
  ) {
    throw new InputError(
      { file },
      'a latent projection: method, testSequence, explained, and points with a domain and zy, zd pairs',
      badPoint >= 0 ? `point ${badPoint}` : 'another object',
    );
  }
  return raw as LatentProjection;
}

async function loadSeries(
  results: SourcedResult[],
  scoreFiles: { method: string; testSequence: string; file: string }[],
  options: LoadOptions,
  notes: string[],
): Promise<ScoreSeries[]> {
  if (scoreFiles.length === 0) return [];
  let root: string;
  try {
    root = options.dataRoot();
  } catch (error) {
    notes.push(
      `Score files were found but no data root for their labels (${(error as Error).message}); ` +
        `distributions and timelines are left out.`,
    );
    return [];
  }
  // the test sequences of every protocol map back to data (TSB-AD's through the paths run.json records)
  const labelled = new Map<string, Sequence>();
  const tsbAd = options.tsbAdSources ?? [];
  const readable = scoreFiles.filter((f) => {
    const dataset = f.testSequence.split('/')[0];
    if (dataset === 'asd' || dataset === 'smd' || (dataset === 'tsb-ad' && tsbAd.length > 0)) return true;
    notes.push(`${f.file}: labels of ${dataset} test sequences are not read by report yet; left out.`);
    return false;
  });
  const resolved = await resolveTestSequences(
    readable.map((f) => f.testSequence),
    { dataRoot: () => root, tsbAd },
  );
  for (const [id, s] of resolved) labelled.set(id, s);
  const series: ScoreSeries[] = [];
  for (const f of scoreFiles) {
    const seq = labelled.get(f.testSequence);
    if (!seq) continue;
    const scores = await readScoreFile(f.file);
    const test = scores.get(f.testSequence);
    if (!test)
      throw new InputError(
        { file: f.file },
        `scores of sequence ${JSON.stringify(f.testSequence)}`,
        [...scores.keys()].slice(0, 4).join(', '),
      );
    if (test.length !== seq.length)
      throw new InputError(
        { file: f.file },
        `${seq.length} record scores for ${f.testSequence} (its length under the data root)`,
        `${test.length}`,
      );
    const params =
      bestGridPoint(results.filter((r) => r.method === f.method && r.testSequence === f.testSequence)).params ?? {};
    const windowLength = typeof params.windowLength === 'number' ? params.windowLength : scoredSpan(test).first + 1;
    const calibration = [...scores].filter(([id]) => id.startsWith(VALIDATION_PREFIX)).map(([, s]) => s);
    series.push({
      method: f.method,
      dataset: seq.id.split('/')[0],
      testSequence: f.testSequence,
      windowLength,
      testScores: test,
      labels: seq.labels!,
      ranges: seq.ranges,
      calibration,
      firstChannel: Float64Array.from({ length: seq.length }, (_, t) => seq.values[t * seq.features.length]),
    });
  }
  return series;
}
