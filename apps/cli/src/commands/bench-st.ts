import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { ResultRecord } from '@driftwatch/contracts';
import { writeFileAtomic } from '@driftwatch/ingest';
import { describeBackend, initBackend, type BackendPreference } from '@driftwatch/models';
import { UsageError } from '../cli-error';
import { backendOption, commandLine, dataRootOption, intOption, listOption, optionalString, type Command } from '../command';
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
import { DEFAULT_SPLIT, parseSplit, type SplitSpan } from '../experiments/st/periods';
import { prepareDataset, resultLines, runMethod, type PreparedDataset } from '../experiments/st/run-st';
import { fitProgressReporter, formatDuration, progressBar } from '../progress';
import { appendResult, readResults } from '../results-file';
import { fmt, renderTable } from '../table';
import { dataRoot, datasetsLockPath } from '../workspace';
import { parseShard } from './bench-asd-loso';

export const benchSt: Command = {
  path: ['bench', 'st'],
  summary: 'spatiotemporal experiments (spatiotemporal.md §4): st-dda vs its supervised baselines on Nezha and simulated clusters',
  usage: 'driftwatch bench st <compare|window|scale|robustness> [--methods ids] [--datasets ids] [--epochs N] [--window W] [--seed S] [--out DIR] [--resume] [--shard i/n] [--backend X]',
  description: [
    'Experiments: compare = methods × data sets at one window length; window = W ∈ {4, 8, 12, 16, 20}; scale = N ∈',
    '{32, 64, 96, 128} simulated nodes; robustness = structural noise {0, 0.2, 0.4}, rewiring rate {0, 0.02, 0.05} and',
    'burst amplitude {0, 2, 4} of a simulated cluster, one knob at a time (the others at the simulator defaults).',
    '',
    'Data: nezha-ob (OnlineBoutique, 2022-08-22) and nezha-tt (TrainTicket, 2023-01-29) as services × pod metrics',
    '× minutes, labelled per (service, minute) by the fault windows (--label-window), observed graph from',
    'dependency.csv (OB) or the spans (TT); sim = a simulated cluster (fault-free first quarter).',
    'Periods: train / validation / test = the --split fractions, in time order, of the span from the first step to',
    '30 steps after the last labelled one (--split-span faults; every Nezha fault lies in the first hours of its day,',
    'so a split of the whole day, --split-span day, leaves validation and test without faults).',
    'st-dda trains without labels on the train period with every labelled step made missing, early-stops on the',
    'validation period made fault-free the same way, and is reported with both its scores (st-dda-latent,',
    'st-dda-forecast: one model). mlp, gbdt, cnn1d, transformer train on the labelled train period and early-stop on',
    'validation. Metrics per (entity, step) on the test period: accuracy, precision, recall, F1 at the threshold',
    'that maximises F1 on validation, and threshold-free peak F1, AUC-PR and VUS-PR/ROC (buffers 0 … W).',
    '',
    'Output: one JSON line per (experiment, data set, method, varied value) in DIR/results.jsonl, appended one',
    'write per line; --resume skips finished runs; run.json holds the command, machine, backend and the sha256 of',
    'the Nezha files. `driftwatch report DIR` renders the tables and line charts.',
    '',
    `Budget (defaults): epochs ${DEFAULT_BUDGET.epochs} (gbdt keeps its 100 boosting rounds with early stopping), W = ${DEFAULT_BUDGET.windowLength},`,
    `simulated clusters of ${DEFAULT_BUDGET.simNodes} nodes × ${DEFAULT_BUDGET.simSteps} steps (scale: ${DEFAULT_BUDGET.scaleSteps} steps). On a 2-core machine`,
    'shared with other jobs (load average 6–9), with all five methods: compare 4 min 54 s (the transformer 3.5 min of',
    'it), window 16 min, scale 14.5 min, robustness 22 min. With --methods st-dda,mlp,gbdt: scale 3.6 min, robustness',
    '6.7 min (st-dda takes 20–55 s per 32-node cluster, the transformer 75–210 s).',
  ].join('\n'),
  options: {
    methods: { type: 'string', valueName: 'ids', default: ST_METHODS.join(','), description: `comma-separated: ${ST_METHODS.join(', ')}` },
    datasets: { type: 'string', valueName: 'ids', description: `comma-separated: ${ST_DATASETS.join(', ')} (default: compare nezha-ob,nezha-tt,sim; window nezha-ob,sim; scale and robustness sim)` },
    epochs: { type: 'string', valueName: 'N', default: String(DEFAULT_BUDGET.epochs), description: 'maximum training epochs of st-dda and the network baselines (early stopping with patience 10)' },
    window: { type: 'string', valueName: 'W', default: String(DEFAULT_BUDGET.windowLength), description: 'window length of every method, except in the window experiment' },
    'sim-nodes': { type: 'string', valueName: 'N', default: String(DEFAULT_BUDGET.simNodes), description: 'nodes of the simulated cluster (compare, window, robustness)' },
    'sim-steps': { type: 'string', valueName: 'T', default: String(DEFAULT_BUDGET.simSteps), description: 'steps of the simulated cluster (compare, window, robustness)' },
    'scale-steps': { type: 'string', valueName: 'T', default: String(DEFAULT_BUDGET.scaleSteps), description: 'steps of the clusters of the scale experiment' },
    'label-window': { type: 'string', valueName: 'rule', default: 'recovery', description: "Nezha label window: 'recovery' (ingest's default: until the fault's signals are back in their fault-free band, 3–10 min) or 'fixed:<minutes>'" },
    'nezha-graph': { type: 'string', valueName: 'source', default: 'auto', description: 'observed graph of Nezha: auto (dependency.csv where it exists, else spans), spans, dependency, none' },
    'graph-window': { type: 'string', valueName: 'minutes', default: '1', description: 'minutes per span graph window' },
    split: { type: 'string', valueName: 'fractions', default: `${DEFAULT_SPLIT.train},${DEFAULT_SPLIT.validation},${DEFAULT_SPLIT.test}`, description: 'train,validation,test shares of the span, in time order' },
    'split-span': { type: 'string', valueName: 'faults|day', default: 'faults', description: 'what the split fractions cut: up to 30 steps after the last labelled step, or the whole series' },
    levels: { type: 'string', valueName: 'list', description: 'values of the varied parameter instead of the defaults (window: window lengths; scale: node counts), e.g. 8,12' },
    knobs: { type: 'string', valueName: 'list', description: 'robustness only: the knobs to vary, of structuralNoise, rewiring, burstAmplitude (default: all three)' },
    seed: { type: 'string', valueName: 'S', default: '0', description: 'seed of every model and of the simulator' },
    out: { type: 'string', valueName: 'dir', description: 'output folder (default: bench-results/st/<experiment>)' },
    resume: { type: 'boolean', description: 'skip runs already in DIR/results.jsonl (without it, an existing results file is an error)' },
    shard: { type: 'string', valueName: 'i/n', description: 'run only every n-th run from the i-th (1 ≤ i ≤ n)' },
    ...backendOption,
    ...dataRootOption,
  },
  examples: [
    'driftwatch bench st compare',
    'driftwatch bench st compare --datasets nezha-ob --methods st-dda,gbdt --epochs 5 --out /tmp/st-ob',
    'driftwatch bench st window --datasets sim --methods st-dda,mlp',
    'driftwatch bench st scale --methods st-dda,gbdt --shard 1/2 --out runs/scale-1',
    'driftwatch bench st robustness --resume --out bench-results/st/robustness',
    'driftwatch bench st compare --label-window fixed:3 --split-span day --datasets sim',
    'driftwatch report bench-results/st/compare bench-results/st/window --out bench-results/st/report.html',
  ],
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
