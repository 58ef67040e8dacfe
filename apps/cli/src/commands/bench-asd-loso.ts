import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import type { Detector, FitReport, ResultRecord } from '@driftwatch/contracts';
import { evaluateOverSmoothing, recordScores, SMOOTHING_GRID } from '@driftwatch/eval';
import { initBackend, describeBackend } from '@driftwatch/models';
import { listOmniEntities, subsetIndexedWindows, writeFileAtomic, writeScoreFile, type IndexedWindowSet } from '@driftwatch/ingest';
import { commandLine, intOption, listOption, optionalString, type Command } from '../command';
import { dataRoot, datasetsLockPath } from '../workspace';
import { dataChecksums } from '../experiments/data-checksums';
import { gridPoints, readGridFile } from '../experiments/grid-file';
import { isLatentEncoder, latentProjection, writeLatentProjection } from '../experiments/latent-projection';
import { isDeepMethod, makeDetector, methodParams, parseMethods, parseParamOverrides } from '../methods';
import { loadEntitySequences, prepareTrainingData, resolveEntities, testWindows, trainingWindows } from '../experiments/omni-protocol';
import { fitProgressReporter, progressBar } from '../progress';
import { appendResult, readResults } from '../results-file';
import { fmt, renderTable } from '../table';
import { UsageError } from '../cli-error';
import type { BackendPreference, DetectorId } from '@driftwatch/models';
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
    const available = await listOmniEntities(root, 'asd');
    const serversFlag = listOption(values, 'servers') ?? ['all'];
    const servers = serversFlag.length === 1 && serversFlag[0] === 'all' ? available : resolveEntities(serversFlag, available);
    const gridFile = optionalString(values, 'grid');
    const grid = gridFile ? await readGridFile(gridFile) : undefined;
    const configs: Config[] = grid
      ? gridPoints(grid)
      : methods.map((method) => ({ method, point: {}, learningRates: lrGrid }));
    const smoothingGrid = grid?.smoothing ?? SMOOTHING_GRID;
    const pairs = shardPairs(servers, configs, parseShard(optionalString(values, 'shard')));

    const backend = configs.some((c) => isDeepMethod(c.method))
      ? await initBackend(((values.backend as string) ?? 'auto') as BackendPreference)
      : undefined;
    if (backend) process.stderr.write(`${describeBackend(backend)}\n`);

    // read (and so validate) all data before anything is written under --out
    process.stderr.write(`reading ASD from ${root} …\n`);
    const sequences = await loadEntitySequences(root, 'asd');
    const command = commandLine(argv);
    await mkdir(outDir, { recursive: true });
    const resultsPath = join(outDir, 'results.jsonl');
    const previous = await readResults(resultsPath);
    if (previous.length > 0 && values.resume !== true) {
      throw new UsageError(`${resultsPath} already holds ${previous.length} results lines: pass --resume to skip the finished (method, server) pairs, or name another --out`);
    }
    const runKey = (method: string, testSequence: string, gridPoint: unknown) => `${method}|${testSequence}|${typeof gridPoint === 'string' ? gridPoint : ''}`;
    const done = new Set(previous.map((r) => runKey(r.method, r.testSequence, r.gridPoint)));
    const dataFiles = { dataset: 'asd', files: await dataChecksums(root, 'asd', datasetsLockPath()) };
    await writeFileAtomic(
      join(outDir, 'run.json'),
      JSON.stringify(
        {
          command,
          startedAt: new Date().toISOString(),
          backend: backend ?? { name: 'js' },
          machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, platform: `${os.platform()} ${os.arch()}`, node: process.version },
          data: dataFiles,
        },
        null,
        2,
      ) + '\n',
    );

    const rows: ResultRecord[] = [...previous];
    for (const server of servers) {
      const mine = pairs.filter((p) => p.server === server).map((p) => p.config);
      if (mine.length === 0) continue;
      const testSeq = sequences.find((s) => s.entity === server)!;
      const data = prepareTrainingData(sequences.filter((s) => s.entity !== server));
      for (const { method, point, id, learningRates } of mine) {
        const testId = testSeq.id;
        const label = `${method}${id ? ` [${id}]` : ''}`;
        if (done.has(runKey(method, testId, id))) {
          process.stderr.write(`${label} on ${server}: already in ${resultsPath}, skipped\n`);
          continue;
        }
        const params = { ...methodParams(method, 'asd', overrides, epochs), ...point };
        const suffix = id ? `.${id}` : '';
        const probe = makeDetector(method, params);
        const W = probe.windowLength;
        probe.dispose();
        const all = trainingWindows(data, W);
        const stride = isDeepMethod(method) ? trainStride : 1;
        const windows = stride > 1 ? { ...all, train: subsetIndexedWindows(all.train, Int32Array.from({ length: Math.ceil(all.train.count / stride) }, (_, i) => i * stride)) } : all;
        const { detector, report, trainSeconds, lrSelection } = await fitSelectingLearningRate(
          method,
          params,
          isDeepMethod(method) ? learningRates : undefined,
          windows,
          seed,
          `${label} ${server}`,
        );
        const tw = testWindows(testSeq, data.standardisation, W);
        const t1 = performance.now();
        const windowScores = await detector.scoreWindows(tw);
        const scoreSeconds = (performance.now() - t1) / 1000;
        const validationScores = await detector.scoreWindows(windows.validation);
        if (isLatentEncoder(detector)) {
          const projection = await latentProjection(detector, method, windows.validation, tw, testId, testSeq.labels!, testSeq.domain);
          await mkdir(join(outDir, 'latent', method), { recursive: true });
          await writeLatentProjection(join(outDir, 'latent', method, `${server}${suffix}.json`), projection);
        }
        detector.dispose();
        const calibration = splitBySequence(windows.validation, validationScores);
        await mkdir(join(outDir, 'scores', method), { recursive: true });
        await writeScoreFile(join(outDir, 'scores', method, `${server}${suffix}.arrow`), [
          { sequenceId: testId, scores: recordScores(windowScores, W, 0) },
          ...calibration.map((c) => ({ sequenceId: `validation:${data.validation[c.sequence].id}`, scores: c.scores })),
        ]);
        const labels = testSeq.labels!;
        const evaluated = evaluateOverSmoothing(windowScores, labels, W, { grid: smoothingGrid, calibration: calibration.map((c) => c.scores) });
        for (const { smoothing, result: r, deployed } of evaluated) {
          const record: ResultRecord = {
            method,
            dataset: 'asd',
            testSequence: testId,
            smoothing,
            peakF1: r.peakF1,
            precision: r.precision,
            recall: r.recall,
            threshold: r.threshold,
            aucPr: r.aucPr,
            deployed,
            trainSeconds,
            scoreSeconds,
            // the shallow baselines run in plain JavaScript whatever tfjs backend the process loaded
            backend: isDeepMethod(method) && backend ? backend.name : 'js',
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
    process.stdout.write(`\n${summaryTable(rows, [...new Set(configs.map((c) => c.method))], servers)}\n\nresults: ${resultsPath}\n`);
    return 0;
  },
};

/** Window scores grouped by the sequence (training server) each window comes from, in time order. */
export function splitBySequence(windows: IndexedWindowSet, scores: Float32Array): { sequence: number; scores: Float32Array }[] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < windows.count; i++) {
    const k = windows.sequenceOf(i);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(scores[i]);
  }
  return [...groups].sort((a, b) => a[0] - b[0]).map(([sequence, list]) => ({ sequence, scores: Float32Array.from(list) }));
}

