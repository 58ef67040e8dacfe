import { join } from 'node:path';
import type { ResultRecord } from '@driftwatch/contracts';
import {
  defaultJobs,
  gridPoints,
  isDeepMethod,
  methodConfigs,
  parseLearningRateGrid,
  parseMethods,
  parseParamOverrides,
  parseShard,
  readGridFile,
  runProtocol,
  type CandidateFit,
  type ProtocolSource,
} from '@driftwatch/experiments';
import { initBackend, describeBackend, type BackendPreference } from '@driftwatch/models';
import { commandLine, intOption, listOption, optionalString, type Command, type OptionValues } from '../command';
import { dataRoot, datasetsLockPath } from '../workspace';
import { stderrObserver } from '../progress';
import { fmt, renderTable } from '../table';
import { UsageError } from '../cli-error';
import { withResumeHint } from '../resume-hint';
import { benchWindowsDefinition } from './bench-windows.def';

export const benchWindows: Command = {
  ...benchWindowsDefinition,
  async run(values, _positionals, argv) {
    const protocol = optionalString(values, 'protocol');
    if (!protocol) throw new UsageError('bench windows needs --protocol loso, per-entity or tsb-ad');
    const inputs = (values.input as string[] | undefined) ?? [];
    const dataset = optionalString(values, 'dataset');
    let source: ProtocolSource;
    if (protocol === 'tsb-ad') {
      if (inputs.length === 0) throw new UsageError('--protocol tsb-ad reads --input <file|folder> (TSB-AD CSV files)');
      if (dataset) throw new UsageError('--dataset names an OmniAnomaly data set; --protocol tsb-ad reads --input');
      source = { protocol, paths: inputs };
    } else if (protocol === 'loso' || protocol === 'per-entity') {
      if (inputs.length > 0)
        throw new UsageError(`--input is for --protocol tsb-ad; --protocol ${protocol} reads --dataset asd|smd`);
      source = { protocol, dataRoot: dataRoot(values), dataset: dataset === 'smd' ? 'smd' : 'asd' };
    } else {
      throw new UsageError(`--protocol expects loso, per-entity or tsb-ad, got '${protocol}'`);
    }
    return runWindowsBench(values, argv, source, listOption(values, 'entities') ?? ['all']);
  },
};

/** The shared body of `bench windows` and `bench asd-loso`: flags → runProtocol → the summary table. */
export async function runWindowsBench(
  values: OptionValues,
  argv: string[],
  source: ProtocolSource,
  entities: string[],
): Promise<number> {
  const methods = parseMethods(listOption(values, 'methods') ?? []);
  if (methods.length === 0) throw new UsageError('--methods needs at least one method id');
  const seed = intOption(values, 'seed', 0);
  const epochs = intOption(values, 'epochs', 10, 1);
  const trainStride = intOption(values, 'train-stride', 1, 1);
  const overrides = parseParamOverrides(optionalString(values, 'params'));
  const lrGrid = parseLearningRateGrid(optionalString(values, 'lr-grid'));
  const defaultOut = source.protocol === 'loso' ? `${source.dataset}-loso` : source.protocol;
  const outDir = optionalString(values, 'out') ?? join('bench-results', defaultOut);
  const gridFile = optionalString(values, 'grid');
  const grid = gridFile ? await readGridFile(gridFile) : undefined;
  const configs = grid ? gridPoints(grid) : methodConfigs(methods, lrGrid);
  // `--shard auto/n` takes its index from a Kubernetes Indexed Job (deploy/k8s/grid-job.yaml)
  const shard = parseShard(optionalString(values, 'shard'), process.env.JOB_COMPLETION_INDEX);
  const jobs = intOption(values, 'jobs', defaultJobs(), 1);

  const backend = configs.some((c) => isDeepMethod(c.method))
    ? await initBackend(((values.backend as string) ?? 'auto') as BackendPreference)
    : undefined;
  if (backend) process.stderr.write(`${describeBackend(backend)}\n`);

  const { resultsPath, rows } = await withResumeHint(
    runProtocol(
      {
        source,
        servers: entities,
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
        jobs,
      },
      stderrObserver(fitSummary, { concurrent: jobs > 1 }),
    ),
    'the finished (method, entity) pairs',
  );
  const tested = [...new Set(rows.map((r) => entityOf(r.testSequence)))];
  process.stdout.write(
    `\n${summaryTable(rows, [...new Set(configs.map((c) => c.method))], tested)}\n\nresults: ${resultsPath}\n`,
  );
  return 0;
}

/** The entity of a test sequence id: its last part (asd/omi-1, smd/test/machine-2-1, tsb-ad/<name>). */
function entityOf(testSequence: string): string {
  return testSequence.slice(testSequence.lastIndexOf('/') + 1);
}

/** The line that closes a fit's progress bar. */
function fitSummary(fit: CandidateFit): string {
  const loss = fit.report.bestValLoss;
  const windows = `${fit.trainWindows} train / ${fit.validationWindows} validation windows`;
  return `${windows}, ${fit.report.epochs} epochs${loss !== undefined ? `, best val loss ${loss.toFixed(3)}` : ''}`;
}

/** Best smoothing per (entity, method), then the mean over entities per method. */
export function summaryTable(rows: ResultRecord[], methods: string[], servers: string[]): string {
  const body: (string | number)[][] = [];
  const means = new Map<string, number[]>();
  for (const server of servers) {
    for (const method of methods) {
      const mine = rows.filter((r) => r.method === method && entityOf(r.testSequence) === server);
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
    ['entity', 'method', 'peak F1 (best β)', 'median over β', 'β', 'P', 'R', 'AUC-PR', 'train s', 'score s'],
    body,
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}
