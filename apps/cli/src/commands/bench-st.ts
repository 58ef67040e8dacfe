import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { ResultRecord } from '@driftwatch/contracts';
import { writeFileAtomic } from '@driftwatch/ingest';
import { describeBackend, initBackend, type BackendPreference } from '@driftwatch/models';
import { UsageError } from '../cli-error';
import { commandLine, intOption, listOption, optionalString, type Command } from '../command';
import { dataChecksums } from '../experiments/data-checksums';
import {
  DEFAULT_BUDGET,
  DEFAULT_DATASETS,
  ST_DATASETS,
  ROBUSTNESS_LEVELS,
  ST_METHODS,
  experimentRuns,
  parseExperiment,
  parseList,
  runKey,
  shardRuns,
  type StBudget,
  type StRun,
} from '../experiments/st/experiments';
import { parseLabelWindow, type NezhaGraphSource } from '../experiments/st/nezha-series';
import { parseSplit, type SplitSpan } from '../experiments/st/periods';
import { prepareDataset, resultLines, runMethod, type PreparedDataset } from '../experiments/st/run-st';
import { fitProgressReporter, formatDuration, progressBar } from '../progress';
import { appendResult, readResults } from '../results-file';
import { fmt, renderTable } from '../table';
import { dataRoot, datasetsLockPath } from '../workspace';
import { parseShard } from './bench-asd-loso';
import { benchStDefinition } from './bench-st.def';

