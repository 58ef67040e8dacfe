/**
 * The four experiments of docs/spatiotemporal.md §4 as lists of runs: (a) compare methods × data sets, (b) window
 * length, (c) node scale (simulated), (d) robustness to structural noise, rewiring rate and burst amplitude
 * (simulated). A run is one (experiment, data set, method, varied value); st-dda gives two results lines per run
 * (its latent and forecast scores come from one trained model).
 */
import { ParameterError, type ResultRecord } from '@driftwatch/contracts';
import type { SimulationOptions } from '@driftwatch/simulate';
import type { NodeDetectorId } from '@driftwatch/models';

export const ST_EXPERIMENTS = ['compare', 'window', 'scale', 'robustness'] as const;
export type StExperiment = (typeof ST_EXPERIMENTS)[number];

/** A node detector of the models registry (its list is `ST_METHODS` in st/methods.ts, which loads the registry). */
export type StMethod = NodeDetectorId;

export const ST_DATASETS = ['nezha-ob', 'nezha-tt', 'sim'] as const;
export type StDatasetId = (typeof ST_DATASETS)[number];

/** Window lengths of experiment (b). */
export const WINDOW_LENGTHS = [4, 8, 12, 16, 20] as const;
/** Node counts of experiment (c). */
export const NODE_COUNTS = [32, 64, 96, 128] as const;
/** Levels of each knob of experiment (d); the middle values sit at or near the simulator's defaults (0.1, 0.01, 2). */
export const ROBUSTNESS_LEVELS = {
  structuralNoise: [0, 0.2, 0.4],
  rewiring: [0, 0.02, 0.05],
  burstAmplitude: [0, 2, 4],
} as const;
export type RobustnessKnob = keyof typeof ROBUSTNESS_LEVELS;

/** Which data sets each experiment runs on when --datasets is not given. */
export const DEFAULT_DATASETS: Record<StExperiment, StDatasetId[]> = {
  compare: ['nezha-ob', 'nezha-tt', 'sim'],
  window: ['nezha-ob', 'sim'],
  scale: ['sim'],
  robustness: ['sim'],
};

/** The budget defaults: small enough that each experiment finishes in minutes on 2 cores. */
export interface StBudget {
  epochs: number;
  windowLength: number;
  simNodes: number;
  simSteps: number;
  /** T of the scale experiment's clusters (they grow to 128 nodes) */
  scaleSteps: number;
}

export const DEFAULT_BUDGET: StBudget = {
  epochs: 10,
  windowLength: 12,
  simNodes: 32,
  simSteps: 1500,
  scaleSteps: 1000,
};

export interface StRun {
  experiment: StExperiment;
  dataset: StDatasetId;
  method: StMethod;
  windowLength: number;
  /** the parameter this experiment varies and its value here; none for compare */
  varied?: { param: string; value: number };
  /** the simulator's options for a simulated data set */
  simulation?: SimulationOptions;
  /** the model's seed (`withModelSeeds`); without it, the benchmark's seed */
  seed?: number;
}

/** The method that wrote a results line: st-dda's one model gives the lines 'st-dda-latent' and 'st-dda-forecast'. */
export function stRunMethodOf(lineMethod: string): string {
  return lineMethod.startsWith('st-dda') ? 'st-dda' : lineMethod;
}

/**
 * The same key for a run and for its results lines, so --resume can skip finished runs; with a seed it names one
 * seed of the cell, without one the cell.
 */
export function stRunKey(r: {
  experiment: string;
  dataset: string;
  method: string;
  varied?: { param: string; value: number } | null;
  seed?: number;
}): string {
  const parts = [
    r.experiment,
    r.dataset,
    stRunMethodOf(r.method),
    r.varied ? `${r.varied.param}=${r.varied.value}` : '',
  ];
  return (r.seed === undefined ? parts : [...parts, `seed=${r.seed}`]).join('|');
}

/** The key of a results line written by `stResultLines`. */
export function stResultLineKey(r: ResultRecord): string {
  return stRunKey({
    experiment: String(r.experiment),
    dataset: r.dataset,
    method: r.method,
    varied: r.variedParam ? { param: String(r.variedParam), value: Number(r.variedValue) } : null,
    seed: typeof r.seed === 'number' ? r.seed : undefined,
  });
}

