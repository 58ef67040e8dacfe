/**
 * The window detectors' benchmark under a protocol (`driftwatch bench windows --protocol …`; leave-one-entity-out
 * of docs/divad.md §5b is `driftwatch bench asd-loso`): for every test entity and configuration of one shard, fit on
 * the protocol's training data (selecting the learning rate by validation loss), score the test sequence and the
 * validation windows, and append one results line per smoothing factor. Beside the results: run.json (command,
 * backend, machine, protocol, data checksums), score files and, for models that encode windows, latent projections.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultRecord } from '@driftwatch/contracts';
import { evaluateOverSmoothing, gridPointFields, scoresByRecord, SMOOTHING_GRID } from '@driftwatch/eval';
import { writeScoreFile } from '@driftwatch/ingest';
import { everyKthWindow, heldOutEntities, splitBySequence } from './folds/leave-one-out';
import { testWindows, trainingWindows, type OmniDataset } from './folds/omni-protocol';
import { runUnitsInWorkers, unitLabel } from './jobs/protocol-jobs';
import { WorkerFailedError } from './jobs/process-pool';
import type { ProtocolFold } from './folds/leave-one-out';
import { loadProtocolData, type ProtocolData, type ProtocolSource } from './protocols';
import type { BenchmarkConfig } from './grid-file';
import { isLatentEncoder, latentProjection, writeLatentProjection } from './latent-projection';
import { fitSelectingLearningRate, type CandidateFit } from './learning-rate';
import { isDeepMethod, makeDetector, methodParams, type ParamOverrides } from './methods';
import type { BenchmarkObserver } from './observer';
import { appendResultUnit, checkResultsFolder, openResults, type OpenResults } from './results-file';
import { writeRunInfo } from './run-info';
import { shardPairs, WHOLE, type Shard } from './shards';

export interface ProtocolRunOptions {
  /** the protocol and where its data is */
  source: ProtocolSource;
  /** test entities: names, numbers (`resolveEntities`) or 'all' (default) */
  servers?: readonly string[];
  configs: readonly BenchmarkConfig[];
  /** EWMA factors evaluated per results line (default SMOOTHING_GRID) */
  smoothingGrid?: readonly number[];
  shard?: Shard;
  /** output folder: results.jsonl, run.json, scores/, latent/ */
  outDir: string;
  /**
   * skip (method, entity, grid point) runs already in results.jsonl; without it a non-empty file is a
   * ResultsExistError
   */
  resume?: boolean;
  seed: number;
  /** maximum epochs of the deep methods */
  epochs: number;
  /** deep methods train on every k-th training window (default 1) */
  trainStride?: number;
  overrides?: ParamOverrides;
  /** the tfjs backend loaded for deep methods; shallow methods are recorded as 'js' */
  backend?: { name: string; attempts?: readonly { candidate: string; ok: boolean }[] };
  /** the command line recorded in every line and in run.json */
  command: string;
  /** datasets.lock, to compare the data files' sha256 with */
  lockPath: string;
  /**
   * worker processes that run the units (default 1: in this process); more never change a unit's lines, only the
   * order units are appended in
   */
  jobs?: number;
  /** the workers' script (default: protocol-worker.js beside this bundle) */
  workerScript?: string;
}

export interface LeaveOneOutOptions extends Omit<ProtocolRunOptions, 'source' | 'servers'> {
  /** data root holding `<dataset>/` in the OmniAnomaly layout */
  dataRoot: string;
  dataset: OmniDataset;
  /** held-out entities, resolved (see heldOutEntities) */
  servers: readonly string[];
}

/** Key of a run in results.jsonl, so that --resume can skip it. */
export function leaveOneOutRunKey(r: { method: string; testSequence: string; gridPoint?: unknown }): string {
  return `${r.method}|${r.testSequence}|${typeof r.gridPoint === 'string' ? r.gridPoint : ''}`;
}

/** Leave-one-entity-out on an OmniAnomaly-layout data set: `runProtocol` with the loso protocol. */
export function runLeaveOneOut(
  options: LeaveOneOutOptions,
  observer: BenchmarkObserver<CandidateFit> = {},
): Promise<{ resultsPath: string; rows: ResultRecord[] }> {
  const { dataRoot, dataset, ...rest } = options;
  return runProtocol({ ...rest, source: { protocol: 'loso', dataRoot, dataset } }, observer);
}

