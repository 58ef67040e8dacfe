/**
 * The leave-one-entity-out benchmark (docs/divad.md §5b; `driftwatch bench asd-loso`): for every held-out entity and
 * configuration of one shard, fit on the other entities (selecting the learning rate by validation loss), score
 * the held-out sequence and the validation windows, and append one results line per smoothing factor. Beside
 * the results: run.json (command, backend, machine, data checksums), score files and, for models that encode
 * windows, latent projections.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultRecord } from '@driftwatch/contracts';
import { evaluateOverSmoothing, gridPointFields, recordScores, SMOOTHING_GRID } from '@driftwatch/eval';
import { writeScoreFile } from '@driftwatch/ingest';
import { dataChecksums } from './data-checksums';
import { everyKthWindow, leaveOneOutFold, splitBySequence } from './folds/leave-one-out';
import { loadEntitySequences, testWindows, trainingWindows, type OmniDataset } from './folds/omni-protocol';
import type { BenchmarkConfig } from './grid-file';
import { isLatentEncoder, latentProjection, writeLatentProjection } from './latent-projection';
import { fitSelectingLearningRate, type CandidateFit } from './learning-rate';
import { isDeepMethod, makeDetector, methodParams, type ParamOverrides } from './methods';
import type { BenchmarkObserver } from './observer';
import { appendResult, resumeResults } from './results-file';
import { writeRunInfo } from './run-info';
import { shardPairs, WHOLE, type Shard } from './shards';

export interface LeaveOneOutOptions {
  /** data root holding `<dataset>/` in the OmniAnomaly layout */
  dataRoot: string;
  dataset: OmniDataset;
  /** held-out entities, resolved (see heldOutEntities) */
  servers: readonly string[];
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

/** Key of a run in results.jsonl, so that --resume can skip it. */
export function leaveOneOutRunKey(r: { method: string; testSequence: string; gridPoint?: unknown }): string {
  return `${r.method}|${r.testSequence}|${typeof r.gridPoint === 'string' ? r.gridPoint : ''}`;
}

/** Runs the shard's (entity, configuration) pairs; returns the results path and every line in it afterwards. */
export async function runLeaveOneOut(
  options: LeaveOneOutOptions,
  observer: BenchmarkObserver<CandidateFit> = {},
): Promise<{ resultsPath: string; rows: ResultRecord[] }> {
  const { dataRoot, dataset, outDir, seed, command } = options;
  const pairs = shardPairs(options.servers, options.configs, options.shard ?? WHOLE);
  const trainStride = options.trainStride ?? 1;
  const overrides = options.overrides ?? {};
  // read (and so validate) all data before anything is written under outDir
  observer.log?.(`reading ${dataset.toUpperCase()} from ${dataRoot} …`);
  const sequences = await loadEntitySequences(dataRoot, dataset);
  await mkdir(outDir, { recursive: true });
  const resultsPath = join(outDir, 'results.jsonl');
  const { previous, done } = await resumeResults(resultsPath, options.resume ?? false, leaveOneOutRunKey);
  const files = await dataChecksums(dataRoot, dataset, options.lockPath);
  const backend = options.backend ?? { name: 'js' };
  await writeRunInfo(outDir, { command, startedAt: new Date().toISOString(), backend, data: { dataset, files } });

  const rows: ResultRecord[] = [...previous];
  for (const server of options.servers) {
    const mine = pairs.filter((p) => p.server === server).map((p) => p.config);
    if (mine.length === 0) continue;
    const { test, data } = leaveOneOutFold(sequences, server);
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
      const all = trainingWindows(data, W);
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
      const tw = testWindows(test, data.standardisation, W);
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
        { sequenceId: test.id, scores: recordScores(windowScores, W, 0) },
        ...calibration.map((c) => ({ sequenceId: `validation:${data.validation[c.sequence].id}`, scores: c.scores })),
      ]);
      const evaluated = evaluateOverSmoothing(windowScores, test.labels!, W, {
        grid: options.smoothingGrid ?? SMOOTHING_GRID,
        calibration: calibration.map((c) => c.scores),
      });
      for (const evaluation of evaluated) {
        const record: ResultRecord = {
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
        };
        await appendResult(resultsPath, record);
        rows.push(record);
      }
    }
  }
  return { resultsPath, rows };
}
