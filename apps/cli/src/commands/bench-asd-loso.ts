import { join } from 'node:path';
import type { ResultRecord } from '@driftwatch/contracts';
import {
  gridPoints,
  heldOutEntities,
  isDeepMethod,
  methodConfigs,
  parseLearningRateGrid,
  parseMethods,
  parseParamOverrides,
  parseShard,
  readGridFile,
  runLeaveOneOut,
  type CandidateFit,
} from '@driftwatch/experiments';
import { listOmniEntities } from '@driftwatch/ingest';
import { initBackend, describeBackend } from '@driftwatch/models';
import { commandLine, intOption, listOption, optionalString, type Command } from '../command';
import { dataRoot, datasetsLockPath } from '../workspace';
import { stderrObserver } from '../progress';
import { fmt, renderTable } from '../table';
import { UsageError } from '../cli-error';
import { withResumeHint } from '../resume-hint';
import type { BackendPreference } from '@driftwatch/models';
import { benchAsdLosoDefinition } from './bench-asd-loso.def';

export const benchAsdLoso: Command = {
  ...benchAsdLosoDefinition,
  async run(values, _positionals, argv) {
    const methods = parseMethods(listOption(values, 'methods') ?? []);
    if (methods.length === 0) throw new UsageError('--methods needs at least one method id');
    const seed = intOption(values, 'seed', 0);
    const epochs = intOption(values, 'epochs', 10, 1);
    const trainStride = intOption(values, 'train-stride', 1, 1);
    const overrides = parseParamOverrides(optionalString(values, 'params'));
    const lrGrid = parseLearningRateGrid(optionalString(values, 'lr-grid'));
    const outDir = optionalString(values, 'out') ?? join('bench-results', 'asd-loso');
    const root = dataRoot(values);
    const servers = heldOutEntities(listOption(values, 'servers') ?? ['all'], await listOmniEntities(root, 'asd'));
    const gridFile = optionalString(values, 'grid');
    const grid = gridFile ? await readGridFile(gridFile) : undefined;
    const configs = grid ? gridPoints(grid) : methodConfigs(methods, lrGrid);
    // `--shard auto/n` takes its index from a Kubernetes Indexed Job (deploy/k8s/grid-job.yaml)
    const shard = parseShard(optionalString(values, 'shard'), process.env.JOB_COMPLETION_INDEX);

    const backend = configs.some((c) => isDeepMethod(c.method))
      ? await initBackend(((values.backend as string) ?? 'auto') as BackendPreference)
      : undefined;
    if (backend) process.stderr.write(`${describeBackend(backend)}\n`);

    const { resultsPath, rows } = await withResumeHint(
      runLeaveOneOut(
        {
          dataRoot: root,
          dataset: 'asd',
          servers,
          configs,
          ...(grid?.smoothing ? { smoothingGrid: grid.smoothing } : {}),
          shard,
          outDir,
          resume: values.resume === true,
          seed,
          epochs,
          trainStride,
          overrides,
          backend,
          command: commandLine(argv),
          lockPath: datasetsLockPath(),
        },
        stderrObserver(fitSummary),
      ),
      'the finished (method, server) pairs',
    );
    process.stdout.write(
      `\n${summaryTable(rows, [...new Set(configs.map((c) => c.method))], servers)}\n\nresults: ${resultsPath}\n`,
    );
    return 0;
  },
};

/** The line that closes a fit's progress bar. */
function fitSummary(fit: CandidateFit): string {
  const loss = fit.report.bestValLoss;
  const windows = `${fit.trainWindows} train / ${fit.validationWindows} validation windows`;
  return `${windows}, ${fit.report.epochs} epochs${loss !== undefined ? `, best val loss ${loss.toFixed(3)}` : ''}`;
}

/** Best smoothing per (server, method), then the mean over servers per method. */
export function summaryTable(rows: ResultRecord[], methods: string[], servers: string[]): string {
  const body: (string | number)[][] = [];
  const means = new Map<string, number[]>();
  for (const server of servers) {
    for (const method of methods) {
      const mine = rows.filter((r) => r.method === method && r.testSequence.endsWith(`/${server}`));
      if (mine.length === 0) continue;
      const best = mine.reduce((a, b) => (b.peakF1 > a.peakF1 ? b : a));
      const median = [...mine.map((r) => r.peakF1)].sort((a, b) => a - b)[Math.floor((mine.length - 1) / 2)];
      means.set(method, [...(means.get(method) ?? []), best.peakF1]);
      body.push([
        server,
        method,
        fmt(best.peakF1),
        fmt(median),
        String(best.smoothing),
        fmt(best.precision),
        fmt(best.recall),
        fmt(best.aucPr),
        fmt(best.trainSeconds, 1),
        fmt(best.scoreSeconds, 2),
      ]);
    }
  }
  for (const [method, vals] of means) {
    body.push(['mean', method, fmt(vals.reduce((a, b) => a + b, 0) / vals.length), '', '', '', '', '', '', '']);
  }
  return renderTable(
    ['server', 'method', 'peak F1 (best β)', 'median over β', 'β', 'P', 'R', 'AUC-PR', 'train s', 'score s'],
    body,
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}