/** `--shard i/n` → { index: i − 1, count: n }; none = the whole grid. */
/** One configuration to run on every held-out server: a method, its grid values, an id when it comes from a grid file. */
interface Config {
  method: DetectorId;
  point: Record<string, unknown>;
  id?: string;
  learningRates?: number[];
}

export function parseShard(v: string | undefined): { index: number; count: number } {
  if (v === undefined) return { index: 0, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const [i, n] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(n >= 1 && i >= 1 && i <= n)) throw new UsageError(`--shard expects i/n with 1 ≤ i ≤ n (e.g. 2/4), got '${v}'`);
  return { index: i - 1, count: n };
}

/** The (server, configuration) pairs of one shard: the k-th pair of the server-major order goes to shard k mod n. */
export function shardPairs<T>(servers: string[], configs: T[], shard: { index: number; count: number }): { server: string; config: T }[] {
  const all = servers.flatMap((server) => configs.map((config) => ({ server, config })));
  return all.filter((_, k) => k % shard.count === shard.index);
}

export const PAPER_LR_GRID = [1e-5, 3e-5, 1e-4, 3e-4];

export function parseLearningRateGrid(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  if (v === 'paper') return PAPER_LR_GRID;
  const grid = v.split(',').map((x) => Number(x.trim()));
  if (grid.length === 0 || grid.some((x) => !(x > 0 && Number.isFinite(x)))) throw new UsageError(`--lr-grid expects 'paper' or positive numbers separated by commas, got '${v}'`);
  return grid;
}

/** Index of the lowest validation loss; the first wins ties, and a missing loss never wins. */
export function lowestValidationLoss(losses: (number | undefined)[]): number {
  let best = -1;
  for (let i = 0; i < losses.length; i++) {
    const l = losses[i];
    if (l !== undefined && Number.isFinite(l) && (best < 0 || l < losses[best]!)) best = i;
  }
  return best < 0 ? 0 : best;
}

/**
 * Fits one detector, or one per learning rate of `grid`, keeping the lowest best validation loss: labels are
 * never looked at (divad.md §3.3). `trainSeconds` is the cost of the whole selection.
 */
async function fitSelectingLearningRate(
  method: DetectorId,
  params: Record<string, unknown>,
  grid: number[] | undefined,
  windows: ReturnType<typeof trainingWindows>,
  seed: number,
  label: string,
): Promise<{ detector: Detector; report: FitReport; trainSeconds: number; lrSelection?: { learningRate: number; bestValLoss?: number }[] }> {
  const t0 = performance.now();
  const candidates: { detector: Detector; report: FitReport }[] = [];
  for (const learningRate of grid ?? [undefined]) {
    const detector = makeDetector(method, learningRate === undefined ? params : { ...params, learningRate });
    const bar = progressBar(`${label}${learningRate === undefined ? '' : ` lr ${learningRate}`} fit`, 1);
    const report = await detector.fit(windows.train, { seed, validation: windows.validation, onProgress: fitProgressReporter(bar) });
    bar.done(`${windows.train.count} train / ${windows.validation.count} validation windows, ${report.epochs} epochs${report.bestValLoss !== undefined ? `, best val loss ${report.bestValLoss.toFixed(3)}` : ''}`);
    candidates.push({ detector, report });
  }
  const best = lowestValidationLoss(candidates.map((c) => c.report.bestValLoss));
  candidates.forEach((c, i) => i !== best && c.detector.dispose());
  const trainSeconds = (performance.now() - t0) / 1000;
  const lrSelection = grid?.map((learningRate, i) => ({ learningRate, bestValLoss: candidates[i].report.bestValLoss }));
  return { ...candidates[best], trainSeconds, lrSelection };
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
      body.push([server, method, fmt(best.peakF1), fmt(median), String(best.smoothing), fmt(best.precision), fmt(best.recall), fmt(best.aucPr), fmt(best.trainSeconds, 1), fmt(best.scoreSeconds, 2)]);
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