/** What the log says is being read. */
function sourceText(source: ProtocolSource): string {
  return source.protocol === 'tsb-ad'
    ? `TSB-AD series from ${source.paths.join(', ')}`
    : `${source.dataset.toUpperCase()} from ${source.dataRoot}`;
}

/** Runs the shard's (entity, configuration) pairs; returns the results path and every line in it afterwards. */
export async function runProtocol(
  options: ProtocolRunOptions,
  observer: BenchmarkObserver<CandidateFit> = {},
): Promise<{ resultsPath: string; rows: ResultRecord[] }> {
  const { outDir, seed } = options;
  const trainStride = options.trainStride ?? 1;
  const overrides = options.overrides ?? {};
  const source = options.source;
  checkResultsFolder(outDir, source.protocol === 'tsb-ad' ? source.paths : [join(source.dataRoot, source.dataset)]);
  // read (and so validate) all data before anything is written under outDir
  observer.log?.(`reading ${sourceText(options.source)} …`);
  const data = await loadProtocolData(options.source, options.servers ? [...options.servers] : undefined);
  const { dataset } = data;
  const servers = heldOutEntities(options.servers ? [...options.servers] : ['all'], [...data.entities]);
  const pairs = shardPairs(servers, options.configs, options.shard ?? WHOLE);
  const smoothingGrid = options.smoothingGrid ?? SMOOTHING_GRID;
  // what changes the numbers of a unit besides its method and grid point: a resumed run must match it
  const configuration = {
    protocol: data.protocol,
    dataset,
    seed,
    epochs: options.epochs,
    trainStride,
    overrides,
    smoothingGrid: [...smoothingGrid],
  };
  const results = await openResults(outDir, {
    resume: options.resume ?? false,
    keyOf: leaveOneOutRunKey,
    unitSize: smoothingGrid.length,
    configuration,
    log: observer.log,
  });
  try {
    return await runUnits(options, observer, data, pairs, results, configuration);
  } finally {
    await results.close();
  }
}

/** What one unit needs besides its pair: the run's options, its data and the smoothing grid. */
export interface UnitContext {
  options: ProtocolRunOptions;
  data: ProtocolData;
  smoothingGrid: readonly number[];
  /** the fold of the last server asked for: a fold is cut once for all the configurations of its server */
  fold?: { server: string; fold: ProtocolFold };
}

/** The server's fold, cut once for all its configurations. */
function foldOf(context: UnitContext, server: string): ProtocolFold {
  if (context.fold?.server !== server) context.fold = { server, fold: context.data.fold(server) };
  return context.fold.fold;
}

/**
 * Fits and scores every pair of the shard that is not done yet, appending each pair's lines as one unit: in this
 * process, or with `jobs` > 1 in worker processes that send each unit's lines back. The parent alone appends, so
 * the folder's lock, the one-write-per-unit rule and the results file are those of a single process, and the
 * output is the file --jobs 1 writes (units in the order they finish).
 */
async function runUnits(
  options: ProtocolRunOptions,
  observer: BenchmarkObserver<CandidateFit>,
  data: ProtocolData,
  pairs: ReturnType<typeof shardPairs<BenchmarkConfig>>,
  results: OpenResults,
  configuration: Record<string, unknown>,
): Promise<{ resultsPath: string; rows: ResultRecord[] }> {
  const { outDir, command } = options;
  const { dataset } = data;
  const { path: resultsPath, previous, done } = results;
  const files = await data.checksums(options.lockPath);
  const backend = options.backend ?? { name: 'js' };
  await writeRunInfo(outDir, {
    command,
    startedAt: new Date().toISOString(),
    configuration,
    backend,
    data: {
      dataset,
      protocol: data.protocol,
      source: data.source,
      ...(data.paths ? { paths: [...data.paths] } : {}),
      files,
    },
  });

  const rows: ResultRecord[] = [...previous];
  const context: UnitContext = { options, data, smoothingGrid: configuration.smoothingGrid as number[] };
  // a fresh run skips nothing: no fold is cut here only to learn its test sequence's name
  const pending = pairs.filter((pair) => {
    if (done.size === 0) return true;
    const { method, id } = pair.config;
    const testSequence = foldOf(context, pair.server).test.id;
    const finished = done.has(leaveOneOutRunKey({ method, testSequence, gridPoint: id }));
    if (finished) observer.log?.(`${unitLabel(pair)}: already in ${resultsPath}, skipped`);
    return !finished;
  });
  const append = async (unit: ResultRecord[]) => {
    await appendResultUnit(resultsPath, unit);
    rows.push(...unit);
  };
  const { smoothingGrid } = context;
  const jobs = Math.min(options.jobs ?? 1, pending.length);
  if (jobs <= 1) {
    for (const pair of pending) await append(await runUnit(context, pair, observer));
  } else {
    try {
      await runUnitsInWorkers(options, pending, jobs, smoothingGrid, observer, append);
    } catch (e) {
      if (!(e instanceof WorkerFailedError)) throw e;
      const finished = (rows.length - previous.length) / smoothingGrid.length;
      const rest = `${finished} finished unit(s) are in ${resultsPath}: resume to run the rest`;
      throw new WorkerFailedError(e.worker, e.unit, `${e.reason}; ${rest}`);
    }
  }
  return { resultsPath, rows };
}

