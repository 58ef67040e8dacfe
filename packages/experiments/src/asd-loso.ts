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
import { loadProtocolData, type ProtocolSource } from './protocols';
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
  backend?: { name: string };
  /** the command line recorded in every line and in run.json */
  command: string;
  /** datasets.lock, to compare the data files' sha256 with */
  lockPath: string;
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
    return await runUnits(options, observer, data, servers, pairs, results, configuration);
  } finally {
    await results.close();
  }
}

/** Fits and scores every pair of the shard that is not done yet, appending each pair's lines as one unit. */
async function runUnits(
  options: ProtocolRunOptions,
  observer: BenchmarkObserver<CandidateFit>,
  data: Awaited<ReturnType<typeof loadProtocolData>>,
  servers: readonly string[],
  pairs: ReturnType<typeof shardPairs<BenchmarkConfig>>,
  results: OpenResults,
  configuration: Record<string, unknown>,
): Promise<{ resultsPath: string; rows: ResultRecord[] }> {
  const { outDir, seed, command } = options;
  const { dataset } = data;
  const trainStride = options.trainStride ?? 1;
  const overrides = options.overrides ?? {};
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
  for (const server of servers) {
    const mine = pairs.filter((p) => p.server === server).map((p) => p.config);
    if (mine.length === 0) continue;
    const fold = data.fold(server);
    const { test } = fold;
    for (const { method, point, id, learningRates } of mine) {
      const label = `${method}${id ? ` [${id}]` : ''}`;
      if (done.has(leaveOneOutRunKey({ method, testSequence: test.id, gridPoint: id }))) {
        observer.log?.(`${label} on ${server}: already in ${resultsPath}, skipped`);
        continue;
      }
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
        grid: configuration.smoothingGrid as number[],
        calibration: calibration.map((c) => c.scores),
      });
      const unit = evaluated.map((evaluation): ResultRecord => ({
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
      await appendResultUnit(resultsPath, unit);
      rows.push(...unit);
    }
  }
  return { resultsPath, rows };
}
