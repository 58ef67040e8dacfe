/**
 * One run of a spatiotemporal experiment: fit a node detector on the train period, score the whole series,
 * choose τ on validation and evaluate the test period (docs/spatiotemporal.md §3). st-dda (unsupervised) fits on the
 * labelled train period and stops early on the labelled validation period, training on their normal windows only
 * (none of its steps labelled); the supervised baselines fit on the labelled periods.
 */
import type { FitProgress, NodeSeries, ResultRecord } from '@driftwatch/contracts';
import { anomalousSteps, createNodeDetector, normalWindowEnds, usesTfjs, type StDda } from '@driftwatch/models';
import { simulateCluster, type SimulationOptions } from '@driftwatch/simulate';
import { type StDatasetId, type StMethod, type StRun } from './experiments';
import { nodeStepMetrics, tsbAdWindowOf, type NodeStepMetrics } from './metrics';
import { NEZHA_DATASETS, nezhaNodeSeries, type LabelWindowSummary, type NezhaGraphSource } from './nezha-series';
import { sliceNodeSeries, splitPeriods, type Periods, type SplitFractions, type SplitSpan } from './periods';
import type { LabelWindow } from '@driftwatch/ingest';

/** A data set ready for runs: the series, its periods and how it was made. */
export interface PreparedStDataset {
  id: StDatasetId;
  series: NodeSeries;
  periods: Periods;
  labelWindow?: LabelWindowSummary;
  graphSource: string;
  /** what produced the series (simulator options and seed, or the Nezha date and options) */
  params: Record<string, unknown>;
  notes: string[];
}

export interface StDatasetOptions {
  dataRoot: () => string;
  labelWindow: LabelWindow;
  nezhaGraph: NezhaGraphSource;
  graphWindowMinutes: number;
  split: SplitFractions;
  span: SplitSpan;
  seed: number;
}

/** Loads a Nezha day or runs the simulator, then cuts the periods. */
export async function prepareStDataset(
  id: StDatasetId,
  simulation: SimulationOptions | undefined,
  options: StDatasetOptions,
): Promise<PreparedStDataset> {
  if (id === 'sim') {
    const sim = simulateCluster(simulation ?? {}, options.seed);
    const series = sim.series;
    return {
      id,
      series,
      periods: splitPeriods(series, options.split, options.span),
      graphSource: 'simulated observed graphs (true call graph with structural noise)',
      params: { simulation: simulation ?? {}, seed: options.seed },
      notes: [],
    };
  }
  const { date } = NEZHA_DATASETS[id];
  const loaded = await nezhaNodeSeries(options.dataRoot(), {
    date,
    labelWindow: options.labelWindow,
    graph: options.nezhaGraph,
    graphWindowMinutes: options.graphWindowMinutes,
  });
  return {
    id,
    series: loaded.series,
    periods: splitPeriods(loaded.series, options.split, options.span),
    labelWindow: loaded.labelWindow,
    graphSource: loaded.graphSource,
    params: {
      date,
      labelWindow: options.labelWindow,
      graph: loaded.graphSource,
      graphWindowMinutes: options.graphWindowMinutes,
    },
    notes: loaded.notes,
  };
}

export interface StRunOutcome {
  /** one per score: st-dda gives 'st-dda-latent' and 'st-dda-forecast' */
  lines: { method: string; metrics: NodeStepMetrics; params: Record<string, unknown> }[];
  trainSeconds: number;
  scoreSeconds: number;
  epochs?: number;
  bestValLoss?: number;
  /** st-dda: the train period's window ends with a next step, and those of them that train (no step labelled) */
  trainWindows?: { all: number; normal: number };
  /** st-dda: the same for the validation period (its normal windows give the early-stopping loss) */
  validationWindows?: { all: number; normal: number };
  /** what the run had to do differently, for the results lines */
  warnings?: string[];
}

