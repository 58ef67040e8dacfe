import { join } from 'node:path';
import type { ResultRecord } from '@driftwatch/contracts';
import {
  DEFAULT_BUDGET,
  DEFAULT_DATASETS,
  ROBUSTNESS_LEVELS,
  ST_DATASETS,
  ST_METHODS,
  experimentRuns,
  modelSeeds,
  parseKnownList,
  parseLabelWindow,
  parseShard,
  parseSplit,
  parseStExperiment,
  runStBenchmark,
  shardItems,
  summariseSeeds,
  withModelSeeds,
  type NezhaGraphSource,
  type SplitSpan,
  type StBudget,
  type SeedSpread,
  type StRunDone,
} from '@driftwatch/experiments';
import { describeBackend, initBackend, usesTfjs, type BackendPreference } from '@driftwatch/models';
import { UsageError } from '../cli-error';
import { withResumeHint } from '../resume-hint';
import { commandLine, intOption, listOption, optionalString, type Command } from '../command';
import { formatDuration, stderrObserver } from '../progress';
import { fmt, renderTable } from '../table';
import { dataRoot, datasetsLockPath } from '../workspace';
import { benchStDefinition } from './bench-st.def';

export const benchSt: Command = {
  ...benchStDefinition,
  async run(values, positionals, argv) {
    const experiment = parseStExperiment(positionals[0]);
    if (positionals.length > 1) throw new UsageError(`bench st takes one experiment, got ${positionals.join(' ')}`);
    const methods = parseKnownList(listOption(values, 'methods') ?? ST_METHODS, ST_METHODS, 'method');
    const datasets = parseKnownList(
      listOption(values, 'datasets') ?? DEFAULT_DATASETS[experiment],
      ST_DATASETS,
      'data set',
    );
    const budget: StBudget = {
      epochs: intOption(values, 'epochs', DEFAULT_BUDGET.epochs, 1),
      windowLength: intOption(values, 'window', DEFAULT_BUDGET.windowLength, 2),
      simNodes: intOption(values, 'sim-nodes', DEFAULT_BUDGET.simNodes, 2),
      simSteps: intOption(values, 'sim-steps', DEFAULT_BUDGET.simSteps, 50),
      scaleSteps: intOption(values, 'scale-steps', DEFAULT_BUDGET.scaleSteps, 50),
    };
    const seed = intOption(values, 'seed', 0);
    const seedCount = values.seeds === undefined ? undefined : intOption(values, 'seeds', 1, 1);
    const labelWindow = parseLabelWindow(optionalString(values, 'label-window') ?? 'recovery');
    const nezhaGraph = (optionalString(values, 'nezha-graph') ?? 'auto') as NezhaGraphSource;
    if (!['auto', 'spans', 'dependency', 'none'].includes(nezhaGraph))
      throw new UsageError(`--nezha-graph expects auto, spans, dependency or none, got '${nezhaGraph}'`);
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
    const cells = experimentRuns(experiment, datasets, methods, budget, levels).filter(
      (r) => !knobs || (r.varied && knobs.includes(r.varied.param)),
    );
    const all = withModelSeeds(cells, (method) => modelSeeds(method, seed, seedCount));
    // `--shard auto/n` takes its index from a Kubernetes Indexed Job (deploy/k8s/grid-job.yaml)
    const runs = shardItems(all, parseShard(optionalString(values, 'shard'), process.env.JOB_COMPLETION_INDEX));
    const outDir = optionalString(values, 'out') ?? join('bench-results', 'st', experiment);

    const preference = ((values.backend as string) ?? 'auto') as BackendPreference;
    const backend = methods.some(usesTfjs) ? await initBackend(preference) : undefined;
    if (backend) process.stderr.write(`${describeBackend(backend)}\n`);

    const started = performance.now();
    const observer = stderrObserver(
      ({ outcome, lines }: StRunDone) =>
        `${outcome.trainSeconds.toFixed(1)} s fit, ${outcome.scoreSeconds.toFixed(1)} s score · ` +
        lines.map((l) => `${l.method} F1 ${fmt(l.f1 as number)} VUS-PR ${fmt(l.vusPr as number)}`).join(' · ') +
        ` · ${formatDuration((performance.now() - started) / 1000)} so far`,
    );
    const { resultsPath, rows } = await withResumeHint(
      runStBenchmark(
        {
          experiment,
          runs,
          datasets,
          budget,
          seed,
          data: { dataRoot: () => dataRoot(values), labelWindow, nezhaGraph, graphWindowMinutes, split, span, seed },
          outDir,
          resume: values.resume === true,
          backend,
          command: commandLine(argv),
          lockPath: datasetsLockPath(),
        },
        observer,
      ),
      'the finished runs',
    );
    const ours = rows.filter((r) => r.experiment === experiment);
    process.stdout.write(`\n${summaryTable(ours)}\n\n${seedTable(ours)}\n\nresults: ${resultsPath}\n`);
    return 0;
  },
};

/** One row per results line: data set, method, varied value and the headline metrics. */
export function summaryTable(rows: readonly ResultRecord[]): string {
  const num = (v: unknown, d = 3) => (typeof v === 'number' ? fmt(v, d) : '–');
  return renderTable(
    ['data set', 'method', 'varied', 'acc', 'P', 'R', 'F1', 'VUS-PR', 'VUS-PR TSB-AD', 'peak F1', 'train s', 'score s'],
    rows.map((r) => [
      r.dataset,
      r.method,
      r.variedParam ? `${String(r.variedParam)}=${String(r.variedValue)}` : '',
      num(r.accuracy),
      num(r.precision),
      num(r.recall),
      num(r.f1),
      num(r.vusPr),
      num(r.tsbAdVusPr),
      num(r.peakF1),
      num(r.trainSeconds, 1),
      num(r.scoreSeconds, 2),
    ]),
    ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** One row per cell: the seeds it ran with and F1, VUS-PR and peak F1 as mean ± sd (min–max) over them. */
export function seedTable(rows: readonly ResultRecord[]): string {
  const spread = (s: SeedSpread) =>
    Number.isNaN(s.mean) ? '–' : `${fmt(s.mean)} ± ${fmt(s.sd)} (${fmt(s.min)}–${fmt(s.max)})`;
  return renderTable(
    ['data set', 'method', 'varied', 'seeds', 'F1', 'VUS-PR', 'peak F1'],
    summariseSeeds(rows).map((c) => [
      c.dataset,
      c.method,
      c.variedParam ? `${c.variedParam}=${c.variedValue}` : '',
      c.seeds.join(','),
      spread(c.metrics.f1),
      spread(c.metrics.vusPr),
      spread(c.metrics.peakF1),
    ]),
    ['l', 'l', 'l', 'l', 'r', 'r', 'r'],
  );
}