/**
 * Fewest root faults of a simulated cluster: the simulator's default T·N/3200 gives none to a tiny test cluster, whose
 * train and validation periods then hold no anomaly.
 */
export const MIN_SIM_FAULTS = 6;

/** The simulator options of the default cluster of a budget, with overrides. */
export function simOptions(
  budget: StBudget,
  overrides: {
    nodes?: number;
    steps?: number;
    structuralNoise?: number;
    rewiring?: number;
    burstAmplitude?: number;
  } = {},
): SimulationOptions {
  const nodes = overrides.nodes ?? budget.simNodes;
  const steps = overrides.steps ?? budget.simSteps;
  // the simulator's default count, T·N/3200 (a constant share of faulty node-steps), with a floor
  const options: SimulationOptions = {
    nodes,
    steps,
    faults: { count: Math.max(MIN_SIM_FAULTS, Math.round((steps * nodes) / 3200)) },
  };
  if (overrides.structuralNoise !== undefined) options.structuralNoise = overrides.structuralNoise;
  if (overrides.rewiring !== undefined) options.rewiring = overrides.rewiring;
  if (overrides.burstAmplitude !== undefined) options.workload = { burstAmplitude: overrides.burstAmplitude };
  return options;
}

/** Every run of one experiment, data set by data set, then by varied value, then by method. */
export function experimentRuns(
  experiment: StExperiment,
  datasets: readonly StDatasetId[],
  methods: readonly StMethod[],
  budget: StBudget,
  levels?: readonly number[],
): StRun[] {
  if (levels && (experiment === 'compare' || experiment === 'robustness'))
    throw new ParameterError(
      `levels replace the window lengths or node counts of the window and scale experiments; ` +
        `'${experiment}' takes none`,
    );
  const simulatedOnly = experiment === 'scale' || experiment === 'robustness';
  const nezha = datasets.filter((d) => d !== 'sim');
  if (simulatedOnly && nezha.length > 0)
    throw new ParameterError(
      `experiment '${experiment}' varies the simulator and runs on 'sim' only; drop ${nezha.join(', ')} ` +
        `from --datasets`,
    );
  const runs: StRun[] = [];
  const W = budget.windowLength;
  for (const dataset of datasets) {
    const sim = dataset === 'sim' ? simOptions(budget) : undefined;
    const variants: { varied?: StRun['varied']; windowLength: number; simulation?: SimulationOptions }[] = [];
    if (experiment === 'compare') variants.push({ windowLength: W, simulation: sim });
    if (experiment === 'window')
      for (const w of levels ?? WINDOW_LENGTHS)
        variants.push({ varied: { param: 'windowLength', value: w }, windowLength: w, simulation: sim });
    if (experiment === 'scale') {
      for (const n of levels ?? NODE_COUNTS)
        variants.push({
          varied: { param: 'nodes', value: n },
          windowLength: W,
          simulation: simOptions(budget, { nodes: n, steps: budget.scaleSteps }),
        });
    }
    if (experiment === 'robustness') {
      for (const [knob, levels] of Object.entries(ROBUSTNESS_LEVELS) as [RobustnessKnob, readonly number[]][]) {
        for (const value of levels)
          variants.push({
            varied: { param: knob, value },
            windowLength: W,
            simulation: simOptions(budget, { [knob]: value }),
          });
      }
    }
    for (const v of variants) for (const method of methods) runs.push({ experiment, dataset, method, ...v });
  }
  return runs;
}

export function parseStExperiment(text: string | undefined): StExperiment {
  if (!text || !(ST_EXPERIMENTS as readonly string[]).includes(text)) {
    throw new ParameterError(
      `bench st needs an experiment: ${ST_EXPERIMENTS.join(', ')}${text ? ` (got '${text}')` : ''}`,
    );
  }
  return text as StExperiment;
}

/** A comma-separated list checked against the known values. */
export function parseKnownList<T extends string>(items: readonly string[], known: readonly T[], what: string): T[] {
  const bad = items.filter((x) => !(known as readonly string[]).includes(x));
  if (bad.length > 0)
    throw new ParameterError(`unknown ${what} ${bad.map((b) => `'${b}'`).join(', ')}; known: ${known.join(', ')}`);
  if (items.length === 0)
    throw new ParameterError(`--${what === 'method' ? 'methods' : 'datasets'} needs at least one ${what}`);
  return [...new Set(items)] as T[];
}