/** Fits and scores one method on one prepared data set. */
export async function runStMethod(
  method: StMethod,
  data: PreparedStDataset,
  windowLength: number,
  opts: { epochs: number; seed: number; onProgress?: (p: FitProgress) => void },
): Promise<StRunOutcome> {
  const { series, periods } = data;
  const N = series.entities.length;
  const train = sliceNodeSeries(series, periods.train[0], periods.train[1], 'train');
  const validation = sliceNodeSeries(series, periods.validation[0], periods.validation[1], 'validation');
  const tsbAdWindow = tsbAdWindowOf(series.values, N * series.features.length, periods.test);
  const evaluate = (scores: Float32Array, W: number) =>
    nodeStepMetrics(scores, series.labels!, N, periods, W, tsbAdWindow);
  if (method === 'st-dda') {
    const detector = createNodeDetector('st-dda', { windowLength, graph: series.graphs ? 'dynamic' : 'none' }) as StDda;
    try {
      const W = detector.config.windowLength;
      const windowsOf = (s: NodeSeries) => ({
        all: Math.max(0, s.length - W),
        normal: normalWindowEnds(s.length, W, anomalousSteps(s)).length,
      });
      const trainWindows = windowsOf(train);
      const validationWindows = windowsOf(validation);
      // one labelled entity makes a whole step anomalous, so frequent faults (many nodes) can leave a validation
      // period without one normal window: then no early stopping, the epoch budget trains
      const warnings =
        validationWindows.normal === 0
          ? [
              `the validation period has no window free of labelled steps (of ${validationWindows.all}): st-dda ` +
                `trained the full ${opts.epochs} epochs without early stopping`,
            ]
          : [];
      const t0 = performance.now();
      const report = await detector.fit(train, {
        seed: opts.seed,
        epochs: opts.epochs,
        validation: validationWindows.normal > 0 ? validation : undefined,
        onProgress: opts.onProgress,
      });
      const trainSeconds = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const latent = await detector.scoreNodesWith(series, { score: 'latent' });
      const forecast = await detector.scoreNodesWith(series, { score: 'forecast' });
      const scoreSeconds = (performance.now() - t1) / 1000;
      const params = { ...detector.config };
      return {
        lines: [
          { method: 'st-dda-latent', metrics: evaluate(latent, windowLength), params: { ...params, score: 'latent' } },
          // the forecast score needs steps t − W … t, so its first finite step is W
          {
            method: 'st-dda-forecast',
            metrics: evaluate(forecast, windowLength + 1),
            params: { ...params, score: 'forecast' },
          },
        ],
        trainSeconds,
        scoreSeconds,
        epochs: report.epochs,
        bestValLoss: report.bestValLoss,
        trainWindows,
        validationWindows,
        warnings,
      };
    } finally {
      detector.dispose();
    }
  }
  // the epoch budget bounds the networks; gbdt keeps its boosting rounds (epochs would cap them at the same budget)
  const detector = createNodeDetector(method, { windowLength });
  try {
    const t0 = performance.now();
    const report = await detector.fit(train, {
      seed: opts.seed,
      validation,
      onProgress: opts.onProgress,
      ...(usesTfjs(method) ? { epochs: opts.epochs } : {}),
    });
    const trainSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const scores = await detector.scoreNodes(series);
    const scoreSeconds = (performance.now() - t1) / 1000;
    return {
      lines: [{ method, metrics: evaluate(scores, windowLength), params: { ...detector.config } }],
      trainSeconds,
      scoreSeconds,
      epochs: report.epochs,
      bestValLoss: report.bestValLoss,
    };
  } finally {
    detector.dispose();
  }
}

/** The results lines of one run: every metric, timings, the label window, the periods and the exact parameters. */
export function stResultLines(
  run: StRun,
  data: PreparedStDataset,
  outcome: StRunOutcome,
  context: { seed: number; dataSeed?: number; backend: string; command: string; budget: Record<string, unknown> },
): ResultRecord[] {
  return outcome.lines.map(({ method, metrics, params }) => ({
    benchmark: 'st',
    experiment: run.experiment,
    method,
    dataset: run.dataset,
    testSequence: data.series.id,
    variedParam: run.varied?.param ?? null,
    variedValue: run.varied?.value ?? null,
    windowLength: run.windowLength,
    entities: data.series.entities.length,
    steps: data.series.length,
    // st lines are not smoothed; the field keeps them readable by every report loader
    smoothing: 0,
    accuracy: metrics.accuracy,
    precision: metrics.precision,
    recall: metrics.recall,
    f1: metrics.f1,
    threshold: metrics.threshold,
    validationF1: metrics.validationF1,
    peakF1: metrics.peakF1,
    peakPrecision: metrics.peakPrecision,
    peakRecall: metrics.peakRecall,
    aucPr: metrics.aucPr,
    vusPr: metrics.vusPr,
    vusRoc: metrics.vusRoc,
    tsbAdVusPr: metrics.tsbAdVusPr,
    tsbAdWindow: metrics.tsbAdWindow,
    cells: {
      validation: metrics.validationCells,
      validationPositives: metrics.validationPositives,
      test: metrics.testCells,
      testPositives: metrics.testPositives,
    },
    periods: data.periods,
    labelWindow: data.labelWindow ?? null,
    graphSource: data.graphSource,
    trainSeconds: outcome.trainSeconds,
    scoreSeconds: outcome.scoreSeconds,
    epochs: outcome.epochs ?? null,
    bestValLoss: outcome.bestValLoss ?? null,
    ...(outcome.trainWindows ? { trainWindows: outcome.trainWindows } : {}),
    ...(outcome.validationWindows ? { validationWindows: outcome.validationWindows } : {}),
    backend: usesTfjs(method) ? context.backend : 'js',
    seed: context.seed,
    ...(context.dataSeed !== undefined ? { dataSeed: context.dataSeed } : {}),
    params,
    dataParams: data.params,
    budget: context.budget,
    warnings: [...(outcome.warnings ?? []), ...metrics.warnings],
    command: context.command,
  }));
}