/** Fits and scores one (server, configuration) pair, writes its score and latent files, and returns its lines. */
export async function runUnit(
  context: UnitContext,
  pair: { server: string; config: BenchmarkConfig },
  observer: BenchmarkObserver<CandidateFit>,
): Promise<ResultRecord[]> {
  const { options, data, smoothingGrid } = context;
  const { outDir, seed, command } = options;
  const { dataset } = data;
  const trainStride = options.trainStride ?? 1;
  const overrides = options.overrides ?? {};
  const { server } = pair;
  const { method, point, id, learningRates } = pair.config;
  const fold = foldOf(context, server);
  const { test } = fold;
  const label = `${method}${id ? ` [${id}]` : ''}`;
  const params = { ...methodParams(method, dataset, overrides, options.epochs), ...point };
  const suffix = id ? `.${id}` : '';
  const probe = makeDetector(method, params);
  const W = probe.windowLength;
  probe.dispose();
  const all = trainingWindows(fold.data, W);
  const stride = isDeepMethod(method) ? trainStride : 1;
  const windows = { ...all, train: everyKthWindow(all.train, stride) };
  const { detector, report, trainSeconds, lrSelection } = await fitSelectingLearningRate(
    method,
    params,
    isDeepMethod(method) ? learningRates : undefined,
    windows,
    seed,
    (lr) => observer.fitting?.(`${label} ${server}${lr === undefined ? '' : ` lr ${lr}`}`) ?? {},
  );
  const tw = testWindows(test, fold.data.standardisation, W);
  const t1 = performance.now();
  const windowScores = await detector.scoreWindows(tw);
  const scoreSeconds = (performance.now() - t1) / 1000;
  const validationScores = await detector.scoreWindows(windows.validation);
  if (isLatentEncoder(detector)) {
    const { validation } = windows;
    const projection = await latentProjection(detector, method, validation, tw, test.id, test.labels!, test.domain);
    await mkdir(join(outDir, 'latent', method), { recursive: true });
    await writeLatentProjection(join(outDir, 'latent', method, `${server}${suffix}.json`), projection);
  }
  detector.dispose();
  const calibration = splitBySequence(windows.validation, validationScores);
  await mkdir(join(outDir, 'scores', method), { recursive: true });
  await writeScoreFile(join(outDir, 'scores', method, `${server}${suffix}.arrow`), [
    { sequenceId: test.id, scores: scoresByRecord(windowScores, W) },
    ...calibration.map((c) => ({
      sequenceId: `validation:${fold.data.validation[c.sequence].id}`,
      scores: c.scores,
    })),
  ]);
  const evaluated = evaluateOverSmoothing(windowScores, test.labels!, W, {
    grid: [...smoothingGrid],
    calibration: calibration.map((c) => c.scores),
  });
  return evaluated.map((evaluation): ResultRecord => ({
    method,
    dataset,
    testSequence: test.id,
    ...gridPointFields(evaluation),
    trainSeconds,
    scoreSeconds,
    // the shallow baselines run in plain JavaScript whatever tfjs backend the process loaded
    backend: isDeepMethod(method) && options.backend ? options.backend.name : 'js',
    seed,
    params: { ...detector.config },
    ...(id ? { gridPoint: id, grid: point } : {}),
    ...(lrSelection ? { lrSelection } : {}),
    epochs: report.epochs,
    bestValLoss: report.bestValLoss,
    trainWindows: windows.train.count,
    ...(stride > 1 ? { trainStride: stride } : {}),
    command,
  }));
}