export const benchSt: Command = {
  ...benchStDefinition,
  async run(values, positionals, argv) {
    const experiment = parseExperiment(positionals[0]);
    if (positionals.length > 1) throw new UsageError(`bench st takes one experiment, got ${positionals.join(' ')}`);
    const methods = parseList(listOption(values, 'methods') ?? [], ST_METHODS, 'method');
    const datasets = parseList(listOption(values, 'datasets') ?? DEFAULT_DATASETS[experiment], ST_DATASETS, 'data set');
    const budget: StBudget = {
      epochs: intOption(values, 'epochs', DEFAULT_BUDGET.epochs, 1),
      windowLength: intOption(values, 'window', DEFAULT_BUDGET.windowLength, 2),
      simNodes: intOption(values, 'sim-nodes', DEFAULT_BUDGET.simNodes, 2),
      simSteps: intOption(values, 'sim-steps', DEFAULT_BUDGET.simSteps, 50),
      scaleSteps: intOption(values, 'scale-steps', DEFAULT_BUDGET.scaleSteps, 50),
    };
    const seed = intOption(values, 'seed', 0);
    const labelWindow = parseLabelWindow(optionalString(values, 'label-window') ?? 'recovery');
    const nezhaGraph = (optionalString(values, 'nezha-graph') ?? 'auto') as NezhaGraphSource;
    if (!['auto', 'spans', 'dependency', 'none'].includes(nezhaGraph)) throw new UsageError(`--nezha-graph expects auto, spans, dependency or none, got '${nezhaGraph}'`);
    const graphWindowMinutes = intOption(values, 'graph-window', 1, 1);
    const split = parseSplit(optionalString(values, 'split') ?? '0.5,0.2,0.3');
    const span = (optionalString(values, 'split-span') ?? 'faults') as SplitSpan;
    if (span !== 'faults' && span !== 'day') throw new UsageError(`--split-span expects faults or day, got '${span}'`);
    const levels = listOption(values, 'levels')?.map((v) => {
      const n = Number(v);
      if (!(Number.isInteger(n) && n >= 2)) throw new UsageError(`--levels expects integers ≥ 2, got '${v}'`);
      return n;
    });
    const knobs = listOption(values, 'knobs');
    if (knobs && experiment !== 'robustness') throw new UsageError('--knobs belongs to the robustness experiment');
    const known = Object.keys(ROBUSTNESS_LEVELS);
    const unknownKnob = (knobs ?? []).find((k) => !known.includes(k));
    if (unknownKnob) throw new UsageError(`--knobs: unknown knob '${unknownKnob}'; known: ${known.join(', ')}`);
    const all = experimentRuns(experiment, datasets, methods, budget, levels).filter((r) => !knobs || (r.varied && knobs.includes(r.varied.param)));
    const runs = shardRuns(all, parseShard(optionalString(values, 'shard')));
    const outDir = optionalString(values, 'out') ?? join('bench-results', 'st', experiment);
    const command = commandLine(argv);

    const resultsPath = join(outDir, 'results.jsonl');
    const previous = await readResults(resultsPath);
    if (previous.length > 0 && values.resume !== true) {
      throw new UsageError(`${resultsPath} already holds ${previous.length} results lines: pass --resume to skip the finished runs, or name another --out`);
    }
    const done = new Set(previous.map((r) => runKey({ experiment: String(r.experiment), dataset: r.dataset, method: r.method, varied: r.variedParam ? { param: String(r.variedParam), value: Number(r.variedValue) } : null })));
    const needsTf = methods.some((m) => m !== 'gbdt');
    const backend = needsTf ? await initBackend(((values.backend as string) ?? 'auto') as BackendPreference) : undefined;
    if (backend) process.stderr.write(`${describeBackend(backend)}\n`);

    const root = () => dataRoot(values);
    const usesNezha = datasets.some((d) => d !== 'sim');
    // read (and so validate) the real data before anything is written under --out
    const cache = new Map<string, PreparedDataset>();
    const datasetOptions = { dataRoot: root, labelWindow, nezhaGraph, graphWindowMinutes, split, span, seed };
    const prepared = async (run: StRun): Promise<PreparedDataset> => {
      const key = `${run.dataset}|${JSON.stringify(run.simulation ?? null)}`;
      let data = cache.get(key);
      if (!data) {
        if (run.dataset === 'sim') cache.forEach((_, k) => k.startsWith('sim|') && cache.delete(k));
        data = await prepareDataset(run.dataset, run.simulation, datasetOptions);
        cache.set(key, data);
        const { train, validation, test } = data.periods;
        process.stderr.write(
          `${run.dataset}: ${data.series.entities.length} entities × ${data.series.features.length} metrics × ${data.series.length} steps; train ${train.join('–')}, validation ${validation.join('–')}, test ${test.join('–')}` +
            `${data.labelWindow ? `; label window ${data.labelWindow.rule}: ${data.labelWindow.faults} faults, mean ${data.labelWindow.meanWindowMinutes.toFixed(1)} min, ${data.labelWindow.meanLabelledSteps.toFixed(1)} labelled steps each` : ''}\n`,
        );
        for (const note of data.notes) process.stderr.write(`  ${note}\n`);
      }
      return data;
    };
    for (const d of datasets) if (d !== 'sim') await prepared({ experiment, dataset: d, method: methods[0], windowLength: budget.windowLength });

    await mkdir(outDir, { recursive: true });
    await writeFileAtomic(
      join(outDir, 'run.json'),
      JSON.stringify(
        {
          command,
          startedAt: new Date().toISOString(),
          experiment,
          budget,
          backend: backend ?? { name: 'js' },
          machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, platform: `${os.platform()} ${os.arch()}`, node: process.version },
          ...(usesNezha ? { data: { dataset: 'nezha', files: await dataChecksums(root(), 'nezha', datasetsLockPath()) } } : {}),
        },
        null,
        2,
      ) + '\n',
    );

    const rows: ResultRecord[] = [...previous];
    const started = performance.now();
    for (const [k, run] of runs.entries()) {
      const label = `[${k + 1}/${runs.length}] ${experiment} ${run.dataset} ${run.method}${run.varied ? ` ${run.varied.param}=${run.varied.value}` : ''}`;
      if (done.has(runKey(run))) {
        process.stderr.write(`${label}: already in ${resultsPath}, skipped\n`);
        continue;
      }
      const data = await prepared(run);
      const bar = progressBar(`${label} fit`, 1);
      const outcome = await runMethod(run.method, data, run.windowLength, { epochs: budget.epochs, seed, onProgress: fitProgressReporter(bar) });
      const lines = resultLines(run, data, outcome, { seed, backend: backend?.name ?? 'js', command, budget: { ...budget } });
      for (const line of lines) {
        await appendResult(resultsPath, line);
        rows.push(line);
      }
      bar.done(
        `${outcome.trainSeconds.toFixed(1)} s fit, ${outcome.scoreSeconds.toFixed(1)} s score · ` +
          lines.map((l) => `${l.method} F1 ${fmt(l.f1 as number)} VUS-PR ${fmt(l.vusPr as number)}`).join(' · ') +
          ` · ${formatDuration((performance.now() - started) / 1000)} so far`,
      );
    }
    process.stdout.write(`\n${summaryTable(rows.filter((r) => r.experiment === experiment))}\n\nresults: ${resultsPath}\n`);
    return 0;
  },
};

/** One row per results line: data set, method, varied value and the headline metrics. */
export function summaryTable(rows: readonly ResultRecord[]): string {
  const num = (v: unknown, d = 3) => fmt(typeof v === 'number' ? v : NaN, d);
  return renderTable(
    ['data set', 'method', 'varied', 'acc', 'P', 'R', 'F1', 'VUS-PR', 'peak F1', 'train s', 'score s'],
    rows.map((r) => [
      r.dataset,
      r.method,
      r.variedParam ? `${String(r.variedParam)}=${String(r.variedValue)}` : '',
      num(r.accuracy),
      num(r.precision),
      num(r.recall),
      num(r.f1),
      num(r.vusPr),
      num(r.peakF1),
      num(r.trainSeconds, 1),
      num(r.scoreSeconds, 2),
    ]),
    ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}
