/**
 * One spatiotemporal experiment end to end (`driftwatch bench st`): prepare each data set once (the Nezha days
 * before anything is written, so bad data stops the run early), write run.json, then fit and evaluate every
 * run of the shard that results.jsonl does not hold yet, appending its lines.
 */
import type { ResultRecord } from '@driftwatch/contracts';
import { dataChecksums } from '../data-checksums';
import type { BenchmarkObserver } from '../observer';
import { appendResultUnit, checkResultsFolder, openResults } from '../results-file';
import { writeRunInfo } from '../run-info';
import { stResultLineKey, stRunKey } from './experiments';
import type { StBudget, StDatasetId, StExperiment, StRun } from './experiments';
import {
  prepareStDataset,
  runStMethod,
  stResultLines,
  type PreparedStDataset,
  type StDatasetOptions,
  type StRunOutcome,
} from './run-st';

export interface StBenchmarkOptions {
  experiment: StExperiment;
  /** the runs to do (one shard's, see experimentRuns and shardItems) */
  runs: readonly StRun[];
  /** every data set of the experiment: the Nezha ones are read before anything is written */
  datasets: readonly StDatasetId[];
  budget: StBudget;
  /** the data's seed (simulator), and the models' where a run names none (`withModelSeeds` gives each run its own) */
  seed: number;
  data: StDatasetOptions;
  outDir: string;
  /** skip runs already in results.jsonl; without it a non-empty file is a ResultsExistError */
  resume?: boolean;
  /** the tfjs backend loaded for the network methods; gbdt lines say 'js' */
  backend?: { name: string };
  command: string;
  lockPath: string;
}

/** What a run's listener hears when it is done. */
export interface StRunDone {
  outcome: StRunOutcome;
  lines: ResultRecord[];
}

/** A one-line description of a prepared data set, for the log. */
export function describePrepared(run: StRun, data: PreparedStDataset): string {
  const { train, validation, test } = data.periods;
  const w = data.labelWindow;
  const { entities, features, length } = data.series;
  const shape = `${entities.length} entities × ${features.length} metrics × ${length} steps`;
  const periods = `train ${train.join('–')}, validation ${validation.join('–')}, test ${test.join('–')}`;
  const labels = w
    ? `; label window ${w.rule}: ${w.faults} faults, mean ${w.meanWindowMinutes.toFixed(1)} min, ` +
      `${w.meanLabelledSteps.toFixed(1)} labelled steps each`
    : '';
  return `${run.dataset}: ${shape}; ${periods}${labels}`;
}

/** Runs the experiment's runs; returns the results path and every line in it afterwards. */
export async function runStBenchmark(
  options: StBenchmarkOptions,
  observer: BenchmarkObserver<StRunDone> = {},
): Promise<{ resultsPath: string; rows: ResultRecord[] }> {
  const { experiment, runs, budget, seed, outDir, command } = options;
  checkResultsFolder(outDir);
  // what changes the numbers of a run besides its data set, method and varied parameter: a resumed run must match it
  const { labelWindow, nezhaGraph, graphWindowMinutes, split, span } = options.data;
  const settings = { labelWindow, nezhaGraph, graphWindowMinutes, split, span };
  const configuration = { experiment, budget: { ...budget }, seed, data: settings };

  // one prepared data set at a time per simulation: the simulated clusters of a sweep differ run to run
  const cache = new Map<string, PreparedStDataset>();
  const prepared = async (run: StRun): Promise<PreparedStDataset> => {
    const key = `${run.dataset}|${JSON.stringify(run.simulation ?? null)}`;
    let data = cache.get(key);
    if (!data) {
      if (run.dataset === 'sim') cache.forEach((_, k) => k.startsWith('sim|') && cache.delete(k));
      data = await prepareStDataset(run.dataset, run.simulation, options.data);
      cache.set(key, data);
      observer.log?.(describePrepared(run, data));
      for (const note of data.notes) observer.log?.(`  ${note}`);
    }
    return data;
  };
  const nezha = options.datasets.filter((d) => d !== 'sim');
  const { windowLength } = budget;
  for (const dataset of nezha) await prepared({ experiment, dataset, method: runs[0]?.method ?? 'gbdt', windowLength });

  const results = await openResults(outDir, {
    resume: options.resume ?? false,
    keyOf: stResultLineKey,
    configuration,
    log: observer.log,
  });
  try {
    const { path: resultsPath, previous, done } = results;
    await writeRunInfo(outDir, {
      command,
      startedAt: new Date().toISOString(),
      configuration,
      experiment,
      budget,
      backend: options.backend ?? { name: 'js' },
      ...(nezha.length > 0
        ? { data: { dataset: 'nezha', files: await dataChecksums(options.data.dataRoot(), 'nezha', options.lockPath) } }
        : {}),
    });

    const rows: ResultRecord[] = [...previous];
    for (const [k, run] of runs.entries()) {
      const modelSeed = run.seed ?? seed;
      const varied = run.varied ? ` ${run.varied.param}=${run.varied.value}` : '';
      const label = `[${k + 1}/${runs.length}] ${experiment} ${run.dataset} ${run.method}${varied} seed ${modelSeed}`;
      if (done.has(stRunKey({ ...run, seed: modelSeed }))) {
        observer.log?.(`${label}: already in ${resultsPath}, skipped`);
        continue;
      }
      const data = await prepared(run);
      const listener = observer.fitting?.(label) ?? {};
      const { onProgress } = listener;
      const outcome = await runStMethod(run.method, data, run.windowLength, {
        epochs: budget.epochs,
        seed: modelSeed,
        onProgress,
      });
      const backend = options.backend?.name ?? 'js';
      const lines = stResultLines(run, data, outcome, {
        seed: modelSeed,
        dataSeed: seed,
        backend,
        command,
        budget: { ...budget },
      });
      await appendResultUnit(resultsPath, lines);
      rows.push(...lines);
      listener.done?.({ outcome, lines });
    }
    return { resultsPath, rows };
  } finally {
    await results.close();
  }
}
